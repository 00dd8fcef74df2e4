// `npm run bench [-- tick]`: benchmarks, not part of `npm test`. Each section
// prints a table; docs/performance.md records the numbers from a run.
//   tick  20 HTTP checks against a local target answering in 200 ms, run by
//         the real Worker bundle in workerd (Miniflare): tick wall time, KV
//         reads and writes per tick, and the Worker bundle size.
//   data  SELECT 1 through @neondatabase/serverless (WebSocket and HTTP) and
//         PING through @upstash/redis against local servers: latency in workerd,
//         and CPU time per check (measured in Node, the same driver code).

import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Miniflare } from 'miniflare';

const sections = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const want = (name: string) => sections.length === 0 || sections.includes(name);
const MINUTE = 60_000;
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

async function startTarget(delayMs: number) {
  const server = http.createServer((_req, res) => {
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function tickSection() {
  const worker = bundle('bench/wrangler.bench.toml', 'bench/.build');
  const deployed = bundle('wrangler.toml', 'dist');
  const target = await startTarget(200);
  const rows: string[][] = [];
  const modes: Array<{ label: string; concurrency: number; fanOut: boolean }> = [
    { label: 'fan-out over CheckRunner invocations (default)', concurrency: 6, fanOut: true },
    { label: 'one invocation, 6 at a time (fanOut: false)', concurrency: 6, fanOut: false },
    { label: 'one at a time (maxConcurrency: 1, fanOut: false)', concurrency: 1, fanOut: false },
  ];
  for (const { label, concurrency, fanOut } of modes) {
    const mf = new Miniflare({
      modules: true,
      scriptPath: worker.file,
      compatibilityDate: '2026-04-20',
      compatibilityFlags: ['nodejs_compat'],
      kvNamespaces: ['VIGIL_KV'],
      bindings: { BENCH_TARGET: target.url, BENCH_CHECKS: '20', BENCH_CONCURRENCY: String(concurrency), BENCH_FAN_OUT: String(fanOut) },
    });
    const scheduled = await mf.getWorker();
    const start = Math.floor(Date.now() / MINUTE) * MINUTE;
    const walls: number[] = [];
    let groups = 0;
    const reads: number[] = [];
    const writes: number[] = [];
    const TICKS = 12;
    for (let i = 0; i < TICKS; i++) {
      const began = performance.now();
      await scheduled.scheduled({ scheduledTime: new Date(start + i * MINUTE), cron: '* * * * *' });
      walls.push(performance.now() - began);
      const report = (await (await mf.dispatchFetch('http://bench/__bench/last')).json()) as { kv: { reads: number; writes: number }; ran: string[]; groups: number };
      groups = report.groups;
      if (report.ran.length !== 20) throw new Error(`expected 20 checks per tick, ran ${report.ran.length}`);
      reads.push(report.kv.reads);
      writes.push(report.kv.writes);
    }
    await mf.dispose();
    const steady = writes.slice(1);
    rows.push([
      label,
      `${groups}`,
      `${Math.round(median(walls))} ms`,
      `${Math.round(Math.min(...walls))}–${Math.round(Math.max(...walls))} ms`,
      `${median(reads)}`,
      `${writes[0]} first, ${steady.reduce((a, b) => a + b, 0)} in ${steady.length} more`,
    ]);
  }
  await target.close();
  console.log('\n## tick: 20 HTTP checks, target latency 200 ms, 12 ticks a minute apart (workerd via Miniflare)\n');
  console.log('| mode | invocations / tick | median tick wall time | range | KV reads / tick | KV writes |');
  console.log('|---|---|---|---|---|---|');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
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
      modules: true,
      scriptPath: worker.file,
      compatibilityDate: '2026-04-20',
      compatibilityFlags: ['nodejs_compat'],
      kvNamespaces: ['VIGIL_KV'],
      bindings: { ...secrets, BENCH_TARGET: 'http://127.0.0.1:1', BENCH_CHECKS: '0', BENCH_CONCURRENCY: '6', BENCH_FAN_OUT: 'false', BENCH_WS_PROXY: neon.wsProxy, BENCH_HTTP_ENDPOINT: neon.httpEndpoint },
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

if (want('tick')) await tickSection();
if (want('data')) await dataSection();
