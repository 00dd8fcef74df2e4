// Heartbeat (dead man's switch), with healthchecks.io semantics: a job pings
// /ping/<token> when it succeeds (/start when it starts, /fail or /<exit code>
// when it fails, /log to send output only). The ledger stores every ping; this
// check runs in the ledger, reads them, and says whether the job is on time,
// late (due, within grace), overdue, failed, or running too long.

import { Cron } from 'croner';
import * as z from 'zod';
import { formatDuration, parseDuration } from '../config/duration';
import { cronProblem, durationSchema, timeZoneSchema } from '../config/schema';
import { secretRefSchema, type Resolved } from '../config/secrets';
import type { Ping, PingRecord } from '../store/pings';
import type { CheckKind, Observation } from './types';

export const DEFAULT_GRACE = '15m';
/** A token shorter than this is guessable. */
export const MIN_TOKEN_LENGTH = 16;
/** A success up to this long before a cron fire time counts for it (clock skew, early starts). */
const EARLY_MS = 5 * 60_000;
const REPORT_LINES = 20;

const options = z.strictObject({
  /** The ping token: a long random value, always a secret (openssl rand -hex 20). */
  token: secretRefSchema,
  /** The job succeeds every `period` ... */
  period: durationSchema.optional(),
  /** ... or on this cron schedule (in `timezone`). */
  schedule: z.string().optional(),
  timezone: timeZoneSchema.default('UTC'),
  /** How long after it is due a success may still arrive before the check is down. */
  grace: durationSchema.default(DEFAULT_GRACE),
  /** A run (start → success) longer than this makes the check degraded. */
  maxDuration: durationSchema.optional(),
  /** What the job is; backups and restore drills get their own line on the status page. */
  purpose: z.enum(['job', 'backup', 'restore-drill']).default('job'),
});

type Options = Resolved<z.output<typeof options>>;

const crons = new Map<string, Cron>();
function cronOf(expression: string, timezone: string): Cron {
  const key = `${timezone} ${expression}`;
  let cron = crons.get(key);
  if (!cron) crons.set(key, (cron = new Cron(expression, { mode: '5-part', timezone, paused: true })));
  return cron;
}

function at(time: number): string {
  return `${new Date(time).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The last lines of a ping's body, for alerts and digests. */
function tail(ping: Ping | undefined): string[] | undefined {
  if (!ping?.body) return undefined;
  const lines = ping.body.replace(/\s+$/, '').split(/\r?\n/).slice(-REPORT_LINES);
  if (ping.truncated) lines.unshift('[first 10 KB of the output]');
  return lines;
}

interface Due {
  /** When a success was due. */
  due: number;
  /** When the grace period ends. */
  deadline: number;
  /** How the expectation reads in a message. */
  expectation: string;
}

/** When the next (or missed) success is due, given the last one. */
function dueAfter(opts: Options, record: PingRecord, now: number): Due {
  const grace = parseDuration(opts.grace) ?? 0;
  const lastSuccess = record.lastSuccess;
  if (opts.schedule) {
    const cron = cronOf(opts.schedule, opts.timezone);
    const [previous] = cron.previousRuns(1, new Date(now));
    const previousFire = previous?.getTime();
    const satisfied = previousFire === undefined || (lastSuccess ?? -Infinity) >= previousFire - EARLY_MS;
    const due = satisfied ? (cron.nextRun(new Date(now))?.getTime() ?? Infinity) : (previousFire as number);
    return { due, deadline: due + grace, expectation: `expected at ${at(due)} (${opts.schedule} ${opts.timezone}), grace ${formatDuration(grace)}` };
  }
  const period = parseDuration(opts.period ?? '') ?? 0;
  const base = lastSuccess ?? record.recent[0]?.at ?? now;
  return { due: base + period, deadline: base + period + grace, expectation: `expected every ${formatDuration(period)} + ${formatDuration(grace)} grace` };
}

export const heartbeatKind: CheckKind<typeof options> = {
  options,
  sources: ['value'],
  local: true,
  subrequests: () => 0,

  describe: (opts) => `heartbeat (${opts.token.$secret}) ${opts.schedule ? `${opts.schedule} ${opts.timezone}` : `every ${opts.period}`}`,

  validate(opts) {
    const problems: Array<[string, string]> = [];
    if (!opts.period === !opts.schedule) problems.push(['period', 'give either period (e.g. "1h") or schedule (a cron expression), not both']);
    if (opts.schedule) {
      const problem = cronProblem(opts.schedule);
      if (problem) problems.push(['schedule', problem]);
    }
    return problems;
  },

  async run(opts, ctx): Promise<Observation> {
    if (opts.token.length < MIN_TOKEN_LENGTH) {
      return { reached: false, unknown: true, latencyMs: 0, values: {}, error: `option token is shorter than ${MIN_TOKEN_LENGTH} characters: use a long random value (openssl rand -hex 20)` };
    }
    if (!ctx.pings) return { reached: false, unknown: true, latencyMs: 0, values: {}, error: 'heartbeat checks run in the ledger, which holds their pings' };
    const record = ctx.pings(ctx.checkId);
    // Nothing is fetched: the pings are in the ledger's memory.
    const latencyMs = 0;
    const now = ctx.now;
    if (!record || record.total === 0) {
      return { reached: true, unknown: true, latencyMs, values: { state: 'new' }, facts: { purpose: opts.purpose }, error: 'waiting for the first ping' };
    }

    const lastPing = record.recent[record.recent.length - 1];
    const facts: Observation['facts'] = { purpose: opts.purpose, last_ping_at: new Date(lastPing?.at ?? now).toISOString() };
    if (record.lastSuccess !== undefined) facts.last_success_at = new Date(record.lastSuccess).toISOString();
    const values: Observation['values'] = { last_success_age_s: record.lastSuccess === undefined ? null : Math.round((now - record.lastSuccess) / 1000) };
    if (record.lastDurationMs !== undefined) values.last_duration_s = Math.round(record.lastDurationMs / 1000);
    const observe = (state: string, status: 'up' | 'degraded' | 'down', message: string, report?: Ping): Observation => {
      const observation: Observation = { reached: true, latencyMs, values: { ...values, state }, facts, verdict: { status, message } };
      const lines = tail(report ?? lastPing);
      if (lines) observation.details = lines;
      return observation;
    };

    const lastFail = record.lastFail;
    if (lastFail && lastFail.at > (record.lastSuccess ?? -Infinity)) {
      values.exit_code = lastFail.exitCode ?? null;
      const failing = [...record.recent].reverse().find((ping) => ping.kind === 'fail');
      const code = lastFail.exitCode !== undefined ? ` (exit code ${lastFail.exitCode})` : '';
      return observe('failed', 'down', `the job reported failure${code} at ${at(lastFail.at)}`, failing);
    }

    const maxDuration = opts.maxDuration ? (parseDuration(opts.maxDuration) ?? Infinity) : Infinity;
    // The oldest run still going: runs sent with ?rid= are tracked each on their own.
    const unpaired = record.lastStart !== undefined && record.lastStart > Math.max(record.lastSuccess ?? -Infinity, lastFail?.at ?? -Infinity) ? record.lastStart : undefined;
    const starts = [...Object.values(record.running ?? {}), ...(unpaired !== undefined && !record.running ? [unpaired] : [])];
    const running = starts.length > 0 ? Math.min(...starts) : undefined;
    const { due, deadline, expectation } = dueAfter(opts, record, now);
    const since = record.lastSuccess !== undefined ? `no success since ${at(record.lastSuccess)}` : 'no success yet';

    if (now > deadline) {
      if (running !== undefined) return observe('overdue', 'down', `started at ${at(running)} and has not finished; ${since} (${expectation})`);
      return observe('overdue', 'down', `${since} (${expectation})`);
    }
    if (running !== undefined && now - running > maxDuration) {
      return observe('running', 'degraded', `running for ${formatDuration(now - running)}, expected under ${formatDuration(maxDuration)} (started ${at(running)})`);
    }
    if (record.lastDurationMs !== undefined && record.lastDurationMs > maxDuration) {
      return observe('slow', 'degraded', `the last run took ${formatDuration(record.lastDurationMs)}, expected under ${formatDuration(maxDuration)}`);
    }
    const ago = record.lastSuccess !== undefined ? `last success ${formatDuration(now - record.lastSuccess)} ago` : 'no success yet';
    if (now > due) return observe('late', 'up', `late: due at ${at(due)}, grace until ${at(deadline)}; ${ago}`);
    return observe(running !== undefined ? 'running' : 'up', 'up', running !== undefined ? `running since ${at(running)}; ${ago}` : ago);
  },
};
