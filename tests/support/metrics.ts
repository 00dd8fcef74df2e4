// A Prometheus /metrics endpoint shaped like a prom-client (Node) app, whose
// counters and histograms advance by a controllable traffic profile every
// time it is scraped, so rates, ratios and quantiles can cross thresholds.
//   GET  /metrics/<instance>            advance one scrape's traffic, then expose
//   POST /__metrics/<instance> {...}    change the profile / inject trouble (below)
// Counts are whole numbers computed from the profile, so tests know exactly
// what rate, ratio and quantile a scrape should give.

import type { ServerResponse } from 'node:http';

export interface TrafficProfile {
  /** Requests per scrape, spread over ROUTES by weight. */
  requests: number;
  /** Share of requests answered 500. */
  errorRatio: number;
  /** Share of requests that take `slowSeconds` (the rest take `fastSeconds`). */
  slowRatio: number;
  slowSeconds: number;
  fastSeconds: number;
  /** process_resident_memory_bytes */
  residentBytes: number;
  /** CPU seconds used per scrape (process_cpu_seconds_total grows by this). */
  cpuSeconds: number;
  /** WebSocket connections open (a gauge). */
  connections: number;
}

export interface MetricsControl extends Partial<TrafficProfile> {
  /** A process restart: every counter starts again from zero at the next scrape. */
  restart?: boolean;
  /** Metric family names left out of the exposition (a series that disappears). */
  drop?: string[];
  /** Adds a line that is not valid exposition. */
  malformed?: boolean;
  /** Pads the exposition with this many bytes of other series (the 20 MB case). */
  padBytes?: number;
  /** Adds series whose label values hold quotes, backslashes and newlines. */
  oddLabels?: boolean;
  /** Scrapes missed before the next one (a gap): the next exposition holds 1 + missed intervals of traffic. Once. */
  missed?: number;
  /** How the last bucket's bound is written: "+Inf" (default, as client libraries do), or "Inf", "+inf" ... */
  infBound?: string;
}

/** /metrics/private-<name> answers 401 without `Authorization: Bearer METRICS_TOKEN`. */
export const METRICS_TOKEN = 'metrics-scrape-token-5b7e';

export const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
export const ROUTES = [
  { route: '/api/v1/earnings', method: 'GET', weight: 0.7 },
  { route: '/api/v1/auth/login', method: 'POST', weight: 0.3 },
];

export const DEFAULT_PROFILE: TrafficProfile = {
  requests: 1000,
  errorRatio: 0.002,
  slowRatio: 0.01,
  slowSeconds: 0.8,
  fastSeconds: 0.04,
  residentBytes: 300 * 1024 * 1024,
  cpuSeconds: 6,
  connections: 42,
};

interface App {
  profile: TrafficProfile;
  control: MetricsControl;
  /** `method route status` → count */
  requests: Map<string, number>;
  /** route → cumulative bucket counts (BUCKETS then +Inf), sum, count */
  durations: Map<string, { buckets: number[]; sum: number; count: number }>;
  cpu: number;
  startedAt: number;
  scrapes: number;
}

const apps = new Map<string, App>();

function fresh(profile: TrafficProfile, control: MetricsControl): App {
  return { profile, control, requests: new Map(), durations: new Map(), cpu: 0, startedAt: Math.floor(Date.now() / 1000), scrapes: 0 };
}

function app(instance: string): App {
  let found = apps.get(instance);
  if (!found) apps.set(instance, (found = fresh({ ...DEFAULT_PROFILE }, {})));
  return found;
}

export function controlMetrics(instance: string, input: MetricsControl): void {
  const current = app(instance);
  const { restart, ...rest } = input;
  const profile = { ...current.profile };
  for (const key of Object.keys(DEFAULT_PROFILE) as Array<keyof TrafficProfile>) if (rest[key] !== undefined) profile[key] = rest[key] as number;
  const control: MetricsControl = { ...current.control };
  if (rest.drop !== undefined) control.drop = rest.drop;
  if (rest.malformed !== undefined) control.malformed = rest.malformed;
  if (rest.padBytes !== undefined) control.padBytes = rest.padBytes;
  if (rest.oddLabels !== undefined) control.oddLabels = rest.oddLabels;
  if (rest.missed !== undefined) control.missed = rest.missed;
  if (rest.infBound !== undefined) control.infBound = rest.infBound;
  if (restart) apps.set(instance, fresh(profile, control));
  else Object.assign(current, { profile, control });
}

function observe(app: App, route: string, seconds: number, times: number): void {
  const histogram = app.durations.get(route) ?? { buckets: new Array(BUCKETS.length + 1).fill(0), sum: 0, count: 0 };
  BUCKETS.forEach((le, i) => {
    if (seconds <= le) histogram.buckets[i] += times;
  });
  histogram.buckets[BUCKETS.length] += times;
  histogram.sum += seconds * times;
  histogram.count += times;
  app.durations.set(route, histogram);
}

/** One scrape interval's traffic, in whole requests. */
function advance(app: App): void {
  const { profile } = app;
  for (const { route, method, weight } of ROUTES) {
    const total = Math.round(profile.requests * weight);
    const errors = Math.round(total * profile.errorRatio);
    const slow = Math.round(total * profile.slowRatio);
    const add = (status: number, count: number) => {
      const key = `${method} ${route} ${status}`;
      app.requests.set(key, (app.requests.get(key) ?? 0) + count);
    };
    add(200, total - errors);
    if (errors > 0 || app.requests.has(`${method} ${route} 500`)) add(500, errors);
    observe(app, route, profile.slowSeconds, slow);
    observe(app, route, profile.fastSeconds, total - slow);
  }
  app.cpu += profile.cpuSeconds;
  app.scrapes++;
}

function labelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** The exposition, prom-client style. */
export function exposition(instance: string): string {
  const current = app(instance);
  for (let i = 0; i <= (current.control.missed ?? 0); i++) advance(current);
  delete current.control.missed;
  const { profile, control } = current;
  const dropped = new Set(control.drop ?? []);
  const out: string[] = [];
  const family = (name: string, type: string, help: string, lines: string[]) => {
    if (dropped.has(name)) return;
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines);
  };
  family('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds.', [`process_cpu_seconds_total ${current.cpu}`]);
  family('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.', [`process_start_time_seconds ${current.startedAt}`]);
  family('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', [`process_resident_memory_bytes ${profile.residentBytes}`]);
  family('nodejs_heap_size_used_bytes', 'gauge', 'Process heap size used from Node.js in bytes.', [`nodejs_heap_size_used_bytes ${Math.round(profile.residentBytes * 0.6)}`]);
  family('websocket_connections', 'gauge', 'Open WebSocket connections.', [`websocket_connections ${profile.connections}`]);
  family(
    'http_requests_total',
    'counter',
    'Total number of HTTP requests',
    [...current.requests].map(([key, count]) => {
      const [method, route, status] = key.split(' ');
      return `http_requests_total{method="${method}",route="${route}",status="${status}"} ${count}`;
    }),
  );
  const histogram: string[] = [];
  for (const [route, { buckets, sum, count }] of current.durations) {
    BUCKETS.forEach((le, i) => histogram.push(`http_request_duration_seconds_bucket{le="${le}",route="${route}"} ${buckets[i]}`));
    histogram.push(`http_request_duration_seconds_bucket{le="${control.infBound ?? '+Inf'}",route="${route}"} ${buckets[BUCKETS.length]}`);
    histogram.push(`http_request_duration_seconds_sum{route="${route}"} ${Math.round(sum * 1000) / 1000}`);
    histogram.push(`http_request_duration_seconds_count{route="${route}"} ${count}`);
  }
  family('http_request_duration_seconds', 'histogram', 'Duration of HTTP requests in seconds', histogram);
  // Declared but empty until oddLabels, as prom-client shows a labelled counter nothing has incremented yet.
  family(
    'app_errors_total',
    'counter',
    'Errors by message',
    control.oddLabels
      ? [
          `app_errors_total{message="${labelValue('connect ECONNREFUSED "db" at C:\\pool')}"} ${current.scrapes}`,
          `app_errors_total{message="${labelValue('line one\nline two } {x="1"}')}"} ${2 * current.scrapes}`,
        ]
      : [],
  );
  if (control.malformed) out.push('http_requests_total{method="GET",route="/broken" 12', 'this line is not a sample at all');
  let text = `${out.join('\n')}\n`;
  if (control.padBytes) {
    // Many series nobody asked for, like a big exporter's output.
    const line = (i: number) => `padding_series_total{shard="${i % 64}",id="${i}",kind="filler-${'x'.repeat(40)}"} ${i}\n`;
    const pad: string[] = ['# TYPE padding_series_total counter\n'];
    let size = 0;
    for (let i = 0; size < control.padBytes; i++) {
      const next = line(i);
      pad.push(next);
      size += next.length;
    }
    text = pad.join('') + text;
  }
  return text;
}

/** Serves GET /metrics/<instance>; returns false for other paths. */
export function serveMetrics(res: ServerResponse, path: string): boolean {
  const match = /^\/metrics\/([^/]+)$/.exec(path);
  if (!match) return false;
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
  res.end(exposition(match[1] as string));
  return true;
}
