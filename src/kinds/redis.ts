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
  'HLEN', 'HGET', 'HMGET', 'HEXISTS', 'HSTRLEN', 'XLEN', 'PFCOUNT', 'MEMORY', 'OBJECT', 'LASTSAVE',
]);
/** Subcommands allowed for the two multi-purpose commands above. */
const READ_ONLY_SUBCOMMANDS: Record<string, string[]> = { MEMORY: ['USAGE', 'STATS'], OBJECT: ['ENCODING', 'FREQ', 'IDLETIME', 'REFCOUNT'] };

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

export const redisKind: CheckKind<typeof options> = {
  options,
  sources: ['value', 'latency'],
  // One REST call per command and INFO section; TYPE then the lengths (two pipelines) for keys and queues.
  subrequests: (opts) => (opts.command || (!opts.info && !opts.keyLength && !opts.queue) ? 1 : 0) + (opts.info?.length ?? 0) + (opts.keyLength ? 2 : 0) + (opts.queue ? 2 : 0),

  describe: (opts) =>
    `redis ${opts.queue ? `queue ${opts.queue.prefix}:${opts.queue.name}` : opts.keyLength ? `length of ${opts.keyLength}` : opts.info ? `INFO ${opts.info.join(' ')}` : (opts.command ?? ['PING']).join(' ')}`,

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
      const nothingAsked = !opts.command && !opts.info && !opts.keyLength && !opts.queue;
      if (opts.command || nothingAsked) values.reply = replyValue(await redis.exec((opts.command ?? ['PING']).map(String) as [string, ...string[]]));
      for (const section of opts.info ?? []) Object.assign(values, parseInfo(String(await redis.exec(['INFO', section]))));
      if (opts.keyLength) {
        const [found] = await lengths(redis, [opts.keyLength]);
        values.type = found?.type ?? 'none';
        values.length = found?.length ?? 0;
      }
      if (opts.queue) Object.assign(values, await readQueue(redis, opts.queue));
      const latencyMs = Date.now() - started;
      values.latencyMs = latencyMs;
      // Self-hosted Redis defaults to maxmemory 0 (no limit): there is no share of it to judge.
      if (values['info:maxmemory'] === 0 && ctx.wants.some((source) => source.type === 'value' && source.key === 'info:memory_used_pct')) {
        return { reached: true, unknown: true, latencyMs, values, error: 'maxmemory is 0 (no limit), so there is no share of it to check: set maxmemory on the server, or limit used_memory with usedBytes' };
      }
      return { reached: true, latencyMs, values };
    } catch (error) {
      return { ...describeError(error, ctx, opts), latencyMs: Date.now() - started };
    }
  },
};
