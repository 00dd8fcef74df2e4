// Heartbeat pings: one KV key per heartbeat check (`ping:<check id>`), written
// by the /ping routes and read by the heartbeat kind each tick. See
// docs/storage.md for the layout and write rates.

import type { KV } from './kv';
import { utcDay } from './state';

export const PING_VERSION = 1;
/** Only the start of a ping body is kept (the job's last log lines fit). */
export const PING_BODY_MAX = 10 * 1024;
/** Pings kept with their bodies. */
export const RECENT_PINGS = 5;

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
  /** KV writes of this key today (UTC), against the per-heartbeat cap. */
  writes: { day: string; count: number };
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

/** A ping that changes what the check will say (success after failure and back, a start). */
export function changesOutcome(record: PingRecord, ping: Ping): boolean {
  const last = record.recent[record.recent.length - 1];
  return !last || last.kind !== ping.kind || last.exitCode !== ping.exitCode;
}

export async function writePings(kv: KV, checkId: string, record: PingRecord, now: number): Promise<PingRecord> {
  const day = utcDay(now);
  const written: PingRecord = { ...record, writes: { day, count: (record.writes.day === day ? record.writes.count : 0) + 1 } };
  await kv.put(pingKey(checkId), JSON.stringify(written));
  return written;
}

export function writesToday(record: PingRecord, now: number): number {
  return record.writes.day === utcDay(now) ? record.writes.count : 0;
}
