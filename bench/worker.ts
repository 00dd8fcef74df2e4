// The Worker the `data` benchmark runs in workerd (Miniflare): it times the
// data checks (PostgreSQL over both Neon transports, Upstash PING) as a probe
// runs them. GET /__bench/data?runs=N.

import { pg, secret, upstash } from '../src/config';
import { loadConfig } from '../src/config/validate';
import { runCheck } from '../src/engine/runner';

interface BenchEnv {
  BENCH_WS_PROXY?: string;
  BENCH_HTTP_ENDPOINT?: string;
  [name: string]: unknown;
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

export default {
  async fetch(request: Request, env: BenchEnv) {
    const url = new URL(request.url);
    if (url.pathname !== '/__bench/data') return new Response('not found', { status: 404 });
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
  },
};
