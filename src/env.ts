// The Worker's bindings and vars (wrangler.toml) and secrets (wrangler secret put).

import type { KV } from './store/kv';

export interface WorkerEnv {
  /** The KV namespace the read model is published to (docs/storage.md). */
  VIGIL_KV: KV;
  /** The ledger Durable Object (one instance holds the engine's state). */
  LEDGER: DurableObjectNamespace;
  /** Probe Durable Objects (groups of checks, placed in regions). */
  PROBE: DurableObjectNamespace;
  /** Bearer token for /api/admin/* and the task route (wrangler secret put VIGIL_ADMIN_TOKEN). */
  VIGIL_ADMIN_TOKEN?: string;
  /** Every other var and secret, referenced by name from checks/. */
  [name: string]: unknown;
}

/** The KV binding, or a clear error when wrangler.toml lacks it. */
export function kvFrom(env: WorkerEnv): KV {
  if (!env.VIGIL_KV) throw new Error('the KV binding VIGIL_KV is missing: add [[kv_namespaces]] binding = "VIGIL_KV" to wrangler.toml');
  return env.VIGIL_KV;
}
