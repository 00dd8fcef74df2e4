// Redis helpers for tests in workerd: the REST endpoints from the test setup,
// and raw commands for setting up conditions (writes are fine here; checks can't).
import { inject } from 'vitest';

export function redisSecrets(): Record<string, string> {
  const redis = inject('redis');
  return { UPSTASH_REDIS_REST_URL: redis.restUrl, UPSTASH_REDIS_REST_TOKEN: redis.token, SCRATCH_REDIS_REST_URL: redis.scratchRestUrl };
}

/** Sends one command to a REST endpoint (the shim), as an operator's app would. */
export async function restCommand(command: Array<string | number>, url = inject('redis').restUrl): Promise<unknown> {
  const response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${inject('redis').token}` }, body: JSON.stringify(command) });
  const body = (await response.json()) as { result?: unknown; error?: string };
  if (body.error) throw new Error(body.error);
  return body.result;
}

export const seededQueues = () => inject('redis').queues;
