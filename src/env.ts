// The Worker's bindings and vars (wrangler.toml) and secrets (wrangler secret put).

import type { KV } from './store/kv';

export interface WorkerEnv {
  /** The KV namespace Vigil keeps its state in (docs/storage.md). */
  VIGIL_KV: KV;
  /** Bearer token for /api/admin/* (wrangler secret put VIGIL_ADMIN_TOKEN). */
  VIGIL_ADMIN_TOKEN?: string;
  /** Every other var and secret, referenced by name from checks/. */
  [name: string]: unknown;
}

/** The KV binding, or a clear error when wrangler.toml lacks it. */
export function kvFrom(env: WorkerEnv): KV {
  if (!env.VIGIL_KV) throw new Error('the KV binding VIGIL_KV is missing: add [[kv_namespaces]] binding = "VIGIL_KV" to wrangler.toml');
  return env.VIGIL_KV;
}
