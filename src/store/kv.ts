// Workers KV access: the keys Vigil uses, a counter of reads and writes, and
// the state document with an in-isolate copy so unchanged ticks write nothing.
// Every key is documented in docs/storage.md.

import { emptyState, STATE_VERSION, utcDay, type EngineState } from './state';

/** The part of a KVNamespace Vigil uses; the Node CLI and benchmarks pass their own. */
export interface KV {
  get(key: string): Promise<string | null>;
  put(key: string, value: string, options?: { expirationTtl?: number; metadata?: unknown }): Promise<void>;
  delete(key: string): Promise<void>;
}

export const KEYS = {
  state: 'state',
  history: 'history',
} as const;

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

// The latest state this isolate holds, and the rev of the KV copy it started from.
// When KV still has that rev, the cached copy (with unsaved latencies and
// "last checked" times) is the newer one. So is it when KV answers with an
// older document than this isolate has seen (KV reads can lag writes by up to
// a minute): a stale read must not undo ticks that already ran here.
interface Cached {
  state: EngineState;
  basedOn: string | undefined;
}
const cache = new WeakMap<object, Cached>();

function cacheKey(kv: KV): object {
  return kv instanceof CountingKV ? cacheKey(kv.inner) : kv;
}

/** Loads the engine state: one KV read; the isolate's newer copy wins when KV has not moved on. */
export async function loadState(kv: KV, now: number): Promise<EngineState> {
  const raw = await kv.get(KEYS.state);
  const stored = raw ? parseState(raw) : undefined;
  const cached = cache.get(cacheKey(kv));
  if (cached && isCurrent(cached, stored)) return structuredClone(cached.state);
  const state = stored ?? emptyState(now);
  cache.set(cacheKey(kv), { state: structuredClone(state), basedOn: stored?.rev });
  return state;
}

/** Remembers `state` as this isolate's latest copy without writing it. */
export function keepState(kv: KV, state: EngineState): void {
  const cached = cache.get(cacheKey(kv));
  cache.set(cacheKey(kv), { state: structuredClone(state), basedOn: cached?.basedOn ?? state.rev });
}

/** Writes the state (one KV write) and counts it against today's budget. */
export async function saveState(kv: KV, state: EngineState, now: number): Promise<void> {
  countWrite(state, now);
  state.rev = crypto.randomUUID();
  state.lastSave = now;
  await kv.put(KEYS.state, JSON.stringify(state));
  cache.set(cacheKey(kv), { state: structuredClone(state), basedOn: state.rev });
}

/** Reads the state for a web request (read-only): the isolate's copy if it is current, else KV. */
export async function readState(kv: KV, now: number): Promise<EngineState> {
  const raw = await kv.get(KEYS.state);
  const stored = raw ? parseState(raw) : undefined;
  const cached = cache.get(cacheKey(kv));
  if (cached && isCurrent(cached, stored)) return cached.state;
  return stored ?? emptyState(now);
}

/**
 * The cached copy is current unless KV holds a version written by a tick it
 * has not seen. No document at all means the state was deleted (a reset).
 */
function isCurrent(cached: Cached, stored: EngineState | undefined): boolean {
  if (cached.basedOn === stored?.rev) return true;
  return stored !== undefined && (stored.lastTick ?? -Infinity) < (cached.state.lastTick ?? -Infinity);
}

export function countWrite(state: EngineState, now: number): void {
  const day = utcDay(now);
  if (state.writes.day !== day) state.writes = { day, count: 0 };
  state.writes.count++;
}

/** Counts a write made only for a pending change (the saveState that follows counts it in the total too). */
export function countPendingWrite(state: EngineState, now: number): void {
  const day = utcDay(now);
  if (state.writes.day !== day) state.writes = { day, count: 0 };
  state.writes.pending = (state.writes.pending ?? 0) + 1;
}

export function pendingWritesToday(state: EngineState, now: number): number {
  return state.writes.day === utcDay(now) ? (state.writes.pending ?? 0) : 0;
}

export function writesToday(state: EngineState, now: number): number {
  return state.writes.day === utcDay(now) ? state.writes.count : 0;
}

function parseState(raw: string): EngineState | undefined {
  try {
    const parsed = JSON.parse(raw) as EngineState;
    if (parsed.v !== STATE_VERSION) {
      console.error(`vigil: state has version ${String(parsed.v)}, expected ${STATE_VERSION}; starting afresh`);
      return undefined;
    }
    parsed.failed ??= [];
    parsed.delivered ??= [];
    return parsed;
  } catch (error) {
    console.error('vigil: the stored state is not valid JSON; starting afresh', error);
    return undefined;
  }
}
