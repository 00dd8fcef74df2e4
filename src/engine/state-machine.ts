// Confirmations: a check's status changes only after the same raw status is
// seen `confirmations.down` (failing) or `confirmations.up` (recovering) runs
// in a row. A check's very first result is taken as is when it is up.

import type { Check } from '../config/types';
import type { CheckState, Status } from './types';

export interface Transition {
  from: Status;
  to: Status;
  /** When the new status was first observed. */
  since: number;
  /** The check had no confirmed status before. */
  initial: boolean;
}

export function newCheckState(now: number): CheckState {
  return { status: 'unknown', since: now, changes: [] };
}

/**
 * Feeds one raw status into a check's state (mutating it) and returns the
 * transition when the confirmed status changes. `observedSince` is when the
 * observed condition began, when that is earlier than this run (a failure
 * that had to last its `for` duration before it counted).
 */
export function advance(state: CheckState, observed: Status, now: number, check: Pick<Check, 'confirmations'>, observedSince: number = now): Transition | undefined {
  if (observed === state.status && state.confirmed) {
    delete state.streak;
    return undefined;
  }
  // Never before the last confirmed change: the timeline stays in order.
  const began = Math.max(Math.min(now, observedSince), state.changes[state.changes.length - 1]?.[0] ?? -Infinity);
  const streak = state.streak && state.streak.status === observed ? { ...state.streak, count: state.streak.count + 1, since: Math.min(state.streak.since, began) } : { status: observed, count: 1, since: began };
  const needed = observed === 'up' ? (state.confirmed ? check.confirmations.up : 1) : check.confirmations.down;
  if (streak.count < needed) {
    state.streak = streak;
    return undefined;
  }
  const transition: Transition = { from: state.status, to: observed, since: streak.since, initial: !state.confirmed };
  state.status = observed;
  state.since = streak.since;
  state.confirmed = true;
  delete state.streak;
  state.changes.push([streak.since, observed]);
  return transition;
}

/** Keep two days of changes (and the last one before), enough for today, yesterday's roll-up and 24 h uptime. */
export const CHANGES_KEPT_MS = 2 * 24 * 3_600_000;

export function pruneChanges(state: CheckState, now: number): void {
  const cutoff = now - CHANGES_KEPT_MS;
  let firstKept = state.changes.findIndex(([time]) => time >= cutoff);
  if (firstKept === -1) firstKept = state.changes.length;
  if (firstKept > 1) state.changes.splice(0, firstKept - 1);
}
