// The validated configuration the engine runs: defaults applied, durations in
// milliseconds, assertions flattened. Produced by validateConfig().

import type { Assertion } from '../assert/types';
import type { KindName } from '../kinds';
import type { ChannelType } from '../notify';

export type Schedule = { every: number } | { cron: string; tz: string };

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

export interface ChannelConfig {
  type: ChannelType;
  options: Record<string, unknown>;
}

export interface Settings {
  /** Save state at least this often even when nothing changed (latency, last checked). */
  flushEveryMs: number;
  /** KV writes allowed per UTC day (the free plan allows 1,000). */
  kvWritesPerDay: number;
  /** Checks and deliveries running at once (Workers allow 6 open connections). */
  maxConcurrency: number;
  /** A tick stops starting work after this long. */
  tickDeadlineMs: number;
  /** Subrequests one tick may make (free plan: 50 per invocation). */
  subrequests: number;
  /** Spread more than maxConcurrency due checks over CheckRunner invocations. */
  fanOut: boolean;
  /** KV writes one heartbeat's pings may make per UTC day. */
  pingWritesPerDay: number;
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
}
