// Metrics check: scrapes a Prometheus /metrics endpoint and computes named
// values the way PromQL would: gauges aggregated (sum, avg, max, min, count,
// optionally by labels), counter rates and increases since the previous
// scrape (with counter resets), histogram quantiles from bucket deltas
// (histogram_quantile over rate), and ratios of those.
//   values: { error_ratio: ratio(rate('http_requests_total{status=~"5.."}'), rate('http_requests_total')) }

import * as z from 'zod';
import type { Observed } from '../assert/types';
import { stringOrSecret } from '../config/secrets';
import { formatBytes } from '../format';
import { describeFetchError, untilAborted } from './fetch-errors';
import { matches, parseExposition, parseSelector, type Sample, type Selector } from './prometheus';
import { readBoundedBody } from './read-body';
import { isHttpUrl, withoutQuery } from './urls';
import type { CheckKind, KindMemory, Observation } from './types';

export const DEFAULT_METRICS_BYTES = 4 * 1024 * 1024;
export const MAX_METRICS_BYTES = 32 * 1024 * 1024;
/** Counter series remembered between scrapes (for rates and quantiles), per check: ≤ ~25 KB of state. */
export const MAX_REMEMBERED_SERIES = 1000;

export type Aggregation = 'sum' | 'avg' | 'max' | 'min' | 'count';

/** A value computed from a scrape. Plain data: see the builders below. */
export type MetricExpr =
  | { fn: 'gauge'; selector: string; agg?: Aggregation; by?: string[]; scale?: number }
  | { fn: 'rate' | 'increase'; selector: string; by?: string[]; scale?: number }
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

/** Per-second rate of counters since the previous scrape, summed: `rate('http_requests_total{status=~"5.."}')`. */
export function rate(selector: string, options: Grouping = {}): MetricExpr {
  return { fn: 'rate', selector, ...options };
}

/** How much counters grew since the previous scrape, summed. */
export function increase(selector: string, options: Grouping = {}): MetricExpr {
  return { fn: 'increase', selector, ...options };
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
const exprSchema: z.ZodType<MetricExpr> = z.lazy(() =>
  z.discriminatedUnion('fn', [
    z.strictObject({ fn: z.literal('gauge'), selector: z.string(), agg: z.enum(['sum', 'avg', 'max', 'min', 'count']).optional(), ...grouping }),
    z.strictObject({ fn: z.literal('rate'), selector: z.string(), ...grouping }),
    z.strictObject({ fn: z.literal('increase'), selector: z.string(), ...grouping }),
    z.strictObject({ fn: z.literal('quantile'), q: z.number().min(0).max(1), histogram: z.string(), ...grouping }),
    z.strictObject({ fn: z.literal('ratio'), numerator: exprSchema, denominator: exprSchema, scale: z.number().optional() }),
  ]),
) as z.ZodType<MetricExpr>;

const options = z.strictObject({
  /** The metrics endpoint, e.g. https://api.example.com/metrics. */
  url: stringOrSecret,
  /** Headers, e.g. `{ Authorization: bearer('METRICS_TOKEN') }`. */
  headers: z.record(z.string(), stringOrSecret).default({}),
  /** The named values assertions read with `value('name')`. */
  values: z.record(z.string(), exprSchema),
  /** A larger exposition is not read (it is reported instead). */
  maxBodyBytes: z.number().int().positive().max(MAX_METRICS_BYTES).default(DEFAULT_METRICS_BYTES),
});

/** Counter values remembered from the previous scrape. */
interface Remembered extends KindMemory {
  at: number;
  counters: Record<string, number>;
  /** Metric names read at that scrape: a new series of one of these started from zero since. */
  names?: string[];
}

/** One group's value (group key "" without `by`). */
type Groups = Map<string, number>;

interface Evaluation {
  groups: Groups;
  /** Why there is no value yet (first scrape, no traffic): assertions wait. */
  pending?: string;
  /** Why there is no value at all (no such series): assertions fail. */
  missing?: string;
}

/** Every metric name an expression reads (to parse only those). */
function namesOf(expr: MetricExpr, out: Set<string>): void {
  if (expr.fn === 'ratio') {
    namesOf(expr.numerator, out);
    namesOf(expr.denominator, out);
  } else if (expr.fn === 'quantile') out.add(`${parseSelector(expr.histogram).name}_bucket`);
  else out.add(parseSelector(expr.selector).name);
}

function groupKey(labels: Record<string, string>, by: readonly string[] | undefined): string {
  if (!by?.length) return '';
  return by.map((label) => `${label}=${JSON.stringify(labels[label] ?? '')}`).join(',');
}

function select(samples: readonly Sample[], selector: Selector): Sample[] {
  return samples.filter((sample) => sample.name === selector.name && matches(sample.labels, selector.matchers));
}

const NEEDS_SECOND_SCRAPE = 'needs a second scrape';

class Evaluator {
  readonly counters = new Map<string, number>();
  /** Each sample's delta, once (several expressions read the same series). */
  private readonly deltas = new Map<Sample, number | undefined>();
  private readonly knownNames: Set<string>;
  constructor(
    private readonly samples: readonly Sample[],
    private readonly previous: Remembered | undefined,
    private readonly now: number,
  ) {
    this.knownNames = new Set(previous?.names ?? []);
  }

  private get seconds(): number | undefined {
    if (!this.previous) return undefined;
    const seconds = (this.now - this.previous.at) / 1000;
    return seconds > 0 ? seconds : undefined;
  }

  /**
   * How much a counter series grew since the previous scrape. A lower value
   * is a reset (a restart): it counts from zero, as PromQL's rate() does. A
   * series that was not there last time counts from zero when its metric was
   * (apps create labelled series on first use: the first 5xx); otherwise it
   * has no delta yet.
   */
  private delta(sample: Sample): number | undefined {
    if (this.deltas.has(sample)) return this.deltas.get(sample);
    const key = hash53(sample.series);
    this.counters.set(key, sample.value);
    let delta: number | undefined;
    const before = this.previous ? (this.previous.counters[key] ?? (this.knownNames.has(sample.name) ? 0 : undefined)) : undefined;
    if (before !== undefined) delta = sample.value >= before ? sample.value - before : sample.value;
    this.deltas.set(sample, delta);
    return delta;
  }

  evaluate(expr: MetricExpr): Evaluation {
    const scale = expr.scale ?? 1;
    const scaled = (result: Evaluation): Evaluation => {
      if (scale !== 1) for (const [key, value] of result.groups) result.groups.set(key, value * scale);
      return result;
    };
    switch (expr.fn) {
      case 'gauge': {
        const groups = new Map<string, number[]>();
        for (const sample of select(this.samples, parseSelector(expr.selector))) {
          const key = groupKey(sample.labels, expr.by);
          groups.set(key, [...(groups.get(key) ?? []), sample.value]);
        }
        if (groups.size === 0) return { groups: new Map(), missing: `no series match ${expr.selector}` };
        const out: Groups = new Map();
        for (const [key, values] of groups) out.set(key, aggregate(values, expr.agg ?? 'sum'));
        return scaled({ groups: out });
      }
      case 'rate':
      case 'increase': {
        const out: Groups = new Map();
        const selected = select(this.samples, parseSelector(expr.selector));
        let seen = false;
        for (const sample of selected) {
          const delta = this.delta(sample);
          if (delta === undefined) continue;
          seen = true;
          const key = groupKey(sample.labels, expr.by);
          out.set(key, (out.get(key) ?? 0) + delta);
        }
        if (selected.length === 0) return { groups: out, missing: `no series match ${expr.selector}` };
        const seconds = this.seconds;
        if (!this.previous || (expr.fn === 'rate' && !seconds)) return { groups: new Map(), pending: NEEDS_SECOND_SCRAPE };
        if (!seen) return { groups: new Map(), pending: `${expr.selector} is new: ${NEEDS_SECOND_SCRAPE}` };
        if (expr.fn === 'rate') for (const [key, value] of out) out.set(key, value / (seconds as number));
        return scaled({ groups: out });
      }
      case 'quantile': {
        const selector = parseSelector(expr.histogram);
        const buckets = select(this.samples, { name: `${selector.name}_bucket`, matchers: selector.matchers });
        if (buckets.length === 0) return { groups: new Map(), missing: `no ${selector.name}_bucket series match ${expr.histogram}` };
        // Sum the bucket increases by (group, le), then take the quantile per group.
        const byGroup = new Map<string, Map<number, number>>();
        for (const sample of buckets) {
          const le = parseFloat(sample.labels.le === '+Inf' ? 'Infinity' : (sample.labels.le ?? 'NaN'));
          const delta = this.delta(sample);
          if (delta === undefined || Number.isNaN(le)) continue;
          const key = groupKey(sample.labels, expr.by);
          const perLe = byGroup.get(key) ?? new Map<number, number>();
          perLe.set(le, (perLe.get(le) ?? 0) + delta);
          byGroup.set(key, perLe);
        }
        if (!this.previous) return { groups: new Map(), pending: NEEDS_SECOND_SCRAPE };
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
        if (denominator.missing || denominator.pending) return { groups: new Map(), ...pick(denominator) };
        // A numerator that has no series at all (no 5xx yet) is zero, not missing.
        if (numerator.pending) return { groups: new Map(), pending: numerator.pending };
        const out: Groups = new Map();
        for (const [key, total] of denominator.groups) {
          if (total === 0) continue;
          const part = numerator.groups.get(key) ?? numerator.groups.get('') ?? 0;
          out.set(key, part / total);
        }
        if (out.size === 0) return { groups: out, pending: 'no traffic since the last scrape' };
        return scaled({ groups: out });
      }
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

function aggregate(values: number[], agg: Aggregation): number {
  switch (agg) {
    case 'sum':
      return values.reduce((a, b) => a + b, 0);
    case 'avg':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'max':
      return Math.max(...values);
    case 'min':
      return Math.min(...values);
    case 'count':
      return values.length;
  }
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

function describeGroup(name: string, key: string): string {
  return key ? `${name}{${key}}` : name;
}

export const metricsKind: CheckKind<typeof options> = {
  options,
  sources: ['value', 'latency'],

  describe: (opts) => `metrics ${typeof opts.url === 'string' ? withoutQuery(opts.url) : `secret ${opts.url.$secret}`}: ${Object.keys(opts.values).join(', ')}`,

  validate(opts) {
    const problems: Array<[string, string]> = [];
    if (typeof opts.url === 'string' && !isHttpUrl(opts.url)) problems.push(['url', `"${opts.url}" is not an http(s) URL`]);
    const visit = (expr: MetricExpr, path: string) => {
      if (expr.fn === 'ratio') {
        visit(expr.numerator, `${path}.numerator`);
        visit(expr.denominator, `${path}.denominator`);
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
    if (!isHttpUrl(opts.url)) return { reached: false, unknown: true, latencyMs: 0, values: {}, error: 'option url is not an http(s) URL' };
    const started = Date.now();
    let response: Response;
    try {
      response = await ctx.fetch(opts.url, { headers: { accept: 'text/plain;version=0.0.4, */*;q=0.1', ...opts.headers }, signal: ctx.signal });
    } catch (error) {
      return { reached: false, retryable: true, latencyMs: Date.now() - started, values: {}, error: describeFetchError(error, ctx, withoutQuery(opts.url)) };
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      return { reached: false, latencyMs: Date.now() - started, values: { status: response.status }, error: `the metrics endpoint answered HTTP ${response.status}` };
    }
    let text: string;
    try {
      const body = await untilAborted(readBoundedBody(response, opts.maxBodyBytes), ctx.signal);
      if (body.truncated) {
        return { reached: true, unknown: true, latencyMs: Date.now() - started, values: {}, error: `the exposition is larger than ${formatBytes(opts.maxBodyBytes)} (maxBodyBytes): not evaluated rather than half-read` };
      }
      text = body.text;
    } catch (error) {
      return { reached: false, retryable: true, latencyMs: Date.now() - started, values: {}, error: `reading the metrics: ${describeFetchError(error, ctx, '')}` };
    }
    const latencyMs = Date.now() - started;

    const names = new Set<string>();
    for (const expr of Object.values(opts.values)) namesOf(expr, names);
    const exposition = parseExposition(text, (name) => names.has(name));
    const evaluator = new Evaluator(exposition.samples, ctx.memory as Remembered | undefined, ctx.now);
    const values: Record<string, Observed> = { latencyMs };
    const pending: Record<string, string> = {};
    const missing: string[] = [];
    const details: string[] = [];
    for (const [name, expr] of Object.entries(opts.values)) {
      const result = evaluator.evaluate(expr);
      if (result.missing) missing.push(`${name}: ${result.missing}`);
      if (result.pending) pending[name] = result.pending;
      if (result.missing || result.pending) continue;
      const entries = [...result.groups.entries()].map(([key, value]) => [key, Math.round(value * 1e6) / 1e6] as const);
      if (entries.length === 0) continue;
      // Grouped values (by labels, or a ratio of grouped values) become a list: every group must pass.
      const grouped = entries.some(([key]) => key !== '');
      values[name] = grouped ? entries.map(([, value]) => value) : (entries[0] as readonly [string, number])[1];
      if (grouped) for (const [key, value] of entries) details.push(`${describeGroup(name, key)} = ${value}`);
    }
    // Too many series to remember: remember none (rates wait) rather than a part.
    const remembered = evaluator.counters.size;
    const fits = remembered <= MAX_REMEMBERED_SERIES;
    const observation: Observation = { reached: true, latencyMs, values, memory: { at: ctx.now, counters: fits ? Object.fromEntries(evaluator.counters) : {}, names: fits ? [...names] : [] } };
    if (Object.keys(pending).length > 0) observation.pending = pending;
    const problems: string[] = [];
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
