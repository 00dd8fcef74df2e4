// Daily roll-ups (90 days, one KV key written once a day) and uptime computed
// from the timeline of confirmed status changes: exact without a write per probe.

import type { Config } from '../config/types';
import { maintenanceIntervals } from '../engine/maintenance';
import type { CheckState, Status } from '../engine/types';
import type { KV } from './kv';
import { countWrite, KEYS } from './kv';
import { DAY_MS, startOfUtcDay, utcDay, type EngineState } from './state';

export const HISTORY_DAYS = 90;
const HISTORY_VERSION = 1;

/** Seconds spent up, degraded, down and unknown that day, and the average latency (ms) or null. */
export type DayRollup = [up: number, degraded: number, down: number, unknown: number, latencyMs: number | null];

export interface History {
  v: typeof HISTORY_VERSION;
  /** `YYYY-MM-DD` → check id → roll-up */
  days: Record<string, Record<string, DayRollup>>;
}

export function emptyHistory(): History {
  return { v: HISTORY_VERSION, days: {} };
}

export async function loadHistory(kv: KV): Promise<History> {
  const raw = await kv.get(KEYS.history);
  if (!raw) return emptyHistory();
  try {
    const parsed = JSON.parse(raw) as History;
    return parsed.v === HISTORY_VERSION ? parsed : emptyHistory();
  } catch {
    return emptyHistory();
  }
}

export type Durations = Record<Status, number>;

/** Intervals [start, end) to leave out of uptime (maintenance windows), for a check and a span. */
export type Exclusions = (checkId: string, from: number, to: number) => Array<[number, number]>;

/**
 * Milliseconds spent in each status between `from` and `to`, from a check's
 * change timeline. Time inside `excluded` intervals (maintenance) counts as
 * unknown: it is neither uptime nor downtime.
 */
export function timeByStatus(changes: ReadonlyArray<[number, Status]>, from: number, to: number, excluded: ReadonlyArray<[number, number]> = []): Durations {
  const out: Durations = { up: 0, degraded: 0, down: 0, unknown: 0 };
  for (let i = 0; i < changes.length; i++) {
    const [start, status] = changes[i] as [number, Status];
    const end = i + 1 < changes.length ? (changes[i + 1] as [number, Status])[0] : to;
    const lo = Math.max(start, from);
    const hi = Math.min(end, to);
    if (hi <= lo) continue;
    let hidden = 0;
    for (const [a, b] of excluded) hidden += Math.max(0, Math.min(b, hi) - Math.max(a, lo));
    out[status] += hi - lo - hidden;
    out.unknown += hidden;
  }
  return out;
}

/**
 * Folds every finished UTC day not yet rolled up into the history key (one
 * read and one write, once a day). Returns true when it wrote.
 */
export async function rollUpFinishedDays(kv: KV, state: EngineState, config: Config, now: number): Promise<boolean> {
  const today = utcDay(now);
  const yesterday = utcDay(now - DAY_MS);
  if (state.rolledUp === yesterday || state.rolledUp === today) return false;
  const anyData = Object.values(state.checks).some((check) => check.changes.length > 0 && check.changes[0]![0] < startOfUtcDay(now));
  if (!anyData) {
    state.rolledUp = yesterday;
    for (const checkState of Object.values(state.checks)) delete checkState.lastDay;
    return false;
  }
  const history = await loadHistory(kv);
  const firstDay = state.rolledUp ? Date.parse(state.rolledUp) + DAY_MS : startOfUtcDay(now) - DAY_MS;
  for (let dayStart = Math.max(firstDay, startOfUtcDay(now) - HISTORY_DAYS * DAY_MS); dayStart < startOfUtcDay(now); dayStart += DAY_MS) {
    const day = utcDay(dayStart);
    const rollups: Record<string, DayRollup> = history.days[day] ?? {};
    for (const check of config.checks) {
      const checkState = state.checks[check.id];
      if (!checkState) continue;
      const rollup = rollUp(checkState, dayStart, maintenanceIntervals(config, check.id, dayStart, dayStart + DAY_MS));
      if (rollup) rollups[check.id] = rollup;
    }
    if (Object.keys(rollups).length > 0) history.days[day] = rollups;
  }
  const oldest = utcDay(startOfUtcDay(now) - HISTORY_DAYS * DAY_MS);
  for (const day of Object.keys(history.days)) if (day < oldest) delete history.days[day];
  countWrite(state, now);
  await kv.put(KEYS.history, JSON.stringify(history));
  state.rolledUp = yesterday;
  // The finished days' latency totals are in history now.
  for (const checkState of Object.values(state.checks)) delete checkState.lastDay;
  return true;
}

function rollUp(check: CheckState, dayStart: number, excluded: Array<[number, number]>): DayRollup | undefined {
  const spent = timeByStatus(check.changes, dayStart, dayStart + DAY_MS, excluded);
  const total = spent.up + spent.degraded + spent.down + spent.unknown;
  if (total === 0) return undefined;
  const date = utcDay(dayStart);
  const totals = [check.day, check.lastDay].find((candidate) => candidate?.date === date);
  const latency = totals && totals.runs > 0 ? Math.round(totals.latencySum / totals.runs) : null;
  const seconds = (ms: number) => Math.round(ms / 1000);
  return [seconds(spent.up), seconds(spent.degraded), seconds(spent.down), seconds(spent.unknown), latency];
}

export const UPTIME_WINDOWS = { '1d': 1, '7d': 7, '30d': 30, '90d': 90 } as const;
export type UptimeWindow = keyof typeof UPTIME_WINDOWS;

/**
 * Availability in percent: (up + degraded) / (up + degraded + down). Time
 * Vigil could not evaluate (unknown) or did not watch is left out; null when
 * nothing was observed. 1d is the last 24 hours; 7d/30d/90d are today so far
 * plus the previous 6/29/89 UTC days from the roll-ups.
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
      const rollup = history.days[utcDay(now - back * DAY_MS)]?.[checkId];
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

/** The worst status of each of the last `days` UTC days, oldest first (the page's bars). */
export function dailyBars(checkId: string, check: CheckState | undefined, history: History, now: number, days: number): Array<{ day: string; status: Status | 'none'; downSeconds: number }> {
  const bars: Array<{ day: string; status: Status | 'none'; downSeconds: number }> = [];
  for (let back = days - 1; back >= 0; back--) {
    const dayStart = startOfUtcDay(now) - back * DAY_MS;
    const day = utcDay(dayStart);
    let spent: Durations | undefined;
    if (back === 0 || back === 1) {
      const fromChanges = timeByStatus(check?.changes ?? [], dayStart, Math.min(now, dayStart + DAY_MS));
      if (fromChanges.up + fromChanges.degraded + fromChanges.down + fromChanges.unknown > 0) spent = fromChanges;
    }
    const rollup = history.days[day]?.[checkId];
    if (!spent && rollup) spent = { up: rollup[0] * 1000, degraded: rollup[1] * 1000, down: rollup[2] * 1000, unknown: rollup[3] * 1000 };
    if (!spent) {
      bars.push({ day, status: 'none', downSeconds: 0 });
      continue;
    }
    const status: Status = spent.down > 0 ? 'down' : spent.degraded > 0 ? 'degraded' : spent.up > 0 ? 'up' : 'unknown';
    bars.push({ day, status, downSeconds: Math.round(spent.down / 1000) });
  }
  return bars;
}
