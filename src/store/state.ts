// The engine's persisted state: one JSON document under the `state` key.
// Layout, size and write rate are documented in docs/storage.md.

import type { ChecklistState } from '../engine/checklists';
import type { CheckState, Incident } from '../engine/types';
import type { FailedDelivery, OutboxEntry } from '../notify/outbox';

export const STATE_VERSION = 1;

export interface EngineState {
  v: typeof STATE_VERSION;
  /** Random id of the saved version; tells a cached copy whether KV changed under it. */
  rev?: string;
  /** Scheduled time of the last tick that ran (a repeated tick with the same time is skipped). */
  lastTick?: number;
  /** When the state was last written. */
  lastSave?: number;
  checks: Record<string, CheckState>;
  incidents: Incident[];
  /** Alerts waiting to be delivered (or retried). */
  outbox: OutboxEntry[];
  /** Ids of recently delivered outbox entries: a repeated event is not sent again. */
  delivered: string[];
  /** The last deliveries Vigil gave up on, for /health and the operator. */
  failed: FailedDelivery[];
  /** KV writes made today (UTC), to stay inside the plan's daily budget; `pending`: those made for pending changes only. */
  writes: { day: string; count: number; pending?: number };
  /** The last UTC day folded into the history key. */
  rolledUp?: string;
  /** Checks that were due but did not fit in the last tick's budget. */
  deferred?: string[];
  /** Each checklist's last run, for the page and to run each scheduled time once. */
  checklists?: Record<string, ChecklistState>;
}

export function emptyState(now: number): EngineState {
  return { v: STATE_VERSION, checks: {}, incidents: [], outbox: [], delivered: [], failed: [], writes: { day: utcDay(now), count: 0 } };
}

/** `2026-11-22` */
export function utcDay(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

export const DAY_MS = 86_400_000;

export function startOfUtcDay(time: number): number {
  return Math.floor(time / DAY_MS) * DAY_MS;
}
