// Redis check through @upstash/redis (the Upstash REST protocol): PING, any
// read-only command from an allow-list, INFO fields with derived ratios, a
// key's length whatever its type, and Bull/BullMQ queue counts.

import { Redis, type Requester, type UpstashRequest, type UpstashResponse } from '@upstash/redis/cloudflare';
import * as z from 'zod';
import type { Observed, Value } from '../assert/types';
import { toValue } from '../assert/sources';
import { redact, secretRefSchema, stringOrSecret, type Resolved } from '../config/secrets';
import { readBoundedBody } from '../net/read-body';
import type { CheckKind, Observation, RunContext } from './types';

/** A REST answer larger than this is not a Redis reply a check needs (INFO is a few KB). */
const MAX_REST_BODY = 1024 * 1024;

/** A non-2xx answer from the REST endpoint, with its status (the client library keeps only the text). */
class RestStatusError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(`HTTP ${status}${detail ? `: ${detail}` : ''}`);
    this.name = 'RestStatusError';
  }
}

/** A 2xx answer that is not JSON: something else than an Upstash REST endpoint answered. */
class RestJsonError extends Error {
  constructor(readonly preview: string) {
    super(`not JSON: ${preview}`);
    this.name = 'RestJsonError';
  }
}

/**
 * The Upstash REST protocol (POST <url>[/pipeline], Bearer token, JSON
 * replies) over the check's own fetch and signal, keeping each answer's
 * status so an outage reads "answered 503" rather than the library's text.
 */
function restRequester(baseUrl: string, token: string, ctx: RunContext): Requester {
  return {
    async request<TResult>(req: UpstashRequest): Promise<UpstashResponse<TResult>> {
      const url = [baseUrl.replace(/\/$/, ''), ...(req.path ?? [])].join('/');
      const response = await ctx.fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(req.body), signal: ctx.signal });
      const { text } = await readBoundedBody(response, MAX_REST_BODY);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        if (!response.ok) throw new RestStatusError(response.status, text.trim().slice(0, 200));
        throw new RestJsonError(text.trim().slice(0, 60));
      }
      if (!response.ok) throw new RestStatusError(response.status, String((parsed as { error?: unknown })?.error ?? '').slice(0, 500));
      return parsed as UpstashResponse<TResult>;
    },
  };
}

/**
 * Commands a check may run: they only read. Anything else (SET, DEL, FLUSHALL,
 * EVAL, KEYS ...) is a config error.
 */
export const READ_ONLY_COMMANDS = new Set([
  'PING', 'ECHO', 'TIME', 'DBSIZE', 'INFO', 'EXISTS', 'TYPE', 'TTL', 'PTTL', 'STRLEN', 'GET', 'MGET', 'GETRANGE',
  'LLEN', 'LINDEX', 'LRANGE', 'SCARD', 'SISMEMBER', 'SMISMEMBER', 'ZCARD', 'ZCOUNT', 'ZSCORE', 'ZRANK', 'ZREVRANK', 'ZRANGE',
  'HLEN', 'HGET', 'HMGET', 'HEXISTS', 'HSTRLEN', 'XLEN', 'XPENDING', 'XINFO', 'PFCOUNT', 'MEMORY', 'OBJECT', 'LASTSAVE', 'SLOWLOG',
]);
/** Subcommands allowed for the multi-purpose commands above (SLOWLOG RESET writes; KEYS and SCAN are the `keys` option's job). */
const READ_ONLY_SUBCOMMANDS: Record<string, string[]> = {
  MEMORY: ['USAGE', 'STATS'],
  OBJECT: ['ENCODING', 'FREQ', 'IDLETIME', 'REFCOUNT'],
  SLOWLOG: ['LEN', 'GET'],
  XINFO: ['STREAM', 'GROUPS', 'CONSUMERS'],
};

/**
 * SCAN calls one `keys` count may make: each is a REST request (a subrequest;
 * a free-plan invocation has 50 for all its checks). With COUNT 1000 that
 * examines about 10,000 keys; past it the count is reported as "at least".
 */
export const MAX_SCAN_CALLS = 10;
export const DEFAULT_SCAN_COUNT = 1000;
/** Matching keys counted before stopping ("at least N"). */
export const DEFAULT_KEY_CAP = 10_000;
/** SLOWLOG entries listed in the report. */
export const DEFAULT_SLOWLOG_TOP = 5;
const SLOWLOG_ARG_CHARS = 60;

export const INFO_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'keyspace'] as const;

/** The structures Bull and BullMQ keep per queue, by the name each count is reported under. */
const QUEUE_KEYS = {
  wait: 'wait',
  prioritized: 'prioritized',
  active: 'active',
  paused: 'paused',
  delayed: 'delayed',
  completed: 'completed',
  failed: 'failed',
  waitingChildren: 'waiting-children',
} as const;

const options = z.strictObject({
  /** The REST URL (UPSTASH_REDIS_REST_URL). */
  url: stringOrSecret,
  /** The REST token (UPSTASH_REDIS_REST_TOKEN), always a secret. */
  token: secretRefSchema,
  /** A read-only command: ['LLEN', 'bull:email:wait']. Without any of these options the check runs PING. */
  command: z.array(z.union([z.string(), z.number()])).min(1).optional(),
  /** INFO sections to read: fields become values as info:<field>. */
  info: z.array(z.enum(INFO_SECTIONS)).min(1).optional(),
  /** A key whose length to read with the command its TYPE needs (LLEN, ZCARD, SCARD, HLEN, XLEN, STRLEN). */
  keyLength: z.string().min(1).optional(),
  /**
   * Count the keys matching a pattern with SCAN (never KEYS), at most `cap`
   * matches and MAX_SCAN_CALLS calls of `count` keys each: value('keys'),
   * reported as "at least N" when a bound stops it before the end.
   */
  keys: z
    .strictObject({
      match: z.string().min(1),
      cap: z.number().int().min(1).max(1_000_000).default(DEFAULT_KEY_CAP),
      count: z.number().int().min(10).max(10_000).default(DEFAULT_SCAN_COUNT),
      /** Only keys of this type (SCAN ... TYPE, Redis 6+). */
      type: z.enum(['string', 'list', 'set', 'zset', 'hash', 'stream']).optional(),
    })
    .optional(),
  /** SLOWLOG LEN as value('slowlog_len'), the longest of the top entries as value('slowlog_max_ms'), and the top entries in the report. */
  slowlog: z.strictObject({ top: z.number().int().min(0).max(20).default(DEFAULT_SLOWLOG_TOP) }).optional(),
  /** A stream's length (XLEN) as value('length'), and with a consumer group its pending count (XPENDING) as value('pending') and the oldest pending message's age as value('oldest_pending_s'). */
  stream: z.strictObject({ key: z.string().min(1), group: z.string().min(1).optional() }).optional(),
  /** A Bull or BullMQ queue: waiting, active, delayed, completed, failed, paused counts. */
  queue: z
    .strictObject({
      name: z.string().min(1),
      prefix: z.string().min(1).default('bull'),
      library: z.enum(['bullmq', 'bull']).default('bullmq'),
    })
    .optional(),
});

type Options = Resolved<z.output<typeof options>>;

function commandProblem(command: Array<string | number>): string | undefined {
  const name = String(command[0]).toUpperCase();
  if (!READ_ONLY_COMMANDS.has(name)) return `command "${name}" is not allowed: checks only read (allowed: ${[...READ_ONLY_COMMANDS].join(', ')})`;
  const allowed = READ_ONLY_SUBCOMMANDS[name];
  if (allowed && !allowed.includes(String(command[1] ?? '').toUpperCase())) return `${name} ${String(command[1] ?? '')} is not allowed: only ${allowed.map((sub) => `${name} ${sub}`).join(', ')}`;
  return undefined;
}

function replyValue(reply: unknown): Observed {
  if (Array.isArray(reply)) return reply.map((item) => toValue(item));
  return toValue(reply);
}

/** INFO text → info:<field> values, numbers as numbers; keyspace lines become info:db0.keys etc. */
export function parseInfo(text: string): Record<string, Value> {
  const values: Record<string, Value> = {};
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const separator = line.indexOf(':');
    if (separator < 1) continue;
    const field = line.slice(0, separator);
    const raw = line.slice(separator + 1).trim();
    if (/^db\d+$/.test(field)) {
      for (const part of raw.split(',')) {
        const [key, value] = part.split('=');
        if (key && value !== undefined) values[`info:${field}.${key}`] = Number(value);
      }
      continue;
    }
    values[`info:${field}`] = raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  const used = values['info:used_memory'];
  const max = values['info:maxmemory'];
  if (typeof used === 'number' && typeof max === 'number' && max > 0) values['info:memory_used_pct'] = Math.round((used / max) * 10_000) / 100;
  const hits = values['info:keyspace_hits'];
  const misses = values['info:keyspace_misses'];
  if (typeof hits === 'number' && typeof misses === 'number' && hits + misses > 0) values['info:keyspace_hit_pct'] = Math.round((hits / (hits + misses)) * 10_000) / 100;
  return values;
}

type LengthMethod = 'llen' | 'zcard' | 'scard' | 'hlen' | 'xlen' | 'strlen';
const LENGTH_BY_TYPE: Record<string, LengthMethod> = { list: 'llen', zset: 'zcard', set: 'scard', hash: 'hlen', stream: 'xlen', string: 'strlen' };

/** Reads the TYPE of each key, then each length with the command that type needs: two round trips. */
async function lengths(redis: Redis, keys: string[]): Promise<Array<{ type: string; length: number }>> {
  const types = redis.pipeline();
  for (const key of keys) types.type(key);
  const found = (await types.exec()) as string[];
  const counts = redis.pipeline();
  const asked: number[] = [];
  found.forEach((type, index) => {
    const method = LENGTH_BY_TYPE[type];
    if (!method) return;
    asked.push(index);
    counts[method](keys[index] as string);
  });
  const results = asked.length > 0 ? ((await counts.exec()) as number[]) : [];
  return found.map((type, index) => {
    const at = asked.indexOf(index);
    return { type, length: at >= 0 ? Number(results[at] ?? 0) : 0 };
  });
}

async function readQueue(redis: Redis, queue: NonNullable<Options['queue']>): Promise<Record<string, Observed>> {
  const names = Object.keys(QUEUE_KEYS) as Array<keyof typeof QUEUE_KEYS>;
  const base = `${queue.prefix}:${queue.name}`;
  const found = await lengths(redis, names.map((name) => `${base}:${QUEUE_KEYS[name]}`));
  const count = Object.fromEntries(names.map((name, index) => [name, found[index]?.length ?? 0])) as Record<keyof typeof QUEUE_KEYS, number>;
  // BullMQ keeps prioritized jobs outside the wait list; Bull's priority set mirrors the wait list.
  const waiting = count.wait + (queue.library === 'bullmq' ? count.prioritized : 0);
  const total = waiting + count.active + count.delayed + count.paused + count.completed + count.failed;
  const values: Record<string, Observed> = {
    waiting,
    active: count.active,
    delayed: count.delayed,
    paused: count.paused,
    completed: count.completed,
    failed: count.failed,
  };
  if (queue.library === 'bullmq') values.waitingChildren = count.waitingChildren;
  if (total === 0) values.empty = true;
  return values;
}

/** Counts keys matching a pattern with SCAN, within the check's bounds. */
async function countKeys(redis: Redis, keys: NonNullable<Options['keys']>): Promise<{ count: number; complete: boolean; calls: number }> {
  const seen = new Set<string>();
  let cursor = '0';
  let calls = 0;
  do {
    const command = ['SCAN', cursor, 'MATCH', keys.match, 'COUNT', String(keys.count), ...(keys.type ? ['TYPE', keys.type] : [])];
    const [next, found] = (await redis.exec(command as [string, ...string[]])) as [string | number, string[]];
    calls++;
    cursor = String(next);
    // SCAN may return a key twice (the table can be rehashed between calls).
    for (const key of found) {
      seen.add(key);
      if (seen.size >= keys.cap) return { count: seen.size, complete: false, calls };
    }
  } while (cursor !== '0' && calls < MAX_SCAN_CALLS);
  return { count: seen.size, complete: cursor === '0', calls };
}

type SlowlogEntry = [id: number, at: number, micros: number, args: string[], client?: string, name?: string];

/** `#12 05:01:07 UTC 15.2 ms: HGETALL user:…`: the command and its first argument only (values may be private), cut short. */
function slowlogLine(entry: SlowlogEntry): string {
  const [id, at, micros, args] = entry;
  const [name = '?', first] = (args ?? []).map(String);
  const shown = first === undefined ? '' : ` ${first.length > SLOWLOG_ARG_CHARS ? `${first.slice(0, SLOWLOG_ARG_CHARS)}…` : first}`;
  const more = (args?.length ?? 0) > 2 ? ` (+${(args?.length ?? 0) - 2} args)` : '';
  return `#${id} ${new Date(Number(at) * 1000).toISOString().slice(0, 19).replace('T', ' ')} UTC ${Math.round(Number(micros) / 100) / 10} ms: ${name.toUpperCase()}${shown}${more}`;
}

/** XLEN, and with a group its XPENDING summary: count, and the oldest pending entry's age (its id starts with its ms timestamp). */
async function readStream(redis: Redis, stream: NonNullable<Options['stream']>, now: number): Promise<{ values: Record<string, Observed>; details: string[] }> {
  const values: Record<string, Observed> = { length: Number(await redis.exec(['XLEN', stream.key])) };
  const details: string[] = [];
  if (stream.group) {
    const [pending, oldest, , consumers] = (await redis.exec(['XPENDING', stream.key, stream.group])) as [number | string, string | null, string | null, Array<[string, string | number]> | null];
    values.pending = Number(pending);
    const oldestMs = oldest ? Number(String(oldest).split('-')[0]) : Number.NaN;
    values.oldest_pending_s = Number.isFinite(oldestMs) ? Math.max(0, Math.round((now - oldestMs) / 1000)) : 0;
    for (const [consumer, count] of consumers ?? []) details.push(`${stream.group}/${consumer}: ${count} pending`);
  }
  return { values, details };
}

/**
 * Errors from Redis (they start with an error code) that mean the service
 * refused to work (a plan's request limit, out of memory, still loading),
 * rather than that this command is wrong for this data.
 */
const SERVICE_REFUSED = /^(ERR max .*(limit|exceeded)|OOM|LOADING|BUSY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|NOREPLICAS)\b/i;

/**
 * A short cause for the alert (`Redis REST endpoint answered 503`), with what
 * the endpoint or the library said kept in `raw` for the CLI.
 */
function describeError(error: unknown, ctx: RunContext, opts: Options): Observation {
  // Redacted here as well as by the engine: a proxy's error may quote the URL or token.
  const message = redact(error instanceof Error ? error.message : String(error), [opts.token, opts.url]);
  const detail = error instanceof RestStatusError ? redact(error.detail, [opts.token, opts.url]) : message.replace(/, command was:.*/s, '');
  const base = { latencyMs: 0, values: {}, raw: message };
  if (ctx.signal.aborted) return { ...base, reached: false, retryable: true, error: `timed out after ${Math.round(ctx.timeoutMs / 1000)}s` };
  const status = error instanceof RestStatusError ? error.status : undefined;
  if (status === 401 || status === 403 || /Unauthorized|WRONGPASS|NOAUTH|invalid password/i.test(detail)) {
    return { ...base, reached: false, error: `authentication failed: check the REST token${detail ? ` (${detail})` : ''}` };
  }
  if (error instanceof RestJsonError || (error instanceof Error && error.name === 'UpstashJSONParseError')) {
    return { ...base, reached: false, error: 'the REST endpoint did not answer JSON: is url the Upstash REST URL (https://...upstash.io)?' };
  }
  if (SERVICE_REFUSED.test(detail)) return { ...base, reached: false, error: `Redis refused to serve: ${detail}` };
  // Other errors from Redis start with an error code (ERR, WRONGTYPE, NOPERM ...): the command is
  // wrong for this data, so the check cannot be evaluated.
  const redisError = /^(Command \d+ \[ \w+ \] failed: )?([A-Z][A-Z_]+\s.*)$/s.exec(detail);
  if (redisError && (status === undefined || status < 500)) return { ...base, reached: true, unknown: true, error: `Redis refused the command: ${redisError[2]}` };
  if (status !== undefined) return { ...base, reached: false, retryable: status >= 500, error: `Redis REST endpoint answered ${status}` };
  return { ...base, reached: false, retryable: true, error: `could not reach the REST endpoint: ${message}` };
}

function nothingAsked(opts: Pick<z.output<typeof options>, 'command' | 'info' | 'keyLength' | 'queue' | 'keys' | 'slowlog' | 'stream'>): boolean {
  return !opts.command && !opts.info && !opts.keyLength && !opts.queue && !opts.keys && !opts.slowlog && !opts.stream;
}

export const redisKind: CheckKind<typeof options> = {
  options,
  sources: ['value', 'latency'],
  // One REST call per command and INFO section; TYPE then the lengths (two pipelines) for keys and queues.
  // SCAN at most MAX_SCAN_CALLS times; SLOWLOG LEN and GET; XLEN and XPENDING.
  subrequests: (opts) =>
    (opts.command || nothingAsked(opts) ? 1 : 0) + (opts.info?.length ?? 0) + (opts.keyLength ? 2 : 0) + (opts.queue ? 2 : 0) + (opts.keys ? MAX_SCAN_CALLS : 0) + (opts.slowlog ? 2 : 0) + (opts.stream ? (opts.stream.group ? 2 : 1) : 0),

  describe: (opts) =>
    `redis ${opts.queue ? `queue ${opts.queue.prefix}:${opts.queue.name}` : opts.keyLength ? `length of ${opts.keyLength}` : opts.keys ? `keys ${opts.keys.match}` : opts.slowlog ? 'SLOWLOG' : opts.stream ? `stream ${opts.stream.key}` : opts.info ? `INFO ${opts.info.join(' ')}` : (opts.command ?? ['PING']).join(' ')}`,

  validate(opts) {
    const problems: Array<[string, string]> = [];
    if (opts.command) {
      const problem = commandProblem(opts.command);
      if (problem) problems.push(['command', problem]);
    }
    return problems;
  },

  async run(opts, ctx): Promise<Observation> {
    const started = Date.now();
    if (!/^https?:\/\//i.test(opts.url)) return { reached: false, unknown: true, latencyMs: 0, values: {}, error: 'option url is not an http(s) URL (the Upstash REST URL)' };
    // One attempt (the engine retries), raw replies, no telemetry headers, no automatic batching;
    // requests go through the check's fetch and signal (restRequester).
    const redis = new Redis({ url: opts.url, token: opts.token, retry: false, signal: ctx.signal, automaticDeserialization: false, enableTelemetry: false, enableAutoPipelining: false });
    (redis as unknown as { client: Requester }).client = restRequester(opts.url, opts.token, ctx);
    try {
      const values: Record<string, Observed> = {};
      const details: string[] = [];
      const atLeast: string[] = [];
      if (opts.command || nothingAsked(opts)) values.reply = replyValue(await redis.exec((opts.command ?? ['PING']).map(String) as [string, ...string[]]));
      for (const section of opts.info ?? []) Object.assign(values, parseInfo(String(await redis.exec(['INFO', section]))));
      if (opts.keyLength) {
        const [found] = await lengths(redis, [opts.keyLength]);
        values.type = found?.type ?? 'none';
        values.length = found?.length ?? 0;
      }
      if (opts.queue) Object.assign(values, await readQueue(redis, opts.queue));
      if (opts.keys) {
        const counted = await countKeys(redis, opts.keys);
        values.keys = counted.count;
        values.keys_complete = counted.complete;
        if (!counted.complete) {
          atLeast.push('keys');
          const why = counted.count >= opts.keys.cap ? `the cap of ${opts.keys.cap} matches` : `${counted.calls} SCAN calls of COUNT ${opts.keys.count}`;
          details.push(`at least ${counted.count} keys match ${opts.keys.match} (counting stopped at ${why})`);
        }
      }
      if (opts.slowlog) {
        values.slowlog_len = Number(await redis.exec(['SLOWLOG', 'LEN']));
        const entries = opts.slowlog.top > 0 ? ((await redis.exec(['SLOWLOG', 'GET', String(opts.slowlog.top)])) as SlowlogEntry[]) : [];
        values.slowlog_max_ms = entries.reduce((max, entry) => Math.max(max, Number(entry[2]) / 1000), 0);
        details.push(...entries.map(slowlogLine));
      }
      if (opts.stream) {
        const stream = await readStream(redis, opts.stream, ctx.now);
        Object.assign(values, stream.values);
        details.push(...stream.details);
      }
      const latencyMs = Date.now() - started;
      values.latencyMs = latencyMs;
      // Self-hosted Redis defaults to maxmemory 0 (no limit): there is no share of it to judge.
      if (values['info:maxmemory'] === 0 && ctx.wants.some((source) => source.type === 'value' && source.key === 'info:memory_used_pct')) {
        return { reached: true, unknown: true, latencyMs, values, error: 'maxmemory is 0 (no limit), so there is no share of it to check: set maxmemory on the server, or limit used_memory with usedBytes' };
      }
      const observation: Observation = { reached: true, latencyMs, values };
      if (details.length > 0) observation.details = details.slice(0, 20);
      if (atLeast.length > 0) observation.atLeast = atLeast;
      return observation;
    } catch (error) {
      return { ...describeError(error, ctx, opts), latencyMs: Date.now() - started };
    }
  },
};
