// `npm run bench -- tick`: the ledger and its probes as Cloudflare runs them,
// with Cloudflare's per-request limits enforced here (Miniflare and workerd
// enforce none): each request context (the ledger's tick, each probe request)
// has 6 simultaneous connections (more wait in a queue, as on Cloudflare),
// its own subrequest limit (50 on the free plan, 10,000 on paid) and 1,000
// calls to internal services (Durable Objects, KV); a probe request is a new
// context. Sources: docs/performance.md. Measured for 20, 100, 300 and 1,000
// HTTP checks against a target answering in 200 ms (its own process):
//   - tick wall time and checks deferred (the real ledger, pool and probes);
//   - CPU in Node per invocation: the ledger's tick alone (its probes' results
//     replayed, so only its own work counts) and one probe request;
//   - per simulated day: Durable Object requests, KV writes, ledger rows.
// The ledger runs on sql.js (SQLite in WebAssembly): slower than the native
// SQLite of Durable Objects, so its CPU figures are on the safe side.

import { spawn } from 'node:child_process';
import { http, latency, status, type ConfigInput } from '../src/config';
import type { Config } from '../src/config/types';
import { loadConfig } from '../src/config/validate';
import type { RunResult } from '../src/engine/runner';
import type { RunDue, RunDueReport, TickReport } from '../src/engine/tick';
import { LedgerCore } from '../src/ledger/ledger';
import { probePool, runProbeGroup, type ProbeTransport } from '../src/probe/pool';
import type { KV } from '../src/store/kv';
import { sqlJsStore } from './sqljs-store';

const MINUTE = 60_000;
const DAY_TICKS = 1440;
const TARGET_DELAY_MS = 200;
/** Cloudflare's limits per request context (Workers limits: "Subrequests", "Simultaneous open connections"). */
const CONNECTIONS = 6;
const INTERNAL_CALLS = 1000;
const PLANS = { free: { subrequests: 50, doRequestsPerDay: 100_000, rowsWrittenPerDay: 100_000, durationGbSecondsPerDay: 13_000, kvWritesPerDay: 1000 }, paid: { subrequests: 10_000 } } as const;
/** Durable Objects are billed 128 MB of memory for their active wall-clock time (pricing: "Duration"); idle objects that can hibernate are not billed. */
const OBJECT_GB = 128 / 1024;

/** One request context: its connections, subrequests and internal calls, limited as Cloudflare limits them. */
class RequestContext {
  private open = 0;
  private waiting: Array<() => void> = [];
  subrequests = 0;
  internal = 0;
  maxOpen = 0;
  constructor(private readonly limits: { subrequests: number }) {}

  private async acquire(): Promise<void> {
    if (this.open >= CONNECTIONS) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.open++;
    this.maxOpen = Math.max(this.maxOpen, this.open);
  }

  private release(): void {
    this.open--;
    this.waiting.shift()?.();
  }

  /** fetch, counted and queued behind 6 open connections; the connection is held until the body is read. */
  readonly fetch: typeof fetch = async (input, init) => {
    if (++this.subrequests > this.limits.subrequests) throw new Error('Too many subrequests.');
    await this.acquire();
    try {
      const response = await fetch(input, init);
      const body = await response.arrayBuffer();
      return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
    } finally {
      this.release();
    }
  };

  /** A call to an internal service (a Durable Object, KV). KV calls also hold a connection. */
  async internalCall<T>(work: () => Promise<T>, connection = false): Promise<T> {
    if (++this.internal > INTERNAL_CALLS) throw new Error('Too many API requests by single Worker invocation.');
    if (!connection) return work();
    await this.acquire();
    try {
      return await work();
    } finally {
      this.release();
    }
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** The target, in its own process so its CPU is not counted as Vigil's. */
async function startTarget(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(
    process.execPath,
    ['-e', `require('node:http').createServer((q, s) => setTimeout(() => { s.writeHead(200, { 'content-type': 'application/json' }); s.end('{"status":"ok"}'); }, ${TARGET_DELAY_MS})).listen(0, '127.0.0.1', function () { console.log(this.address().port); })`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

function benchConfig(count: number, target: string, plan: 'free' | 'paid'): Config {
  const input: ConfigInput = {
    settings: { subrequests: plan === 'free' ? PLANS.free.subrequests : 1000, flushEvery: '5m' },
    checks: Array.from({ length: count }, (_, i) => http({ id: `check-${i + 1}`, url: `${target}/slow?i=${i}`, expect: [status(200), latency().below({ warn: 1000, crit: 5000 })] })),
  };
  return loadConfig(input);
}

interface Platform {
  core: LedgerCore;
  kvWrites: () => number;
  rowsWritten: () => number;
  /** Makes the next tick a new request context (as each Durable Object request is). */
  newTick: () => RequestContext;
  probeRequests: () => number;
  /** Wall-clock milliseconds probe requests were active, summed. */
  probeActiveMs: () => number;
}

/** The ledger on sql.js, its KV and probes, with Cloudflare's limits per request context; `runner` may wrap (or replace) the probe pool. */
async function platform(config: Config, plan: 'free' | 'paid', runner?: (pool: RunDue) => RunDue): Promise<Platform> {
  const limits = { subrequests: plan === 'free' ? PLANS.free.subrequests : PLANS.paid.subrequests };
  const store = await sqlJsStore();
  let context = new RequestContext(limits);
  let kvWrites = 0;
  let probeRequests = 0;
  let probeActiveMs = 0;
  const data = new Map<string, string>();
  const kv: KV = {
    get: (key) => context.internalCall(async () => data.get(key) ?? null, true),
    put: (key, value) =>
      context.internalCall(async () => {
        kvWrites++;
        data.set(key, value);
      }, true),
    delete: (key) => context.internalCall(async () => void data.delete(key), true),
  };
  const probes: ProbeTransport = {
    run: (_name, region, request): Promise<RunResult[]> =>
      context.internalCall(async () => {
        probeRequests++;
        // The probe's own request context: its own 6 connections and subrequests.
        const probe = new RequestContext(limits);
        const began = performance.now();
        try {
          return await runProbeGroup(config, {}, probe.fetch, region ? { ...request, region } : request);
        } finally {
          probeActiveMs += performance.now() - began;
        }
      }),
  };
  const ledgerFetch: typeof fetch = (input, init) => context.fetch(input, init);
  const pool = probePool({ config, env: {}, fetch: ledgerFetch, transport: probes });
  const core = new LedgerCore({ store, config, env: {}, kv, fetch: ledgerFetch, runDue: runner ? runner(pool) : pool });
  return {
    core,
    kvWrites: () => kvWrites,
    rowsWritten: () => store.rowsWritten(),
    probeRequests: () => probeRequests,
    probeActiveMs: () => probeActiveMs,
    newTick: () => (context = new RequestContext(limits)),
  };
}

/** A runner that answers with results recorded from a real tick: the ledger's own work, without the probes'. */
function replay(recorded: RunDueReport): RunDue {
  return async () => ({ ...recorded, outcomes: new Map([...recorded.outcomes].map(([id, outcome]) => [id, structuredClone(outcome)])) });
}

interface Row {
  checks: number;
  plan: 'free' | 'paid';
  wallMs: number;
  deferred: number;
  probesPerTick: number;
  ledgerCpuMs: number;
  ledgerCpuFirstMs: number;
  doRequestsPerDay: number;
  /** Wall time of one probe request (median over the measured ticks' average). */
  probeWallMs: number;
  durationGbSecondsPerDay: number;
  kvWritesPerDay: number;
  rowsPerDay: number;
}

async function measure(count: number, plan: 'free' | 'paid', target: string): Promise<Row> {
  const config = benchConfig(count, target, plan);
  // 1. The real tick: wall time, deferred, probes (three ticks, the last two measured).
  let recorded: RunDueReport | undefined;
  const live = await platform(config, plan, (pool) => async (...args) => (recorded = await pool(...args)));
  const walls: number[] = [];
  const probeWalls: number[] = [];
  let report: TickReport | undefined;
  const start = Math.floor(Date.now() / MINUTE) * MINUTE;
  for (let i = 0; i < 3; i++) {
    live.newTick();
    const began = performance.now();
    const probesBefore = [live.probeRequests(), live.probeActiveMs()] as const;
    report = await live.core.tick(start + i * MINUTE);
    if (i > 0) {
      walls.push(performance.now() - began);
      const probes = live.probeRequests() - probesBefore[0];
      if (probes > 0) probeWalls.push((live.probeActiveMs() - probesBefore[1]) / probes);
    }
  }
  if (!report || !recorded) throw new Error('no tick');

  // 2. A day of ticks with those results replayed: the ledger's own CPU per tick, its KV writes and rows.
  const day = await platform(config, plan, () => replay(recorded as RunDueReport));
  const cpu: number[] = [];
  let first = 0;
  for (let i = 0; i < DAY_TICKS; i++) {
    day.newTick();
    const before = process.cpuUsage();
    await day.core.tick(start + i * MINUTE);
    const used = process.cpuUsage(before);
    const ms = (used.user + used.system) / 1000;
    if (i === 0) first = ms;
    else cpu.push(ms);
  }
  return {
    checks: count,
    plan,
    wallMs: median(walls),
    deferred: report.deferred.length,
    probesPerTick: report.probes,
    ledgerCpuMs: median(cpu),
    ledgerCpuFirstMs: first,
    doRequestsPerDay: DAY_TICKS * (1 + report.probes),
    probeWallMs: probeWalls.length ? median(probeWalls) : 0,
    // Active time: the ledger for its tick, each probe for its request (both can hibernate in between).
    durationGbSecondsPerDay: DAY_TICKS * ((median(walls) + report.probes * (probeWalls.length ? median(probeWalls) : 0)) / 1000) * OBJECT_GB,
    kvWritesPerDay: day.kvWrites(),
    rowsPerDay: day.rowsWritten(),
  };
}

/** CPU of one probe request: six checks against the target, in one request context. */
async function probeCpu(target: string): Promise<number> {
  const config = benchConfig(6, target, 'free');
  const request = { checks: config.checks.map((check) => check.id), memories: config.checks.map(() => undefined), now: Date.now(), deadline: Date.now() + 30_000 };
  const times: number[] = [];
  for (let i = 0; i < 23; i++) {
    const context = new RequestContext({ subrequests: PLANS.free.subrequests });
    const before = process.cpuUsage();
    await runProbeGroup(config, {}, context.fetch, request);
    const used = process.cpuUsage(before);
    if (i >= 3) times.push((used.user + used.system) / 1000);
  }
  return median(times);
}

export async function ledgerSection(): Promise<void> {
  const target = await startTarget();
  const quiet = console.log;
  console.log = () => undefined;
  console.warn = () => undefined;
  const rows: Row[] = [];
  try {
    for (const count of [20, 100, 300]) rows.push(await measure(count, 'free', target.url));
    for (const count of [20, 100, 300, 1000]) rows.push(await measure(count, 'paid', target.url));
    const perProbe = await probeCpu(target.url);
    console.log = quiet;
    console.log(`\n## tick: HTTP checks against a target answering in ${TARGET_DELAY_MS} ms, Cloudflare's per-request limits enforced (6 connections, subrequests, 1,000 internal calls)\n`);
    console.log('| checks | plan | tick wall time | deferred | probe requests / tick | ledger CPU / tick (steady; first) | Durable Object requests / day | DO duration / day | KV writes / day | ledger rows written / day |');
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    for (const row of rows) {
      console.log(`| ${row.checks} | ${row.plan} | ${Math.round(row.wallMs)} ms | ${row.deferred} | ${row.probesPerTick} | ${row.ledgerCpuMs.toFixed(1)} ms; ${row.ledgerCpuFirstMs.toFixed(1)} ms | ${row.doRequestsPerDay.toLocaleString('en')} | ${Math.round(row.durationGbSecondsPerDay).toLocaleString('en')} GB-s | ${row.kvWritesPerDay} | ${row.rowsPerDay.toLocaleString('en')} |`);
    }
    console.log(`\nCPU of one probe request (6 checks): ${perProbe.toFixed(2)} ms. The Worker's scheduled handler only calls the ledger.`);
    // The free plan: the largest count of 1-minute checks whose Durable Object requests, duration and rows
    // fit a day, keeping 10% of each for pings, task completions and the admin API. Duration grows with the
    // targets' latency (a probe is active while its checks wait): shown for slower targets too.
    const free = rows.filter((row) => row.plan === 'free');
    const small = free[0] as Row;
    const big = free[free.length - 1] as Row;
    const rowsPerCheck = (big.rowsPerDay - small.rowsPerDay) / (big.checks - small.checks);
    const rowsBase = small.rowsPerDay - rowsPerCheck * small.checks;
    // A probe's active time is its slowest check's latency plus its own overhead (measured at TARGET_DELAY_MS).
    const probeOverheadMs = Math.max(0, (small.probeWallMs || TARGET_DELAY_MS) - TARGET_DELAY_MS);
    const fitsAt = (latencyMs: number) => {
      let fits = 0;
      for (let n = 1; n <= 5000; n++) {
        const probes = n <= CONNECTIONS ? 0 : Math.ceil(n / CONNECTIONS);
        const requests = DAY_TICKS * (1 + probes);
        const written = rowsBase + rowsPerCheck * n;
        const ledgerMs = probes ? latencyMs + probeOverheadMs : Math.ceil(n / CONNECTIONS) * latencyMs;
        const duration = DAY_TICKS * ((ledgerMs + probes * (latencyMs + probeOverheadMs)) / 1000) * OBJECT_GB;
        if (requests <= PLANS.free.doRequestsPerDay * 0.9 && written <= PLANS.free.rowsWrittenPerDay * 0.9 && duration <= PLANS.free.durationGbSecondsPerDay * 0.9) fits = n;
      }
      return fits;
    };
    console.log(`\nFree plan: about ${fitsAt(TARGET_DELAY_MS)} checks at a 1-minute cadence fit its daily Durable Object requests (100,000), duration (13,000 GB-s) and rows written (100,000), keeping 10% of each for pings and the admin API (rows: ${Math.round(rowsBase)} + ${rowsPerCheck.toFixed(0)} per check a day; a probe request active ${Math.round(small.probeWallMs)} ms). With slower targets, duration decides: ${[1000, 3000, 10_000].map((ms) => `${fitsAt(ms)} checks answering in ${ms / 1000} s`).join(', ')}.`);
  } finally {
    console.log = quiet;
    target.stop();
  }
}
