// The one place public routes read Vigil's state from: the read model the
// ledger publishes to KV (src/store/read-model.ts). Nothing here wakes the
// ledger.

import type { Config } from '../config/types';
import { kvFrom, type WorkerEnv } from '../env';
import { emptyView, READ_MODEL_KEYS, readPublished, type PublishedIncidents, type PublishedStatus, type StatusView } from '../store/read-model';

/** The published status (one KV read), or the empty view before the ledger's first publish. */
export async function readStatus(env: WorkerEnv, config: Config, now: number): Promise<{ view: StatusView; published?: PublishedStatus }> {
  const published = await readPublished<PublishedStatus>(kvFrom(env), READ_MODEL_KEYS.status);
  return published ? { view: published.view, published } : { view: emptyView(config, now) };
}

/** The incident history document (90 days of incidents, scheduled maintenance); undefined before its first publish. */
export function readIncidents(env: WorkerEnv): Promise<PublishedIncidents | undefined> {
  return readPublished<PublishedIncidents>(kvFrom(env), READ_MODEL_KEYS.incidents);
}
