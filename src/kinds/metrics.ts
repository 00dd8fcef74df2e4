// Metrics check: scrapes a Prometheus /metrics endpoint and computes named
// values the way PromQL would: gauges, counter rates and increases since the
// previous scrape (with counter resets), each aggregated (sum, avg, max, min,
// count, optionally by labels), histogram quantiles from bucket deltas
// (histogram_quantile over rate), and ratios of those.
//   values: { error_ratio: ratio(rate('http_requests_total{status=~"5.."}'), rate('http_requests_total')) }

import * as z from 'zod';
import type { Observed } from '../assert/types';
import { parseDuration } from '../config/duration';
import { durationSchema } from '../config/schema';
import { stringOrSecret } from '../config/secrets';
import { formatBytes } from '../format';
import { describeFetchError, diagnoseFetchError, untilAborted } from '../net/fetch-errors';
import { matches, parseExposition, parseNumber, parseSelector, type Sample, type Selector } from './prometheus';
import { readBoundedBody } from '../net/read-body';
import { isHttpUrl, withoutQuery } from './urls';
import type { CheckKind, KindMemory, Observation } from './types';

/**
 * The largest exposition read by default. Reading one costs about 7.5 ms of
 * CPU per MB (docs/performance.md) and a free-plan invocation has 10 ms, so
 * the default stays at what a free-plan invocation can parse; on a paid plan
 * (30 s of CPU) raise `maxBodyBytes` up to MAX_METRICS_BYTES.
 */
export const DEFAULT_METRICS_BYTES = 1024 * 1024;
export const MAX_METRICS_BYTES = 32 * 1024 * 1024;
/** Counter series remembered between scrapes (for rates and quantiles), per check: ≤ ~25 KB of state. */
export const MAX_REMEMBERED_SERIES = 1000;

export type Aggregation = 'sum' | 'avg' | 'max' | 'min' | 'count';

/** A value computed from a scrape. Plain data: see the builders below. */
export type MetricExpr =
  | { fn: 'gauge' | 'rate'; selector: string; agg?: Aggregation; by?: string[]; scale?: number }
  | { fn: 'increase'; selector: string; over: string; agg?: Aggregation; by?: string[]; scale?: number }
  | { fn: 'quantile'; q: number; histogram: string; by?: string[]; scale?: number }
  | { fn: 'ratio'; numerator: MetricExpr; denominator: MetricExpr; scale?: number };

interface Grouping {
  by?: string[];
  scale?: number;
}

/** The current value of gauges (or any series), aggregated: `gauge('process_resident_memory_bytes')`. */
export function gauge(selector: string, options: Grouping & { agg?: Aggregation } = {}): MetricExpr {
  return { fn: 'gauge', selector, ...options };
}

/**
 * Per-second rate of each counter since the previous scrape, summed (or `agg`):
 * `rate('http_requests_total{status=~"5.."}')`, `rate('http_requests_total', { agg: 'max', by: ['route'] })`.
 */
export function rate(selector: string, options: Grouping & { agg?: Aggregation } = {}): MetricExpr {
  return { fn: 'rate', selector, ...options };
}

/**
 * How much counters grow per `over`, summed (or `agg`), like PromQL's
 * `increase(sel[5m])`: the rate since the previous scrape times the window.
 * `increase('app_errors_total', '5m')` is "errors in the last 5 minutes" for a
 * check that runs every 5 minutes, and stays a per-5-minute figure after a gap
 * (failed scrapes, a restarted Worker) instead of the whole gap's growth.
 */
export function increase(selector: string, over: string, options: Grouping & { agg?: Aggregation } = {}): MetricExpr {
  return { fn: 'increase', selector, over, ...options };
}

/**
 * A quantile of a histogram over the requests since the previous scrape (like
 * `histogram_quantile(q, sum by (le) (rate(h_bucket[...])))`): `quantile(0.95, 'http_request_duration_seconds', { scale: 1000 })`.
 * The histogram may carry label matchers: `'http_request_duration_seconds{route="/api"}'`.
 */
export function quantile(q: number, histogram: string, options: Grouping = {}): MetricExpr {
  return { fn: 'quantile', q, histogram, ...options };
}

/** One value divided by another (per group when both are grouped): error ratios. */
export function ratio(numerator: MetricExpr, denominator: MetricExpr, options: { scale?: number } = {}): MetricExpr {
  return { fn: 'ratio', numerator, denominator, ...options };
}

const grouping = { by: z.array(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/)).optional(), scale: z.number().optional() };
const agg = z.enum(['sum', 'avg', 'max', 'min', 'count']).optional();
const exprSchema: z.ZodType<MetricExpr> = z.lazy(() =>
  z.discriminatedUnion('fn', [
    z.strictObject({ fn: z.literal('gauge'), selector: z.string(), agg, ...grouping }),
    z.strictObject({ fn: z.literal('rate'), selector: z.string(), agg, ...grouping }),
    z.strictObject({ fn: z.literal('increase'), selector: z.string(), over: durationSchema, agg, ...grouping }),
    z.strictObject({ fn: z.literal('quantile'), q: z.number().min(0).max(1), histogram: z.string(), ...grouping }),
    z.strictObject({ fn: z.literal('ratio'), numerator: exprSchema, denominator: exprSchema, scale: z.number().optional() }),
  ]),
) as z.ZodType<MetricExpr>;

/**
 * Replicas one check may scrape. Each is a subrequest (a free-plan invocation
 * has 50, shared by the checks of a tick) and an open connection (6 at once).
 */
export const MAX_TARGETS = 10;

const options = z.strictObject({
  /** The metrics endpoint, e.g. https://api.example.com/metrics. */
  url: stringOrSecret.optional(),
  /**
   * Or every replica's own endpoint (behind a load balancer each scrape of one
   * URL may hit another pod): counters are summed per series across targets,
   * and resets are tracked per target.
   */
  targets: z.array(stringOrSecret).min(1).max(MAX_TARGETS).optional(),
  /** Headers, e.g. `{ Authorization: bearer('METRICS_TOKEN') }`. */
  headers: z.record(z.string(), stringOrSecret).default({}),
  /** The named values assertions read with `value('name')`. */
  values: z.record(z.string(), exprSchema),
  /** A larger exposition is not read (it is reported instead). */
  maxBodyBytes: z.number().int().positive().max(MAX_METRICS_BYTES).default(DEFAULT_METRICS_BYTES),
});

/** Counter values remembered from the previous scrape. */
interface Remembered extends KindMemory {
  /** When the previous scrape was taken. */
  at: number;
  /** Series (hashed) → value at `at`. */
  counters: Record<string, number>;
  /** Series absent from the previous scrape but seen within STALE_MS: hash → [value, when seen]. */
  stale?: Record<string, [number, number]>;
  /** Selectors read at the previous scrape while their metric was exposed: a new series of one of these started from zero. */
  selectors?: string[];
  /** With `targets`: the targets (hashed) scraped before; a target new to the check waits a scrape, like a new selector. */
  targets?: string[];
}

/** A counter series missing from a scrape (a proxy's error page, a flapping exporter) is remembered this long. */
export const STALE_MS = 60 * 60_000;

/** One group's value (group key "" without `by`). */
type Groups = Map<string, number>;

interface Evaluation {
  groups: Groups;
  /** Why there is no value yet (first scrape, no traffic): assertions wait. */
  pending?: string;
  /** Why there is no value at all (no such series): assertions fail. */
  missing?: string;
  /** A metric name the exposition does not have at all (a typo, the wrong target): the check is unknown. */
  absent?: string;
  /** Why Vigil cannot compute it as asked (a quantile a summary does not offer): the check is unknown. */
  unknown?: string;
  /** Worth telling, without failing: "the numerator matched no series". */
  notes?: string[];
}

/** Every metric name an expression reads (to parse only those). */
function namesOf(expr: MetricExpr, out: Set<string>): void {
  if (expr.fn === 'ratio') {
    namesOf(expr.numerator, out);
    namesOf(expr.denominator, out);
  } else if (expr.fn === 'quantile') {
    // A histogram's buckets, or a summary's own quantile series.
    out.add(`${parseSelector(expr.histogram).name}_bucket`);
    out.add(parseSelector(expr.histogram).name);
  }
  else out.add(parseSelector(expr.selector).name);
}

function groupKey(labels: Record<string, string>, by: readonly string[] | undefined): string {
  if (!by?.length) return '';
  return by.map((label) => `${label}=${JSON.stringify(labels[label] ?? '')}`).join(',');
}

function select(samples: readonly Sample[], selector: Selector): Sample[] {
  return samples.filter((sample) => sample.name === selector.name && matches(sample.labels, selector.matchers));
}

/** A histogram bucket's upper bound, read like a sample value ("+Inf", "Inf", "1e-3"); NaN when unreadable. */
function upperBound(le: string | undefined): number {
  try {
    return le === undefined ? Number.NaN : parseNumber(le);
  } catch {
    return Number.NaN;
  }
}

/** The suffixes a family's samples add to the name its # TYPE line gives. */
const SAMPLE_SUFFIX = /_(?:bucket|count|sum|total|created)$/;

const NEEDS_SECOND_SCRAPE = 'needs a second scrape';

/** How much one counter series grew, over how long. */
interface Growth {
  delta: number;
  seconds: number;
}

class Evaluator {
  /** Counter series seen in this scrape: hash → value. */
  readonly counters = new Map<string, number>();
  /** Selectors read while their metric was exposed (remembered for the next scrape). */
  readonly matched = new Set<string>();
  private readonly hashes = new Map<Sample, string>();
  private readonly knownSelectors: Set<string>;
  /** Metric names this scrape has samples of. */
  private readonly present: Set<string>;
  constructor(
    private readonly samples: readonly Sample[],
    private readonly types: Readonly<Record<string, string>>,
    private readonly previous: Remembered | undefined,
    private readonly now: number,
    /** Samples of targets this check has not scraped before: their series wait a scrape instead of counting from zero. */
    private readonly fromNewTarget: ReadonlySet<Sample> = new Set(),
  ) {
    this.knownSelectors = new Set(previous?.selectors ?? []);
    this.present = new Set(samples.map((sample) => sample.name));
  }

  /**
   * The exposition neither has samples of this metric nor declares it with
   * # TYPE (prom-client declares a labelled counter before its first use):
   * the name is wrong or the target is not the exporter meant.
   */
  private absent(name: string): boolean {
    return !this.present.has(name) && !(name in this.types) && !(name.replace(SAMPLE_SUFFIX, '') in this.types);
  }

  /** A selector read while its metric was exposed: its series that appear later are new since this scrape. */
  private watch(selector: string, name: string): void {
    if (this.present.has(name)) this.matched.add(selector);
  }

  /**
   * How much a counter series grew since it was last seen, and over how long.
   * A lower value is a reset (a restart): it counts from zero, as PromQL's
   * rate() does. A series seen again after missing a scrape or two compares
   * with its last value, over the time since then. A series never seen before
   * counts from zero when its selector was already read at the previous
   * scrape while its metric was exposed (apps create labelled series on first
   * use: the first 5xx); under a selector that is new (a config change) or
   * after a scrape without the metric, it waits for the next scrape.
   */
  private growth(sample: Sample, selector: string): Growth | undefined {
    let key = this.hashes.get(sample);
    if (key === undefined) {
      key = hash53(sample.series);
      this.hashes.set(sample, key);
      this.counters.set(key, sample.value);
    }
    const previous = this.previous;
    if (!previous || Number.isNaN(sample.value)) return undefined;
    let before: number | null | undefined = previous.counters[key];
    let since = previous.at;
    const stale = previous.stale?.[key];
    if (before === undefined && stale) [before, since] = stale;
    // null: the series was NaN then (JSON has no NaN); nothing to compare with.
    if (before === null) return undefined;
    if (before === undefined) {
      if (!this.knownSelectors.has(selector) || this.fromNewTarget.has(sample)) return undefined;
      before = 0;
    }
    const seconds = (this.now - since) / 1000;
    if (!(seconds > 0)) return undefined;
    return { delta: sample.value >= before ? sample.value - before : sample.value, seconds };
  }

  /** The counters to remember: this scrape's, plus recent ones that were missing from it. */
  remember(): Pick<Remembered, 'counters' | 'stale'> {
    const counters = Object.fromEntries(this.counters);
    const stale: Record<string, [number, number]> = {};
    const previous = this.previous;
    if (previous) {
      for (const [key, value] of Object.entries(previous.counters)) if (!this.counters.has(key) && this.now - previous.at < STALE_MS) stale[key] = [value, previous.at];
      for (const [key, entry] of Object.entries(previous.stale ?? {})) if (!this.counters.has(key) && !(key in stale) && this.now - entry[1] < STALE_MS) stale[key] = entry;
    }
    // The remembered total stays within the cap: the oldest missing series go first.
    const room = MAX_REMEMBERED_SERIES - this.counters.size;
    const kept = Object.entries(stale).sort((a, b) => b[1][1] - a[1][1]).slice(0, Math.max(0, room));
    return kept.length > 0 ? { counters, stale: Object.fromEntries(kept) } : { counters };
  }

  /**
   * A summary's quantile, as its client computed it (over the client's own
   * sliding window, not since the last scrape). Only the quantiles the client
   * exposes exist, and they cannot be aggregated: several series in one group
   * give the highest, and the report says so.
   */
  private summaryQuantile(expr: Extract<MetricExpr, { fn: 'quantile' }>, selector: Selector): Evaluation {
    const series = select(this.samples, selector).filter((sample) => sample.labels.quantile !== undefined);
    if (series.length === 0) return { groups: new Map(), missing: `no series of the summary ${selector.name} match ${expr.histogram}` };
    const wanted = series.filter((sample) => Math.abs(upperBound(sample.labels.quantile) - expr.q) < 1e-9);
    if (wanted.length === 0) {
      const offered = [...new Set(series.map((sample) => sample.labels.quantile as string))].sort((a, b) => Number(a) - Number(b));
      return {
        groups: new Map(),
        unknown: `${selector.name} is a summary: its client computes only the quantiles ${offered.join(', ')} (a summary cannot give any other); ask for one of those, or expose a histogram`,
      };
    }
    const groups = new Map<string, Aggregate>();
    for (const sample of wanted) aggregateInto(groups, groupKey(sample.labels, expr.by), sample.value);
    const notes = [...groups.values()].some((group) => group.size > 1) ? [`${selector.name} is a summary: quantiles of several series cannot be combined, so each group shows its highest`] : [];
    return { groups: results(groups, 'max'), notes };
  }

  evaluate(expr: MetricExpr): Evaluation {
    const scale = expr.scale ?? 1;
    const scaled = (result: Evaluation): Evaluation => {
      if (scale !== 1) for (const [key, value] of result.groups) result.groups.set(key, value * scale);
      return result;
    };
    switch (expr.fn) {
      case 'gauge': {
        const selector = parseSelector(expr.selector);
        if (this.absent(selector.name)) return { groups: new Map(), absent: selector.name };
        const groups = new Map<string, Aggregate>();
        for (const sample of select(this.samples, selector)) aggregateInto(groups, groupKey(sample.labels, expr.by), sample.value);
        if (groups.size === 0) return { groups: new Map(), missing: `no series match ${expr.selector}` };
        return scaled({ groups: results(groups, expr.agg) });
      }
      case 'rate':
      case 'increase': {
        // Per series first (each over its own interval), then aggregated, as sum(rate(...)) does.
        const selector = parseSelector(expr.selector);
        if (this.absent(selector.name)) return { groups: new Map(), absent: selector.name };
        const selected = select(this.samples, selector);
        this.watch(expr.selector, selector.name);
        // increase is the rate times its window, as Prometheus extrapolates increase(sel[over]).
        const seconds = expr.fn === 'increase' ? (parseDuration(expr.over) as number) / 1000 : 1;
        const groups = new Map<string, Aggregate>();
        for (const sample of selected) {
          const growth = this.growth(sample, expr.selector);
          if (growth) aggregateInto(groups, groupKey(sample.labels, expr.by), (growth.delta / growth.seconds) * seconds);
        }
        if (selected.length === 0) return { groups: new Map(), missing: `no series match ${expr.selector}` };
        if (!this.previous) return { groups: new Map(), pending: NEEDS_SECOND_SCRAPE };
        if (groups.size === 0) return { groups: new Map(), pending: `${expr.selector} is new: ${NEEDS_SECOND_SCRAPE}` };
        return scaled({ groups: results(groups, expr.agg) });
      }
      case 'quantile': {
        const selector = parseSelector(expr.histogram);
        const bucketName = `${selector.name}_bucket`;
        if (this.types[selector.name] === 'summary' || (this.absent(bucketName) && this.samples.some((sample) => sample.name === selector.name && sample.labels.quantile !== undefined))) {
          return scaled(this.summaryQuantile(expr, selector));
        }
        if (this.absent(bucketName)) return { groups: new Map(), absent: bucketName };
        const buckets = select(this.samples, { name: bucketName, matchers: selector.matchers });
        this.watch(expr.histogram, bucketName);
        if (buckets.length === 0) return { groups: new Map(), missing: `no ${bucketName} series match ${expr.histogram}` };
        // Sum the bucket increases by (group, le), then take the quantile per group.
        const byGroup = new Map<string, Map<number, number>>();
        for (const sample of buckets) {
          const le = upperBound(sample.labels.le);
          const growth = this.growth(sample, expr.histogram);
          if (!growth || Number.isNaN(le)) continue;
          const key = groupKey(sample.labels, expr.by);
          const perLe = byGroup.get(key) ?? new Map<number, number>();
          perLe.set(le, (perLe.get(le) ?? 0) + growth.delta);
          byGroup.set(key, perLe);
        }
        if (!this.previous) return { groups: new Map(), pending: NEEDS_SECOND_SCRAPE };
        if (byGroup.size === 0) return { groups: new Map(), pending: `${expr.histogram} is new: ${NEEDS_SECOND_SCRAPE}` };
        const out: Groups = new Map();
        for (const [key, perLe] of byGroup) {
          const value = bucketQuantile(expr.q, [...perLe.entries()].sort((a, b) => a[0] - b[0]));
          if (!Number.isNaN(value)) out.set(key, value);
        }
        if (out.size === 0) return { groups: out, pending: 'no requests observed since the last scrape' };
        return scaled({ groups: out });
      }
      case 'ratio': {
        const numerator = this.evaluate(expr.numerator);
        const denominator = this.evaluate(expr.denominator);
        // A denominator the exposition lacks is a typo or the wrong target.
        if (denominator.absent) return { groups: new Map(), absent: denominator.absent };
        if (denominator.missing || denominator.pending) return { groups: new Map(), ...pick(denominator) };
        if (numerator.pending) return { groups: new Map(), pending: numerator.pending };
        // A numerator with no matching series (no 5xx yet) is zero, not missing; so is one whose metric
        // is not exposed at all, as Go's client does with a counter vector nothing has counted yet.
        // Say so, in case the name is a typo.
        const notes = numerator.absent
          ? [`numerator: the exposition has no metric ${numerator.absent} (counted as 0; check the name if it should be there)`]
          : numerator.missing
            ? [`numerator: ${numerator.missing} (counted as 0)`]
            : [];
        const out: Groups = new Map();
        for (const [key, total] of denominator.groups) {
          if (total === 0) continue;
          out.set(key, (numerator.groups.get(key) ?? 0) / total);
        }
        if (out.size === 0) return { groups: out, pending: 'no traffic since the last scrape', notes };
        return { ...scaled({ groups: out }), notes };
      }
    }
  }
}

function aggregateInto(groups: Map<string, Aggregate>, key: string, value: number): void {
  let group = groups.get(key);
  if (!group) groups.set(key, (group = new Aggregate()));
  group.add(value);
}

function results(groups: Map<string, Aggregate>, agg: Aggregation = 'sum'): Groups {
  const out: Groups = new Map();
  for (const [key, group] of groups) out.set(key, group.result(agg));
  return out;
}

/** A running aggregate: no array of values, no spread into Math.max (40,000 series are fine). */
class Aggregate {
  private sum = 0;
  private count = 0;
  get size(): number {
    return this.count;
  }
  private max = -Infinity;
  private min = Infinity;
  private numbers = 0;
  add(value: number): void {
    this.sum += value;
    this.count++;
    // Like PromQL's max and min, NaN is ignored unless it is all there is.
    if (Number.isNaN(value)) return;
    this.numbers++;
    if (value > this.max) this.max = value;
    if (value < this.min) this.min = value;
  }
  result(agg: Aggregation): number {
    switch (agg) {
      case 'sum':
        return this.sum;
      case 'avg':
        return this.sum / this.count;
      case 'max':
        return this.numbers ? this.max : Number.NaN;
      case 'min':
        return this.numbers ? this.min : Number.NaN;
      case 'count':
        return this.count;
    }
  }
}

/** A short, practically collision-free key for a series (cyrb53): keeps the remembered counters small. */
function hash53(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

function pick(evaluation: Evaluation): Pick<Evaluation, 'pending' | 'missing'> {
  return evaluation.missing ? { missing: evaluation.missing } : { pending: evaluation.pending as string };
}

/**
 * Prometheus's bucketQuantile: cumulative counts by upper bound (the last is
 * +Inf), linear interpolation inside the bucket that holds the rank.
 */
export function bucketQuantile(q: number, buckets: Array<[upperBound: number, count: number]>): number {
  if (buckets.length < 2 || buckets[buckets.length - 1]?.[0] !== Infinity) return Number.NaN;
  // Counts must not decrease (a scrape can catch buckets mid-update).
  for (let i = 1; i < buckets.length; i++) if ((buckets[i] as [number, number])[1] < (buckets[i - 1] as [number, number])[1]) (buckets[i] as [number, number])[1] = (buckets[i - 1] as [number, number])[1];
  const total = (buckets[buckets.length - 1] as [number, number])[1];
  if (total === 0) return Number.NaN;
  let rank = q * total;
  let b = buckets.findIndex(([, count]) => count >= rank);
  if (b === -1) b = buckets.length - 1;
  if (b === buckets.length - 1) return (buckets[buckets.length - 2] as [number, number])[0];
  if (b === 0 && (buckets[0] as [number, number])[0] <= 0) return (buckets[0] as [number, number])[0];
  const start = b === 0 ? 0 : (buckets[b - 1] as [number, number])[0];
  const end = (buckets[b] as [number, number])[0];
  let count = (buckets[b] as [number, number])[1];
  if (b > 0) {
    count -= (buckets[b - 1] as [number, number])[1];
    rank -= (buckets[b - 1] as [number, number])[1];
  }
  return start + (end - start) * (rank / count);
}

/** Says how to get a too-large exposition read: ask for less, or pay for the CPU. */
function tooLarge(maxBodyBytes: number): string {
  return (
    `the exposition is larger than ${formatBytes(maxBodyBytes)} (maxBodyBytes): not evaluated rather than half-read. ` +
    `Narrow the scrape (e.g. node_exporter's ?collect[]=cpu) or, on a paid plan, raise maxBodyBytes (up to ${formatBytes(MAX_METRICS_BYTES)}): ` +
    'parsing costs ~7.5 ms of CPU per MB and the free plan allows 10 ms'
  );
}

function describeGroup(name: string, key: string): string {
  return key ? `${name}{${key}}` : name;
}

type Scrape = { text: string } | { observation: Observation };

/** Fetches one exposition; a failure is an observation saying why (for a single URL, the check's own). */
async function scrape(url: string, opts: { headers: Record<string, string>; maxBodyBytes: number }, ctx: { fetch: typeof fetch; signal: AbortSignal; timeoutMs: number }): Promise<Scrape> {
  const started = Date.now();
  let response: Response;
  try {
    response = await ctx.fetch(url, { headers: { accept: 'text/plain;version=0.0.4, */*;q=0.1', ...opts.headers }, signal: ctx.signal });
  } catch (error) {
    return { observation: { reached: false, retryable: true, latencyMs: Date.now() - started, values: {}, error: await diagnoseFetchError(error, ctx, url, withoutQuery(url)) } };
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    return { observation: { reached: false, latencyMs: Date.now() - started, values: { status: response.status }, error: `the metrics endpoint answered HTTP ${response.status}` } };
  }
  try {
    const body = await untilAborted(readBoundedBody(response, opts.maxBodyBytes), ctx.signal);
    if (body.truncated) return { observation: { reached: true, unknown: true, latencyMs: Date.now() - started, values: {}, error: tooLarge(opts.maxBodyBytes) } };
    return { text: body.text };
  } catch (error) {
    return { observation: { reached: false, retryable: true, latencyMs: Date.now() - started, values: {}, error: `reading the metrics: ${describeFetchError(error, ctx, '')}` } };
  }
}

/**
 * The expositions of several targets as one: each series keeps its target in
 * its identity (so counters, and their resets, are remembered per target) and
 * gets the target's host:port as `instance` when it has none, so
 * `by: ['instance']` tells replicas apart. Sums and quantiles then add the
 * targets up, as sum(rate(...)) over their series would.
 */
function mergeTargets(urls: readonly string[], scrapes: readonly Scrape[], names: ReadonlySet<string>, previous: Remembered | undefined) {
  const samples: Sample[] = [];
  const types: Record<string, string> = {};
  const errors: string[] = [];
  const fromNewTarget = new Set<Sample>();
  const known = new Set(previous?.targets ?? []);
  const seen: string[] = [];
  scrapes.forEach((result, index) => {
    const url = urls[index] as string;
    const target = hash53(url);
    if (known.has(target)) seen.push(target);
    if (!('text' in result)) return;
    if (!known.has(target)) seen.push(target);
    const exposition = parseExposition(result.text, (name) => names.has(name));
    let instance = '';
    try {
      instance = new URL(url).host;
    } catch {
      // validated before
    }
    for (const sample of exposition.samples) {
      sample.series = `${target}\u0001${sample.series}`;
      if (sample.labels.instance === undefined) sample.labels.instance = instance;
      // A target this check has never read: its counters wait a scrape rather than count their lifetime.
      if (previous && !known.has(target)) fromNewTarget.add(sample);
      samples.push(sample);
    }
    Object.assign(types, exposition.types);
    errors.push(...exposition.errors.map((error) => `${withoutQuery(url)} ${error}`));
  });
  return { samples, types, errors, fromNewTarget, targets: seen };
}

export const metricsKind: CheckKind<typeof options> = {
  options,
  sources: ['value', 'latency'],

  // One request per target.
  subrequests: (opts) => opts.targets?.length ?? 1,

  describe: (opts) => {
    const name = (url: string | { $secret: string }) => (typeof url === 'string' ? withoutQuery(url) : `secret ${url.$secret}`);
    const where = opts.targets ? `${opts.targets.length} targets (${opts.targets.map(name).join(', ')})` : opts.url === undefined ? '(no url)' : name(opts.url);
    return `metrics ${where}: ${Object.keys(opts.values).join(', ')}`;
  },

  validate(opts) {
    const problems: Array<[string, string]> = [];
    if ((opts.url === undefined) === (opts.targets === undefined)) problems.push(['url', 'give url (one endpoint) or targets (each replica\'s endpoint), not both or neither']);
    if (typeof opts.url === 'string' && !isHttpUrl(opts.url)) problems.push(['url', `"${opts.url}" is not an http(s) URL`]);
    opts.targets?.forEach((target, index) => {
      if (typeof target === 'string' && !isHttpUrl(target)) problems.push([`targets[${index}]`, `"${target}" is not an http(s) URL`]);
    });
    if (opts.targets) for (const reserved of ['targets_up', 'targets_total']) if (reserved in opts.values) problems.push([`values.${reserved}`, `${reserved} is reported by checks with targets: name this value differently`]);
    const grouping = (expr: MetricExpr): string => (expr.fn === 'ratio' ? grouping(expr.denominator) : [...(expr.by ?? [])].sort().join(','));
    const visit = (expr: MetricExpr, path: string) => {
      if (expr.fn === 'ratio') {
        visit(expr.numerator, `${path}.numerator`);
        visit(expr.denominator, `${path}.denominator`);
        // Groups are matched by their labels: both sides must group the same way.
        if (grouping(expr.numerator) !== grouping(expr.denominator)) {
          problems.push([path, `numerator and denominator must group by the same labels (by: [${grouping(expr.numerator)}] vs [${grouping(expr.denominator)}])`]);
        }
        return;
      }
      try {
        parseSelector(expr.fn === 'quantile' ? expr.histogram : expr.selector);
      } catch (error) {
        problems.push([`${path}.${expr.fn === 'quantile' ? 'histogram' : 'selector'}`, (error as Error).message]);
      }
    };
    if (Object.keys(opts.values).length === 0) problems.push(['values', 'name at least one value to compute, e.g. { p95_ms: quantile(0.95, ...) }']);
    for (const [name, expr] of Object.entries(opts.values)) {
      if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) problems.push([`values.${name}`, 'value names are letters, digits and _ (they are read with value("name"))']);
      visit(expr, `values.${name}`);
    }
    return problems;
  },

  async run(opts, ctx): Promise<Observation> {
    const urls = opts.targets ?? (opts.url === undefined ? [] : [opts.url]);
    if (urls.length === 0 || !urls.every(isHttpUrl)) return { reached: false, unknown: true, latencyMs: 0, values: {}, error: `option ${opts.targets ? 'targets' : 'url'} is not an http(s) URL` };
    const started = Date.now();
    const scrapes = await Promise.all(urls.map((url) => scrape(url, opts, ctx)));
    const latencyMs = Date.now() - started;
    const tooLargeScrape = scrapes.find((result) => 'observation' in result && result.observation.unknown);
    if (tooLargeScrape && 'observation' in tooLargeScrape) return { ...tooLargeScrape.observation, latencyMs };
    const read = scrapes.filter((result): result is { text: string } => 'text' in result);
    if (read.length === 0) {
      const first = scrapes[0] as { observation: Observation };
      if (!opts.targets) return first.observation;
      const reasons = scrapes.map((result, index) => `${withoutQuery(urls[index] as string)}: ${(result as { observation: Observation }).observation.error}`);
      return { reached: false, retryable: scrapes.some((result) => 'observation' in result && result.observation.retryable), latencyMs, values: { targets_up: 0, targets_total: urls.length }, error: `no target answered: ${reasons.join('; ')}` };
    }
    const targetProblems = scrapes.flatMap((result, index) => ('observation' in result ? [`${withoutQuery(urls[index] as string)}: ${result.observation.error}`] : []));

    const names = new Set<string>();
    for (const expr of Object.values(opts.values)) namesOf(expr, names);
    const previous = ctx.memory as Remembered | undefined;
    const exposition = opts.targets ? mergeTargets(urls, scrapes, names, previous) : { ...parseExposition((read[0] as { text: string }).text, (name) => names.has(name)), fromNewTarget: new Set<Sample>(), targets: undefined };
    const evaluator = new Evaluator(exposition.samples, exposition.types, previous, ctx.now, exposition.fromNewTarget);
    const values: Record<string, Observed> = { latencyMs };
    const labels: Record<string, string[]> = {};
    if (opts.targets) Object.assign(values, { targets_up: read.length, targets_total: urls.length });
    const pending: Record<string, string> = {};
    const missing: string[] = [];
    const absent: string[] = [];
    const details: string[] = [];
    for (const [name, expr] of Object.entries(opts.values)) {
      const result = evaluator.evaluate(expr);
      if (result.absent) {
        absent.push(`${name}: the exposition has no metric ${result.absent} (a typo in the name, or not the exporter meant)`);
        continue;
      }
      if (result.unknown) {
        absent.push(`${name}: ${result.unknown}`);
        continue;
      }
      for (const note of result.notes ?? []) details.push(`${name}: ${note}`);
      if (result.missing) missing.push(`${name}: ${result.missing}`);
      if (result.pending) pending[name] = result.pending;
      if (result.missing || result.pending) continue;
      // Seven significant digits: a tiny rate stays a tiny rate instead of 0.
      const entries = [...result.groups.entries()].map(([key, value]) => [key, Number.isFinite(value) && value !== 0 ? Number(value.toPrecision(7)) : value] as const);
      if (entries.length === 0) continue;
      // Grouped values (by labels, or a ratio of grouped values) become a list: every group must pass.
      const grouped = entries.some(([key]) => key !== '');
      values[name] = grouped ? entries.map(([, value]) => value) : (entries[0] as readonly [string, number])[1];
      if (grouped) {
        labels[name] = entries.map(([key]) => `{${key}}`);
        for (const [key, value] of entries) details.push(`${describeGroup(name, key)} = ${value}`);
      }
    }
    // Too many series to remember: remember none (rates wait) rather than a part.
    const remembered = evaluator.counters.size;
    const fits = remembered <= MAX_REMEMBERED_SERIES;
    const memory: Remembered = fits ? { at: ctx.now, ...evaluator.remember(), selectors: [...evaluator.matched] } : { at: ctx.now, counters: {}, selectors: [] };
    if (exposition.targets) memory.targets = exposition.targets;
    const observation: Observation = { reached: true, latencyMs, values, memory };
    if (Object.keys(labels).length > 0) observation.labels = labels;
    if (Object.keys(pending).length > 0) observation.pending = pending;
    // Vigil cannot evaluate a value whose metric is not there: unknown, not a verdict on the target.
    if (absent.length > 0) observation.unknown = true;
    const problems: string[] = [...absent];
    if (targetProblems.length > 0) problems.push(`${targetProblems.length} of ${urls.length} targets not read (${targetProblems.join('; ')}): values are from the others`);
    if (remembered > MAX_REMEMBERED_SERIES) problems.push(`${remembered} counter series matched, more than ${MAX_REMEMBERED_SERIES} can be remembered for rates: narrow the selectors`);
    problems.push(...missing);
    if (exposition.errors.length > 0) {
      details.push(...exposition.errors.slice(0, 5).map((error) => `unreadable ${error}`));
      if (problems.length === 0) problems.push(`${exposition.errors.length} unreadable line${exposition.errors.length === 1 ? '' : 's'} skipped`);
    }
    if (problems.length > 0) observation.error = problems.join('; ');
    if (details.length > 0) observation.details = details.slice(0, 20);
    return observation;
  },
};
