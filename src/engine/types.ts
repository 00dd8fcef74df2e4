// The engine's data: statuses, per-check state, incidents and events. All of
// it is plain JSON, persisted in KV (see docs/storage.md).

import type { AssertionMemory } from '../assert/judge';
import type { Samples } from '../assert/trend';
import type { Value } from '../assert/types';
import type { KindMemory } from '../kinds/types';
import type { Severity } from '../config/types';
import type { BurnLevel, SliState } from './slo';

/** A check's status. `unknown`: Vigil could not evaluate it (missing secret, no data yet). */
export type Status = 'up' | 'degraded' | 'down' | 'unknown';

/** What Vigil remembers about one check between ticks. */
export interface CheckState {
  /** The confirmed status (after confirmations). */
  status: Status;
  /** When the confirmed status began (its first observation, not its confirmation). */
  since: number;
  /** Set once the check has had a confirmed status; before that it is "waiting for data". */
  confirmed?: true;
  /** The last run: when, how long, what it said. */
  lastRun?: number;
  latencyMs?: number;
  message?: string;
  /** An unconfirmed status seen `count` times in a row since `since`. */
  streak?: { status: Status; count: number; since: number };
  /** Failing-since per assertion key, for `for` durations. */
  asserts?: Record<string, AssertionMemory>;
  /** What the kind asked to keep for its next run. */
  memory?: KindMemory;
  /** The kind's last report (top rows, a job's output ...), for alerts and digests; not on public routes. */
  report?: string[];
  /** Facts the kind reported for the page (e.g. last_success_at of a heartbeat). */
  facts?: Record<string, Value>;
  /** Past values of trended sources (`changePct('7d')`, `vsMedian('24h')`): ≤ 48 points each. */
  samples?: Samples;
  /** Confirmed status changes [time, status], oldest first, kept ~2 days for uptime and roll-ups. */
  changes: Array<[number, Status]>;
  /** The problem status the channels last heard of (down, degraded, unknown), until they hear it is over. */
  alerted?: Status;
  /** Why alerts are held back now: a maintenance window, or a dependency that is down. */
  muted?: 'maintenance' | 'dependency';
  /** Good and bad probes for the check's SLO: 5-minute buckets (6h) and days (the window). */
  sli?: SliState;
  /** Latency sum and count for the current UTC day (daily average in history). */
  day?: DayTotals;
  /** The previous day's totals, kept until the roll-up that runs after the first tick of a new day has read them. */
  lastDay?: DayTotals;
}

export interface DayTotals {
  date: string;
  latencySum: number;
  runs: number;
}

export interface Incident {
  id: string;
  checkId: string;
  /** The worst status during the incident. */
  status: 'down' | 'degraded';
  startedAt: number;
  endedAt?: number;
  /** The first failure message. */
  cause: string;
  /** The latest failure message. */
  lastMessage: string;
  /** Channels that were told about it (its recovery goes to them). */
  notified?: string[];
  /** When the channels were last told (a reminder is due `renotify` after it). */
  lastNotifiedAt?: number;
  /** Dependent checks whose alerts were folded into this incident's. */
  affected?: string[];
}

/** Status changes, reminders while a problem lasts, and the start and end of an SLO's error budget burning too fast. */
export type AlertType = 'down' | 'degraded' | 'recovered' | 'unknown' | 'reminder' | 'burn' | 'burn-ended';

/** A state change worth telling people about. */
export interface AlertEvent {
  /** Deterministic: the same transition always has the same id. */
  id: string;
  type: AlertType;
  /** When Vigil confirmed the change (the tick's scheduled time). */
  at: number;
  check: { id: string; name: string; group?: string };
  status: Status;
  previous: Status;
  /** Routes the alert (channels take critical and/or warning); good news carries what it resolves. */
  severity: Severity;
  /** When the current condition began. */
  since: number;
  incident?: { id: string; startedAt: number; endedAt?: number };
  /** Observed vs expected: `status = 500, expected 2xx`. */
  summary: string;
  /** Each failing assertion. */
  details: string[];
  runbook?: string;
  fix?: string;
  /** The check's report when it changed (a job's last output, slow statements ...). */
  report?: string[];
  /** Checks that depend on this one and failed with it: their alerts are folded into this one. */
  affected?: Array<{ id: string; name: string; summary: string }>;
  /** For burn events: the SLO and how fast its budget burns. */
  slo?: {
    objective: number;
    windowDays: number;
    level: BurnLevel;
    burnRate: { long: number; short: number; longWindow: string; shortWindow: string; threshold: number };
    availability: number | null;
    budgetRemaining: number | null;
  };
}
