// Maintenance windows: which are in force at a time (for muting alerts and
// showing checks as paused), which are coming up (announced on the page), and
// which intervals to leave out of uptime and SLOs.

import type { Config, MaintenanceWindow } from '../config/types';
import { cronFor } from './schedule';

/** One occurrence of a window: [start, end). */
export interface Occurrence {
  window: MaintenanceWindow;
  start: number;
  end: number;
}

/** A recurring window's occurrences are looked up at most this many at a time. */
const MAX_OCCURRENCES = 400;

export function covers(window: MaintenanceWindow, checkId: string): boolean {
  return window.checks === 'all' || window.checks.includes(checkId);
}

/** The occurrences of `window` that overlap [from, to). */
export function occurrences(window: MaintenanceWindow, from: number, to: number): Occurrence[] {
  if (window.start !== undefined && window.end !== undefined) {
    return window.start < to && window.end > from ? [{ window, start: window.start, end: window.end }] : [];
  }
  if (!window.cron || !window.durationMs) return [];
  const cron = cronFor(window.cron.expression, window.cron.tz);
  const out: Occurrence[] = [];
  // An occurrence that started up to one duration before `from` still overlaps it.
  let cursor = new Date(from - window.durationMs);
  for (let i = 0; i < MAX_OCCURRENCES; i++) {
    const next = cron.nextRun(cursor);
    if (!next || next.getTime() >= to) break;
    const start = next.getTime();
    if (start + window.durationMs > from) out.push({ window, start, end: start + window.durationMs });
    cursor = next;
  }
  return out;
}

/** The occurrence in force at `time` for a check, if any (the one ending last when several overlap). */
export function activeFor(config: Config, checkId: string, time: number): Occurrence | undefined {
  let found: Occurrence | undefined;
  for (const window of config.maintenance) {
    if (!covers(window, checkId)) continue;
    for (const occurrence of occurrences(window, time, time + 1)) if (!found || occurrence.end > found.end) found = occurrence;
  }
  return found;
}

/** Every occurrence in force at `time`. */
export function activeAt(config: Config, time: number): Occurrence[] {
  return config.maintenance.flatMap((window) => occurrences(window, time, time + 1));
}

/** Occurrences starting after `time` within their window's announce period, soonest first. */
export function upcoming(config: Config, time: number): Occurrence[] {
  const out: Occurrence[] = [];
  for (const window of config.maintenance) {
    const next = occurrences(window, time, time + window.announceMs).find((occurrence) => occurrence.start > time);
    if (next) out.push(next);
  }
  return out.sort((a, b) => a.start - b.start);
}

/** The intervals within [from, to) when `checkId` was in maintenance, merged and clipped. */
export function maintenanceIntervals(config: Config, checkId: string, from: number, to: number): Array<[number, number]> {
  const spans = config.maintenance
    .filter((window) => covers(window, checkId))
    .flatMap((window) => occurrences(window, from, to))
    .map(({ start, end }) => [Math.max(start, from), Math.min(end, to)] as [number, number])
    .sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
    else merged.push(span);
  }
  return merged;
}
