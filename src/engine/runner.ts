// Runs one check: resolves its secrets, calls its kind with a timeout, retries
// once on a network error or timeout, and redacts what comes back. Whatever
// happens (a hung socket, a kind's bug) becomes an Observation.

import { formatDuration } from '../config/duration';
import { missingSecretMessage, redact, redactDeep, resolveSecrets } from '../config/secrets';
import type { Check } from '../config/types';
import { kinds, type KindMemory, type Observation, type RunContext } from '../kinds';
import { untilAborted } from '../net/fetch-errors';
import { sourcesRead } from '../assert/sources';

export interface RunDeps {
  fetch: typeof fetch;
  env: Record<string, unknown>;
  /** Scheduled time of the tick. */
  now: number;
  /** Wall-clock time (Date.now()) after which no attempt starts and attempts are cut short. */
  deadline: number;
  /** Heartbeat pings, for kinds that run in the ledger (`local`). */
  pings?: RunContext['pings'];
  /** The region this run is for (checks with `regions`). */
  region?: string;
  /**
   * Every configured secret's value (configuredSecrets(config, env)): a
   * target or a job can echo any of them, not only the check's own, which
   * are redacted in any case.
   */
  secrets?: readonly string[];
}

export interface RunResult {
  observation: Observation;
  attempts: number;
  /** Secret values to redact from messages built later from the observation (the check's own and deps.secrets). */
  secrets: string[];
}

/** Don't start a retry with less time than this left before the deadline. */
const MIN_RETRY_WINDOW_MS = 1_000;

export async function runCheck(check: Check, memory: KindMemory | undefined, deps: RunDeps): Promise<RunResult> {
  const { value: options, missing, values: own } = resolveSecrets(check.options, deps.env);
  const secrets = [...new Set([...own, ...(deps.secrets ?? [])])];
  if (missing.length > 0) {
    return { observation: { reached: false, unknown: true, latencyMs: 0, values: {}, error: missingSecretMessage(missing) }, attempts: 0, secrets };
  }
  let attempts = 1;
  let observation = await attempt(check, options, memory, deps, secrets);
  if (!observation.reached && observation.retryable && check.retry && deps.deadline - Date.now() > MIN_RETRY_WINDOW_MS) {
    attempts = 2;
    const second = await attempt(check, options, memory, deps, secrets);
    observation = second.reached ? second : { ...second, error: `${second.error ?? 'failed'} (after 1 retry)` };
  }
  return { observation: redactObservation(observation, secrets), attempts, secrets };
}

/**
 * A result whose observation is also free of `secrets`, which it redacts from
 * later messages too: for results that come back from a run that did not know
 * every configured secret (a group run in another invocation).
 */
export function redactResult(result: RunResult, secrets: readonly string[]): RunResult {
  const all = [...new Set([...result.secrets, ...secrets])];
  return { ...result, observation: redactObservation(result.observation, all), secrets: all };
}

/**
 * Everything text-like an observation carries that is shown or kept, free of
 * secrets (a job's output can hold them too). Values stay as read: assertions
 * judge them, and the messages made from them are redacted in turn.
 */
function redactObservation(observation: Observation, secrets: readonly string[]): Observation {
  const clean = { ...observation };
  if (clean.error) clean.error = redact(clean.error, secrets);
  if (clean.raw) clean.raw = redact(clean.raw, secrets);
  if (clean.details) clean.details = clean.details.map((line) => redact(line, secrets));
  if (clean.verdict) clean.verdict = { ...clean.verdict, message: redact(clean.verdict.message, secrets) };
  if (clean.pending) clean.pending = redactDeep(clean.pending, secrets);
  if (clean.facts) clean.facts = redactDeep(clean.facts, secrets);
  return clean;
}

async function attempt(check: Check, options: Record<string, unknown>, memory: KindMemory | undefined, deps: RunDeps, secrets: string[]): Promise<Observation> {
  const kind = kinds[check.kind];
  const timeoutMs = Math.max(1, Math.min(check.timeoutMs, deps.deadline - Date.now()));
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`timed out after ${formatDuration(timeoutMs)}`)), timeoutMs);
  const started = Date.now();
  try {
    // A kind that ignores its signal still cannot hold the tick past the timeout.
    return await untilAborted(
      kind.run(options as never, {
        signal: controller.signal,
        timeoutMs,
        fetch: deps.fetch,
        // A trend, a derived value and a guard read other values: the kind must fetch those too.
        wants: check.expect.flatMap(sourcesRead),
        now: deps.now,
        memory,
        env: deps.env,
        checkId: check.id,
        ...(deps.pings ? { pings: deps.pings } : {}),
        ...(deps.region ? { region: deps.region } : {}),
      }),
      controller.signal,
    );
  } catch (error) {
    if (controller.signal.aborted) {
      return { reached: false, retryable: true, latencyMs: Date.now() - started, values: {}, error: `timed out after ${formatDuration(timeoutMs)}` };
    }
    // A kind threw: that is a bug in Vigil, not the target's failure.
    // Logged for whoever fixes the bug, without the check's secrets (an error can quote its options).
    console.error(`vigil: the ${check.kind} kind threw for check "${check.id}": ${redact(String((error as Error)?.stack ?? error), secrets)}`);
    return { reached: false, unknown: true, latencyMs: Date.now() - started, values: {}, error: `internal error in the ${check.kind} check: ${(error as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
}
