// The Worker the browser tests serve to Chromium: Vigil's own entry
// (src/worker.ts) with the scene's config, built from the env the test
// setup passes (the target server's address, the scene's time).
import { env } from 'cloudflare:workers';
import { createVigil } from '../../src/worker';
import { sceneConfig } from './scene-config';

const sceneEnv = env as unknown as { SCENE_TARGET: string; SCENE_NOW: string };
const vigil = createVigil(sceneConfig(sceneEnv.SCENE_TARGET, Number(sceneEnv.SCENE_NOW)));

export default vigil.worker;
export const Ledger = vigil.Ledger;
export const Probe = vigil.Probe;
