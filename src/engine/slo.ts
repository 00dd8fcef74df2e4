// Availability SLOs: a check may declare an objective ("99.9% over 30 days").
// Its SLI is probe-based: each run that Vigil could evaluate is good (up or
// degraded) or bad (down). Counts are kept per 5-minute bucket for the last
// 6 hours (for burn rates) and per UTC day for the SLO window (for the error
// budget), inside the check's state (see docs/storage.md).
//
// Burn-rate alerts follow the multi-window method of the Google SRE workbook
// (chapter 5, "Alerting on SLOs"): page when the budget burns at a rate that
// would spend 2% of it in an hour (fast: 1h and 5m windows) or 5% in six
// hours (slow: 6h and 30m windows); the short window makes the alert stop
// soon after the burning does. For a 30-day window these are 14.4× and 6×.

import { formatDuration } from '../config/duration';
import type { Check, SloConfig } from '../config/types';
import { DAY_MS, utcDay, type AlertEvent, type BurnLevel, type CheckState, type SliState, type Status } from '../model/state';

export const BUCKET_MS = 5 * 60_000;
/** Buckets kept: the longest burn window (6h) plus the one in progress. */
const RECENT_BUCKETS = 6 * 12 + 1;

export type { BurnLevel, SliBucket, SliDay, SliState } from '../model/state';

/** The two alerting windows of each level, and the share of the budget they stand for. */
export const BURN_LEVELS: Record<BurnLevel, { long: number; short: number; budgetShare: number }> = {
  fast: { long: 3_600_000, short: 5 * 60_000, budgetShare: 0.02 },
  slow: { long: 6 * 3_600_000, short: 30 * 60_000, budgetShare: 0.05 },
};

/**
 * A burn alert also needs this many bad probes in its long window: with a
 * probe a minute, one failed probe in an hour already "burns" 14×+ at 99.9%,
 * and one blip must never page.
 */
export const MIN_BAD_PROBES = 2;

/** The burn rate at which a level fires: e.g. 2% of a 30-day budget in 1h = 14.4×. */
export function burnThreshold(slo: SloConfig, level: BurnLevel): number {
  const { long, budgetShare } = BURN_LEVELS[level];
  return (budgetShare * slo.windowDays * DAY_MS) / long;
}

/** Counts one evaluated run (unknown runs are left out). */
export function recordProbe(check: CheckState, status: Status, now: number, slo: SloConfig): void {
  if (status === 'unknown') return;
  const sli: SliState = (check.sli ??= { since: now, recent: [], days: [] });
  sli.since ??= now;
  const good = status === 'down' ? 0 : 1;
  const index = Math.floor(now / BUCKET_MS);
  const last = sli.recent[sli.recent.length - 1];
  if (last && last[0] === index) {
    last[1] += good;
    last[2] += 1 - good;
  } else sli.recent.push([index, good, 1 - good]);
  sli.recent = sli.recent.filter(([i]) => i > index - RECENT_BUCKETS);
  const day = utcDay(now);
  const today = sli.days[sli.days.length - 1];
  if (today && today[0] === day) {
    today[1] += good;
    today[2] += 1 - good;
  } else sli.days.push([day, good, 1 - good]);
  const oldest = utcDay(now - (slo.windowDays - 1) * DAY_MS);
  sli.days = sli.days.filter(([d]) => d >= oldest);
}

/** Good and bad probes in the buckets that overlap the last `window` ms (rounded out to whole buckets). */
export function countRecent(sli: SliState | undefined, window: number, now: number): { good: number; bad: number } {
  const first = Math.floor((now - window) / BUCKET_MS);
  let good = 0;
  let bad = 0;
  for (const [index, g, b] of sli?.recent ?? []) {
    if (index < first) continue;
    good += g;
    bad += b;
  }
  return { good, bad };
}

/** How fast the budget is being spent over `window`: 1 spends it exactly over the SLO window. */
export function burnRate(sli: SliState | undefined, window: number, now: number, slo: SloConfig): number | null {
  const { good, bad } = countRecent(sli, window, now);
  if (good + bad === 0) return null;
  return bad / (good + bad) / (1 - slo.objective / 100);
}

export interface SloStatus {
  /** Percent of good probes over the window so far, or null before any. */
  availability: number | null;
  /**
   * Percent of the error budget left (negative once overspent), or null
   * before any probe. The budget is (100 − objective)% of the probes the
   * whole window holds; until Vigil has watched a whole window, that count
   * is projected from the probes so far (a new check starts with a full
   * budget, not an empty one).
   */
  budgetRemaining: number | null;
  good: number;
  bad: number;
  /** Days of the window with probes (the budget covers those). */
  daysObserved: number;
  burning: BurnLevel | null;
  /** Burn rates over each level's long window. */
  burnRates: { '1h': number | null; '6h': number | null };
}

export function sloStatus(sli: SliState | undefined, slo: SloConfig, now: number): SloStatus {
  const oldest = utcDay(now - (slo.windowDays - 1) * DAY_MS);
  const days = (sli?.days ?? []).filter(([day]) => day >= oldest);
  const good = days.reduce((sum, [, g]) => sum + g, 0);
  const bad = days.reduce((sum, [, , b]) => sum + b, 0);
  const total = good + bad;
  const window = slo.windowDays * DAY_MS;
  // The days kept span from the oldest kept day's midnight to now; the probes in them are
  // projected to a whole window (each probe stands for about a minute at least). This covers a
  // check younger than its window and the partial days a rolling window of whole days has.
  const oldestDay = Date.parse(oldest);
  const watched = Math.max(60_000, now - Math.max(sli?.since ?? now, oldestDay) + 60_000);
  const windowProbes = total * (window / watched);
  const allowedBad = (1 - slo.objective / 100) * windowProbes;
  return {
    availability: total ? round((good / total) * 100, 4) : null,
    budgetRemaining: total ? round((1 - bad / allowedBad) * 100, 1) : null,
    good,
    bad,
    daysObserved: days.length,
    burning: sli?.burning?.level ?? null,
    burnRates: { '1h': roundOrNull(burnRate(sli, BURN_LEVELS.fast.long, now, slo)), '6h': roundOrNull(burnRate(sli, BURN_LEVELS.slow.long, now, slo)) },
  };
}

/** The level whose both windows burn at or above its threshold (fast first), with enough bad probes. */
export function burningLevel(sli: SliState | undefined, slo: SloConfig, now: number): BurnLevel | undefined {
  for (const level of ['fast', 'slow'] as const) {
    const { long, short } = BURN_LEVELS[level];
    const threshold = burnThreshold(slo, level);
    const longRate = burnRate(sli, long, now, slo);
    const shortRate = burnRate(sli, short, now, slo);
    if (longRate === null || shortRate === null || longRate < threshold || shortRate < threshold) continue;
    if (countRecent(sli, long, now).bad < MIN_BAD_PROBES) continue;
    return level;
  }
  return undefined;
}

/**
 * Updates the burn alert after a probe: returns the event to send when a
 * burn starts, escalates from slow to fast, or stops.
 */
export function updateBurn(check: Check, state: CheckState, now: number): AlertEvent | undefined {
  const slo = check.slo;
  const sli = state.sli;
  if (!slo || !sli) return undefined;
  if (!slo.burnAlerts) {
    // Alerts switched off while one was in force: the page stops saying "burning".
    delete sli.burning;
    return undefined;
  }
  const level = burningLevel(sli, slo, now);
  const before = sli.burning?.level;
  if (level === before) return undefined;
  if (!level) {
    const was = sli.burning as NonNullable<SliState['burning']>;
    delete sli.burning;
    return burnEvent(check, state, now, 'burn-ended', was.level, was.since);
  }
  // Fast cooling to slow is not news: the fast alert stands until no level holds.
  if (before === 'fast' && level === 'slow') return undefined;
  const since = sli.burning?.since ?? now;
  sli.burning = { level, since };
  return burnEvent(check, state, now, 'burn', level, since, before);
}

function burnEvent(check: Check, state: CheckState, now: number, type: 'burn' | 'burn-ended', level: BurnLevel, since: number, escalatedFrom?: BurnLevel): AlertEvent {
  const slo = check.slo as SloConfig;
  const status = sloStatus(state.sli, slo, now);
  const { long, short } = BURN_LEVELS[level];
  const threshold = burnThreshold(slo, level);
  const longRate = burnRate(state.sli, long, now, slo) ?? 0;
  const shortRate = burnRate(state.sli, short, now, slo) ?? 0;
  const window = `${slo.windowDays}-day`;
  const left = status.budgetRemaining === null ? '' : status.budgetRemaining <= 0 ? '; the budget is spent' : `; ${status.budgetRemaining}% of it is left`;
  let summary: string;
  if (type === 'burn') {
    const remaining = Math.max(0, (status.budgetRemaining ?? 100) / 100);
    const lasts = longRate > 0 ? (remaining * slo.windowDays * DAY_MS) / longRate : Infinity;
    summary =
      `${times(longRate)} the sustainable rate over the last ${formatDuration(long)} (${times(shortRate)} over ${formatDuration(short)}; alert at ${times(threshold)}): ` +
      `at this pace the ${window} budget of the ${slo.objective}% SLO ${remaining > 0 ? `is gone in ${formatDuration(lasts)}${left}` : 'is already spent'}`;
  } else {
    summary = `back under ${times(threshold)} (last ${formatDuration(long)}: ${times(longRate)}, last ${formatDuration(short)}: ${times(shortRate)})${left}`;
  }
  const event: AlertEvent = {
    id: `${check.id}:${type === 'burn' ? `burn-${level}` : 'burn-ended'}:${now}`,
    type,
    at: now,
    check: { id: check.id, name: check.name, ...(check.group ? { group: check.group } : {}) },
    status: type === 'burn-ended' ? 'up' : level === 'fast' ? 'down' : 'degraded',
    previous: type === 'burn' ? (escalatedFrom === 'slow' ? 'degraded' : 'up') : level === 'fast' ? 'down' : 'degraded',
    severity: level === 'fast' ? 'critical' : 'warning',
    since,
    summary,
    details: [],
    slo: {
      objective: slo.objective,
      windowDays: slo.windowDays,
      level,
      burnRate: { long: round(longRate, 2), short: round(shortRate, 2), longWindow: formatDuration(long), shortWindow: formatDuration(short), threshold: round(threshold, 2) },
      availability: status.availability,
      budgetRemaining: status.budgetRemaining,
    },
  };
  if (check.runbook) event.runbook = check.runbook;
  return event;
}

function times(rate: number): string {
  return `${rate >= 100 ? Math.round(rate) : round(rate, 1)}×`;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function roundOrNull(value: number | null): number | null {
  return value === null ? null : round(value, 2);
}
