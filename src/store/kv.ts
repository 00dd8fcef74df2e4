// Workers KV access: the part of a KVNamespace Vigil uses, and a counter of
// reads and writes. KV holds only the published read model now
// (src/store/read-model.ts); the engine's state is in the ledger.

/** The part of a KVNamespace Vigil uses; benchmarks and the soak pass their own. */
export interface KV {
  get(key: string): Promise<string | null>;
  put(key: string, value: string, options?: { expirationTtl?: number; metadata?: unknown }): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Counts the operations a tick or request makes (reported per tick and by the benchmark). */
export class CountingKV implements KV {
  reads = 0;
  writes = 0;
  constructor(readonly inner: KV) {}
  get(key: string) {
    this.reads++;
    return this.inner.get(key);
  }
  put(key: string, value: string, options?: { expirationTtl?: number; metadata?: unknown }) {
    this.writes++;
    return this.inner.put(key, value, options);
  }
  delete(key: string) {
    this.writes++;
    return this.inner.delete(key);
  }
}

/** Keys the first (KV-only) design wrote; the ledger imports them once (src/ledger/migrate.ts). */
export const LEGACY_KEYS = { state: 'state', history: 'history', ping: (checkId: string) => `ping:${checkId}`, task: (checklist: string, item: string) => `task:${checklist}:${item}` } as const;
