// The Worker the benchmark runs in workerd: the real engine and routes, with
// a generated config (N HTTP checks against the benchmark's local target).
// GET /__bench/last returns the last tick's report.

import { http, latency, status } from '../src/config';
import type { ConfigInput } from '../src/config';
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
    if (new URL(request.url).pathname === '/__bench/last') return Response.json(last ?? null);
    return get(env).app.fetch(request, env, ctx);
  },
  async scheduled(controller: ScheduledController, env: BenchEnv, ctx: ExecutionContext) {
    const deps = { config: get(env).config, kv: env.VIGIL_KV, env, fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init), runGroup: runGroupFrom(ctx) };
    last = await tick(deps, controller.scheduledTime);
  },
};
