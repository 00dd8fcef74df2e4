// Runs one check once through the engine's runner and judge, as a tick would.
import { judge } from '../../src/assert/judge';
import type { CheckInput } from '../../src/config';
import { redact } from '../../src/config/secrets';
import { runCheck } from '../../src/engine/runner';
import { config, T0 } from './index';

export async function runOnce(check: CheckInput, secrets: Record<string, unknown> = {}, memory?: Record<string, unknown>, now = T0) {
  const [loaded] = config({ checks: [check] }).checks;
  if (!loaded) throw new Error('no check');
  const started = Date.now();
  const result = await runCheck(loaded, memory, { fetch: (input, init) => fetch(input, init), env: secrets, now, deadline: Date.now() + 40_000 });
  const judgement = judge(loaded.expect, result.observation, undefined, now);
  return { ...result, judgement, message: redact(judgement.message, result.secrets), elapsedMs: Date.now() - started };
}
