// Heartbeat pings: what one ping changes in a heartbeat's record. The ledger
// keeps one record per heartbeat check (docs/storage.md, table `pings`); the
// /ping routes hand pings to it and the heartbeat kind reads the record.

import type { Ping, PingRecord } from '../model/state';

export type { Ping, PingKind, PingRecord } from '../model/state';

/** Only the start of a ping body is kept (a job's last log lines fit); the rest is read and dropped. */
export const PING_BODY_MAX = 10 * 1024;
/** Pings kept with their bodies. */
export const RECENT_PINGS = 5;
/** Runs started with a run id and not finished that are remembered (a job that never finishes them must not grow the record). */
export const RUNNING_KEPT = 10;

export function emptyPingRecord(): PingRecord {
  return { recent: [], total: 0 };
}

/**
 * Adds a ping to a record (returns a new record). A success or failure ends
 * a run: with `?rid=` the start sent with the same rid, without one the last
 * start that has not ended, so overlapping runs of one job each get their own
 * duration. `log` pings only add output.
 */
export function applyPing(record: PingRecord, ping: Ping): PingRecord {
  const next: PingRecord = { ...record, recent: [...record.recent, ping].slice(-RECENT_PINGS), total: record.total + 1 };
  if (ping.kind === 'log') return next;
  if (ping.kind === 'start') {
    next.lastStart = ping.at;
    if (ping.rid !== undefined) {
      const running = Object.entries({ ...record.running, [ping.rid]: ping.at }).sort((a, b) => a[1] - b[1]).slice(-RUNNING_KEPT);
      next.running = Object.fromEntries(running);
    }
    return next;
  }
  const started = startOf(record, ping);
  if (started !== undefined) next.lastDurationMs = ping.at - started;
  if (ping.rid !== undefined && record.running?.[ping.rid] !== undefined) {
    const { [ping.rid]: _ended, ...rest } = record.running;
    if (Object.keys(rest).length > 0) next.running = rest;
    else delete next.running;
  }
  if (ping.kind === 'success') next.lastSuccess = ping.at;
  else next.lastFail = ping.exitCode === undefined ? { at: ping.at } : { at: ping.at, exitCode: ping.exitCode };
  return next;
}

/** When the run this success or failure ends began, if a start ping said so. */
function startOf(record: PingRecord, ping: Ping): number | undefined {
  if (ping.rid !== undefined) return record.running?.[ping.rid];
  const lastEnd = Math.max(record.lastSuccess ?? -Infinity, record.lastFail?.at ?? -Infinity);
  return record.lastStart !== undefined && record.lastStart > lastEnd ? record.lastStart : undefined;
}
