// The contract every check kind implements: a zod schema for its options and
// run(options, ctx) → Observation. A target's failure is data, never a throw.

import type { z } from 'zod';
import type { AssertionInput, Observed, Source, SourceType, Value } from '../assert/types';
import type { Resolved } from '../config/secrets';
import type { KindMemory, PingRecord } from '../model/state';

/** What one run of a check saw. */
export interface Observation {
  /** false: could not connect, timed out, or authentication failed. */
  reached: boolean;
  latencyMs: number;
  /** What assertions can read, keyed by `sourceKey(source)`. */
  values: Record<string, Observed>;
  /** Value keys whose number is a lower bound (a count stopped at its cap): messages say "at least N". */
  atLeast?: string[];
  /** Names of the items of list values, by value key (a series' labels: `{job="api"}`): messages name the failing ones. */
  labels?: Record<string, string[]>;
  /** What went wrong, already free of credentials: a short cause an alert can carry ("database connection lost (db.internal)"). */
  error?: string;
  /**
   * The underlying error as the driver, library or server said it ("Can't call
   * WebSocket send() after close().", a REST body), redacted like `error`.
   * For the CLI (`npm run check` prints it under the row); alerts and the page
   * show only `error`. Optional: kinds whose `error` is already the raw text leave it out.
   */
  raw?: string;
  /** Vigil could not evaluate (bad option at run time, missing extension): the check is `unknown`. */
  unknown?: boolean;
  /** A network error or timeout: the engine retries once inside the tick. */
  retryable?: boolean;
  /** Small data the kind wants back on its next run (previous counters, samples). */
  memory?: KindMemory;
  /** A short report (top rows, a job's last output ...) for alerts, digests and the CLI; at most 20 lines. */
  details?: string[];
  /**
   * A kind whose answer is itself a judgement (a heartbeat is late, overdue or
   * failed) gives it here; the check's status is the worse of this and its assertions.
   */
  verdict?: { status: 'up' | 'degraded' | 'down'; message: string };
  /**
   * The target says it is under maintenance (a vendor's status page), with
   * what it calls it: the check shows as in maintenance on the page, and
   * what fails meanwhile does not alert, as inside a maintenance window.
   */
  maintenance?: string;
  /**
   * Values that cannot exist yet, by value key, with the reason ("needs a
   * second scrape", "no traffic since the last scrape"): assertions on them
   * wait instead of failing.
   */
  pending?: Record<string, string>;
  /** Small facts for the status page (e.g. when a backup last succeeded), kept in the check's state. */
  facts?: Record<string, Value>;
}

export type { KindMemory };

/** Everything a kind may use while running: no globals. */
export interface RunContext {
  /** Aborted when the check's timeout (or the tick's deadline) passes. */
  signal: AbortSignal;
  timeoutMs: number;
  fetch: typeof fetch;
  /** The sources the check's assertions read: the kind fills these values. */
  wants: readonly Source[];
  now: number;
  /** What this kind returned as `memory` on the previous run of this check. */
  memory: KindMemory | undefined;
  /** Worker bindings (R2 buckets, KV ...) and plain env vars; secrets arrive already resolved in options. */
  env: Record<string, unknown>;
  /** The check being run. */
  checkId: string;
  /** The region the check runs in (checks with `regions`); kinds may tell the target (HTTP: the User-Agent). */
  region?: string;
  /** A heartbeat's pings, as the ledger holds them (only kinds that run in the ledger, `local`, get this). */
  pings?: (checkId: string) => PingRecord | undefined;
}

/** One check kind: `src/kinds/<name>.ts`. */
export interface CheckKind<Options extends z.ZodObject = z.ZodObject> {
  /** The kind's own options (everything but the fields all checks share). */
  options: Options;
  /** The assertion sources this kind can fill; others are a config error. */
  sources: readonly SourceType[];
  /**
   * The kind reads only what the ledger holds (a heartbeat reads its pings):
   * it runs in the ledger itself, never in a probe, and makes no subrequests.
   */
  local?: true;
  /** Runs the check once. Must not throw for a target's failure. */
  run(options: Resolved<z.output<Options>>, ctx: RunContext): Promise<Observation>;
  /** A short description of the target for the CLI (never a secret). */
  describe(options: z.output<Options>): string;
  /**
   * Problems with options that zod cannot see, with the option name:
   * `[['url', 'must be http(s)']]`. Called at validation time.
   */
  validate?(options: z.output<Options>): Array<[field: string, message: string]>;
  /** Assertions a check of this kind gets when it states none for that source (HTTP: status 2xx). */
  defaultAssertions?(options: z.output<Options>): AssertionInput[];
  /**
   * The most subrequests (fetches and binding calls) one attempt makes with
   * these options; 1 when omitted. The tick keeps a run inside the plan's
   * subrequest limit with it (a retry counts twice).
   */
  subrequests?(options: z.output<Options>): number;
}
