// Which checks are due at a tick. `every` checks run when a multiple of their
// interval (shifted by a per-check offset, to spread load) falls between the
// previous tick and this one; cron checks when croner has a fire time there.

import { Cron } from 'croner';
import type { Check, Schedule } from '../config/types';
import type { CheckState } from './types';

const MINUTE = 60_000;
/** The Worker's cron fires every minute; a tick covers the minute before it. */
export const TICK_INTERVAL_MS = MINUTE;
/** Never look back further than this for missed runs (after a long outage, run once, not 1,000 times). */
const MAX_LOOKBACK_MS = 7 * 24 * 60 * MINUTE;

const crons = new Map<string, Cron>();

export function cronFor(expression: string, tz: string): Cron {
  const key = `${tz} ${expression}`;
  let cron = crons.get(key);
  if (!cron) {
    cron = new Cron(expression, { mode: '5-part', timezone: tz, paused: true });
    crons.set(key, cron);
  }
  return cron;
}

/** A stable offset in whole minutes below the interval, so 5-minute checks do not all run at :00. */
export function offsetFor(id: string, everyMs: number): number {
  const slots = Math.max(1, Math.round(everyMs / MINUTE));
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (Math.imul(hash, 31) + id.charCodeAt(i)) | 0;
  return (Math.abs(hash) % slots) * MINUTE;
}

/** True when `schedule` fires in (previous, now]. */
export function firesBetween(schedule: Schedule, id: string, previous: number, now: number): boolean {
  const from = Math.max(previous, now - MAX_LOOKBACK_MS);
  if (from >= now || 'manual' in schedule) return false;
  if ('every' in schedule) {
    const offset = offsetFor(id, schedule.every);
    return Math.floor((now - offset) / schedule.every) > Math.floor((from - offset) / schedule.every);
  }
  const next = cronFor(schedule.cron, schedule.tz).nextRun(new Date(from));
  return next !== null && next.getTime() <= now;
}

/** The next time a schedule fires after `after` (for the page: "next run"). */
export function nextFire(schedule: Schedule, id: string, after: number): number | undefined {
  if ('manual' in schedule) return undefined;
  if ('every' in schedule) {
    const offset = offsetFor(id, schedule.every);
    return (Math.floor((after - offset) / schedule.every) + 1) * schedule.every + offset;
  }
  return cronFor(schedule.cron, schedule.tz).nextRun(new Date(after))?.getTime();
}

/** The previous tick's time as the schedules see it (a first or repeated tick covers the last minute). */
export function previousTickTime(previousTick: number | undefined, now: number): number {
  return previousTick !== undefined && previousTick < now ? previousTick : now - TICK_INTERVAL_MS;
}

/**
 * The checks to run at `now`, oldest result first: checks that have never run,
 * checks deferred by the last tick's budget, checks whose schedule fired since
 * the previous tick, and those a checklist running now includes (`forced`).
 * A check only checklists run (manual schedule) does not run on its own.
 */
export function dueChecks(
  checks: readonly Check[],
  now: number,
  previousTick: number | undefined,
  states: Record<string, CheckState | undefined>,
  deferred: readonly string[] = [],
  forced: ReadonlySet<string> = new Set(),
): Check[] {
  const previous = previousTickTime(previousTick, now);
  const due = checks.filter((check) => {
    if (forced.has(check.id) || deferred.includes(check.id)) return true;
    const state = states[check.id];
    if ((!state || state.lastRun === undefined) && !('manual' in check.schedule)) return true;
    return firesBetween(check.schedule, check.id, previous, now);
  });
  return due.sort((a, b) => (states[a.id]?.lastRun ?? 0) - (states[b.id]?.lastRun ?? 0));
}
