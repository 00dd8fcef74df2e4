// The heartbeat ping routes (healthchecks.io semantics):
//   GET|POST|HEAD /ping/<token>            the job succeeded
//   GET|POST|HEAD /ping/<token>/start      the job started
//   GET|POST|HEAD /ping/<token>/fail       the job failed
//   GET|POST|HEAD /ping/<token>/log        output only (changes nothing)
//   GET|POST|HEAD /ping/<token>/<0-255>    the job exited with this code (0 = success)
// `?rid=<run id>` pairs a start with its own finish when runs overlap. A POST
// body (the job's output) is kept up to 10 KB, free of every configured
// secret; the rest is read and dropped. The ledger stores each ping before
// the route answers 200; when it cannot, the answer is 503 so that
// `curl --retry` tries again. An unknown token is a plain 404 that says
// nothing about which tokens exist.

import type { Context } from 'hono';
import { configuredSecrets, redact, resolveSecrets } from '../config/secrets';
import type { Check, Config } from '../config/types';
import type { WorkerEnv } from '../env';
import { MIN_TOKEN_LENGTH } from '../kinds/heartbeat';
import { ledgerOf } from '../ledger/durable-object';
import type { Ping } from '../model/state';
import { readRequestBody } from '../net/read-body';
import { PING_BODY_MAX } from '../store/pings';
import { constantTimeEqual } from './auth';

/** A run id is what healthchecks.io accepts: a UUID, or any short token. */
const RID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
/**
 * Pings one heartbeat may send per minute to one Worker isolate before the
 * route answers 429: each ping is a Durable Object request (100,000 a day on
 * the free plan, shared with the ticks), so a job stuck in a loop must not
 * spend them. A job pings a few times per run.
 */
export const PINGS_PER_MINUTE = 30;

/**
 * Finds the heartbeat check a token belongs to, comparing every token in
 * constant time. A token shorter than MIN_TOKEN_LENGTH belongs to no check:
 * the check itself is `unknown` with it.
 */
export function heartbeatForToken(config: Config, env: Record<string, unknown>, token: string): Check | undefined {
  let found: Check | undefined;
  for (const check of config.checks) {
    if (check.kind !== 'heartbeat') continue;
    const { value, missing } = resolveSecrets(check.options as { token: unknown }, env);
    const expected = (value as { token?: string }).token;
    if (missing.length > 0 || !expected || expected.length < MIN_TOKEN_LENGTH) continue;
    if (constantTimeEqual(expected, token) && !found) found = check;
  }
  return found;
}

/** /ping/<token>[/<action>] → the ping's kind and exit code, or undefined for an unknown action. */
export function parseAction(action: string | undefined): Pick<Ping, 'kind' | 'exitCode'> | undefined {
  if (action === undefined || action === '') return { kind: 'success' };
  if (action === 'start') return { kind: 'start' };
  if (action === 'fail') return { kind: 'fail' };
  if (action === 'log') return { kind: 'log' };
  if (/^\d{1,3}$/.test(action) && Number(action) <= 255) {
    const exitCode = Number(action);
    return exitCode === 0 ? { kind: 'success', exitCode } : { kind: 'fail', exitCode };
  }
  return undefined;
}

/** Pings per heartbeat in this isolate's current minute (per Worker built from a config). */
const recentByConfig = new WeakMap<Config, Map<string, { minute: number; count: number }>>();

function overLimit(config: Config, checkId: string, now: number): boolean {
  let recent = recentByConfig.get(config);
  if (!recent) recentByConfig.set(config, (recent = new Map()));
  const minute = Math.floor(now / 60_000);
  const entry = recent.get(checkId);
  if (!entry || entry.minute !== minute) {
    if (recent.size > 1000) recent.clear();
    recent.set(checkId, { minute, count: 1 });
    return false;
  }
  entry.count++;
  return entry.count > PINGS_PER_MINUTE;
}

/** The handler for every /ping route. */
export function pingHandler(config: Config, clock: () => number) {
  return async (c: Context<{ Bindings: WorkerEnv }>) => {
    const token = c.req.param('token') ?? '';
    const action = parseAction(c.req.param('action'));
    const check = action ? heartbeatForToken(config, c.env, token) : undefined;
    // The body is consumed whatever the answer: an unread body breaks the connection for the next request.
    const body = c.req.method === 'POST' ? await readRequestBody(c.req.raw, PING_BODY_MAX) : undefined;
    c.header('cache-control', 'no-store');
    if (!check || !action) return c.json({ error: 'not found' }, 404);
    const now = clock();
    if (overLimit(config, check.id, now)) {
      c.header('retry-after', '60');
      return c.json({ error: `more than ${PINGS_PER_MINUTE} pings a minute for this heartbeat; try again in a minute` }, 429);
    }
    const ping: Ping = { at: now, ...action };
    const rid = c.req.query('rid');
    if (rid !== undefined && RID_PATTERN.test(rid)) ping.rid = rid;
    if (body?.text) ping.body = redact(body.text, configuredSecrets(config, c.env));
    if (body?.truncated) ping.truncated = true;
    try {
      await ledgerOf(c.env).ping(check.id, ping);
    } catch (error) {
      console.error(`vigil: a ping for "${check.id}" could not be stored: ${(error as Error)?.message ?? error}`);
      c.header('retry-after', '5');
      return c.json({ error: 'the ping could not be stored; try again' }, 503);
    }
    return c.text('OK\n');
  };
}
