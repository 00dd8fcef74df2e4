// Builds Vigil from a config: the Worker (the Hono app for fetch, the cron
// handing its scheduled time to the ledger) and the two Durable Object
// classes wrangler.toml binds. src/index.ts passes checks/index.ts in.

import type { ConfigInput } from './config';
import { loadConfig } from './config/validate';
import type { WorkerEnv } from './env';
import { ledgerClass, ledgerOf } from './ledger/durable-object';
import { probeClass } from './probe/durable-object';
import { createApp, type AppOptions } from './web/app';

export function createVigil(input: ConfigInput, options: AppOptions = {}) {
  const config = loadConfig(input);
  const app = createApp(config, options);
  const worker = {
    fetch: app.fetch,
    async scheduled(controller: ScheduledController, env: WorkerEnv): Promise<void> {
      const report = await ledgerOf(env).tick(controller.scheduledTime);
      console.log(JSON.stringify({ vigil: 'tick', ...report }));
    },
  } satisfies ExportedHandler<WorkerEnv>;
  return { config, worker, Ledger: ledgerClass(config), Probe: probeClass(config) };
}
