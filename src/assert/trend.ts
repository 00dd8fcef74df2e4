// Comparing a value with its own past: `value('bytes').changePct('7d')`,
// `json('$.heap').vsMedian('24h')`. Each trended value keeps a small,
// fixed-size set of samples in the check's state (at most SAMPLES_PER_WINDOW
// per window), so this costs no extra KV writes or keys.

import { sourceKey } from './sources';
import type { Observed, Source, TrendFunction } from './types';
import type { SampleSet, Samples } from '../model/state';

/** Samples kept per trended value, however long its window. */
export const SAMPLES_PER_WINDOW = 48;
const MINUTE = 60_000;
/** A "value N ago" may come from a sample this much off (in buckets). */
const AGO_TOLERANCE_BUCKETS = 1.5;
/** A median needs at least this many samples. */
const MIN_MEDIAN_SAMPLES = 6;

export type { SampleSet, Samples };

type TrendSource = Extract<Source, { type: 'trend' }>;

/** The widest window each base value is trended over. */
function windowsByBase(sources: readonly Source[]): Map<string, number> {
  const windows = new Map<string, number>();
  for (const source of sources) {
    if (source.type !== 'trend') continue;
    const key = sourceKey(source.of);
    windows.set(key, Math.max(windows.get(key) ?? 0, source.window));
  }
  return windows;
}

/**
 * Computes every trend value the assertions read (into `values`) from the
 * samples, then records the current values as new samples. A trend without
 * enough history yet is left missing; the judge treats it as pending.
 */
export function applyTrends(sources: readonly Source[], values: Record<string, Observed | undefined>, previous: Samples | undefined, now: number): Samples | undefined {
  const windows = windowsByBase(sources);
  if (windows.size === 0) return undefined;
  for (const source of sources) {
    if (source.type !== 'trend') continue;
    const current = numeric(values[sourceKey(source.of)]);
    const set = previous?.[sourceKey(source.of)];
    const result = current === undefined || !set ? undefined : trendValue(source, current, set, now);
    if (result !== undefined) values[sourceKey(source)] = result;
  }
  const next: Samples = {};
  for (const [key, window] of windows) {
    const every = Math.max(MINUTE, Math.floor(window / SAMPLES_PER_WINDOW));
    const old = previous?.[key];
    const points = old && old.every === every ? [...old.points] : [];
    const current = numeric(values[key]);
    if (current !== undefined) {
      const last = points[points.length - 1];
      if (last && Math.floor(last[0] / every) === Math.floor(now / every)) points[points.length - 1] = [now, current];
      else points.push([now, current]);
    }
    const oldest = now - window - 2 * every;
    next[key] = { every, points: points.filter(([time]) => time >= oldest) };
  }
  return next;
}

function trendValue(source: TrendSource, current: number, set: SampleSet, now: number): number | undefined {
  const fn: TrendFunction = source.fn;
  if (fn === 'ratioToMedian') {
    const recent = set.points.filter(([time]) => time >= now - source.window && time < now).map(([, value]) => value);
    if (recent.length < MIN_MEDIAN_SAMPLES) return undefined;
    return round(divide(current, medianOf(recent), 1));
  }
  const past = valueAgo(set, now - source.window);
  if (past === undefined) return undefined;
  if (fn === 'change') return round(current - past);
  return round(divide(current - past, Math.abs(past), 0) * 100);
}

/**
 * `part / whole`, with an answer when the whole is 0 (0 failed jobs a week
 * ago, a median of 0 errors): waiting for another past would wait forever.
 * 0 against 0 is `same` (no change); anything else is infinitely more or less.
 */
function divide(part: number, whole: number, same: number): number {
  if (whole !== 0) return part / whole;
  return part === 0 ? same : part > 0 ? Infinity : -Infinity;
}

/** The sample closest to `time`, if one is near enough. */
function valueAgo(set: SampleSet, time: number): number | undefined {
  let best: [number, number] | undefined;
  for (const point of set.points) if (!best || Math.abs(point[0] - time) < Math.abs(best[0] - time)) best = point;
  return best && Math.abs(best[0] - time) <= AGO_TOLERANCE_BUCKETS * set.every ? best[1] : undefined;
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function numeric(value: Observed | undefined): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
