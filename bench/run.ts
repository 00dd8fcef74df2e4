// `npm run bench [-- tick]`: benchmarks, not part of `npm test`. Each section
// prints a table; docs/performance.md records the numbers from a run.
//   tick  the ledger and its probes with Cloudflare's per-request limits
//         enforced (bench/ledger.ts): 20 to 1,000 HTTP checks against a
//         target answering in 200 ms; wall time, deferred checks, CPU per
//         invocation, Durable Object requests, KV writes and rows per day;
//         and the Worker bundle size.
//   data  SELECT 1 through @neondatabase/serverless (WebSocket and HTTP) and
//         PING through @upstash/redis against local servers: latency in workerd,
//         and CPU time per check (measured in Node, the same driver code).
//   metrics  CPU time to parse a Prometheus exposition and evaluate an app's
//         six values (error ratio, rate, p95, p99, memory, CPU) from it, for a
//         typical ~50 KB app exporter and 1 MB ones (measured in Node).

import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Miniflare } from 'miniflare';
import { unstable_readConfig } from 'wrangler';

const sections = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const want = (name: string) => sections.length === 0 || sections.includes(name);
const MINUTE = 60_000;
/** The deployed Worker's compatibility date and flags: read from wrangler.toml, not repeated here. */
const WORKER = unstable_readConfig({ config: 'wrangler.toml' }, { hideWarnings: true });
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function bundle(config: string, outdir: string): { raw: number; gzip: number; file: string } {
  // wrangler resolves --outdir against the config file's folder; pass it absolute.
  const result = spawnSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', resolve(outdir), '--config', config], { env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`bundling failed:\n${result.stdout}\n${result.stderr}`);
  let raw = 0;
  let gzip = 0;
  let file = '';
  for (const name of readdirSync(outdir)) {
    if (!name.endsWith('.js')) continue;
    file ||= join(outdir, name);
    raw += statSync(join(outdir, name)).size;
    gzip += gzipSync(readFileSync(join(outdir, name))).length;
  }
  return { raw, gzip, file };
}

async function tickSection() {
  const { ledgerSection } = await import('./ledger');
  await ledgerSection();
  const deployed = bundle('wrangler.toml', 'dist');
  console.log(`\nWorker bundle (wrangler deploy --dry-run): ${(deployed.raw / 1024).toFixed(1)} KiB, ${(deployed.gzip / 1024).toFixed(1)} KiB gzipped`);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function dataSection() {
  const servers = spawn(process.execPath, ['--import', 'tsx', 'bench/servers.ts'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const info = await new Promise<{ databaseUrl: string; wsProxy: string; httpEndpoint: string; restUrl: string; token: string }>((resolve, reject) => {
    let buffered = '';
    servers.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line));
    });
    servers.on('exit', (code) => reject(new Error(`bench servers exited (${code})`)));
  });
  const neon = { wsProxy: info.wsProxy, httpEndpoint: info.httpEndpoint };
  const secrets = { DATABASE_URL: info.databaseUrl, UPSTASH_REDIS_REST_URL: info.restUrl, UPSTASH_REDIS_REST_TOKEN: info.token };
  const RUNS = 50;
  try {
    const worker = bundle('bench/wrangler.bench.toml', 'bench/.build');
    const mf = new Miniflare({
      // Listed as one module: Miniflare cannot walk the bundle's non-literal import('cloudflare:email').
      modules: [{ type: 'ESModule', path: worker.file }],
      compatibilityDate: WORKER.compatibility_date,
      compatibilityFlags: WORKER.compatibility_flags,
      bindings: { ...secrets, BENCH_WS_PROXY: neon.wsProxy, BENCH_HTTP_ENDPOINT: neon.httpEndpoint },
    });
    await mf.dispatchFetch('http://bench/__bench/data?runs=3'); // warm up
    const inWorkerd = (await (await mf.dispatchFetch(`http://bench/__bench/data?runs=${RUNS}`)).json()) as Record<string, { latencies: number[]; statuses: string[] }>;
    await mf.dispose();

    // CPU: the same checks through the same runner in Node (Node 20 has no WebSocket global).
    const { neonConfig } = await import('@neondatabase/serverless');
    const { WebSocket } = await import('ws');
    neonConfig.webSocketConstructor = WebSocket as never;
    const { loadConfig } = await import('../src/config/validate');
    const { pg, upstash, secret } = await import('../src/config');
    const { runCheck } = await import('../src/engine/runner');
    const checks = loadConfig({
      checks: [
        pg.ping({ id: 'pg-websocket', connection: secret('DATABASE_URL'), transport: 'websocket', wsProxy: neon.wsProxy }),
        pg.ping({ id: 'pg-http', connection: secret('DATABASE_URL'), transport: 'http', httpEndpoint: neon.httpEndpoint }),
        upstash.ping({ id: 'redis-ping', url: secret('UPSTASH_REDIS_REST_URL'), token: secret('UPSTASH_REDIS_REST_TOKEN') }),
      ],
    }).checks;
    const cpu: Record<string, number> = {};
    for (const check of checks) {
      for (let i = 0; i < 3; i++) await runCheck(check, undefined, { fetch, env: secrets, now: Date.now(), deadline: Date.now() + 30_000 });
      const before = process.cpuUsage();
      for (let i = 0; i < RUNS; i++) await runCheck(check, undefined, { fetch, env: secrets, now: Date.now(), deadline: Date.now() + 30_000 });
      const used = process.cpuUsage(before);
      cpu[check.id] = (used.user + used.system) / 1000 / RUNS;
    }

    console.log(`\n## data: one check against local servers, ${RUNS} runs each\n`);
    console.log('| check | median latency (workerd) | p95 latency (workerd) | all succeeded | CPU per check (Node) |');
    console.log('|---|---|---|---|---|');
    for (const [id, result] of Object.entries(inWorkerd)) {
      const ok = result.statuses.every((s) => s === 'ok');
      console.log(`| ${id} | ${percentile(result.latencies, 50)} ms | ${percentile(result.latencies, 95)} ms | ${ok ? 'yes' : `no: ${result.statuses.find((s) => s !== 'ok')}`} | ${cpu[id]?.toFixed(2)} ms |`);
    }
  } finally {
    const exited = new Promise((resolve) => servers.once('exit', resolve));
    servers.kill('SIGTERM');
    await exited;
  }
}

/**
 * A prom-client style exposition: `routes` routes with request counters
 * (200 and 500) and a 12-bucket latency histogram each, process metrics, and
 * `padBytes` of other families (what a big exporter also exposes).
 */
function appExposition(routes: number, padBytes: number, scrape: number): string {
  const lines: string[] = ['# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.', '# TYPE process_cpu_seconds_total counter', `process_cpu_seconds_total ${100 + scrape * 6}`];
  lines.push('# TYPE process_resident_memory_bytes gauge', `process_resident_memory_bytes ${300 * 1024 * 1024}`);
  lines.push('# HELP http_requests_total Total number of HTTP requests', '# TYPE http_requests_total counter');
  for (let r = 0; r < routes; r++) {
    const base = 10_000 * (r + 1) + scrape * 1000;
    lines.push(`http_requests_total{method="GET",route="/api/v1/resource-${r}",status="200"} ${base}`);
    lines.push(`http_requests_total{method="GET",route="/api/v1/resource-${r}",status="500"} ${Math.floor(base / 500)}`);
  }
  lines.push('# HELP http_request_duration_seconds Duration of HTTP requests in seconds', '# TYPE http_request_duration_seconds histogram');
  const bounds = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];
  for (let r = 0; r < routes; r++) {
    const total = 10_000 * (r + 1) + scrape * 1000;
    // Most requests are fast: cumulative shares per bucket.
    const shares = [0.05, 0.2, 0.45, 0.7, 0.85, 0.93, 0.96, 0.985, 0.995, 0.998, 0.999, 1];
    bounds.forEach((le, i) => lines.push(`http_request_duration_seconds_bucket{le="${le}",method="GET",route="/api/v1/resource-${r}",status_code="200"} ${Math.round(total * (shares[i] as number))}`));
    lines.push(`http_request_duration_seconds_sum{method="GET",route="/api/v1/resource-${r}",status_code="200"} ${total * 0.07}`);
    lines.push(`http_request_duration_seconds_count{method="GET",route="/api/v1/resource-${r}",status_code="200"} ${total}`);
  }
  let text = `${lines.join('\n')}\n`;
  const pad: string[] = ['# HELP nodejs_gc_duration_seconds Garbage collection duration by kind.', '# TYPE nodejs_gc_duration_seconds histogram'];
  for (let i = 0; text.length + pad.join('\n').length < padBytes; i++) pad.push(`nodejs_gc_duration_seconds_bucket{le="${(i % 50) / 10}",kind="${['minor', 'major', 'incremental', 'weakcb'][i % 4]}",worker="${i}"} ${i * 3}`);
  if (pad.length > 2) text = `${pad.join('\n')}\n${text}`;
  return text;
}

async function metricsSection() {
  const { loadConfig } = await import('../src/config/validate');
  const { metrics, quantile, rate, ratio, gauge } = await import('../src/config');
  const { runCheck } = await import('../src/engine/runner');
  const { parseExposition } = await import('../src/kinds/prometheus');
  const values = {
    error_pct: ratio(rate('http_requests_total{status=~"5.."}'), rate('http_requests_total'), { scale: 100 }),
    rps: rate('http_requests_total'),
    p95_ms: quantile(0.95, 'http_request_duration_seconds', { scale: 1000 }),
    p99_ms: quantile(0.99, 'http_request_duration_seconds', { scale: 1000 }),
    memory: gauge('process_resident_memory_bytes'),
    cpu_pct: rate('process_cpu_seconds_total', { scale: 100 }),
  };
  // maxBodyBytes past the 1 MiB default, so the 1 MB cases measure parsing, not the "too large" answer.
  const [check] = loadConfig({ checks: [metrics({ id: 'app', url: 'http://app.internal/metrics', values, maxBodyBytes: 2 * 1024 * 1024 })] }).checks;
  if (!check) throw new Error('no check');
  const cases = [
    { label: 'typical app exporter: 20 routes, 50 KB', routes: 20, pad: 50 * 1024 },
    { label: '1 MB: 20 routes + 1 MB of other families', routes: 20, pad: 1024 * 1024 },
    { label: '1 MB: 500 routes (6,500 series read)', routes: 500, pad: 0 },
  ];
  const RUNS = 100;
  const rows: string[][] = [];
  for (const { label, routes, pad } of cases) {
    const before = appExposition(routes, pad, 0);
    const after = appExposition(routes, pad, 1);
    const respond = (text: string) => (async () => new Response(text)) as unknown as typeof fetch;
    const t0 = Date.UTC(2026, 10, 22, 10, 0);
    const primed = await runCheck(check, undefined, { fetch: respond(before), env: {}, now: t0, deadline: Date.now() + 30_000 });
    const memory = primed.observation.memory;
    let last = primed;
    for (let i = 0; i < 20; i++) last = await runCheck(check, structuredClone(memory), { fetch: respond(after), env: {}, now: t0 + 60_000, deadline: Date.now() + 30_000 });
    // No I/O happens (the response is in memory), so a batch's wall time is the main thread's CPU
    // time; process.cpuUsage() would also count GC and loader threads. Median of 5 batches.
    const batch = async (work: () => unknown) => {
      const times: number[] = [];
      for (let b = 0; b < 5; b++) {
        const started = performance.now();
        for (let i = 0; i < RUNS / 5; i++) await work();
        times.push((performance.now() - started) / (RUNS / 5));
      }
      return median(times).toFixed(2);
    };
    const run = await batch(() => runCheck(check, structuredClone(memory), { fetch: respond(after), env: {}, now: t0 + 60_000, deadline: Date.now() + 30_000 }));
    const parse = await batch(() => parseExposition(after));
    const shown = Object.entries(last.observation.values).filter(([key]) => key !== 'latencyMs').map(([key, value]) => `${key}=${Array.isArray(value) ? value.length : Math.round(Number(value) * 100) / 100}`);
    rows.push([label, `${Math.round(after.length / 1024)} KB`, `${run} ms`, `${parse} ms`, shown.join(' ')]);
  }
  console.log(`\n## metrics: scrape, parse and evaluate six values, ${RUNS} runs each (CPU time in Node)\n`);
  console.log('| exposition | size | CPU per check run | CPU to parse every family | values |');
  console.log('|---|---|---|---|---|');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

if (want('tick')) await tickSection();
if (want('data')) await dataSection();
if (want('metrics')) await metricsSection();
if (want('page')) await (await import('./page')).pageSection();
