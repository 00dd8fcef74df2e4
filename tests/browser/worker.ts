// The Worker the browser tests serve to Chromium: Vigil's own entry
// (src/worker.ts) with the scene's config, built from the env the test
// setup passes (the target server's address, the scene's time). One
// test-only route, /__scene/clock?t=<ms>, sets the clock requests see, so the
// setup can send the nightly backup's pings at simulated times; without t the
// real clock is back.
import { env } from 'cloudflare:workers';
import { createVigil } from '../../src/worker';
import type { WorkerEnv } from '../../src/env';
import { sceneConfig } from './scene-config';

const sceneEnv = env as unknown as { SCENE_TARGET: string; SCENE_NOW: string };
let simulated: number | undefined;
const vigil = createVigil(sceneConfig(sceneEnv.SCENE_TARGET, Number(sceneEnv.SCENE_NOW)), { now: () => simulated ?? Date.now() });

export default {
  fetch(request: Request, workerEnv: WorkerEnv, ctx: ExecutionContext) {
    const url = new URL(request.url);
    if (url.pathname === '/__scene/clock') {
      const time = Number(url.searchParams.get('t'));
      simulated = Number.isFinite(time) && time > 0 ? time : undefined;
      return new Response(null, { status: 204 });
    }
    return vigil.worker.fetch(request, workerEnv, ctx);
  },
  scheduled: vigil.worker.scheduled,
} satisfies ExportedHandler<WorkerEnv>;
export const Ledger = vigil.Ledger;
export const Probe = vigil.Probe;
