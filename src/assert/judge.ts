// Turns an observation into a raw status: unreachable → down, a counted crit
// failure → down, a counted warn failure → degraded. `for` delays counting a
// failure until it has lasted that long.

import { evaluate } from './evaluate';
import { baseSourcesOf, sourceKey } from './sources';
import type { Assertion, Outcome, Source } from './types';
import type { Evidence } from './evaluate';
import type { AssertionMemory } from '../model/state';

export type RawStatus = 'up' | 'degraded' | 'down' | 'unknown';

export type { AssertionMemory };

export interface Judgement {
  status: RawStatus;
  /** The failures that count towards the status, crit first. */
  failures: Outcome[];
  /** Failures still waiting for their `for` duration. */
  pending: Outcome[];
  outcomes: Outcome[];
  /** One line for the page and alerts. */
  message: string;
  /** Failing-since per assertion key, for the next run. */
  memory: Record<string, AssertionMemory>;
  /**
   * When the failures that count began: the first failing observation, before
   * any `for` period (an incident starts there, not when `for` ran out).
   */
  since?: number;
}

export interface Observed extends Evidence {
  reached: boolean;
  unknown?: boolean;
  error?: string;
  pending?: Record<string, string>;
  verdict?: { status: 'up' | 'degraded' | 'down'; message: string };
}

/** Judges one observation against a check's assertions. */
export function judge(
  assertions: readonly Assertion[],
  observation: Observed,
  previous: Record<string, AssertionMemory> | undefined,
  now: number,
): Judgement {
  if (observation.unknown) {
    return { status: 'unknown', failures: [], pending: [], outcomes: [], message: observation.error ?? 'could not evaluate', memory: previous ?? {} };
  }
  if (!observation.reached) {
    return { status: 'down', failures: [], pending: [], outcomes: [], message: observation.error ?? 'unreachable', memory: previous ?? {} };
  }
  const evidence = { ...observation, now };
  const outcomes = assertions.map((assertion) => withHysteresis(assertion, evaluate(assertion, evidence), evidence, previous));
  const memory: Record<string, AssertionMemory> = {};
  const failures: Outcome[] = [];
  const pending: Outcome[] = [];
  const unknowns: Outcome[] = [];
  for (const outcome of outcomes) {
    if (outcome.pass) continue;
    const before = previous?.[outcome.key];
    if (outcome.unknown) {
      // Not evaluated this time: a failure in progress is neither forgotten nor cleared.
      if (before) memory[outcome.key] = before;
      unknowns.push(outcome);
      continue;
    }
    // A value that cannot exist yet (a trend without history, a rate before the second scrape): neither passing nor failing.
    const waiting = waitingReason(outcome.assertion.source, observation.pending);
    if (outcome.observed === undefined && waiting) {
      // No value this time: a failure in progress is neither forgotten nor cleared by the gap.
      if (before) memory[outcome.key] = before;
      if (before?.counted) failures.push({ ...outcome, message: `${outcome.message.replace(/ is missing.*/s, '')}: ${waiting}; still failing since ${new Date(before.since).toISOString().slice(0, 16).replace('T', ' ')} UTC` });
      else pending.push({ ...outcome, message: `${outcome.message.replace(/ is missing.*/s, '')}: ${waiting}` });
      continue;
    }
    const since = before?.since ?? now;
    if (now - since >= (outcome.assertion.for ?? 0)) {
      memory[outcome.key] = { since, counted: true };
      failures.push(outcome);
    } else {
      memory[outcome.key] = { since };
      pending.push(outcome);
    }
  }
  failures.sort((a, b) => severityRank(b.assertion) - severityRank(a.assertion));
  const since = failures.reduce<number | undefined>((earliest, failure) => Math.min(earliest ?? Infinity, memory[failure.key]?.since ?? now), undefined);
  // Warn and crit levels on one value: when both fail, the crit one says it all.
  for (let i = failures.length - 1; i >= 0; i--) {
    const failure = failures[i] as Outcome;
    if (failure.assertion.severity === 'warn' && failures.some((other) => other.assertion.severity === 'crit' && sourceKey(other.assertion.source) === sourceKey(failure.assertion.source))) failures.splice(i, 1);
  }
  const worst = failures[0];
  let status: RawStatus = !worst ? (unknowns.length > 0 ? 'unknown' : 'up') : worst.assertion.severity === 'crit' ? 'down' : 'degraded';
  if (!worst && unknowns.length > 0 && !observation.verdict) {
    return { status, failures, pending, outcomes, message: unknowns.map((outcome) => outcome.message).join('; '), memory };
  }
  const verdict = observation.verdict;
  if (verdict) {
    const rank = { up: 0, degraded: 1, down: 2 } as const;
    if (status === 'unknown' ? verdict.status !== 'up' : rank[verdict.status] > rank[status]) status = verdict.status;
    const message = [verdict.message, ...failures.map((f) => f.message)].join('; ');
    return withSince({ status, failures, pending, outcomes, message, memory }, since);
  }
  const shown = outcomes.map((outcome) => pending.find((p) => p.key === outcome.key) ?? outcome);
  const message = worst ? explained(failures, observation.error) : summarize(shown, observation);
  return withSince({ status, failures, pending, outcomes, message, memory }, since);
}

function withSince(judgement: Judgement, since: number | undefined): Judgement {
  if (since !== undefined && judgement.status !== 'up') judgement.since = since;
  return judgement;
}

/** Why a source (or a value it is computed from) cannot exist yet, if it cannot. */
function waitingReason(source: Source, pending: Record<string, string> | undefined): string | undefined {
  if (source.type === 'trend') return pending?.[sourceKey(source)] ?? 'not enough history yet';
  for (const key of [sourceKey(source), ...baseSourcesOf(source).map(sourceKey)]) if (pending?.[key]) return pending[key];
  return undefined;
}

/**
 * An assertion that was failing keeps failing until its value gets past the
 * recovery line (`recover`), so a value hovering at a threshold does not flap.
 */
function withHysteresis(assertion: Assertion, outcome: Outcome, observation: Evidence, previous: Record<string, AssertionMemory> | undefined): Outcome {
  // Only a failure that counted holds on: a spike still waiting out its `for` clears as soon as it passes.
  if (assertion.recover === undefined || !outcome.pass || outcome.skipped || !previous?.[outcome.key]?.counted) return outcome;
  const recovery = evaluate({ ...assertion, value: assertion.recover }, observation);
  if (recovery.pass) return outcome;
  return { ...outcome, pass: false, message: `${recovery.message} to recover` };
}

/**
 * The failures, after the kind's own explanation when there is one (a
 * redirect loop, a 307 not followed to another origin, a body over the limit):
 * `status = 302, expected 2xx` alone hides why. Said once: a missing value
 * already quotes it.
 */
function explained(failures: Outcome[], error: string | undefined): string {
  const text = failures.map((f) => f.message).join('; ');
  return error && !text.includes(error) ? `${error}; ${text}` : text;
}

function severityRank(assertion: Assertion): number {
  return assertion.severity === 'crit' ? 1 : 0;
}

function summarize(outcomes: Outcome[], observation: Observed): string {
  if (outcomes.length === 0) return observation.error ?? 'ok';
  // Warn and crit levels on one value read the same when they pass: say it once.
  return [...new Set(outcomes.map((outcome) => outcome.message))].slice(0, 3).join(', ');
}
