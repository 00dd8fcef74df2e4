// Runs one check once through the engine's runner and judge, as a tick would.
import { judge } from '../../src/assert/judge';
import type { CheckInput } from '../../src/config';
import { redact } from '../../src/config/secrets';
import { runCheck } from '../../src/engine/runner';
import type { PingRecord } from '../../src/model/state';
import { config, T0 } from './index';

/** `pings`: what the ledger would hold for heartbeat checks (they run in the ledger and read it). */
export async function runOnce(check: CheckInput, secrets: Record<string, unknown> = {}, memory?: Record<string, unknown>, now = T0, pings: Record<string, PingRecord> = {}) {
  const [loaded] = config({ checks: [check] }).checks;
  if (!loaded) throw new Error('no check');
  const started = Date.now();
  const result = await runCheck(loaded, memory, { fetch: (input, init) => fetch(input, init), env: secrets, now, deadline: Date.now() + 40_000, pings: (id) => pings[id] });
  const judgement = judge(loaded.expect, result.observation, undefined, now);
  return { ...result, judgement, message: redact(judgement.message, result.secrets), elapsedMs: Date.now() - started };
}
