// Helpers for tests running in workerd: URLs of the local servers, the sink's
// records, programmable targets, and running ticks against the test KV.

import { env } from 'cloudflare:workers';
import { inject } from 'vitest';
import type { ConfigInput } from '../../src/config';
import type { Config } from '../../src/config/types';
import { loadConfig } from '../../src/config/validate';
import { tick, type TickReport } from '../../src/engine/tick';
import { runGroupWith } from '../../src/worker';
import type { KV } from '../../src/store/kv';
import type { Recorded } from '../support/recorded';

export const MINUTE = 60_000;
/** A fixed, minute-aligned start time for scheduled ticks: 2026-11-22 10:00 UTC. */
export const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);

export const targetUrl = (path = '') => `${inject('targetUrl')}${path}`;
export const refusedUrl = () => inject('refusedUrl');
export const sinkUrl = (path = '') => `${inject('sinkUrl')}${path}`;

/** A name no other test uses (servers are shared by all test files). */
export function unique(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/** Makes `GET /p/<name>` on the target answer with this. */
export async function program(name: string, answer: { status?: number; json?: unknown; body?: string; headers?: Record<string, string>; delayMs?: number }): Promise<void> {
  const response = await fetch(targetUrl(`/__control/${name}`), { method: 'POST', body: JSON.stringify(answer) });
  if (response.status !== 204) throw new Error(`programming target ${name} failed: ${response.status}`);
}

export async function received(id: string): Promise<Recorded[]> {
  return (await (await fetch(sinkUrl(`/__sink/${id}`))).json()) as Recorded[];
}

/** Makes the sink fail the next `times` deliveries to `id`. */
export async function failNext(id: string, failure: { mode: '500' | '429' | 'hang' | '404' | 'huge'; times: number; retryAfter?: number }): Promise<void> {
  await fetch(sinkUrl(`/__sink/${id}/fail`), { method: 'POST', body: JSON.stringify(failure) });
}

export const testKV = () => (env as unknown as { VIGIL_KV: KV }).VIGIL_KV;

/**
 * A KV wrapper that looks like a freshly started isolate (no in-memory state
 * copy) and counts operations.
 */
export function freshIsolateKV(inner: KV = testKV()) {
  const counts = { reads: 0, writes: 0 };
  const kv: KV = {
    get: (key) => {
      counts.reads++;
      return inner.get(key);
    },
    put: (key, value, options) => {
      counts.writes++;
      return inner.put(key, value, options);
    },
    delete: (key) => {
      counts.writes++;
      return inner.delete(key);
    },
  };
  return { kv, counts };
}

export function config(input: ConfigInput): Config {
  return loadConfig(input);
}

/** The Worker env a test tick sees: the KV and R2 bindings, plus `secrets`. */
export function workerEnv(secrets: Record<string, string> = {}, kv: KV = testKV()): Record<string, unknown> {
  return { VIGIL_KV: kv, TEST_BACKUPS: (env as unknown as { TEST_BACKUPS: unknown }).TEST_BACKUPS, ...secrets };
}

/**
 * Runs one tick at `time` with `secrets` as the Worker env. With `fanOut`,
 * groups of checks run as CheckRunner.run runs them in another invocation
 * (same code, this env), so a pack bigger than one invocation's budget runs whole.
 */
export function runTick(cfg: Config, time: number, options: { kv?: KV; secrets?: Record<string, string>; fanOut?: boolean } = {}): Promise<TickReport> {
  const kv = options.kv ?? testKV();
  const env = workerEnv(options.secrets, kv);
  const fetcher: typeof fetch = (input, init) => fetch(input, init);
  return tick({ config: cfg, kv, env, fetch: fetcher, ...(options.fanOut ? { runGroup: runGroupWith(env, fetcher) } : {}) }, time);
}

/** Test-only infrastructure controls (stop/start scratch servers, create queues); see tests/support/control.ts. */
export async function control<T = unknown>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${inject('controlUrl')}${path}`, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) throw new Error(`control ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
