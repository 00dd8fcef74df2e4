// Builds the Worker from a config: the fetch handler is the Hono app, the
// scheduled handler runs one tick. src/index.ts passes checks/index.ts in.
// CheckRunner is the entrypoint a tick fans checks out to (ctx.exports).

import { WorkerEntrypoint } from 'cloudflare:workers';
import type { ConfigInput } from './config';
import type { Check } from './config/types';
import { loadConfig, MAX_CONCURRENCY } from './config/validate';
import { mapLimit } from './engine/concurrency';
import { runCheck, type RunResult } from './engine/runner';
import { tick, type RunGroup } from './engine/tick';
import { kvFrom, type WorkerEnv } from './env';
import type { KindMemory } from './kinds/types';
import { createApp, type AppOptions } from './web/app';

/**
 * Runs a group of checks for a tick in its own invocation, so it has its own
 * six connections and subrequest budget. Checks arrive as plain data; secrets
 * come from this Worker's env, as in the tick itself.
 */
export class CheckRunner extends WorkerEntrypoint<WorkerEnv> {
  async run(checks: Check[], memories: Array<KindMemory | undefined>, now: number, deadline: number): Promise<RunResult[]> {
    return runGroupWith(this.env, (input, init) => fetch(input, init))(checks, memories, now, deadline);
  }
}

/** What CheckRunner.run does with its invocation's env and fetch (tests run groups with it directly). */
export function runGroupWith(env: Record<string, unknown>, fetcher: typeof fetch): RunGroup {
  return (checks, memories, now, deadline) => mapLimit(checks, MAX_CONCURRENCY, (check, i) => runCheck(check, memories[i], { fetch: fetcher, env, now, deadline }));
}

interface Exports {
  CheckRunner?: { run: CheckRunner['run'] };
}

/** The CheckRunner loopback binding, when the runtime offers ctx.exports. */
export function runGroupFrom(ctx: ExecutionContext | undefined): RunGroup | undefined {
  const runner = (ctx as (ExecutionContext & { exports?: Exports }) | undefined)?.exports?.CheckRunner;
  return runner ? (checks, memories, now, deadline) => runner.run(checks, memories, now, deadline) : undefined;
}

export function createWorker(input: ConfigInput, options: AppOptions = {}) {
  const config = loadConfig(input);
  const app = createApp(config, options);
  return {
    config,
    fetch: app.fetch,
    async scheduled(controller: ScheduledController, env: WorkerEnv, ctx?: ExecutionContext): Promise<void> {
      const report = await tick(
        { config, kv: kvFrom(env), env, fetch: (input, init) => fetch(input, init), runGroup: runGroupFrom(ctx) },
        controller.scheduledTime,
      );
      console.log(JSON.stringify({ vigil: 'tick', ...report }));
    },
  };
}
