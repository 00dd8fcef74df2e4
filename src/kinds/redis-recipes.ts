// Built-in Redis recipes over the Upstash REST protocol (R21–R23):
//   upstash.ping({ id: 'redis', url: secret('UPSTASH_REDIS_REST_URL'), token: secret('UPSTASH_REDIS_REST_TOKEN') })

import { info, reply, value, withHysteresis, type Expectation, type Levels } from '../assert/builders';
import { atMost, levels } from './recipe-levels';
import type { CheckInput } from '../config';
import { recipeName } from './recipe-name';

type RedisInput = Extract<CheckInput, { kind: 'redis' }>;

export type RedisRecipeBase = Omit<RedisInput, 'kind' | 'command' | 'info' | 'keyLength' | 'queue' | 'keys' | 'slowlog' | 'stream' | 'expect' | 'name'> & {
  name?: string;
  expect?: Expectation[];
  /** Hysteresis in % on the recipe's thresholds, for a value that hovers at one (memory, a queue's length): see `.hysteresis()`. */
  hysteresis?: number;
};



function build(base: RedisRecipeBase, name: string, check: Partial<RedisInput>, expect: Expectation[]): RedisInput {
  const { expect: extra = [], name: given, hysteresis, ...rest } = base;
  return { kind: 'redis', ...rest, ...check, name: given ?? recipeName(name, rest.id), expect: [...withHysteresis(expect, hysteresis), ...extra] } as RedisInput;
}

type Count = number | Levels;

export const upstash = {
  /** R21: Redis answers PING with PONG. */
  ping(base: RedisRecipeBase) {
    return build(base, 'Redis', { command: ['PING'] }, [reply().eq('PONG')]);
  },

  /**
   * R22: a Bull or BullMQ queue's jobs by state. By default new failures are
   * the alarm (failed jobs stay in the failed set, so the count alone only
   * grows): degraded when `failed` grew within `newFailures.window` (1h).
   * `failed`, `waiting`, `active`, `delayed` set "at most" limits on the counts.
   */
  queue(
    base: RedisRecipeBase & {
      queue: string;
      prefix?: string;
      library?: 'bullmq' | 'bull';
      failed?: Count;
      waiting?: Count;
      active?: Count;
      delayed?: Count;
      newFailures?: { window?: string; max?: Count } | false;
    },
  ) {
    const { queue, prefix = 'bull', library = 'bullmq', failed, waiting, active, delayed, newFailures = {}, ...rest } = base;
    const expect: Expectation[] = [];
    const limit = (state: string, count: Count | undefined) => {
      if (count !== undefined) expect.push(value(state).label(`${queue} ${state} jobs`).below(atMost(count, {})));
    };
    limit('failed', failed);
    limit('waiting', waiting);
    limit('active', active);
    limit('delayed', delayed);
    if (newFailures) {
      const window = newFailures.window ?? '1h';
      expect.push(value('failed').label(`${queue} failed jobs`).change(window).below(atMost(newFailures.max, { warn: 0 })));
    }
    return build(rest, `Queue ${queue}`, { queue: { name: queue, prefix, library } }, expect);
  },

  /** R23: memory used, as % of maxmemory (default: degraded at 80%, down at 90%) and/or in bytes. */
  memory(base: RedisRecipeBase & { usedPct?: number | Levels; usedBytes?: number | Levels }) {
    const { usedPct, usedBytes, ...rest } = base;
    const expect: Expectation[] = [];
    if (usedBytes !== undefined) expect.push(info('used_memory').label('used memory').unit('bytes').below(levels(usedBytes, {})));
    if (usedPct !== undefined || usedBytes === undefined) expect.push(info('memory_used_pct').label('memory used of maxmemory').unit('%').below(levels(usedPct, { warn: 80, crit: 90 })));
    return build(rest, 'Redis memory', { info: ['memory', 'stats'] }, expect);
  },

  /** R23: keyspace hit ratio in % (the runbook aims for > 90%, alerts under 80%). */
  hitRatio(base: RedisRecipeBase & { above?: number | Levels }) {
    const { above, ...rest } = base;
    return build(rest, 'Redis cache hit ratio', { info: ['stats'] }, [info('keyspace_hit_pct').label('keyspace hit ratio').unit('%').above(levels(above, { warn: 90, crit: 80 }))]);
  },

  /**
   * How many keys match a pattern (SCAN, never KEYS), at most `max`:
   * `upstash.keyCount({ ..., match: 'session:*', max: { warn: 50_000 } })`. Counting
   * stops at `cap` matches (default 10,000, keep it above `max`) or 10 SCAN calls of
   * `count` keys; then the count is a lower bound, shown as "at least N".
   */
  keyCount(base: RedisRecipeBase & { match: string; max?: Count; cap?: number; count?: number; type?: 'string' | 'list' | 'set' | 'zset' | 'hash' | 'stream' }) {
    const { match, max, cap, count, type, ...rest } = base;
    const keys: NonNullable<RedisInput['keys']> = { match };
    if (cap !== undefined) keys.cap = cap;
    if (count !== undefined) keys.count = count;
    if (type !== undefined) keys.type = type;
    return build(rest, `Keys ${match}`, { keys }, max === undefined ? [] : [value('keys').label(`keys matching ${match}`).below(atMost(max, {}))]);
  },

  /**
   * SLOWLOG: how many commands were slower than the server's
   * slowlog-log-slower-than since the log was last reset (at most `max`,
   * default warn above 0 new ones within `window` '1h'), with the `top` slowest in the report.
   */
  slowlog(base: RedisRecipeBase & { top?: number; max?: Count; newEntries?: { window?: string; max?: Count } | false }) {
    const { top, max, newEntries = {}, ...rest } = base;
    const expect: Expectation[] = [];
    if (max !== undefined) expect.push(value('slowlog_len').label('slow log entries').below(atMost(max, {})));
    if (newEntries) expect.push(value('slowlog_len').label('slow log entries').change(newEntries.window ?? '1h').below(atMost(newEntries.max, { warn: 0 })));
    return build(rest, 'Redis slow log', { slowlog: top === undefined ? {} : { top } }, expect);
  },

  /**
   * A stream: its length (XLEN) at most `maxLength`, and with a consumer `group` its
   * pending messages (XPENDING) at most `pending` and the oldest pending one younger than `oldestPending` ('15m').
   */
  stream(base: RedisRecipeBase & { key: string; group?: string; maxLength?: Count; pending?: Count; oldestPending?: string }) {
    const { key, group, maxLength, pending, oldestPending, ...rest } = base;
    const expect: Expectation[] = [];
    if (maxLength !== undefined) expect.push(value('length').label(`length of ${key}`).below(atMost(maxLength, {})));
    if (group && pending !== undefined) expect.push(value('pending').label(`${key} messages pending in ${group}`).below(atMost(pending, {})));
    if (group && oldestPending !== undefined) expect.push(value('oldest_pending_s').label(`oldest message pending in ${group}`).unit('s').below(oldestPending));
    return build(rest, `Stream ${key}`, { stream: group ? { key, group } : { key } }, expect);
  },

  /** The length of any key (list, sorted set, set, hash, stream, string), at most `max`. */
  keyLength(base: RedisRecipeBase & { key: string; max?: Count }) {
    const { key, max, ...rest } = base;
    return build(rest, `Length of ${key}`, { keyLength: key }, max === undefined ? [] : [value('length').label(`length of ${key}`).below(atMost(max, {}))]);
  },
};
