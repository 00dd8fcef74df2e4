// Checklists: at its time (cron in a time zone) a checklist runs its checks
// in the tick and posts one digest per channel: problems first with what was
// observed, then the rest. A manual task belongs to its checklist's runs: it
// is due at a run and overdue when that run's occurrence was not done by the
// next run (docs/checklists.md, "When a task is due"). Done is marked through
// the API, or by a heartbeat's successful ping.
// A run is identified by its scheduled time, so a repeated or overlapping
// tick never posts it twice.

import type { Checklist, ChecklistItem, Config } from '../config/types';
import { PROBLEM_STATES, heldLine, type Digest, type DigestItem, type ItemState } from '../notify/digest';
import { alertMessage, isoMinute } from '../notify/message';
import { enqueue, foldHeld } from '../notify/outbox';
import type { EngineState } from '../store/state';
import { lastDone, type TaskDone, type TasksRecord } from '../store/tasks';
import { activeFor } from './maintenance';
import { cronFor, firesBetween } from './schedule';
import type { CheckState } from './types';

export interface ChecklistRun {
  checklist: Checklist;
  /** The scheduled time this run is for (the cron's fire time, not the tick's). */
  runAt: number;
}

import type { ChecklistState } from '../model/state';

export type { ChecklistState };

/** Problem lines kept per checklist in state. */
const PROBLEMS_KEPT = 20;
const INCIDENTS_IN_DIGEST = 20;

/** The checklists whose schedule fired in (previous, now] and that have not run for that time yet. */
export function dueChecklists(config: Config, previous: number, now: number, states: Record<string, ChecklistState> = {}): ChecklistRun[] {
  const runs: ChecklistRun[] = [];
  for (const checklist of config.checklists) {
    const schedule = { cron: checklist.schedule.cron, tz: checklist.schedule.tz };
    if (!firesBetween(schedule, checklist.id, previous, now)) continue;
    // The last fire time in the span: after missed ticks a checklist runs once, for its latest time.
    const cron = cronFor(schedule.cron, schedule.tz);
    let runAt = cron.nextRun(new Date(Math.max(previous, now - 7 * 86_400_000)))?.getTime() ?? now;
    for (let next = cron.nextRun(new Date(runAt))?.getTime(); next !== undefined && next <= now; next = cron.nextRun(new Date(next))?.getTime()) runAt = next;
    if ((states[checklist.id]?.lastRun ?? -Infinity) >= runAt) continue;
    runs.push({ checklist, runAt });
  }
  return runs;
}

/** The checks the due checklists include: they run in this tick whatever their own schedule. */
export function checksOf(runs: readonly ChecklistRun[]): Set<string> {
  return new Set(runs.flatMap((run) => run.checklist.items.filter((item) => item.type === 'check').map((item) => item.id)));
}

export type Task = Extract<ChecklistItem, { type: 'task' }>;

export interface TaskStatus {
  /** done: the current occurrence is covered; due: open, to do before the next run; overdue: a run's occurrence was not done by the run after it. */
  state: 'overdue' | 'due' | 'done';
  /** The run at which the task's current (or next) occurrence opens. */
  opensAt: number;
  /** The run by which that occurrence must be done: overdue from then. */
  dueAt: number;
  last?: TaskDone;
}

/**
 * A completion up to this share of a task's `every` before a run counts for
 * that run, and `every` is measured with the same slack: so a task on a
 * checklist that runs about as often as `every` is due at each run (a "30d"
 * task on the 1st of each month, February too), and on one that runs more
 * often it is due at the first run about `every` after it was done.
 */
export const TASK_GRACE_SHARE = 0.25;

/**
 * Run times already computed, by schedule and reference time. A task's times
 * depend only on these (and its completion), and croner takes 0.1–0.3 ms a
 * call, so a warm isolate serves the page's task states without computing
 * any again. Emptied when full.
 */
const runTimes = new Map<string, number | undefined>();
const RUN_TIMES_KEPT = 1000;

function memoRun(key: string, compute: () => number | undefined): number | undefined {
  if (runTimes.has(key)) return runTimes.get(key);
  const time = compute();
  if (runTimes.size >= RUN_TIMES_KEPT) runTimes.clear();
  runTimes.set(key, time);
  return time;
}

/** The checklist's last run at or before `time` (croner excludes a run exactly at the reference). */
function runAtOrBefore(checklist: Checklist, time: number): number | undefined {
  const { cron, tz } = checklist.schedule;
  return memoRun(`<= ${tz} ${cron} ${time}`, () => cronFor(cron, tz).previousRuns(1, new Date(time + 1))[0]?.getTime());
}

/** The checklist's first run at or after `time`. */
function runAtOrAfter(checklist: Checklist, time: number): number {
  const { cron, tz } = checklist.schedule;
  return memoRun(`>= ${tz} ${cron} ${time}`, () => cronFor(cron, tz).nextRun(new Date(time - 1))?.getTime()) ?? Infinity;
}

/**
 * The run at which a task done at `doneAt` is next due. It counts as done for
 * the run R it was done for: the last run at or before it, or the next run
 * when that is close (within the grace). Without `every` the next occurrence
 * opens at the run after R, whatever the gaps between runs (Wednesday and
 * Thursday, weekdays); with it, at the first run at or after R + every − grace.
 */
export function nextOccurrence(task: Task, checklist: Checklist, doneAt: number): number {
  if (task.everyMs === undefined) {
    const before = runAtOrBefore(checklist, doneAt);
    const after = runAtOrAfter(checklist, doneAt + 1);
    const grace = before !== undefined && after !== Infinity ? (after - before) * TASK_GRACE_SHARE : 0;
    const doneFor = after - doneAt <= grace ? after : (before ?? doneAt);
    return runAtOrAfter(checklist, doneFor + 1);
  }
  const grace = task.everyMs * TASK_GRACE_SHARE;
  const doneFor = runAtOrBefore(checklist, doneAt + grace) ?? doneAt;
  return runAtOrAfter(checklist, doneFor + task.everyMs - grace);
}

/**
 * Where a manual task stands at `now`. Its occurrence opens at a run and is
 * due by the next run (overdue from then); a task never done is due at the
 * checklist's first run.
 */
export function taskStatus(task: Task, checklist: Checklist, state: EngineState, tasks: TasksRecord, now: number): TaskStatus {
  let last = lastDone(tasks, checklist.id, task.id);
  if (task.doneBy) {
    const facts = state.checks[task.doneBy]?.facts;
    const pinged = typeof facts?.last_success_at === 'string' ? Date.parse(facts.last_success_at) : Number.NaN;
    if (!Number.isNaN(pinged) && (!last || pinged > last.at)) last = { at: pinged, by: `heartbeat ${task.doneBy}` };
  }
  const opensAt = last ? nextOccurrence(task, checklist, last.at) : (state.checklists?.[checklist.id]?.firstRun ?? runAtOrBefore(checklist, now) ?? now);
  const dueAt = runAtOrAfter(checklist, opensAt + 1);
  const status: TaskStatus = { state: now < opensAt ? 'done' : now < dueAt ? 'due' : 'overdue', opensAt, dueAt };
  if (last) status.last = last;
  return status;
}

function day(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

function taskItem(task: Task, status: TaskStatus): DigestItem {
  const { last } = status;
  const lastText = last ? `last done ${day(last.at)} by ${last.by}` : 'never done';
  let detail: string;
  if (status.state === 'overdue') detail = `overdue since ${isoMinute(status.dueAt)}; ${lastText}`;
  else if (status.state === 'done' && last) detail = `done ${day(last.at)} by ${last.by}${last.note ? `: ${last.note}` : ''}; next due ${day(status.opensAt)}`;
  else detail = last ? `due by ${day(status.dueAt)}; ${lastText}` : `not done yet; due by ${day(status.dueAt)}`;
  const item: DigestItem = { id: task.id, name: task.text, kind: 'task', state: status.state, detail };
  if (task.owner) item.owner = task.owner;
  if (task.link) item.link = task.link;
  return item;
}

/** What this run found for a check: this tick's result (not waiting for confirmations). */
function checkItem(id: string, config: Config, checkState: CheckState | undefined, now: number): DigestItem {
  const check = config.checks.find((candidate) => candidate.id === id);
  const name = check?.name ?? id;
  if (activeFor(config, id, now)) return { id, name, kind: 'check', state: 'paused', detail: 'in a maintenance window' };
  if (!checkState || checkState.lastRun !== now) {
    return { id, name, kind: 'check', state: 'unknown', detail: checkState?.lastRun ? `did not run at this time (over the tick's budget); last result: ${checkState.message ?? 'none'}` : 'has not run yet' };
  }
  const observed = checkState.streak?.status ?? checkState.status;
  const state: ItemState = observed === 'up' ? 'ok' : observed === 'degraded' ? 'warning' : observed === 'down' ? 'failing' : 'unknown';
  return { id, name, kind: 'check', state, detail: checkState.message ?? '' };
}

const ORDER: Record<ItemState, number> = { failing: 0, overdue: 1, warning: 2, unknown: 3, due: 4, paused: 5, done: 6, ok: 7 };

/** The digest of one run (without held alerts: those are per channel). */
export function buildDigest(run: ChecklistRun, config: Config, state: EngineState, tasks: TasksRecord, now: number): Digest {
  const { checklist } = run;
  const items = checklist.items.map((item) =>
    item.type === 'check' ? checkItem(item.id, config, state.checks[item.id], now) : taskItem(item, taskStatus(item, checklist, state, tasks, now)),
  );
  items.sort((a, b) => ORDER[a.state] - ORDER[b.state]);
  const since = state.checklists?.[checklist.id]?.lastRun ?? run.runAt - 86_400_000;
  const names = new Map(config.checks.map((check) => [check.id, check.name]));
  const incidents = state.incidents
    .filter((incident) => incident.startedAt > since || (incident.endedAt ?? Infinity) > since)
    .filter((incident) => incident.startedAt <= now)
    .slice(-INCIDENTS_IN_DIGEST)
    .map((incident) => {
      const check = incident.checkId !== undefined ? (names.get(incident.checkId) ?? incident.checkId) : (incident.title ?? 'incident');
      const entry: Digest['incidents'][number] = { check, status: incident.status, startedAt: incident.startedAt, cause: incident.cause };
      if (incident.endedAt !== undefined) entry.endedAt = incident.endedAt;
      return entry;
    });
  const ok = items.filter((item) => !PROBLEM_STATES.has(item.state)).length;
  return { id: `checklist:${checklist.id}:${run.runAt}`, checklist: { id: checklist.id, name: checklist.name }, runAt: run.runAt, ok, total: items.length, items, incidents, held: [] };
}

/** True when the item may be shown on public routes: a public check, or a public task. */
export function isPublicItem(item: ChecklistItem, config: Config): boolean {
  return item.type === 'task' ? item.public : config.checks.find((check) => check.id === item.id)?.public === true;
}

/**
 * Posts a run's digest to each of its channels, folding in the alerts each
 * channel's quiet hours were holding (they count as delivered when the digest
 * is), and records the run for the page. Returns the outbox entries added.
 */
export function postDigest(run: ChecklistRun, config: Config, state: EngineState, tasks: TasksRecord, now: number): number {
  const digest = buildDigest(run, config, state, tasks, now);
  let added = 0;
  for (const channel of run.checklist.notify.filter((name) => name in config.channels)) {
    const held = foldHeld(state, channel, `${digest.id}>${channel}`, now).map((event) => heldLine(event, alertMessage(event).title));
    added += enqueue(state, { ...digest, held }, [channel], now);
  }
  const shown = new Set(run.checklist.items.filter((item) => isPublicItem(item, config)).map((item) => `${item.type} ${item.id}`));
  const publicItems = digest.items.filter((item) => shown.has(`${item.kind} ${item.id}`));
  const previous = state.checklists?.[run.checklist.id];
  (state.checklists ??= {})[run.checklist.id] = {
    lastRun: run.runAt,
    firstRun: previous?.firstRun ?? run.runAt,
    ok: publicItems.filter((item) => !PROBLEM_STATES.has(item.state)).length,
    total: publicItems.length,
    problems: publicItems
      .filter((item) => PROBLEM_STATES.has(item.state))
      .slice(0, PROBLEMS_KEPT)
      .map(({ kind, id, name, state: itemState, detail }) => ({ kind, id, name, state: itemState, detail })),
  };
  return added;
}
