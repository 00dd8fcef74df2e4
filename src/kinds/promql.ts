// PromQL check: asks a Prometheus-compatible HTTP API (Prometheus,
// VictoriaMetrics, Grafana Cloud / Mimir, Thanos) or Loki (its metric queries
// answer in the same format) for the value of a query, and reports one value
// per series, named by its labels. The server evaluates windows, *_over_time,
// arithmetic and `and`/`unless` guards: Vigil does not reimplement PromQL.
//   queries: { error_ratio: 'sum by (job) (rate(http_requests_total{code=~"5.."}[5m])) / sum by (job) (rate(http_requests_total[5m]))' }
// API: https://prometheus.io/docs/prometheus/latest/querying/api/ and
// https://grafana.com/docs/loki/latest/reference/loki-http-api/

import * as z from 'zod';
import { formatValue } from '../assert/evaluate';
import type { Observed, Value } from '../assert/types';
import { parseDuration } from '../config/duration';
import { durationSchema } from '../config/schema';
import { secretRefSchema, stringOrSecret } from '../config/secrets';
import { formatBytes } from '../format';
import { describeFetchError, untilAborted } from '../net/fetch-errors';
import { readBoundedBody } from '../net/read-body';
import { parseNumber } from './prometheus';
import { isHttpUrl, withoutQuery } from './urls';
import type { CheckKind, Observation } from './types';
import { userAgent } from '../net/user-agent';

/** A query result larger than this is not read. A vector of a few thousand series is ~1 MB of JSON. */
export const DEFAULT_PROMQL_BYTES = 1024 * 1024;
export const MAX_PROMQL_BYTES = 16 * 1024 * 1024;
/**
 * Queries per check. Each is one subrequest, and a free-plan invocation has
 * 50 (docs/performance.md): a check with more questions than this is several checks.
 */
export const MAX_QUERIES = 10;
/** Points per series a range query may ask for (over ÷ step): enough for a day at 3-minute steps. */
export const MAX_RANGE_POINTS = 500;
/** The name `query` (one query) is read under: `series()`. */
export const DEFAULT_QUERY_NAME = 'result';

const APIS = {
  prometheus: { instant: '/api/v1/query', range: '/api/v1/query_range' },
  loki: { instant: '/loki/api/v1/query', range: '/loki/api/v1/query_range' },
} as const;

const rangeSchema = z.strictObject({
  /** How far back: '1h'. */
  over: durationSchema,
  /** The resolution: '1m'. */
  step: durationSchema,
});

const querySchema = z.union([z.string().min(1), z.strictObject({ query: z.string().min(1), range: rangeSchema.optional() })]);

const options = z.strictObject({
  /**
   * The API's base URL, without /api/v1: `http://prometheus:9090`, `http://victoria:8428`,
   * `https://prometheus-prod-01-eu-west-0.grafana.net/api/prom`, `http://mimir/prometheus`,
   * `http://thanos-query:10902`, or for Loki `http://loki:3100`.
   */
  url: stringOrSecret,
  /** `prometheus` (/api/v1/query) or `loki` (/loki/api/v1/query). */
  api: z.enum(['prometheus', 'loki']).default('prometheus'),
  /** One query, read with `series()`. */
  query: z.string().min(1).optional(),
  /** Named queries, read with `series('name')`; `{ query, range: { over: '1h', step: '5m' } }` asks for a series of points. */
  queries: z.record(z.string(), querySchema).default({}),
  /** Bearer token, or basic auth (Grafana Cloud: the instance id and an access token). */
  auth: z.union([z.strictObject({ bearer: secretRefSchema }), z.strictObject({ username: stringOrSecret, password: secretRefSchema })]).optional(),
  /** More headers, e.g. `{ 'X-Scope-OrgID': 'tenant-1' }` for Mimir, Cortex or a multi-tenant Loki. */
  headers: z.record(z.string(), stringOrSecret).default({}),
  /** A larger answer is not read (it is reported instead). */
  maxBodyBytes: z.number().int().positive().max(MAX_PROMQL_BYTES).default(DEFAULT_PROMQL_BYTES),
});

type Options = z.output<typeof options>;

interface NamedQuery {
  name: string;
  query: string;
  range?: { over: string; step: string };
}

function queriesOf(opts: Pick<Options, 'query' | 'queries'>): NamedQuery[] {
  const named: NamedQuery[] = opts.query ? [{ name: DEFAULT_QUERY_NAME, query: opts.query }] : [];
  for (const [name, entry] of Object.entries(opts.queries)) {
    named.push(typeof entry === 'string' ? { name, query: entry } : { name, query: entry.query, ...(entry.range ? { range: entry.range } : {}) });
  }
  return named;
}

/** `{job="api",route="/x"}` (labels sorted, as Prometheus prints them); the metric name in front when the series keeps one. */
export function seriesName(metric: Record<string, string>): string {
  const { __name__: name = '', ...labels } = metric;
  const inner = Object.keys(labels)
    .sort()
    .map((label) => `${label}=${JSON.stringify(labels[label])}`)
    .join(',');
  return inner || !name ? `${name}{${inner}}` : name;
}

interface ApiAnswer {
  status?: string;
  data?: { resultType?: string; result?: unknown };
  errorType?: string;
  error?: string;
  warnings?: string[];
  infos?: string[];
}

type Sample = [number | string, string];
interface Series {
  metric?: Record<string, string>;
  stream?: Record<string, string>;
  value?: Sample;
  values?: Sample[];
}

/** One query's values: a number, or one per series (with their names). */
interface QueryValues {
  value: Observed;
  names?: string[];
  lines: string[];
}

function sampleValue(sample: Sample | undefined): number {
  try {
    return parseNumber(String(sample?.[1]));
  } catch {
    return Number.NaN;
  }
}

function clock(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(11, 16);
}

/** Reads `data` of a successful answer; a string is a reason it cannot be used. */
function valuesOf(name: string, data: ApiAnswer['data'], api: Options['api']): QueryValues | string {
  const result = data?.result;
  switch (data?.resultType) {
    case 'scalar': {
      const value = sampleValue(result as Sample);
      return { value, lines: [] };
    }
    case 'string':
      return { value: String((result as Sample)?.[1] ?? ''), lines: [] };
    case 'vector': {
      const series = (Array.isArray(result) ? result : []) as Series[];
      const named = series.map((item) => ({ name: seriesName(item.metric ?? {}), value: sampleValue(item.value) }));
      // Shown as messages show values (4 significant digits): 0.0019999999999999996 is 0.002 to a reader.
      const lines = named.map((item) => `${name}${item.name.startsWith('{') ? '' : ' '}${item.name} = ${formatValue(item.value)}`);
      // One series without labels (`sum(...)`) is a plain number.
      if (named.length === 1 && named[0]?.name === '{}') return { value: named[0].value, lines: [] };
      return { value: named.map((item) => item.value), names: named.map((item) => item.name), lines };
    }
    case 'matrix': {
      const series = (Array.isArray(result) ? result : []) as Series[];
      const values: Value[] = [];
      const names: string[] = [];
      for (const item of series) {
        const label = seriesName(item.metric ?? {});
        for (const point of item.values ?? []) {
          values.push(sampleValue(point));
          names.push(`${label} at ${clock(Number(point[0]))}`);
        }
      }
      const lines = series.map((item) => `${name}${seriesName(item.metric ?? {})}: ${(item.values ?? []).length} points, last ${formatValue(sampleValue(item.values?.[item.values.length - 1]))}`);
      return { value: values, names, lines };
    }
    case 'streams':
      return api === 'loki'
        ? `${name}: a log query returns log lines, not numbers: count them with a metric query such as sum(count_over_time({app="api"} |= "error" [1h]))`
        : `${name}: the answer holds log streams, not numbers`;
    default:
      return `${name}: the answer has no result this check can read (resultType ${JSON.stringify(data?.resultType)})`;
  }
}

/** The error a Prometheus or Loki API gave, from its JSON (errorType, error) or its plain-text body (Loki). */
function apiError(text: string): string {
  try {
    const answer = JSON.parse(text) as ApiAnswer;
    if (answer.error) return answer.errorType ? `${answer.errorType}: ${answer.error}` : answer.error;
  } catch {
    // Loki answers errors as plain text.
  }
  const plain = text.trim().replace(/\s+/g, ' ');
  return plain.length > 300 ? `${plain.slice(0, 300)}…` : plain || '(empty body)';
}

function basic(username: string, password: string): string {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

function targetOf(opts: { url: string | { $secret: string } }): string {
  return typeof opts.url === 'string' ? withoutQuery(opts.url) : `secret ${opts.url.$secret}`;
}

export const promqlKind: CheckKind<typeof options> = {
  options,
  sources: ['value', 'latency'],
  // One request per query.
  subrequests: (opts) => Math.max(1, queriesOf(opts).length),

  describe: (opts) => `${opts.api === 'loki' ? 'LogQL' : 'PromQL'} ${targetOf(opts)}: ${queriesOf(opts).map((q) => q.name).join(', ')}`,

  validate(opts) {
    const problems: Array<[string, string]> = [];
    if (typeof opts.url === 'string' && !isHttpUrl(opts.url)) problems.push(['url', `"${opts.url}" is not an http(s) URL`]);
    if (typeof opts.url === 'string' && /\/api\/v1\/query/.test(opts.url)) problems.push(['url', 'give the base URL (without /api/v1/query): Vigil adds the path']);
    const all = queriesOf(opts);
    if (all.length === 0) problems.push(['query', "give a query (read with series()) or queries: { name: '...' } (read with series('name'))"]);
    if (all.length > MAX_QUERIES) problems.push(['queries', `at most ${MAX_QUERIES} queries per check (each is a subrequest); split them over several checks`]);
    if (opts.query && DEFAULT_QUERY_NAME in opts.queries) problems.push(['queries', `"${DEFAULT_QUERY_NAME}" is the name of query; name this one differently`]);
    for (const item of all) {
      const where = item.name === DEFAULT_QUERY_NAME && opts.query ? 'query' : `queries.${item.name}`;
      if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(item.name)) problems.push([where, "query names are letters, digits and _ (they are read with series('name'))"]);
      if (item.range) {
        const over = parseDuration(item.range.over) ?? 0;
        const step = parseDuration(item.range.step) ?? 1;
        if (step < 1000) problems.push([`${where}.range.step`, 'at least "1s"']);
        else if (over / step > MAX_RANGE_POINTS) problems.push([`${where}.range`, `${Math.ceil(over / step)} points per series; at most ${MAX_RANGE_POINTS}: use a longer step, or an *_over_time function in an instant query`]);
      }
    }
    return problems;
  },

  async run(opts, ctx): Promise<Observation> {
    if (!isHttpUrl(opts.url)) return { reached: false, unknown: true, latencyMs: 0, values: {}, error: 'option url is not an http(s) URL' };
    const base = opts.url.replace(/\/+$/, '');
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': userAgent(), ...opts.headers };
    if (opts.auth && 'bearer' in opts.auth) headers.authorization = `Bearer ${opts.auth.bearer}`;
    else if (opts.auth) headers.authorization = basic(opts.auth.username, opts.auth.password);
    const paths = APIS[opts.api];
    const started = Date.now();
    const values: Record<string, Observed> = {};
    const labels: Record<string, string[]> = {};
    const details: string[] = [];
    for (const item of queriesOf(opts)) {
      const params = new URLSearchParams({ query: item.query });
      let path: string = paths.instant;
      if (item.range) {
        // The wall clock, not the tick's time: the server has data up to now.
        const end = Math.floor(Date.now() / 1000);
        params.set('start', String(end - (parseDuration(item.range.over) as number) / 1000));
        params.set('end', String(end));
        params.set('step', String((parseDuration(item.range.step) as number) / 1000));
        path = paths.range;
      }
      // The server stops a second before the check gives up, so its own answer (503 timeout) arrives (Loki has no such parameter).
      if (opts.api === 'prometheus') params.set('timeout', `${Math.max(1, Math.floor(ctx.timeoutMs / 1000) - 1)}s`);
      const url = `${base}${path}?${params}`;
      let response: Response;
      try {
        response = await ctx.fetch(url, { headers, signal: ctx.signal });
      } catch (error) {
        return { reached: false, retryable: true, latencyMs: Date.now() - started, values: {}, error: describeFetchError(error, ctx, withoutQuery(url)) };
      }
      let text: string;
      try {
        const body = await untilAborted(readBoundedBody(response, opts.maxBodyBytes), ctx.signal);
        if (body.truncated) {
          return {
            reached: true,
            unknown: true,
            latencyMs: Date.now() - started,
            values: {},
            error: `${item.name}: the answer is larger than ${formatBytes(opts.maxBodyBytes)} (maxBodyBytes): aggregate in the query (sum by (...)) or raise maxBodyBytes`,
          };
        }
        text = body.text;
      } catch (error) {
        return { reached: false, retryable: true, latencyMs: Date.now() - started, values: {}, error: `${item.name}: reading the answer: ${describeFetchError(error, ctx, '')}` };
      }
      const latencyMs = Date.now() - started;
      const failed = (observation: Omit<Observation, 'latencyMs' | 'values'>): Observation => ({ latencyMs, values: {}, ...observation });
      if (!response.ok) {
        const reason = apiError(text);
        const status = response.status;
        // 400 bad_data and 422 execution errors are the query's fault: it cannot be evaluated as written.
        if (status === 400 || status === 422) return failed({ reached: true, unknown: true, error: `${item.name}: the query was refused (HTTP ${status}): ${reason}` });
        if (status === 401 || status === 403) return failed({ reached: false, error: `${item.name}: authentication failed (HTTP ${status}): check auth (${reason})` });
        if (status === 404) return failed({ reached: true, unknown: true, error: `${item.name}: no ${opts.api === 'loki' ? 'Loki' : 'Prometheus'} API at ${withoutQuery(url)} (HTTP 404): url is the base URL, e.g. http://prometheus:9090` });
        // 503 is Prometheus' answer to a query that timed out or a server that is not ready.
        return failed({ reached: false, retryable: status === 503 || status === 502 || status === 504, error: `${item.name}: the API answered HTTP ${status}: ${reason}` });
      }
      let answer: ApiAnswer;
      try {
        answer = JSON.parse(text) as ApiAnswer;
      } catch {
        return failed({ reached: true, unknown: true, error: `${item.name}: the answer is not JSON (${apiError(text).slice(0, 60)}): is url the API's base URL?` });
      }
      if (answer.status === 'error') return failed({ reached: true, unknown: true, error: `${item.name}: the API reported an error: ${answer.errorType ? `${answer.errorType}: ` : ''}${answer.error ?? 'no reason given'}` });
      if (answer.status !== 'success') return failed({ reached: true, unknown: true, error: `${item.name}: the answer is JSON but not the ${opts.api === 'loki' ? 'Loki' : 'Prometheus'} API's (no "status": "success"): is url the API's base URL?` });
      const read = valuesOf(item.name, answer.data, opts.api);
      if (typeof read === 'string') return failed({ reached: true, unknown: true, error: read });
      values[item.name] = read.value;
      if (read.names) labels[item.name] = read.names;
      if (Array.isArray(read.value) && read.value.length === 0) details.push(`${item.name}: no series`);
      details.push(...read.lines);
      for (const warning of [...(answer.warnings ?? []), ...(answer.infos ?? [])]) details.push(`${item.name}: the server warns: ${warning}`);
    }
    const latencyMs = Date.now() - started;
    values.latencyMs = latencyMs;
    const observation: Observation = { reached: true, latencyMs, values, labels };
    if (details.length > 0) observation.details = details.slice(0, 20);
    return observation;
  },
};
