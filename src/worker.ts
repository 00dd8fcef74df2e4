// Builds the Worker from a config: the fetch handler is the Hono app, the
// scheduled handler runs one tick. src/index.ts passes checks/index.ts in.

import { loadConfig } from './config/validate';
import type { ConfigInput } from './config';
import { tick } from './engine/tick';
import { kvFrom, type WorkerEnv } from './env';
import { createApp } from './web/app';

export function createWorker(input: ConfigInput) {
  const config = loadConfig(input);
  const app = createApp(config);
  return {
    config,
    fetch: app.fetch,
    async scheduled(controller: ScheduledController, env: WorkerEnv): Promise<void> {
      const report = await tick({ config, kv: kvFrom(env), env, fetch: (input, init) => fetch(input, init) }, controller.scheduledTime);
      console.log(JSON.stringify({ vigil: 'tick', ...report }));
    },
  } satisfies ExportedHandler<WorkerEnv> & { config: unknown };
}
