// Heartbeat pings: one KV key per heartbeat check (`ping:<check id>`), written
// by the /ping routes and read by the heartbeat kind each tick. See
// docs/storage.md for the layout and write rates.

import type { KV } from './kv';
import { DAY_MS, utcDay } from './state';

export const PING_VERSION = 1;
/** Only the start of a ping body is kept (the job's last log lines fit). */
export const PING_BODY_MAX = 10 * 1024;
/** Pings kept with their bodies. */
export const RECENT_PINGS = 5;
/**
 * Writes a heartbeat may make ahead of an even spread of its daily allowance:
 * a start and a success close together, a retry or two.
 */
export const PING_WRITE_BURST = 5;

export type PingKind = 'success' | 'start' | 'fail';

export interface Ping {
  at: number;
  kind: PingKind;
  exitCode?: number;
  /** The first 10 KB of the request body (a job's output). */
  body?: string;
  /** The body was longer and was cut. */
  truncated?: true;
}

export interface PingRecord {
  v: typeof PING_VERSION;
  lastSuccess?: number;
  lastStart?: number;
  lastFail?: { at: number; exitCode?: number };
  /** How long the last run took (start → success), when it had a start ping. */
  lastDurationMs?: number;
  /** Newest last. */
  recent: Ping[];
  /** Pings received (including coalesced ones). */
  total: number;
  /** KV writes of this key today (UTC), against the per-heartbeat allowance. */
  writes: { day: string; count: number };
  /**
   * Set when this write used up the allowance so far: pings after it wait
   * until this time (and a ping after it) to be written, so KV may not show
   * them before then.
   */
  heldUntil?: number;
}

export const pingKey = (checkId: string) => `ping:${checkId}`;

export function emptyPingRecord(): PingRecord {
  return { v: PING_VERSION, recent: [], total: 0, writes: { day: '', count: 0 } };
}

export async function readPings(kv: KV, checkId: string): Promise<PingRecord | undefined> {
  const raw = await kv.get(pingKey(checkId));
  if (!raw) return undefined;
  try {
    const parsed = JSON.parse(raw) as PingRecord;
    return parsed.v === PING_VERSION ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Adds a ping to a record (returns a new record). */
export function applyPing(record: PingRecord, ping: Ping): PingRecord {
  const next: PingRecord = { ...record, recent: [...record.recent, ping].slice(-RECENT_PINGS), total: record.total + 1 };
  if (ping.kind === 'start') next.lastStart = ping.at;
  else if (ping.kind === 'success') {
    // A run's duration: from its start ping, if this success closes a run.
    if (record.lastStart !== undefined && record.lastStart > (record.lastSuccess ?? 0) && record.lastStart > (record.lastFail?.at ?? 0)) {
      next.lastDurationMs = ping.at - record.lastStart;
    }
    next.lastSuccess = ping.at;
  } else {
    next.lastFail = ping.exitCode === undefined ? { at: ping.at } : { at: ping.at, exitCode: ping.exitCode };
  }
  return next;
}

/**
 * When the next write of a ping key fits the day's allowance of `perDay`
 * writes: spread evenly over the UTC day, PING_WRITE_BURST of it ahead. A job
 * that pings evenly fewer than `perDay` times a day never waits; a flood uses
 * what is left and then gets one write every DAY / (perDay - burst) (15 min at
 * 100), each with the latest state. `perDay` is over PING_WRITE_BURST (settings
 * require at least 10).
 */
export function writeAllowedAt(writes: PingRecord['writes'], now: number, perDay: number): number {
  const dayStart = now - (now % DAY_MS);
  const share = (writesToday(writes, now) + 1 - PING_WRITE_BURST) / (perDay - PING_WRITE_BURST);
  return dayStart + Math.min(1, Math.max(0, share)) * DAY_MS;
}

/** What a write changes in the record besides the pings: today's count, and whether newer pings must wait. */
export type WriteMarks = Pick<PingRecord, 'writes' | 'heldUntil'>;

/** Writes the record at `now` (one KV write); returns the marks it was written with. */
export async function writePings(kv: KV, checkId: string, record: PingRecord, now: number, perDay: number): Promise<WriteMarks> {
  const writes = { day: utcDay(now), count: writesToday(record.writes, now) + 1 };
  const allowed = writeAllowedAt(writes, now, perDay);
  const marks: WriteMarks = { writes, heldUntil: allowed > now ? allowed : undefined };
  await kv.put(pingKey(checkId), JSON.stringify({ ...record, ...marks }));
  return marks;
}

export function writesToday(writes: PingRecord['writes'], now: number): number {
  return writes.day === utcDay(now) ? writes.count : 0;
}
