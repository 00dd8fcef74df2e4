// The heartbeat ping routes (healthchecks.io semantics):
//   GET|POST|HEAD /ping/<token>            the job succeeded
//   GET|POST|HEAD /ping/<token>/start      the job started
//   GET|POST|HEAD /ping/<token>/fail       the job failed
//   GET|POST|HEAD /ping/<token>/<0-255>    the job exited with this code (0 = success)
// A POST body (the job's output) is kept, cut at 10 KB. An unknown token is a
// plain 404 that says nothing about which tokens exist. Each ping costs at most
// one KV write. Writes are rate-limited, the state never is: a flood from one
// job is coalesced into writes that each carry the latest state, spread over
// the day's allowance (docs/storage.md).

import type { Context } from 'hono';
import type { Check, Config } from '../config/types';
import { resolveSecrets } from '../config/secrets';
import type { WorkerEnv } from '../env';
import { kvFrom } from '../env';
import { MIN_TOKEN_LENGTH } from '../kinds/heartbeat';
import { readBoundedBody } from '../net/read-body';
import type { KV } from '../store/kv';
import { applyPing, emptyPingRecord, PING_BODY_MAX, readPings, writeAllowedAt, writePings, writesToday, type Ping, type PingRecord } from '../store/pings';
import { constantTimeEqual } from './auth';

/**
 * Pings within this long of the last write are folded into one write at its
 * end (KV allows 1 write per second per key). It is also the longest a write
 * waits on a timer; a write the day's allowance puts later is made by the
 * first ping after its time.
 */
export const PING_COALESCE_MS = 2_000;

type PingOutcome = 'recorded' | 'coalesced' | 'held';

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
  if (/^\d{1,3}$/.test(action) && Number(action) <= 255) {
    const exitCode = Number(action);
    return exitCode === 0 ? { kind: 'success', exitCode } : { kind: 'fail', exitCode };
  }
  return undefined;
}

interface Entry {
  /** KV's copy, plus every ping this isolate has received since. */
  record: PingRecord;
  /** The record holds pings KV does not have yet. */
  dirty: boolean;
  /** When this isolate last read or wrote the key. */
  syncedAt: number;
  lastWriteAt: number;
  /** The write in progress or waiting on its timer, followed by the next one if pings arrive meanwhile. */
  writing?: Promise<void>;
  /** An unwritten ping changes what the check will say (see changesOutcome): it does not wait for the spread. */
  urgent?: boolean;
}

interface Writer {
  kv: KV;
  checkId: string;
  /** settings.pingWritesPerDay */
  perDay: number;
  clock: () => number;
}

// Per isolate and KV namespace, each recently pinged heartbeat. The map holds
// promises so that concurrent requests for a heartbeat share one KV read.
const entriesByKv = new WeakMap<object, Map<string, Promise<Entry>>>();

/**
 * The heartbeat's entry: the isolate's own while it has unwritten pings, a
 * write or a recent read; otherwise read again (another isolate may have written).
 */
function entryFor(writer: Writer, now: number): Promise<Entry> {
  let entries = entriesByKv.get(writer.kv);
  if (!entries) entriesByKv.set(writer.kv, (entries = new Map()));
  const previous = entries.get(writer.checkId) ?? Promise.resolve(undefined);
  const next = previous
    .catch(() => undefined) // a failed read is tried again
    .then((entry) => (entry && (entry.dirty || entry.writing || now - entry.syncedAt < PING_COALESCE_MS) ? entry : loadEntry(writer, now)));
  entries.set(writer.checkId, next);
  return next;
}

async function loadEntry(writer: Writer, now: number): Promise<Entry> {
  const record = (await readPings(writer.kv, writer.checkId)) ?? emptyPingRecord();
  return { record, dirty: false, syncedAt: now, lastWriteAt: 0 };
}

/** Writes the entry's record as it is now; pings that arrive during the write stay in it. True when written. */
async function writeEntry(writer: Writer, entry: Entry, at: number): Promise<boolean> {
  const snapshot = entry.record;
  const urgent = entry.urgent;
  entry.dirty = false;
  entry.urgent = false;
  entry.lastWriteAt = entry.syncedAt = at;
  try {
    const marks = await writePings(writer.kv, writer.checkId, snapshot, at, writer.perDay);
    entry.record = { ...entry.record, ...marks };
    if (marks.heldUntil !== undefined) {
      console.warn(`vigil: heartbeat "${writer.checkId}" pings faster than its ${writer.perDay} writes a day allow; newer pings are written from ${new Date(marks.heldUntil).toISOString()}`);
    }
    return true;
  } catch (error) {
    entry.dirty = true; // the next ping tries again
    entry.urgent ||= urgent;
    console.error(`vigil: writing pings of "${writer.checkId}" failed`, error);
    return false;
  }
}

interface ScheduledWrite {
  /** Resolves when this write is done (true: written). */
  written: Promise<boolean>;
  /** Resolves when this write and those it scheduled after itself are done. */
  done: Promise<void>;
  immediate: boolean;
}

/**
 * Schedules the entry's next write for the earliest time the key may be
 * written: PING_COALESCE_MS after the last write, and within the day's
 * allowance (writeAllowedAt). A time up to PING_COALESCE_MS away gets a
 * timer; a later one is left to the first ping after it (undefined). A write
 * that finds newer pings when it returns schedules the next one.
 */
function scheduleWrite(writer: Writer, entry: Entry, now: number): ScheduledWrite | undefined {
  // A failure, or a recovery, takes the next write the day has left, without waiting for the spread.
  const allowedAt = entry.urgent && writesToday(entry.record.writes, now) < writer.perDay ? now : writeAllowedAt(entry.record.writes, now, writer.perDay);
  const at = Math.max(entry.lastWriteAt + PING_COALESCE_MS, allowedAt, now);
  if (at - now > PING_COALESCE_MS) return undefined;
  const written = (at > now ? new Promise((resolve) => setTimeout(resolve, at - now)) : Promise.resolve()).then(() => writeEntry(writer, entry, at));
  const done = written.then((ok) => {
    entry.writing = undefined;
    if (ok && entry.dirty) return scheduleWrite(writer, entry, Math.max(at, writer.clock()))?.done;
  });
  entry.writing = done;
  return { written, done, immediate: at === now };
}

/** A failure, or the first success after one: what the heartbeat check says changes. */
function changesOutcome(record: PingRecord, ping: Ping): boolean {
  if (ping.kind === 'fail') return true;
  return ping.kind === 'success' && record.lastFail !== undefined && record.lastFail.at > (record.lastSuccess ?? -Infinity);
}

async function recordPing(writer: Writer, ping: Ping, waitUntil: (promise: Promise<unknown>) => void): Promise<PingOutcome> {
  const entry = await entryFor(writer, ping.at);
  if (changesOutcome(entry.record, ping)) entry.urgent = true;
  entry.record = applyPing(entry.record, ping);
  entry.dirty = true;
  // The write in progress is followed by one with this ping.
  if (entry.writing) return 'coalesced';
  const write = scheduleWrite(writer, entry, ping.at);
  if (!write) return 'held';
  waitUntil(write.done);
  if (!write.immediate) return 'coalesced';
  return (await write.written) ? 'recorded' : 'held';
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
    const writer: Writer = { kv: kvFrom(c.env), checkId: check.id, perDay: config.settings.pingWritesPerDay, clock };
    const outcome = await recordPing(writer, ping, waitUntil);
    c.header('cache-control', 'no-store');
    c.header('x-vigil-ping', outcome);
    return c.text('OK\n');
  };
}
