// The validated configuration the engine runs: defaults applied, durations in
// milliseconds, assertions flattened. Produced by validateConfig().

import type { Assertion } from '../assert/types';
import type { KindName } from '../kinds';
import type { ChannelType } from '../notify';
import type { Severity } from '../model/state';

/** `manual`: only a checklist runs the check (it was declared inside one). */
export type Schedule = { every: number } | { cron: string; tz: string } | { manual: true };

export interface Check {
  id: string;
  name: string;
  description?: string;
  group?: string;
  /** Private checks never appear on public routes. */
  public: boolean;
  schedule: Schedule;
  timeoutMs: number;
  /** One in-tick retry after a network error or timeout. */
  retry: boolean;
  expect: Assertion[];
  /** Consecutive runs needed to confirm a change: `down` for any failure, `up` for recovery. */
  confirmations: { down: number; up: number };
  /** Channel names alerts go to. */
  notify: string[];
  runbook?: string;
  fix?: string;
  /** An availability objective over the check's probes (see engine/slo.ts). */
  slo?: SloConfig;
  /** Remind the channels every so often while the check stays down or degraded (off by default). */
  renotifyMs?: number;
  /**
   * While an incident is neither acknowledged nor resolved, each step tells
   * more channels, `afterMs` after the incident started (ascending).
   */
  escalate?: Array<{ afterMs: number; notify: string[] }>;
  /** Checks this one depends on: while one of them is down, this check's alerts fold into its alert. */
  dependsOn: string[];
  /** Run in each of these regions (Durable Object location hints) and decide with `quorum`. */
  regions?: string[];
  /** How many regions must see a problem before it counts (default: a majority). */
  quorum?: number;
  kind: KindName;
  /** The kind's own options, as its schema parsed them. */
  options: Record<string, unknown>;
}

export interface SloConfig {
  /** Percent of probes that must be good, e.g. 99.9. */
  objective: number;
  /** The rolling window in whole days (1–90), e.g. 30. */
  windowDays: number;
  /** Send burn-rate alerts (default true). */
  burnAlerts: boolean;
}

export type { Severity };

/** A weekly window in a time zone: days 0 (Sunday) – 6, minutes since local midnight; `to` may be ≤ `from` (overnight). */
export interface Hours {
  days: number[];
  from: number;
  to: number;
  tz: string;
}

export interface ChannelConfig {
  type: ChannelType;
  options: Record<string, unknown>;
  /** Which alerts this channel gets, and when. Digests are not routed: checklists name their channels. */
  routing: { severities: Severity[]; hours?: Hours };
}

/** A planned maintenance window: checks in it run, show as paused, and do not alert. */
export interface MaintenanceWindow {
  id: string;
  title: string;
  description?: string;
  /** The checks it covers; `all` for every check. */
  checks: string[] | 'all';
  /** Shown on the page this long before it starts. */
  announceMs: number;
  /** One-off: [start, end) in ms. */
  start?: number;
  end?: number;
  /** Recurring: starts when the cron fires (in tz) and lasts durationMs. */
  cron?: { expression: string; tz: string };
  durationMs?: number;
}

export type ChecklistItem =
  | { type: 'check'; id: string }
  | {
      type: 'task';
      id: string;
      text: string;
      owner?: string;
      /** Due this long after it was last done (aligned to the checklist's runs); without it, once per run. */
      everyMs?: number;
      /** A heartbeat check whose successful ping marks the task done (e.g. a restore drill's job). */
      doneBy?: string;
      public: boolean;
      link?: string;
    };

/** A runbook checklist: at its time it runs its checks and posts one digest per channel. */
export interface Checklist {
  id: string;
  name: string;
  description?: string;
  schedule: { cron: string; tz: string };
  /** Channels the digest goes to. */
  notify: string[];
  public: boolean;
  items: ChecklistItem[];
}

export interface Settings {
  /** Publish the read model (and store latencies, last runs) at least this often even when nothing visible changed. */
  flushEveryMs: number;
  /** KV writes allowed per UTC day (the free plan allows 1,000); the read model uses at most 70% of them. */
  kvWritesPerDay: number;
  /** Checks and deliveries running at once (Workers allow 6 open connections). */
  maxConcurrency: number;
  /** A tick stops starting work after this long. */
  tickDeadlineMs: number;
  /** Subrequests one tick may make (free plan: 50 per invocation). */
  subrequests: number;
  /** Spread more than maxConcurrency due checks over probe Durable Objects. */
  fanOut: boolean;
  /** Checks one probe request runs (each request has its own 6 connections). */
  checksPerProbe: number;
}

export interface PageSettings {
  title: string;
  description?: string;
  /** The public URL of the status page, linked from alerts. */
  url?: string;
  links: Array<{ label: string; url: string }>;
}

export interface Config {
  page: PageSettings;
  settings: Settings;
  channels: Record<string, ChannelConfig>;
  checks: Check[];
  maintenance: MaintenanceWindow[];
  checklists: Checklist[];
}
