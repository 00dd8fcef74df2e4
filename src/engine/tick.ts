// One tick: load state, run the due checks, judge them, confirm transitions,
// open/close incidents, queue and deliver alerts, roll up finished days, and
// save only when something changed or the flush interval has passed.

import { judge } from '../assert/judge';
import { applyTrends } from '../assert/trend';
import { configuredSecrets, redact } from '../config/secrets';
import { CHANGE_RESERVE_SHARE, PENDING_SHARE } from '../config/validate';
import type { Check, Config } from '../config/types';
import { deliverDue, type DeliveryReport } from '../notify/outbox';
import { rollUpFinishedDays } from '../store/history';
import { CountingKV, countPendingWrite, keepState, loadState, pendingWritesToday, saveState, writesToday, type KV } from '../store/kv';
import { utcDay, type EngineState } from '../store/state';
import { mapLimit } from './concurrency';
import { applyTransition, openIncident, pruneIncidents } from './incidents';
import { kinds } from '../kinds';
import type { KindMemory } from '../kinds/types';
import { redactResult, runCheck, type RunResult } from './runner';
import { recordProbe, updateBurn } from './slo';
import { checksOf, dueChecklists, postDigest } from './checklists';
import { activeFor } from './maintenance';
import { dispatch } from './notifications';
import { dueChecks, previousTickTime } from './schedule';
import { loadTasks } from '../store/tasks';
import { advance, newCheckState, pruneChanges } from './state-machine';
import type { AlertEvent, CheckState } from './types';

export interface TickDeps {
  config: Config;
  kv: KV;
  env: Record<string, unknown>;
  fetch: typeof fetch;
  /**
   * Runs a group of checks in another invocation of this Worker (the
   * CheckRunner entrypoint), which has its own six connections and subrequest
   * budget. Without it, every check runs in this invocation.
   */
  runGroup?: RunGroup;
}

/** Runs `checks` elsewhere and returns their results in the same order. */
export type RunGroup = (checks: Check[], memories: Array<KindMemory | undefined>, now: number, deadline: number) => Promise<RunResult[]>;

export interface TickReport {
  scheduledTime: number;
  /** Set when the tick did nothing: it repeats one already run. */
  skipped?: 'duplicate';
  ran: string[];
  /** Invocations the checks were spread over (1: all ran here). */
  groups: number;
  /** Due, but left for the next tick (subrequest budget or deadline). */
  deferred: string[];
  transitions: Array<{ check: string; from: string; to: string }>;
  /** Alerts queued for delivery (each to one channel or more). */
  events: number;
  /** Checklists that ran and posted their digests. */
  checklists?: string[];
  delivery: DeliveryReport;
  kv: { reads: number; writes: number };
  /**
   * Why the state was written, or false: a change (transition, incident,
   * alert), a pending one (a confirmation streak or a `for` timer advanced),
   * or the routine flush.
   */
  saved: 'change' | 'pending' | 'flush' | false;
  durationMs: number;
}

/** Report lines kept per check (and carried into alerts). */
const MAX_REPORT_LINES = 20;
/** Subrequests kept back from checks for alert deliveries. */
const DELIVERY_RESERVE = 10;

// Ticks in one isolate run one after another: an overlapping or repeated tick
// sees the state the previous one left, so it cannot send the same alert twice.
let queue: Promise<unknown> = Promise.resolve();

/** Runs one tick for the cron's `scheduledTime`. Never throws for a check's or channel's failure. */
export function tick(deps: TickDeps, scheduledTime: number): Promise<TickReport> {
  const run = queue.then(() => runTick(deps, scheduledTime));
  queue = run.catch(() => undefined);
  return run;
}

async function runTick(deps: TickDeps, now: number): Promise<TickReport> {
  const started = Date.now();
  const { config } = deps;
  const kv = new CountingKV(deps.kv);
  const state = await loadState(kv, now);
  const report: TickReport = {
    scheduledTime: now,
    ran: [],
    groups: 0,
    deferred: [],
    transitions: [],
    events: 0,
    delivery: { attempted: 0, delivered: 0, retrying: 0, gaveUp: 0 },
    kv: { reads: 0, writes: 0 },
    saved: false,
    durationMs: 0,
  };
  if (state.lastTick !== undefined && now <= state.lastTick) {
    report.skipped = 'duplicate';
    return finish(report, kv, started);
  }

  let changed = false;
  let pending = false;
  // Checklists due now run their checks in this tick, whatever the checks' own schedules.
  const checklistRuns = dueChecklists(config, previousTickTime(state.lastTick, now), now, state.checklists);
  const due = dueChecks(config.checks, now, state.lastTick, state.checks, state.deferred, checksOf(checklistRuns));
  const deadline = started + config.settings.tickDeadlineMs;
  const { runnable, results, groups, requests: checkRequests } = await runDue(due, state, deps, now, deadline);
  report.groups = groups;

  const deferred: string[] = due.filter((check) => !runnable.includes(check)).map((check) => check.id);
  const events: AlertEvent[] = [];
  runnable.forEach((check, index) => {
    const result = results[index];
    if (!result) {
      deferred.push(check.id);
      return;
    }
    report.ran.push(check.id);
    const recorded = recordResult(state, check, redactResult(result, configuredSecrets(config, deps.env)), now, report, events, config);
    if (recorded === 'change') changed = true;
    if (recorded === 'pending') pending = true;
  });
  // Maintenance, dependencies, reminders and routing decide who hears what, and when.
  const queued = dispatch(state, config, events, now);
  report.events += queued;
  if (queued > 0) changed = true;
  if (checklistRuns.length > 0) {
    const tasks = await loadTasks(kv, checklistRuns.map((run) => run.checklist));
    for (const run of checklistRuns) postDigest(run, config, state, tasks, now);
    report.checklists = checklistRuns.map((run) => run.checklist.id);
    changed = true;
  }
  if (deferred.length > 0 || state.deferred?.length) {
    if (deferred.length > 0) state.deferred = deferred;
    else delete state.deferred;
  }
  report.deferred = deferred;

  forgetRemovedChecks(state, config);
  state.incidents = pruneIncidents(state.incidents, now);

  const outboxBefore = state.outbox.length;
  report.delivery = await deliverDue(state, {
    config,
    env: deps.env,
    fetch: deps.fetch,
    now,
    concurrency: config.settings.maxConcurrency,
    limit: config.settings.subrequests - checkRequests,
  });
  if (report.delivery.attempted > 0 || state.outbox.length !== outboxBefore) changed = true;

  if (await rollUpFinishedDays(kv, state, config, now)) changed = true;

  state.lastTick = now;
  report.saved = await persist(kv, state, config, now, changed, pending);
  return finish(report, kv, started);
}

/**
 * Runs the due checks within the subrequest budget: here, at most
 * maxConcurrency at a time, or spread over CheckRunner invocations in groups
 * of maxConcurrency when there are more (so 20 checks take about as long as
 * one, not four rounds of six). What does not fit waits for the next tick.
 */
async function runDue(due: Check[], state: EngineState, deps: TickDeps, now: number, deadline: number) {
  const { settings } = deps.config;
  const budget = Math.max(1, settings.subrequests - DELIVERY_RESERVE);
  const memoryOf = (check: Check) => state.checks[check.id]?.memory;
  const runHere = (check: Check) =>
    Date.now() < deadline ? runCheck(check, memoryOf(check), { fetch: deps.fetch, env: deps.env, now, deadline, secrets: configuredSecrets(deps.config, deps.env) }) : Promise.resolve(undefined);

  if (!deps.runGroup || !settings.fanOut || due.length <= settings.maxConcurrency) {
    const runnable = within(due, budget);
    const results: Array<RunResult | undefined> = await mapLimit(runnable, settings.maxConcurrency, runHere);
    const requests = results.reduce((sum, result, i) => sum + (result?.attempts ?? 0) * requestsPerAttempt(runnable[i] as Check), 0);
    return { runnable, results, groups: runnable.length > 0 ? 1 : 0, requests };
  }
  // One subrequest per group here; each group has the whole budget there.
  const groups = packGroups(due, settings.maxConcurrency, settings.subrequests).slice(0, budget);
  const runnable = groups.flat();
  const runGroup = deps.runGroup;
  let spareHere = budget - groups.length;
  let requests = groups.length;
  const groupResults = await mapLimit(groups, settings.maxConcurrency, async (group): Promise<Array<RunResult | undefined>> => {
    try {
      return await runGroup(group, group.map(memoryOf), now, deadline);
    } catch (error) {
      // The other invocation failed (not a check): run what fits of the group
      // here rather than lose it; the rest waits for the next tick.
      const here = within(group, spareHere, false);
      spareHere -= here.reduce((sum, check) => sum + worstCase(check), 0);
      console.error(`vigil: a CheckRunner invocation failed; running ${here.length} of its ${group.length} checks here`, error);
      const results = await mapLimit(here, settings.maxConcurrency, runHere);
      here.forEach((check, i) => (requests += (results[i]?.attempts ?? 0) * requestsPerAttempt(check)));
      return group.map((check) => results[here.indexOf(check)]);
    }
  });
  return { runnable, results: groupResults.flat(), groups: groups.length, requests };
}

/** Subrequests one attempt of a check makes at most (its kind says; one by default). */
function requestsPerAttempt(check: Check): number {
  return kinds[check.kind].subrequests?.(check.options as never) ?? 1;
}

/** The most a check can use in a tick: a retry repeats its attempt. */
function worstCase(check: Check): number {
  return requestsPerAttempt(check) * (check.retry ? 2 : 1);
}

/** The first checks, in order, whose worst cases fit in `budget` (at least one, unless `atLeastOne` is false). */
function within(checks: Check[], budget: number, atLeastOne = true): Check[] {
  let used = 0;
  let count = 0;
  for (const check of checks) {
    used += worstCase(check);
    if ((count > 0 || !atLeastOne) && used > budget) break;
    count++;
  }
  return checks.slice(0, count);
}

/**
 * Groups of at most `size` checks whose worst cases fit in `budget` each, in
 * order, first fit (a check beyond the budget on its own gets a group alone).
 */
function packGroups(checks: Check[], size: number, budget: number): Check[][] {
  const groups: Array<{ checks: Check[]; used: number }> = [];
  for (const check of checks) {
    const cost = worstCase(check);
    const open = groups.find((group) => group.checks.length < size && group.used + cost <= budget);
    if (open) {
      open.checks.push(check);
      open.used += cost;
    } else groups.push({ checks: [check], used: cost });
  }
  return groups.map((group) => group.checks);
}

/**
 * Judges one result and feeds it to the state machine, adding the events it
 * makes to `events`. Returns 'change' for a transition or an SLO alert,
 * 'pending' when what decides the next transition moved (see pendingOf).
 */
function recordResult(state: EngineState, check: Check, result: RunResult, now: number, report: TickReport, events: AlertEvent[], config: Config): 'change' | 'pending' | false {
  const checkState: CheckState = state.checks[check.id] ?? newCheckState(now);
  state.checks[check.id] = checkState;
  const pendingBefore = pendingOf(checkState);
  const { observation } = result;
  const samples = applyTrends(check.expect.map((assertion) => assertion.source), observation.values, checkState.samples, now);
  if (samples) checkState.samples = samples;
  const judgement = judge(check.expect, observation, checkState.asserts, now);
  judgement.message = redact(judgement.message, result.secrets);
  for (const failure of judgement.failures) failure.message = redact(failure.message, result.secrets);

  checkState.lastRun = now;
  checkState.latencyMs = observation.latencyMs;
  checkState.message = judgement.message;
  if (Object.keys(judgement.memory).length > 0) checkState.asserts = judgement.memory;
  else delete checkState.asserts;
  if (observation.memory) checkState.memory = observation.memory;
  if (observation.details) checkState.report = observation.details.slice(0, MAX_REPORT_LINES);
  else delete checkState.report;
  if (observation.facts) checkState.facts = observation.facts;
  const day = utcDay(now);
  if (checkState.day?.date !== day) {
    if (checkState.day) checkState.lastDay = checkState.day;
    checkState.day = { date: day, latencySum: 0, runs: 0 };
  }
  if (observation.reached) {
    checkState.day.latencySum += observation.latencyMs;
    checkState.day.runs++;
  }

  const transition = advance(checkState, judgement.status, now, check);
  pruneChanges(checkState, now);
  const incident = openIncident(state.incidents, check.id);
  if (incident && judgement.status !== 'up') incident.lastMessage = judgement.message;

  // The SLO counts every evaluated probe (not only confirmed changes) outside
  // maintenance; its burn alerts are events of their own.
  let burning = false;
  if (check.slo && !activeFor(config, check.id, now)) {
    recordProbe(checkState, judgement.status, now, check.slo);
    const burn = updateBurn(check, checkState, now);
    if (burn) {
      burning = true;
      events.push(burn);
    }
  } else if (!check.slo) delete checkState.sli;
  if (!transition) return burning ? 'change' : pendingOf(checkState) !== pendingBefore ? 'pending' : false;

  report.transitions.push({ check: check.id, from: transition.from, to: transition.to });
  const event = applyTransition(state.incidents, check, transition, judgement, now);
  if (event && checkState.report?.length) event.report = checkState.report;
  if (event) events.push(event);
  return 'change';
}

/**
 * What decides a check's next transition: its confirmation streak and the
 * start of each `for` timer. A tick may run in a fresh isolate that knows only
 * KV, so these are saved as soon as they move; otherwise a failure would be
 * confirmed only after the next flush, minutes late. It costs a write or two
 * per incident (the first failure, the first success after it), not per tick.
 */
function pendingOf(checkState: CheckState): string {
  return JSON.stringify([checkState.streak ?? null, checkState.asserts ?? null]);
}

function forgetRemovedChecks(state: EngineState, config: Config): void {
  const ids = new Set(config.checks.map((check) => check.id));
  for (const id of Object.keys(state.checks)) if (!ids.has(id)) delete state.checks[id];
}

/**
 * Writes the state when something changed (transitions, incidents, outbox),
 * when a pending transition moved, or when `flushEvery` has passed (latency,
 * last checked), inside the daily budget. Pending moves and flushes never use
 * the share kept for changes, so a flapping check cannot starve real alerts.
 */
async function persist(kv: KV, state: EngineState, config: Config, now: number, changed: boolean, pending: boolean): Promise<TickReport['saved']> {
  const budget = config.settings.kvWritesPerDay;
  const used = writesToday(state, now);
  const flushDue = state.lastSave === undefined || now - state.lastSave >= config.settings.flushEveryMs;
  if (changed && used < budget) {
    await saveState(kv, state, now);
    return 'change';
  }
  // A check that keeps blipping (one failure, then a success) moves its streak
  // every run: past their own share, pending moves wait for the next flush.
  const pendingAllowed = pending && pendingWritesToday(state, now) < budget * PENDING_SHARE;
  if ((pendingAllowed || flushDue) && used < budget * (1 - CHANGE_RESERVE_SHARE)) {
    if (!flushDue) countPendingWrite(state, now);
    await saveState(kv, state, now);
    return flushDue ? 'flush' : 'pending';
  }
  if (changed || pending || flushDue) console.warn(`vigil: KV write budget reached (${used}/${budget} today); state kept in memory only`);
  keepState(kv, state);
  return false;
}

function finish(report: TickReport, kv: CountingKV, started: number): TickReport {
  report.kv = { reads: kv.reads, writes: kv.writes };
  report.durationMs = Date.now() - started;
  return report;
}
