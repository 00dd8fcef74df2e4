// One tick's decisions, made on the ledger's in-memory state: run the due
// checks (through the runner the ledger hands in: probes, or the ledger
// itself), judge them, confirm transitions, open and close incidents, queue
// alerts and digests, roll up finished days. Nothing here stores or delivers:
// the ledger commits what a tick changed in one transaction and only then
// delivers (src/ledger/ledger.ts, docs/storage.md).

import { judge, type Judgement } from '../assert/judge';
import { sourceKey } from '../assert/sources';
import { applyTrends } from '../assert/trend';
import { redact } from '../config/secrets';
import type { Check, Config } from '../config/types';
import { HOUR_MS, utcDay, type AlertEvent, type CheckState, type EngineState, type RegionState, type Status } from '../model/state';
import type { DeliveryReport } from '../notify/outbox';
import { rollUpFinishedDays } from '../store/history';
import type { RunResult } from './runner';
import { checksOf, dueChecklists, postDigest } from './checklists';
import { applyTransition, openIncident, pruneIncidents } from './incidents';
import { activeFor } from './maintenance';
import { dispatch } from './notifications';
import { combineRegions } from './regions';
import { dueChecks, previousTickTime } from './schedule';
import { recordProbe, updateBurn } from './slo';
import { advance, newCheckState, pruneChanges } from './state-machine';

/** What one due check's run gave: one result, or one per region for checks with `regions` (undefined: that region did not run). */
export interface CheckOutcome {
  result?: RunResult;
  regions?: Record<string, RunResult | undefined>;
}

export interface RunDueReport {
  /** By check id; a due check missing here did not run (deferred). */
  outcomes: Map<string, CheckOutcome>;
  /** Probe Durable Object requests made. */
  probes: number;
  /** Probe requests that failed or timed out (their checks ran in the ledger where they fit). */
  probeFailures: number;
  /** Subrequests checks made from the ledger itself (the rest of its budget is for deliveries). */
  subrequests: number;
}

/** Runs the due checks before `deadline` (wall clock) and returns what each saw. */
export type RunDue = (due: Check[], state: EngineState, now: number, deadline: number) => Promise<RunDueReport>;

export interface TickReport {
  scheduledTime: number;
  /** Set when the tick did nothing: its time is at or before the last committed tick. */
  skipped?: 'duplicate';
  ran: string[];
  /** Probe Durable Object requests the tick made (0: every check ran in the ledger). */
  probes: number;
  probeFailures: number;
  /** Due, but left for the next tick (subrequest budget or deadline). */
  deferred: string[];
  transitions: Array<{ check: string; from: string; to: string }>;
  /** Alerts queued for delivery (each to one channel or more). */
  events: number;
  /** Checklists that ran and posted their digests. */
  checklists?: string[];
  /** Finished UTC days rolled up into history. */
  rolledUp?: string[];
  delivery: DeliveryReport;
  /** Rows the ledger wrote to its SQLite storage for this tick (decisions and delivery outcomes). */
  rowsWritten: number;
  /** Set when storing the tick's decisions failed: nothing was delivered, the next tick commits them. */
  storageError?: string;
  /** KV keys the read model publish wrote, and why it ran (or false). */
  published: { reason: string | false; writes: number; error?: string };
  durationMs: number;
}

export function emptyReport(scheduledTime: number): TickReport {
  return {
    scheduledTime,
    ran: [],
    probes: 0,
    probeFailures: 0,
    deferred: [],
    transitions: [],
    events: 0,
    delivery: { attempted: 0, delivered: 0, retrying: 0, gaveUp: 0, deferred: 0 },
    rowsWritten: 0,
    published: { reason: false, writes: 0 },
    durationMs: 0,
  };
}

/** Report lines kept per check (and carried into alerts). */
const MAX_REPORT_LINES = 20;
/** Hourly latency buckets kept per check: two days, for the page's 24-hour chart. */
const HOURS_KEPT = 48;

/**
 * Makes one tick's decisions at `now` (the cron's scheduled time), mutating
 * `state`. `config` is the effective config (scheduled maintenance included).
 */
export async function decideTick(config: Config, state: EngineState, now: number, runDue: RunDue, deadline: number, report: TickReport): Promise<void> {
  // Checklists due now run their checks in this tick, whatever the checks' own schedules.
  const checklistRuns = dueChecklists(config, previousTickTime(state.lastTick, now), now, state.checklists);
  const due = dueChecks(config.checks, now, state.lastTick, state.checks, state.deferred, checksOf(checklistRuns));
  const run = await runDue(due, state, now, deadline);
  report.probes = run.probes;
  report.probeFailures = run.probeFailures;

  const deferred: string[] = [];
  const events: AlertEvent[] = [];
  for (const check of due) {
    const outcome = run.outcomes.get(check.id);
    if (!outcome || (!outcome.result && !Object.values(outcome.regions ?? {}).some(Boolean))) {
      deferred.push(check.id);
      continue;
    }
    report.ran.push(check.id);
    recordOutcome(state, check, outcome, now, report, events, config);
  }
  // Maintenance, dependencies, reminders and routing decide who hears what, and when.
  report.events += dispatch(state, config, events, now);
  if (checklistRuns.length > 0) {
    const tasks = { done: state.tasks };
    for (const checklistRun of checklistRuns) postDigest(checklistRun, config, state, tasks, now);
    report.checklists = checklistRuns.map((checklistRun) => checklistRun.checklist.id);
  }
  if (deferred.length > 0) state.deferred = deferred;
  else delete state.deferred;
  report.deferred = deferred;

  forgetRemovedChecks(state, config);
  state.incidents = pruneIncidents(state.incidents, now);
  const rolled = rollUpFinishedDays(state, config, now);
  if (rolled.length > 0) report.rolledUp = rolled;
  state.lastTick = now;
}

/** What a run said, judged: the raw status, its message and when the condition began. */
interface Verdict {
  status: Status;
  message: string;
  since?: number;
  judgement: Judgement;
  /** The result whose values, report and facts stand for the check (the first region for regional checks). */
  primary: RunResult;
  latencyMs: number;
  reached: boolean;
  regions?: { failing: string[]; passing: string[] };
}

/**
 * Judges one check's outcome and feeds it to the state machine, adding the
 * events it makes to `events`.
 */
function recordOutcome(state: EngineState, check: Check, outcome: CheckOutcome, now: number, report: TickReport, events: AlertEvent[], config: Config): void {
  const checkState: CheckState = state.checks[check.id] ?? newCheckState(now);
  state.checks[check.id] = checkState;
  checkState.firstRun ??= now;
  const verdict = outcome.regions ? judgeRegions(check, checkState, outcome.regions, now) : judgeOne(check, checkState, outcome.result as RunResult, now);
  const { primary } = verdict;
  const observation = primary.observation;

  checkState.lastRun = now;
  checkState.latencyMs = verdict.latencyMs;
  checkState.message = verdict.message;
  checkState.observed = verdict.status;
  if (observation.memory && !outcome.regions) checkState.memory = observation.memory;
  if (observation.details) checkState.report = observation.details.slice(0, MAX_REPORT_LINES);
  else delete checkState.report;
  if (observation.facts) checkState.facts = observation.facts;
  recordLatency(checkState, verdict.reached ? verdict.latencyMs : undefined, now);

  // The target's own word that it is under maintenance (a vendor's status page) counts like a window,
  // unless the check asserts on it (`value('maintenance')`: the operator asked to hear of it).
  const assertsMaintenance = check.expect.some((assertion) => assertion.source.type === 'value' && assertion.source.key === 'maintenance');
  if (observation.maintenance && !assertsMaintenance) checkState.vendorMaintenance = { title: observation.maintenance, since: checkState.vendorMaintenance?.since ?? now };
  else delete checkState.vendorMaintenance;

  // A maintenance window holds the check where it was: failures inside it do
  // not open an incident (or paint the day red); a recovery still counts.
  const maintenance = activeFor(config, check.id, now) ?? checkState.vendorMaintenance;
  let transition;
  if (maintenance && verdict.status !== 'up') {
    // What fails inside the window starts counting (confirmations, `for`) when it ends.
    delete checkState.streak;
    delete checkState.asserts;
  } else transition = advance(checkState, verdict.status, now, check, verdict.since);
  pruneChanges(checkState, now);
  const incident = openIncident(state.incidents, check.id);
  if (incident && verdict.status !== 'up' && !maintenance) {
    incident.lastMessage = verdict.message;
    if (verdict.regions) incident.regions = verdict.regions.failing;
  }

  // The SLO counts every evaluated probe (not only confirmed changes) outside
  // maintenance; its burn alerts are events of their own.
  if (check.slo && !maintenance) {
    recordProbe(checkState, verdict.status, now, check.slo);
    const burn = updateBurn(check, checkState, now);
    if (burn) events.push(burn);
  } else if (!check.slo) delete checkState.sli;
  if (!transition) return;

  report.transitions.push({ check: check.id, from: transition.from, to: transition.to });
  const event = applyTransition(state.incidents, check, transition, { ...verdict.judgement, message: verdict.message }, now, verdict.regions);
  if (event && checkState.report?.length) event.report = checkState.report;
  if (event) events.push(event);
}

function judgeOne(check: Check, checkState: CheckState, result: RunResult, now: number): Verdict {
  const { observation } = result;
  const samples = applyTrends(check.expect.map((assertion) => assertion.source), observation.values, checkState.samples, now);
  if (samples) checkState.samples = samples;
  const judgement = judge(check.expect, observation, checkState.asserts, now);
  judgement.message = redact(judgement.message, result.secrets);
  for (const failure of judgement.failures) failure.message = redact(failure.message, result.secrets);
  if (Object.keys(judgement.memory).length > 0) checkState.asserts = judgement.memory;
  else delete checkState.asserts;
  const verdict: Verdict = { status: judgement.status, message: judgement.message, judgement, primary: result, latencyMs: observation.latencyMs, reached: observation.reached };
  if (judgement.since !== undefined) verdict.since = judgement.since;
  return verdict;
}

/**
 * Judges each region's result on its own (its own `for` timers and kind
 * memory), then decides with the quorum: the check is down only when at least
 * `quorum` regions see it down. Trends are computed from the first region's
 * values and shared with the others.
 */
function judgeRegions(check: Check, checkState: CheckState, results: Record<string, RunResult | undefined>, now: number): Verdict {
  const regions = check.regions ?? Object.keys(results);
  const seen: Record<string, RegionState> = {};
  let primary: RunResult | undefined;
  let trendValues: RunResult['observation']['values'] | undefined;
  const judgements: Record<string, Judgement> = {};
  for (const region of regions) {
    const result = results[region];
    const previous = checkState.regions?.[region];
    if (!result) {
      // This region's probe did not run this tick: its last word stands until it does.
      if (previous) seen[region] = previous;
      continue;
    }
    const { observation } = result;
    if (!primary) {
      primary = result;
      const samples = applyTrends(check.expect.map((assertion) => assertion.source), observation.values, checkState.samples, now);
      if (samples) checkState.samples = samples;
      trendValues = observation.values;
    } else if (trendValues) {
      for (const assertion of check.expect) {
        const key = sourceKey(assertion.source);
        const value = trendValues[key];
        if (assertion.source.type === 'trend' && value !== undefined) observation.values[key] = value;
      }
    }
    const judgement = judge(check.expect, observation, previous?.asserts, now);
    judgement.message = redact(judgement.message, result.secrets);
    for (const failure of judgement.failures) failure.message = redact(failure.message, result.secrets);
    judgements[region] = judgement;
    const state: RegionState = { status: judgement.status, message: judgement.message, latencyMs: observation.latencyMs, lastRun: now };
    if (Object.keys(judgement.memory).length > 0) state.asserts = judgement.memory;
    const memory = observation.memory ?? previous?.memory;
    if (memory) state.memory = memory;
    seen[region] = state;
  }
  checkState.regions = seen;
  const combined = combineRegions(regions, seen, check.quorum ?? defaultQuorum(regions.length));
  const first = primary as RunResult;
  const failingJudgement = combined.failing.map((region) => judgements[region]).find(Boolean);
  const judgement: Judgement = failingJudgement ?? judgements[combined.passing[0] ?? ''] ?? judge(check.expect, first.observation, undefined, now);
  const reachedLatencies = regions.flatMap((region) => (results[region]?.observation.reached ? [results[region]!.observation.latencyMs] : [])).sort((a, b) => a - b);
  const latencyMs = reachedLatencies.length > 0 ? (reachedLatencies[Math.floor(reachedLatencies.length / 2)] as number) : first.observation.latencyMs;
  const verdict: Verdict = {
    status: combined.status,
    message: combined.message,
    judgement,
    primary: first,
    latencyMs,
    reached: reachedLatencies.length > 0,
    regions: { failing: combined.failing, passing: combined.passing },
  };
  const since = combined.failing.map((region) => judgements[region]?.since).filter((time): time is number => time !== undefined);
  if (since.length > 0 && combined.status !== 'up') verdict.since = Math.min(...since);
  return verdict;
}

/** A majority of the regions: 1 of 1, 2 of 2, 2 of 3, 3 of 4. */
export function defaultQuorum(regions: number): number {
  return Math.floor(regions / 2) + 1;
}

/** Adds a run's latency to today's totals and its hour's bucket (the page's charts). */
function recordLatency(checkState: CheckState, latencyMs: number | undefined, now: number): void {
  const day = utcDay(now);
  if (checkState.day?.date !== day) {
    if (checkState.day) checkState.lastDay = checkState.day;
    checkState.day = { date: day, latencySum: 0, runs: 0 };
  }
  if (latencyMs === undefined) return;
  checkState.day.latencySum += latencyMs;
  checkState.day.runs++;
  const hour = Math.floor(now / HOUR_MS) * HOUR_MS;
  const hours = (checkState.hours ??= []);
  const last = hours[hours.length - 1];
  if (last && last[0] === hour) {
    last[1] += latencyMs;
    last[2]++;
  } else {
    hours.push([hour, latencyMs, 1]);
    if (hours.length > HOURS_KEPT) hours.splice(0, hours.length - HOURS_KEPT);
  }
}

function forgetRemovedChecks(state: EngineState, config: Config): void {
  const ids = new Set(config.checks.map((check) => check.id));
  for (const id of Object.keys(state.checks)) if (!ids.has(id)) delete state.checks[id];
  for (const id of Object.keys(state.pings)) if (!ids.has(id)) delete state.pings[id];
}
