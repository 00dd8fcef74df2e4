// The heartbeat ping routes (healthchecks.io semantics):
//   GET|POST|HEAD /ping/<token>            the job succeeded
//   GET|POST|HEAD /ping/<token>/start      the job started
//   GET|POST|HEAD /ping/<token>/fail       the job failed
//   GET|POST|HEAD /ping/<token>/<0-255>    the job exited with this code (0 = success)
// A POST body (the job's output) is kept, cut at 10 KB. An unknown token is a
// plain 404 that says nothing about which tokens exist. Each ping costs at most
// one KV write; a flood from one job is coalesced into one write every few
// seconds with the latest state, and capped per day (docs/storage.md).

import type { Context } from 'hono';
import type { Check, Config } from '../config/types';
import { resolveSecrets } from '../config/secrets';
import type { WorkerEnv } from '../env';
import { kvFrom } from '../env';
import { readBoundedBody } from '../kinds/read-body';
import type { KV } from '../store/kv';
import { applyPing, changesOutcome, emptyPingRecord, PING_BODY_MAX, readPings, writePings, writesToday, type Ping, type PingRecord } from '../store/pings';
import { constantTimeEqual } from './auth';

/** Pings within this long of the last write are folded into one deferred write (KV allows 1 write per second per key). */
export const PING_COALESCE_MS = 2_000;

type PingOutcome = 'recorded' | 'coalesced' | 'capped';

/** Finds the heartbeat check a token belongs to, comparing every token in constant time. */
export function heartbeatForToken(config: Config, env: Record<string, unknown>, token: string): Check | undefined {
  let found: Check | undefined;
  for (const check of config.checks) {
    if (check.kind !== 'heartbeat') continue;
    const { value, missing } = resolveSecrets(check.options as { token: unknown }, env);
    const expected = (value as { token?: string }).token;
    if (missing.length > 0 || !expected) continue;
    if (constantTimeEqual(expected, token) && !found) found = check;
  }
  return found;
}

/** /ping/<token>[/<action>] → the ping's kind and exit code, or undefined for an unknown action. */
export function parseAction(action: string | undefined): Pick<Ping, 'kind' | 'exitCode'> | undefined {
  if (action === undefined || action === '') return { kind: 'success' };
  if (action === 'start') return { kind: 'start' };
  if (action === 'fail') return { kind: 'fail' };
  if (/^\d{1,3}$/.test(action) && Number(action) <= 255) {
    const exitCode = Number(action);
    return exitCode === 0 ? { kind: 'success', exitCode } : { kind: 'fail', exitCode };
  }
  return undefined;
}

interface Pending {
  record: PingRecord;
  lastWriteAt: number;
  flushing?: Promise<void>;
}

// Per isolate: the latest record of each heartbeat pinged in the last few seconds.
const pendingByKv = new WeakMap<object, Map<string, Pending>>();

async function recordPing(kv: KV, checkId: string, ping: Ping, now: number, cap: number, waitUntil: (promise: Promise<unknown>) => void): Promise<PingOutcome> {
  let pending = pendingByKv.get(kv);
  if (!pending) pendingByKv.set(kv, (pending = new Map()));
  let entry = pending.get(checkId);
  if (!entry || (!entry.flushing && now - entry.lastWriteAt >= PING_COALESCE_MS)) {
    entry = { record: (await readPings(kv, checkId)) ?? emptyPingRecord(), lastWriteAt: entry?.lastWriteAt ?? 0 };
    pending.set(checkId, entry);
  }
  const important = changesOutcome(entry.record, ping);
  entry.record = applyPing(entry.record, ping);
  const used = writesToday(entry.record, now);
  if (used >= cap && !(important && used < 2 * cap)) {
    console.warn(`vigil: heartbeat "${checkId}" reached ${cap} ping writes today; keeping only pings that change its outcome`);
    return 'capped';
  }
  if (now - entry.lastWriteAt >= PING_COALESCE_MS && !entry.flushing) {
    entry.lastWriteAt = now;
    entry.record = await writePings(kv, checkId, entry.record, now);
    return 'recorded';
  }
  if (!entry.flushing) {
    const current = entry;
    const wait = Math.max(0, PING_COALESCE_MS - (now - current.lastWriteAt));
    current.flushing = new Promise<void>((resolve) => setTimeout(resolve, wait))
      .then(async () => {
        current.lastWriteAt = now + wait;
        current.record = await writePings(kv, checkId, current.record, now + wait);
      })
      .catch((error) => console.error(`vigil: writing pings of "${checkId}" failed`, error))
      .finally(() => {
        delete current.flushing;
      });
    waitUntil(current.flushing);
  }
  return 'coalesced';
}

/** The handler for every /ping route. */
export function pingHandler(config: Config, clock: () => number) {
  return async (c: Context<{ Bindings: WorkerEnv }>) => {
    const token = c.req.param('token') ?? '';
    const action = parseAction(c.req.param('action'));
    const check = action ? heartbeatForToken(config, c.env, token) : undefined;
    if (!check || !action) return c.json({ error: 'not found' }, 404);

    const now = clock();
    const ping: Ping = { at: now, ...action };
    if (c.req.method === 'POST' && c.req.raw.body) {
      const body = await readBoundedBody(c.req.raw, PING_BODY_MAX);
      if (body.text) ping.body = body.text;
      if (body.truncated) ping.truncated = true;
    }
    const waitUntil = (promise: Promise<unknown>) => {
      try {
        c.executionCtx.waitUntil(promise);
      } catch {
        // No execution context (a direct call in a test): the promise still runs.
      }
    };
    const outcome = await recordPing(kvFrom(c.env), check.id, ping, now, config.settings.pingWritesPerDay, waitUntil);
    c.header('cache-control', 'no-store');
    c.header('x-vigil-ping', outcome);
    return c.text('OK\n');
  };
}
