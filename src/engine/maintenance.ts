// Maintenance windows: which are in force at a time (for muting alerts and
// showing checks as paused), which are coming up (announced on the page), and
// which intervals to leave out of uptime and SLOs.

import type { Config, MaintenanceWindow } from '../config/types';
import type { ScheduledMaintenance } from '../model/state';
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
  for (const occurrence of activeAt(config, time)) {
    if (covers(occurrence.window, checkId) && (!found || occurrence.end > found.end)) found = occurrence;
  }
  return found;
}

// What is in force at a time, per config: a tick asks for every check at the
// same time, and croner takes 0.1-0.3 ms per call (1,000 checks would spend
// most of a tick's CPU here).
const activeMemo = new WeakMap<Config, { time: number; active: Occurrence[] }>();

/** Every occurrence in force at `time`. */
export function activeAt(config: Config, time: number): Occurrence[] {
  const memo = activeMemo.get(config);
  if (memo?.time === time) return memo.active;
  const active = config.maintenance.flatMap((window) => occurrences(window, time, time + 1));
  activeMemo.set(config, { time, active });
  return active;
}

/**
 * The config with the maintenance people scheduled through the admin API
 * added to the windows written in it (the engine sees one list). Cancelled
 * windows end when they were cancelled. Scheduled maintenance is announced
 * on the page from the moment it was scheduled.
 */
export function withScheduledMaintenance(config: Config, scheduled: readonly ScheduledMaintenance[]): Config {
  if (scheduled.length === 0) return config;
  const windows: MaintenanceWindow[] = scheduled
    .map((entry) => {
      const end = entry.cancelledAt !== undefined ? Math.min(entry.end, entry.cancelledAt) : entry.end;
      const window: MaintenanceWindow = { id: entry.id, title: entry.title, checks: entry.checks, announceMs: Math.max(0, entry.start - (entry.updates[0]?.at ?? entry.start)), start: entry.start, end };
      if (entry.description) window.description = entry.description;
      return window;
    })
    .filter((window) => (window.end as number) > (window.start as number));
  return { ...config, maintenance: [...config.maintenance, ...windows] };
}

/** Occurrences starting after `time` within their window's announce period, soonest first. */
export function upcoming(config: Config, time: number): Occurrence[] {
  const out: Occurrence[] = [];
  for (const window of config.maintenance) {
    // + 1: a window starting exactly `announce` from now is announced (one scheduled now for an hour ahead, too).
    const next = occurrences(window, time, time + window.announceMs + 1).find((occurrence) => occurrence.start > time);
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
  return mergeIntervals(spans);
}

/** Overlapping or touching intervals, sorted by start, merged into one. */
export function mergeIntervals(sorted: Array<[number, number]>): Array<[number, number]> {
  const merged: Array<[number, number]> = [];
  for (const span of sorted) {
    const last = merged[merged.length - 1];
    if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
    else merged.push(span);
  }
  return merged;
}
