// Daily roll-ups (90 days, kept by the ledger) and uptime computed from the
// timeline of confirmed status changes: exact without a row per probe. Time in
// maintenance is neither uptime nor downtime, and time before Vigil first ran
// a check is not counted at all.

import type { Config } from '../config/types';
import { maintenanceIntervals } from '../engine/maintenance';
import { DAY_MS, startOfUtcDay, utcDay, type CheckState, type DayRollup, type EngineState, type Status } from '../model/state';

export type { DayRollup } from '../model/state';

export const HISTORY_DAYS = 90;

/** `YYYY-MM-DD` → check id → roll-up. */
export type History = EngineState['history'];

export type Durations = Record<Status | 'maintenance', number>;

/** Intervals [start, end) to leave out of uptime (maintenance windows), for a check and a span. */
export type Exclusions = (checkId: string, from: number, to: number) => Array<[number, number]>;

/**
 * Milliseconds spent in each status between `from` and `to`, from a check's
 * change timeline. Time inside `excluded` intervals (maintenance) counts as
 * maintenance: it is neither uptime nor downtime.
 */
export function timeByStatus(changes: ReadonlyArray<[number, Status]>, from: number, to: number, excluded: ReadonlyArray<[number, number]> = []): Durations {
  const out: Durations = { up: 0, degraded: 0, down: 0, unknown: 0, maintenance: 0 };
  for (let i = 0; i < changes.length; i++) {
    const [start, status] = changes[i] as [number, Status];
    const end = i + 1 < changes.length ? (changes[i + 1] as [number, Status])[0] : to;
    const lo = Math.max(start, from);
    const hi = Math.min(end, to);
    if (hi <= lo) continue;
    let hidden = 0;
    for (const [a, b] of excluded) hidden += Math.max(0, Math.min(b, hi) - Math.max(a, lo));
    out[status] += hi - lo - hidden;
    out.maintenance += hidden;
  }
  return out;
}

/**
 * Folds every finished UTC day not yet rolled up into `state.history` (in
 * memory; the ledger stores the day's row). Returns the days it wrote.
 */
export function rollUpFinishedDays(state: EngineState, config: Config, now: number): string[] {
  const today = utcDay(now);
  const yesterday = utcDay(now - DAY_MS);
  if (state.rolledUp === yesterday || state.rolledUp === today) return [];
  const written: string[] = [];
  const firstDay = state.rolledUp ? Date.parse(state.rolledUp) + DAY_MS : startOfUtcDay(now) - DAY_MS;
  for (let dayStart = Math.max(firstDay, startOfUtcDay(now) - HISTORY_DAYS * DAY_MS); dayStart < startOfUtcDay(now); dayStart += DAY_MS) {
    const day = utcDay(dayStart);
    const rollups: Record<string, DayRollup> = state.history[day] ?? {};
    for (const check of config.checks) {
      const checkState = state.checks[check.id];
      if (!checkState) continue;
      const rollup = rollUp(checkState, dayStart, maintenanceIntervals(config, check.id, dayStart, dayStart + DAY_MS));
      if (rollup) rollups[check.id] = rollup;
    }
    if (Object.keys(rollups).length > 0) {
      state.history[day] = rollups;
      written.push(day);
    }
  }
  const oldest = utcDay(startOfUtcDay(now) - HISTORY_DAYS * DAY_MS);
  for (const day of Object.keys(state.history)) if (day < oldest) delete state.history[day];
  state.rolledUp = yesterday;
  // The finished days' latency totals are in history now.
  for (const checkState of Object.values(state.checks)) delete checkState.lastDay;
  return written;
}

function rollUp(check: CheckState, dayStart: number, excluded: Array<[number, number]>): DayRollup | undefined {
  const spent = timeByStatus(check.changes, dayStart, dayStart + DAY_MS, excluded);
  const total = spent.up + spent.degraded + spent.down + spent.unknown + spent.maintenance;
  if (total === 0) return undefined;
  const date = utcDay(dayStart);
  const totals = [check.day, check.lastDay].find((candidate) => candidate?.date === date);
  const latency = totals && totals.runs > 0 ? Math.round(totals.latencySum / totals.runs) : null;
  const seconds = (ms: number) => Math.round(ms / 1000);
  return [seconds(spent.up), seconds(spent.degraded), seconds(spent.down), seconds(spent.unknown), latency, seconds(spent.maintenance)];
}

export const UPTIME_WINDOWS = { '1d': 1, '7d': 7, '30d': 30, '90d': 90 } as const;
export type UptimeWindow = keyof typeof UPTIME_WINDOWS;

/**
 * Availability in percent: (up + degraded) / (up + degraded + down). Time
 * Vigil could not evaluate (unknown), spent in maintenance, or did not watch
 * is left out; null when nothing was observed. 1d is the last 24 hours;
 * 7d/30d/90d are today so far plus the previous 6/29/89 UTC days from the roll-ups.
 */
export function uptime(checkId: string, check: CheckState | undefined, history: History, now: number, exclude?: Exclusions): Record<UptimeWindow, number | null> {
  const changes = check?.changes ?? [];
  const last24h = timeByStatus(changes, now - DAY_MS, now, exclude?.(checkId, now - DAY_MS, now));
  const today = timeByStatus(changes, startOfUtcDay(now), now, exclude?.(checkId, startOfUtcDay(now), now));
  const result = {} as Record<UptimeWindow, number | null>;
  for (const [window, days] of Object.entries(UPTIME_WINDOWS) as Array<[UptimeWindow, number]>) {
    if (days === 1) {
      result[window] = percent(last24h.up + last24h.degraded, last24h.down);
      continue;
    }
    let good = today.up + today.degraded;
    let bad = today.down;
    for (let back = 1; back < days; back++) {
      const rollup = history[utcDay(now - back * DAY_MS)]?.[checkId];
      if (!rollup) continue;
      good += (rollup[0] + rollup[1]) * 1000;
      bad += rollup[2] * 1000;
    }
    result[window] = percent(good, bad);
  }
  return result;
}

function percent(good: number, bad: number): number | null {
  const total = good + bad;
  if (total <= 0) return null;
  return Math.floor((good / total) * 100_000) / 1000;
}

/** One day's bar: its worst status, or maintenance when that is all that happened, or none before Vigil watched. */
export type BarStatus = Status | 'maintenance' | 'none';

export interface DayBar {
  day: string;
  status: BarStatus;
  downSeconds: number;
  degradedSeconds: number;
  maintenanceSeconds: number;
  /** The day's average latency (ms), when the check reached its target that day. */
  latencyMs: number | null;
}

/** The bars of the last `days` UTC days, oldest first (the page's bars and its 90-day latency chart). */
export function dailyBars(checkId: string, check: CheckState | undefined, history: History, now: number, days: number, exclude?: Exclusions): DayBar[] {
  const bars: DayBar[] = [];
  const todayStart = startOfUtcDay(now);
  for (let back = days - 1; back >= 0; back--) {
    const dayStart = todayStart - back * DAY_MS;
    const day = utcDay(dayStart);
    let spent: Durations | undefined;
    let latencyMs: number | null = null;
    if (back === 0 || back === 1) {
      const end = Math.min(now, dayStart + DAY_MS);
      const fromChanges = timeByStatus(check?.changes ?? [], dayStart, end, exclude?.(checkId, dayStart, end));
      if (total(fromChanges) > 0) spent = fromChanges;
      const totals = [check?.day, check?.lastDay].find((candidate) => candidate?.date === day);
      if (totals && totals.runs > 0) latencyMs = Math.round(totals.latencySum / totals.runs);
    }
    const rollup = history[day]?.[checkId];
    if (!spent && rollup) spent = { up: rollup[0] * 1000, degraded: rollup[1] * 1000, down: rollup[2] * 1000, unknown: rollup[3] * 1000, maintenance: (rollup[5] ?? 0) * 1000 };
    if (rollup && latencyMs === null) latencyMs = rollup[4];
    if (!spent) {
      bars.push({ day, status: 'none', downSeconds: 0, degradedSeconds: 0, maintenanceSeconds: 0, latencyMs: null });
      continue;
    }
    const status: BarStatus = spent.down > 0 ? 'down' : spent.degraded > 0 ? 'degraded' : spent.up > 0 ? 'up' : spent.maintenance > 0 ? 'maintenance' : 'unknown';
    bars.push({ day, status, downSeconds: Math.round(spent.down / 1000), degradedSeconds: Math.round(spent.degraded / 1000), maintenanceSeconds: Math.round(spent.maintenance / 1000), latencyMs });
  }
  return bars;
}

function total(spent: Durations): number {
  return spent.up + spent.degraded + spent.down + spent.unknown + spent.maintenance;
}
