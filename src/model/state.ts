// The data the engine keeps, in one ground-floor module that imports nothing
// of Vigil's: check states, incidents and their timelines, the outbox, pings,
// task completions, checklist runs and daily roll-ups. The ledger Durable
// Object (src/ledger/) stores exactly these, one row per check, incident and
// outbox entry; docs/storage.md describes every table.

/** A value a check observed: assertions compare these. */
export type Value = number | string | boolean | null;

/** A check's status. `unknown`: Vigil could not evaluate it (missing secret, no data yet). */
export type Status = 'up' | 'degraded' | 'down' | 'unknown';

/** How urgent an alert is: `critical` (down, fast burn), `warning` (degraded, unknown, slow burn). */
export type Severity = 'critical' | 'warning';

/** Per-check data a kind keeps between runs; stored in the check's state, so keep it small. */
export type KindMemory = Record<string, unknown>;

/** When an assertion started failing (kept in the check's state for `for`). */
export interface AssertionMemory {
  since: number;
  /** The failure counted (its `for` had passed): hysteresis applies from then on. */
  counted?: true;
}

/** Past values of one trended source: one sample per bucket of `every` ms (the latest). */
export interface SampleSet {
  every: number;
  points: Array<[time: number, value: number]>;
}
export type Samples = Record<string, SampleSet>;

/** [bucket index (time / 5 min), good, bad] and [YYYY-MM-DD, good, bad]. */
export type SliBucket = [index: number, good: number, bad: number];
export type SliDay = [day: string, good: number, bad: number];
export type BurnLevel = 'fast' | 'slow';

export interface SliState {
  /** The first probe counted: before the window is full, the budget is prorated from it. */
  since?: number;
  recent: SliBucket[];
  days: SliDay[];
  /** The burn alert in force, if any. */
  burning?: { level: BurnLevel; since: number };
}

export interface DayTotals {
  date: string;
  latencySum: number;
  runs: number;
}

/** What one region saw of a check that runs in several (`regions`). */
export interface RegionState {
  /** The raw status of the region's last run (not confirmed on its own). */
  status: Status;
  message: string;
  latencyMs: number;
  lastRun: number;
  /** The region's own `for` timers and kind memory. */
  asserts?: Record<string, AssertionMemory>;
  memory?: KindMemory;
}

/** What Vigil remembers about one check between ticks. */
export interface CheckState {
  /** The confirmed status (after confirmations). */
  status: Status;
  /** When the confirmed status began (its first observation, not its confirmation). */
  since: number;
  /** Set once the check has had a confirmed status; before that it is "waiting for data". */
  confirmed?: true;
  /** The first run Vigil made of this check: uptime covers only the time since. */
  firstRun?: number;
  /** The last run: when, how long, what it said. */
  lastRun?: number;
  latencyMs?: number;
  message?: string;
  /** The raw status of the last run (what `message` describes), confirmed or not. */
  observed?: Status;
  /** The target said it is under maintenance (a vendor's status page): what it calls it, since when. */
  vendorMaintenance?: { title: string; since: number };
  /** An unconfirmed status seen `count` times in a row since `since`. */
  streak?: { status: Status; count: number; since: number };
  /** Failing-since per assertion key, for `for` durations. */
  asserts?: Record<string, AssertionMemory>;
  /** What the kind asked to keep for its next run. */
  memory?: KindMemory;
  /** Per region, for checks that run in several (`regions` + `quorum`). */
  regions?: Record<string, RegionState>;
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
  /** Average latency per UTC hour over the last 48 hours: [hour start, sum, runs]. */
  hours?: Array<[hour: number, latencySum: number, runs: number]>;
}

/** The states of an incident's timeline, as Atlassian Statuspage names them. */
export type IncidentState = 'investigating' | 'identified' | 'monitoring' | 'resolved';

/** One entry of an incident's timeline: written by Vigil ("detected", "recovered") or by a person. */
export interface IncidentUpdate {
  id: string;
  at: number;
  state: IncidentState;
  text: string;
  /** `vigil` for automatic entries, else who wrote it (the admin API's `by`). */
  by: string;
  /** In a maintenance window's timeline: where the window stands, as Statuspage names it. */
  maintenanceState?: 'scheduled' | 'in_progress' | 'verifying' | 'completed';
}

/** Impact of an incident written by people, as Statuspage grades it. */
export type Impact = 'none' | 'minor' | 'major' | 'critical';

export interface Incident {
  id: string;
  /** The check it is about (detected incidents); absent for one written by people about several components. */
  checkId?: string;
  /** Who opened it: Vigil (a check went down or degraded) or a person through the admin API. */
  source?: 'detected' | 'manual';
  /** A title people wrote; detected incidents are titled from the check's name. */
  title?: string;
  /** The worst status during the incident. */
  status: 'down' | 'degraded';
  /** Components (check ids) a person attached; a detected incident's component is its check. */
  components?: string[];
  impact?: Impact;
  startedAt: number;
  endedAt?: number;
  /** The first failure message. */
  cause: string;
  /** The latest failure message. */
  lastMessage: string;
  /** The timeline, oldest first. */
  updates?: IncidentUpdate[];
  /** Regions that saw the check fail (checks with `regions`). */
  regions?: string[];
  /** Channels that were told about it (its recovery goes to them). */
  notified?: string[];
  /** When the channels were last told (a reminder is due `renotify` after it). */
  lastNotifiedAt?: number;
  /** Dependent checks whose alerts were folded into this incident's. */
  affected?: string[];
  /** Somebody acknowledged it: escalation and reminders stop. */
  acknowledged?: { by: string; at: number };
  /** Escalation steps already taken (indexes into the route's steps). */
  escalated?: number[];
}

/** Status changes, reminders while a problem lasts, escalations, and the start and end of an SLO's error budget burning too fast. */
export type AlertType = 'down' | 'degraded' | 'recovered' | 'unknown' | 'reminder' | 'escalation' | 'burn' | 'burn-ended';

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
  /** When the current condition began (its first failing observation). */
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
  /** Regions that saw the problem, and those that did not (checks with `regions`). */
  regions?: { failing: string[]; passing: string[] };
  /** For escalations: the step (1-based) and what it is for. */
  escalation?: { step: number; after: number };
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

/** How one checklist item stands at the run. */
export type ItemState = 'ok' | 'failing' | 'warning' | 'unknown' | 'paused' | 'overdue' | 'due' | 'done';

export interface DigestItem {
  id: string;
  name: string;
  kind: 'check' | 'task';
  state: ItemState;
  /** Observed values, or "done 5 days ago by alice: rotated", "overdue by 3 days (due 2026-11-19)". */
  detail: string;
  owner?: string;
  link?: string;
}

export interface Digest {
  /** `checklist:<id>:<scheduled run time>`: the same run never posts twice. */
  id: string;
  checklist: { id: string; name: string };
  /** The scheduled time of this run. */
  runAt: number;
  ok: number;
  total: number;
  /** Problems first (failing, overdue, warning, unknown), then the rest. */
  items: DigestItem[];
  /** Incidents that began or ended since the previous run. */
  incidents: Array<{ check: string; status: Status; startedAt: number; endedAt?: number; cause: string }>;
  /** Alerts the channel's quiet hours held back, folded into this digest. */
  held: Array<{ title: string; summary: string; at: number }>;
}

export interface OutboxEntry {
  /** `<event id>><channel>`: the idempotency key receivers get, the same on every retry. */
  id: string;
  channel: string;
  /** Order of creation: entries of one check (or checklist) and channel go out in this order. */
  seq?: number;
  /** An alert, or (for checklists) a digest. */
  event?: AlertEvent;
  digest?: Digest;
  /**
   * Problem alerts of the same incident this entry replaced before they could
   * be delivered (a recovery that arrived first): its message says both.
   */
  unannounced?: { type: AlertType; status: Status; since: number; summary: string };
  createdAt: number;
  /** When delivery was first allowed: `createdAt`, or the opening of the channel's hours. Retries are counted from here. */
  allowedAt?: number;
  /** Set when the channel's hours held it back: delivered at `nextAt` (or folded into a digest before). */
  heldSince?: number;
  /** The digest entry this held alert was folded into: delivered with it, or on its own if that digest fails for good. */
  foldedInto?: string;
  attempts: number;
  /** Not before this time (backoff, Retry-After). */
  nextAt: number;
  lastError?: string;
}

export interface FailedDelivery {
  id: string;
  channel: string;
  at: number;
  error: string;
}

/**
 * What the page and API show of a checklist between runs. Only public items
 * count: private checks and tasks stay in the digest (sent to the team's
 * channels) and never reach a public route.
 */
export interface ChecklistState {
  /** The scheduled time of the last run. */
  lastRun: number;
  /** The first run (a task never done is due at it). */
  firstRun: number;
  /** Public items OK at the last run, of `total` public items. */
  ok: number;
  total: number;
  /** The public items that were not OK at the last run. */
  problems: Array<{ kind: 'check' | 'task'; id: string; name: string; state: ItemState; detail: string }>;
}

/** `log` carries output only; it changes nothing about the job's state. */
export type PingKind = 'success' | 'start' | 'fail' | 'log';

export interface Ping {
  at: number;
  kind: PingKind;
  exitCode?: number;
  /** The run id a job sent (`?rid=`): pairs a start with its own finish when runs overlap. */
  rid?: string;
  /** The start of the request body (a job's output), free of every configured secret. */
  body?: string;
  /** The body was longer and was cut. */
  truncated?: true;
}

/** One heartbeat's pings, as the ledger keeps them (one row per heartbeat check). */
export interface PingRecord {
  lastSuccess?: number;
  lastStart?: number;
  lastFail?: { at: number; exitCode?: number };
  /** How long the last finished run took (its start → its success or failure). */
  lastDurationMs?: number;
  /** Runs started with `?rid=` and not finished yet: rid → start time (oldest dropped past a few). */
  running?: Record<string, number>;
  /** Newest last. */
  recent: Ping[];
  /** Pings received. */
  total: number;
}

/** A manual checklist task marked done. */
export interface TaskDone {
  at: number;
  by: string;
  note?: string;
}

/** Seconds spent up, degraded, down and unknown that day, the average latency (ms) or null, and seconds in maintenance. */
export type DayRollup = [up: number, degraded: number, down: number, unknown: number, latencyMs: number | null, maintenance?: number];

/** Maintenance people schedule through the admin API (windows in the config are code). */
export interface ScheduledMaintenance {
  id: string;
  title: string;
  description?: string;
  /** Check ids it covers; `all` for every check. */
  checks: string[] | 'all';
  start: number;
  end: number;
  /** Timeline, as for incidents (scheduled, in progress, verifying, completed). */
  updates: IncidentUpdate[];
  createdBy: string;
  /** Ended early or called off. */
  cancelledAt?: number;
}

/** Everything the engine decides with, held in the ledger's memory and stored row by row. */
export interface EngineState {
  /** Scheduled time of the last tick that ran (a repeated tick with the same time is skipped). */
  lastTick?: number;
  checks: Record<string, CheckState>;
  incidents: Incident[];
  /** Alerts waiting to be delivered (or retried). */
  outbox: OutboxEntry[];
  /** Ids of recently delivered outbox entries: a repeated event is not sent again. */
  delivered: string[];
  /** The last deliveries Vigil gave up on, for /health and the operator. */
  failed: FailedDelivery[];
  /** The last UTC day folded into `history`. */
  rolledUp?: string;
  /** Checks that were due but did not fit in the last tick's budget. */
  deferred?: string[];
  /** Each checklist's last run, for the page and to run each scheduled time once. */
  checklists?: Record<string, ChecklistState>;
  /** `YYYY-MM-DD` → check id → roll-up, 90 days. */
  history: Record<string, Record<string, DayRollup>>;
  /** Heartbeat pings, by check id. */
  pings: Record<string, PingRecord>;
  /** Manual task completions, by `task:<checklist>:<item>`. */
  tasks: Record<string, TaskDone>;
  /** Maintenance scheduled through the admin API. */
  maintenance: ScheduledMaintenance[];
  /** The next outbox sequence number. */
  seq: number;
}

export function emptyState(): EngineState {
  return { checks: {}, incidents: [], outbox: [], delivered: [], failed: [], history: {}, pings: {}, tasks: {}, maintenance: [], seq: 1 };
}

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

/** `2026-11-22`, computed without Date for speed (the page calls it for 90 days × every check). */
export function utcDay(time: number): string {
  const days = Math.floor(time / DAY_MS);
  // Civil-from-days (Howard Hinnant's algorithm): exact for the proleptic Gregorian calendar.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${year}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
}

export function startOfUtcDay(time: number): number {
  return Math.floor(time / DAY_MS) * DAY_MS;
}

/** The key of one task's completion (ids are letters, digits, "-" and "_", so ":" separates them). */
export const taskKey = (checklistId: string, itemId: string) => `task:${checklistId}:${itemId}`;
