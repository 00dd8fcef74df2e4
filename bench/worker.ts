// The Worker the benchmark runs in workerd: the real engine and routes, with
// a generated config (N HTTP checks against the benchmark's local target).
// GET /__bench/last returns the last tick's report.

import { http, latency, pg, secret, status, upstash } from '../src/config';
import type { ConfigInput } from '../src/config';
import { runCheck } from '../src/engine/runner';
import { loadConfig } from '../src/config/validate';
import { tick, type TickReport } from '../src/engine/tick';
import type { WorkerEnv } from '../src/env';
import { createApp } from '../src/web/app';
import { runGroupFrom } from '../src/worker';

export { CheckRunner } from '../src/worker';

interface BenchEnv extends WorkerEnv {
  BENCH_TARGET: string;
  BENCH_CHECKS: string;
  BENCH_CONCURRENCY: string;
  BENCH_FAN_OUT: string;
  BENCH_WS_PROXY?: string;
  BENCH_HTTP_ENDPOINT?: string;
}

/** The data checks the `data` benchmark times: SELECT 1 over both transports, and PING. */
function dataChecks(env: BenchEnv) {
  return loadConfig({
    checks: [
      pg.ping({ id: 'pg-websocket', connection: secret('DATABASE_URL'), transport: 'websocket', wsProxy: env.BENCH_WS_PROXY }),
      pg.ping({ id: 'pg-http', connection: secret('DATABASE_URL'), transport: 'http', httpEndpoint: env.BENCH_HTTP_ENDPOINT }),
      upstash.ping({ id: 'redis-ping', url: secret('UPSTASH_REDIS_REST_URL'), token: secret('UPSTASH_REDIS_REST_TOKEN') }),
    ],
  }).checks;
}

function benchConfig(env: BenchEnv): ConfigInput {
  const count = Number(env.BENCH_CHECKS);
  return {
    settings: { maxConcurrency: Number(env.BENCH_CONCURRENCY), fanOut: env.BENCH_FAN_OUT === 'true' },
    checks: Array.from({ length: count }, (_, i) =>
      http({ id: `check-${i + 1}`, url: `${env.BENCH_TARGET}/slow?i=${i}`, expect: [status(200), latency().below({ warn: 1000, crit: 5000 })] }),
    ),
  };
}

let last: TickReport | undefined;
let built: { config: ReturnType<typeof loadConfig>; app: ReturnType<typeof createApp> } | undefined;
const get = (env: BenchEnv) => (built ??= (() => {
  const config = loadConfig(benchConfig(env));
  return { config, app: createApp(config) };
})());

export default {
  async fetch(request: Request, env: BenchEnv, ctx: ExecutionContext) {
    const url = new URL(request.url);
    if (url.pathname === '/__bench/last') return Response.json(last ?? null);
    if (url.pathname === '/__bench/data') {
      // Runs each data check `runs` times in a row; latency as the check itself measures it.
      const runs = Number(url.searchParams.get('runs') ?? '20');
      const result: Record<string, { latencies: number[]; statuses: string[] }> = {};
      for (const check of dataChecks(env)) {
        result[check.id] = { latencies: [], statuses: [] };
        for (let i = 0; i < runs; i++) {
          const run = await runCheck(check, undefined, { fetch: (input, init) => fetch(input, init), env, now: Date.now(), deadline: Date.now() + 30_000 });
          result[check.id]!.latencies.push(run.observation.latencyMs);
          result[check.id]!.statuses.push(run.observation.reached ? 'ok' : (run.observation.error ?? 'failed'));
        }
      }
      return Response.json(result);
    }
    return get(env).app.fetch(request, env, ctx);
  },
  async scheduled(controller: ScheduledController, env: BenchEnv, ctx: ExecutionContext) {
    const deps = { config: get(env).config, kv: env.VIGIL_KV, env, fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init), runGroup: runGroupFrom(ctx) };
    last = await tick(deps, controller.scheduledTime);
  },
};
