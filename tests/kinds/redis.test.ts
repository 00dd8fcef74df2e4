// The redis kind and recipes against real Redis servers through the Upstash
// REST protocol: commands, INFO, key lengths by type, Bull and BullMQ queues
// (counts checked against the libraries' own), and every way it can fail.
import { describe, expect, it } from 'vitest';
import { http, pg, postgres, redis, reply, secret, upstash, value } from '../../src/config';
import { validateConfig } from '../../src/config/validate';
import { config, control, ledgerState, MINUTE, refusedUrl, reset, runTick, sleep, T0, targetUrl, unique } from '../helpers';
import { pgSecrets, pgUrls, viaLocalNeon } from '../helpers/pg';
import { redisSecrets, restCommand, seededQueues } from '../helpers/redis';
import { runOnce } from '../helpers/run-once';
import type { EngineState } from '../../src/store/state';

const URL = secret('UPSTASH_REDIS_REST_URL');
const TOKEN = secret('UPSTASH_REDIS_REST_TOKEN');
const SCRATCH = secret('SCRATCH_REDIS_REST_URL');

describe('redis kind', () => {
  it('PING answers PONG (R21)', async () => {
    const run = await runOnce(upstash.ping({ id: 'redis', url: URL, token: TOKEN }), redisSecrets());
    expect(run.judgement.status).toBe('up');
    expect(run.observation.values.reply).toBe('PONG');
  });

  it('runs read-only commands and refuses anything else at validation', async () => {
    const run = await runOnce(redis({ id: 'wait', url: URL, token: TOKEN, command: ['LLEN', 'bull:email:wait'], expect: [reply().eq(4)] }), redisSecrets());
    expect(run.judgement.status).toBe('up');
    for (const [command, message] of [
      [['DEL', 'bull:email:failed'], 'command "DEL" is not allowed: checks only read'],
      [['FLUSHALL'], 'command "FLUSHALL" is not allowed'],
      [['EVAL', "return redis.call('del', 'x')", 0], 'command "EVAL" is not allowed'],
      [['MEMORY', 'PURGE'], 'MEMORY PURGE is not allowed: only MEMORY USAGE, MEMORY STATS'],
    ] as const) {
      const result = validateConfig({ checks: [redis({ id: 'r', url: URL, token: TOKEN, command: [...command] })] });
      expect(result.ok ? [] : result.problems.join('\n')).toContain(`check "r": command: ${message}`);
    }
  });

  it("LLEN on BullMQ's failed set is the runbook's classic mistake: WRONGTYPE; keyLength picks ZCARD", async () => {
    const wrong = await runOnce(redis({ id: 'failed', url: URL, token: TOKEN, command: ['LLEN', 'bull:email:failed'] }), redisSecrets());
    expect(wrong.judgement.status).toBe('unknown');
    expect(wrong.message).toMatch(/^Redis refused the command: WRONGTYPE Operation against a key holding the wrong kind of value/);
    const right = await runOnce(upstash.keyLength({ id: 'failed', url: URL, token: TOKEN, key: 'bull:email:failed', max: 10 }), redisSecrets());
    expect(right.observation.values).toMatchObject({ type: 'zset', length: 2 });
    expect(right.judgement.status).toBe('up');
    const missing = await runOnce(upstash.keyLength({ id: 'x', url: URL, token: TOKEN, key: unique('no-such-key') }), redisSecrets());
    expect(missing.observation.values).toMatchObject({ type: 'none', length: 0 });
  });

  it('keyLength reads a list, set, hash, stream and string with the command each needs', async () => {
    const key = unique('len');
    await restCommand(['RPUSH', `${key}:list`, 'a', 'b', 'c']);
    await restCommand(['SADD', `${key}:set`, 'a', 'b', 'c', 'd']);
    await restCommand(['HSET', `${key}:hash`, 'a', '1', 'b', '2']);
    for (let i = 0; i < 5; i++) await restCommand(['XADD', `${key}:stream`, '*', 'n', String(i)]);
    await restCommand(['SET', `${key}:string`, 'hello world']);
    for (const [suffix, type, length] of [
      ['list', 'list', 3],
      ['set', 'set', 4],
      ['hash', 'hash', 2],
      ['stream', 'stream', 5],
      ['string', 'string', 11],
    ] as const) {
      const run = await runOnce(upstash.keyLength({ id: 'len', url: URL, token: TOKEN, key: `${key}:${suffix}`, max: length - 1 }), redisSecrets());
      expect(run.observation.values).toMatchObject({ type, length });
      expect(run.judgement.status).toBe('down');
      expect(run.message).toBe(`length of ${key}:${suffix} = ${length}, expected < ${length}`);
    }
  });

  it('reads INFO fields as numbers and derives the ratios', async () => {
    const run = await runOnce(redis({ id: 'info', url: URL, token: TOKEN, info: ['memory', 'stats', 'clients', 'keyspace'] }), redisSecrets());
    expect(run.judgement.status).toBe('up');
    const values = run.observation.values;
    expect(values['info:maxmemory']).toBe(64 * 1024 * 1024);
    expect(values['info:used_memory']).toBeGreaterThan(0);
    expect(values['info:memory_used_pct']).toBeGreaterThan(0);
    expect(values['info:connected_clients']).toBeGreaterThanOrEqual(1);
    expect(typeof values['info:evicted_keys']).toBe('number');
    expect(values['info:db0.keys']).toBeGreaterThan(0);
  });
});

describe('queue recipe (R22)', () => {
  it.each(seededQueues().map((q) => [`${q.library} ${q.prefix}:${q.name}`, q] as const))('counts %s as the library does', async (_label, queue) => {
    const run = await runOnce(upstash.queue({ id: 'q', url: URL, token: TOKEN, queue: queue.name, prefix: queue.prefix, library: queue.library, newFailures: false }), redisSecrets());
    expect(run.judgement.status).toBe('up');
    const { waiting, active, delayed, completed, failed } = run.observation.values;
    expect({ waiting, active, delayed, completed, failed }).toEqual({
      waiting: queue.counts.waiting,
      active: queue.counts.active,
      delayed: queue.counts.delayed,
      completed: queue.counts.completed,
      failed: queue.counts.failed,
    });
  });

  it('limits on counts: failed jobs take the check down', async () => {
    const name = unique('mail');
    const counts = await control<{ failed: number; waiting: number }>('/queues', { prefix: 'bull', name, failed: 3, waiting: 2 });
    expect(counts).toMatchObject({ failed: 3, waiting: 2 });
    const run = await runOnce(upstash.queue({ id: 'q', url: URL, token: TOKEN, queue: name, failed: 0, waiting: { warn: 100 }, newFailures: false }), redisSecrets());
    expect(run.judgement.status).toBe('down');
    expect(run.message).toBe(`${name} failed jobs = 3, expected < 1`);
  });

  it('new failures within the hour degrade the check (through ticks)', async () => {
    await reset();
    const name = unique('release');
    await control('/queues', { prefix: 'bull', name, failed: 2 });
    const cfg = config({ checks: [upstash.queue({ id: 'q', url: URL, token: TOKEN, queue: name, confirmations: { down: 1 } })] });
    await runTick(cfg, T0, { secrets: redisSecrets() });
    await runTick(cfg, T0 + 30 * MINUTE, { secrets: redisSecrets() });
    let state = await ledgerState(cfg);
    expect(state.checks.q?.status).toBe('up');
    expect(state.checks.q?.message).toBe(`${name} failed jobs: change over 1h: not enough history yet`);
    await control('/queues', { prefix: 'bull', name, failed: 3 });
    await runTick(cfg, T0 + 60 * MINUTE, { secrets: redisSecrets() });
    state = await ledgerState(cfg);
    expect(state.checks.q?.status).toBe('degraded');
    expect(state.checks.q?.message).toBe(`${name} failed jobs: change over 1h = 3, expected < 1`);
  });
});

describe('memory and hit ratio recipes (R23), on the scratch Redis', () => {
  it('memory: fine, then filled past 80% of maxmemory', async () => {
    await restCommand(['FLUSHALL'], redisSecrets().SCRATCH_REDIS_REST_URL);
    const check = upstash.memory({ id: 'mem', url: SCRATCH, token: TOKEN });
    expect((await runOnce(check, redisSecrets())).judgement.status).toBe('up');
    const chunk = 'x'.repeat(512 * 1024);
    const scratch = redisSecrets().SCRATCH_REDIS_REST_URL;
    const usedPct = async () => {
      const text = String(await restCommand(['INFO', 'memory'], scratch));
      const used = Number(/used_memory:(\d+)/.exec(text)?.[1]);
      const max = Number(/maxmemory:(\d+)/.exec(text)?.[1]);
      return (used / max) * 100;
    };
    try {
      for (let i = 0; i < 200 && (await usedPct()) < 85; i++) await restCommand(['SET', `fill:${i}`, chunk], scratch);
      const full = await runOnce(check, redisSecrets());
      expect(full.judgement.status).not.toBe('up');
      expect(full.message).toMatch(/^memory used of maxmemory = [\d.]+%, expected < (80|90)%$/);
    } finally {
      await restCommand(['FLUSHALL'], redisSecrets().SCRATCH_REDIS_REST_URL);
    }
  });

  it('memory: a Redis without maxmemory (the self-hosted default) is unknown with what to do, not down', async () => {
    const scratch = redisSecrets().SCRATCH_REDIS_REST_URL;
    await restCommand(['CONFIG', 'SET', 'maxmemory', '0'], scratch);
    try {
      const run = await runOnce(upstash.memory({ id: 'mem', url: SCRATCH, token: TOKEN }), redisSecrets());
      expect(run.judgement.status).toBe('unknown');
      expect(run.message).toBe('maxmemory is 0 (no limit), so there is no share of it to check: set maxmemory on the server, or limit used_memory with usedBytes');
      const bytes = await runOnce(upstash.memory({ id: 'mem', url: SCRATCH, token: TOKEN, usedBytes: 512 * 1024 ** 2 }), redisSecrets());
      expect(bytes.judgement.status).toBe('up');
    } finally {
      await restCommand(['CONFIG', 'SET', 'maxmemory', String(64 * 1024 * 1024)], scratch);
    }
  });

  it('hit ratio: hits pass, misses fail', async () => {
    const scratch = redisSecrets().SCRATCH_REDIS_REST_URL;
    await restCommand(['CONFIG', 'RESETSTAT'], scratch);
    await restCommand(['SET', 'cached', 'yes'], scratch);
    for (let i = 0; i < 20; i++) await restCommand(['GET', 'cached'], scratch);
    const check = upstash.hitRatio({ id: 'hits', url: SCRATCH, token: TOKEN });
    const good = await runOnce(check, redisSecrets());
    expect(good.judgement.status).toBe('up');
    expect(good.observation.values['info:keyspace_hit_pct']).toBe(100);
    for (let i = 0; i < 30; i++) await restCommand(['GET', `miss:${i}`], scratch);
    const bad = await runOnce(check, redisSecrets());
    expect(bad.judgement.status).toBe('down');
    expect(bad.message).toBe('keyspace hit ratio = 40%, expected > 80%');
  });
});

describe('faults', () => {
  it('Redis down is down; back up is up', async () => {
    await control('/redis/scratch/stop');
    try {
      const down = await runOnce(upstash.ping({ id: 'r', url: SCRATCH, token: TOKEN, retry: false }), redisSecrets());
      expect(down.judgement.status).toBe('down');
      expect(down.message).toBe('Redis REST endpoint answered 503');
    } finally {
      await control('/redis/scratch/start');
    }
    expect((await runOnce(upstash.ping({ id: 'r', url: SCRATCH, token: TOKEN }), redisSecrets())).judgement.status).toBe('up');
  });

  it('a wrong token, an endpoint answering garbage, and an unreachable endpoint', async () => {
    const wrong = await runOnce(upstash.ping({ id: 'r', url: URL, token: TOKEN }), { ...redisSecrets(), UPSTASH_REDIS_REST_TOKEN: 'wrong-token-value' });
    expect(wrong.judgement.status).toBe('down');
    expect(wrong.message).toMatch(/^authentication failed: check the REST token/);
    expect(wrong.attempts).toBe(1);
    const garbage = await runOnce(upstash.ping({ id: 'r', url: URL, token: TOKEN }), { ...redisSecrets(), UPSTASH_REDIS_REST_TOKEN: 'garbage-token' });
    expect(garbage.judgement.status).toBe('down');
    expect(garbage.message).toBe('the REST endpoint did not answer JSON: is url the Upstash REST URL (https://...upstash.io)?');
    const refused = await runOnce(upstash.ping({ id: 'r', url: refusedUrl(), token: TOKEN }), redisSecrets());
    expect(refused.judgement.status).toBe('down');
    expect(refused.message).toMatch(/^could not reach the REST endpoint/);
  });

  it("Upstash's request limit is the service refusing (down), not a wrong command (unknown)", async () => {
    const limited = await runOnce(upstash.ping({ id: 'r', url: URL, token: TOKEN }), { ...redisSecrets(), UPSTASH_REDIS_REST_TOKEN: 'limited-token' });
    expect(limited.judgement.status).toBe('down');
    expect(limited.message).toMatch(/^Redis refused to serve: ERR max requests limit exceeded\. Limit: 500000, Usage: 500000/);
    expect(limited.message).not.toContain('command was');
  });

  it('a database dying mid-run, a wrong password, a query timeout and a garbage REST answer in one tick, beside healthy checks', async () => {
    await reset();
    const cfg = config({
      checks: [
        viaLocalNeon(postgres({ id: 'db-dies', connection: secret('SCRATCH_URL'), query: 'SELECT pg_sleep(5)', retry: false })),
        viaLocalNeon(pg.ping({ id: 'db-wrong-password', connection: secret('WRONG_PASSWORD_URL') })),
        viaLocalNeon(postgres({ id: 'db-timeout', connection: secret('DATABASE_URL'), query: 'SELECT pg_sleep(5)', statementTimeout: '1s' })),
        upstash.ping({ id: 'redis-garbage', url: URL, token: secret('GARBAGE_TOKEN') }),
        viaLocalNeon(pg.ping({ id: 'db', connection: secret('DATABASE_URL') })),
        http({ id: 'web', url: targetUrl('/ok') }),
      ].map((check) => ({ ...check, confirmations: { down: 1 } })),
    });
    const secrets = { ...redisSecrets(), ...pgSecrets(), GARBAGE_TOKEN: 'garbage-token', WRONG_PASSWORD_URL: pgUrls().reader.replace(pgUrls().markerPassword, 'not-the-password') };
    const tick = runTick(cfg, T0, { secrets });
    await sleep(700);
    await control('/pg/scratch/stop');
    try {
      const report = await tick;
      expect(report.ran.sort()).toEqual(['db', 'db-dies', 'db-timeout', 'db-wrong-password', 'redis-garbage', 'web']);
    } finally {
      await control('/pg/scratch/start');
    }
    const checks = (await ledgerState(cfg)).checks;
    const seen = Object.fromEntries(Object.entries(checks).map(([id, check]) => [id, [check?.status, check?.message]]));
    expect(seen.web?.[0]).toBe('up');
    expect(seen.db?.[0]).toBe('up');
    expect(seen['db-dies']?.[0]).toBe('down');
    expect(seen['db-dies']?.[1]).toBe('database connection lost (127.0.0.1)');
    expect(seen['db-wrong-password']).toEqual(['down', 'authentication failed for user "vigil_reader"']);
    expect(seen['db-timeout']?.[0]).toBe('down');
    expect(seen['db-timeout']?.[1]).toMatch(/^query cancelled after 1s \(statementTimeout\): canceling statement due to statement timeout/);
    expect(seen['redis-garbage']).toEqual(['down', 'the REST endpoint did not answer JSON: is url the Upstash REST URL (https://...upstash.io)?']);
  });

  it('failing databases and Redis never stop the other checks in the tick', async () => {
    await reset();
    await control('/redis/scratch/stop');
    try {
      const cfg = config({
        checks: [
          upstash.ping({ id: 'redis-down', url: SCRATCH, token: TOKEN }),
          upstash.ping({ id: 'redis-bad-token', url: URL, token: secret('WRONG_TOKEN') }),
          upstash.queue({ id: 'queue', url: URL, token: TOKEN, queue: 'email', newFailures: false, expect: [value('active').eq(1)] }),
          viaLocalNeon(pg.ping({ id: 'db-down', connection: secret('DEAD_DB') })),
          viaLocalNeon(pg.slowQueries({ id: 'db-no-extension', connection: secret('PLAIN_URL') })),
          viaLocalNeon(pg.ping({ id: 'db', connection: secret('DATABASE_URL') })),
          http({ id: 'web', url: targetUrl('/ok') }),
        ],
      });
      const secrets = { ...redisSecrets(), ...pgSecrets(), WRONG_TOKEN: 'nope', DEAD_DB: `postgresql://app:pw@${refusedUrl().slice('http://'.length)}/app` };
      const report = await runTick(cfg, T0, { secrets });
      expect(report.ran.sort()).toEqual(['db', 'db-down', 'db-no-extension', 'queue', 'redis-bad-token', 'redis-down', 'web']);
      const state = await ledgerState(cfg);
      expect(state.checks.queue?.status).toBe('up');
      expect(state.checks.db?.status).toBe('up');
      expect(state.checks.web?.status).toBe('up');
      expect(state.checks['redis-down']?.streak?.status).toBe('down');
      expect(state.checks['db-down']?.streak?.status).toBe('down');
      expect(state.checks['db-no-extension']?.streak?.status).toBe('unknown');
    } finally {
      await control('/redis/scratch/start');
    }
  });
});

describe('redis kind: key counts, SLOWLOG and streams (read-only, bounded)', () => {
  it('counts keys by pattern with SCAN; at the cap it says "at least"', async () => {
    const prefix = unique('sess');
    for (let i = 0; i < 120; i++) await restCommand(['SET', `${prefix}:${i}`, '1']);
    const all = await runOnce(upstash.keyCount({ id: 'sessions', url: URL, token: TOKEN, match: `${prefix}:*`, max: 200 }), redisSecrets());
    expect(all.observation.values).toMatchObject({ keys: 120, keys_complete: true });
    expect(all.judgement.status).toBe('up');
    const capped = await runOnce(upstash.keyCount({ id: 'sessions', url: URL, token: TOKEN, match: `${prefix}:*`, cap: 50, max: 40 }), redisSecrets());
    expect(capped.observation.values).toMatchObject({ keys: 50, keys_complete: false });
    expect(capped.judgement.status).toBe('down');
    expect(capped.message).toBe(`keys matching ${prefix}:* = at least 50, expected < 41`);
    expect(capped.observation.details).toEqual([`at least 50 keys match ${prefix}:* (counting stopped at the cap of 50 matches)`]);
    // Few keys examined per call: the 10-call bound stops it before the end of the keyspace.
    const bounded = await runOnce(upstash.keyCount({ id: 'sessions', url: URL, token: TOKEN, match: `${prefix}:*`, count: 10 }), redisSecrets());
    expect(bounded.observation.values.keys_complete).toBe(false);
    expect(bounded.observation.details?.[0]).toMatch(/counting stopped at 10 SCAN calls of COUNT 10\)$/);
  });

  it('SLOWLOG LEN, and the slowest entries in the report without their values', async () => {
    const key = unique('slow');
    // Log every command (threshold 0 µs) for a moment, on the test's own server.
    await restCommand(['CONFIG', 'SET', 'slowlog-log-slower-than', '0']);
    try {
      await restCommand(['SET', key, 'a-private-value-4f1c']);
    } finally {
      await restCommand(['CONFIG', 'SET', 'slowlog-log-slower-than', '10000']);
    }
    const run = await runOnce(upstash.slowlog({ id: 'slowlog', url: URL, token: TOKEN, top: 20, max: 100_000 }), redisSecrets());
    expect(run.judgement.status).toBe('up');
    expect(run.observation.values.slowlog_len).toBeGreaterThan(0);
    expect(typeof run.observation.values.slowlog_max_ms).toBe('number');
    expect(run.observation.details?.some((line) => new RegExp(`^#\\d+ \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC [\\d.]+ ms: SET ${key} \\(\\+1 args\\)$`).test(line))).toBe(true);
    expect(JSON.stringify(run.observation)).not.toContain('a-private-value-4f1c');
  });

  it('a stream: XLEN, and XPENDING count and oldest pending age for a consumer group', async () => {
    const key = unique('events');
    for (let i = 0; i < 6; i++) await restCommand(['XADD', key, '*', 'n', String(i)]);
    await restCommand(['XGROUP', 'CREATE', key, 'mailers', '0']);
    // One consumer reads four entries and acknowledges none: four pending.
    await restCommand(['XREADGROUP', 'GROUP', 'mailers', 'worker-1', 'COUNT', '4', 'STREAMS', key, '>']);
    const run = await runOnce(upstash.stream({ id: 'stream', url: URL, token: TOKEN, key, group: 'mailers', maxLength: 1000, pending: 2, oldestPending: '15m' }), redisSecrets(), undefined, Date.now());
    expect(run.observation.values).toMatchObject({ length: 6, pending: 4 });
    expect(run.observation.values.oldest_pending_s).toBeLessThan(60);
    expect(run.observation.details).toEqual(['mailers/worker-1: 4 pending']);
    expect(run.judgement.status).toBe('down');
    expect(run.message).toBe(`${key} messages pending in mailers = 4, expected < 3`);
    const noGroup = await runOnce(upstash.stream({ id: 'stream', url: URL, token: TOKEN, key, group: 'nobody' }), redisSecrets());
    expect(noGroup.judgement.status).toBe('unknown');
    expect(noGroup.message).toMatch(/^Redis refused the command: NOGROUP/);
  });

  it('KEYS, a raw SCAN, SLOWLOG RESET and every write stay refused', () => {
    for (const [command, message] of [
      [['KEYS', '*'], 'command "KEYS" is not allowed'],
      [['SCAN', '0'], 'command "SCAN" is not allowed'],
      [['SLOWLOG', 'RESET'], 'SLOWLOG RESET is not allowed: only SLOWLOG LEN, SLOWLOG GET'],
      [['XACK', 'events', 'g', '1-0'], 'command "XACK" is not allowed'],
      [['XGROUP', 'DESTROY', 'events', 'g'], 'command "XGROUP" is not allowed'],
      [['CONFIG', 'SET', 'x', 'y'], 'command "CONFIG" is not allowed'],
    ] as const) {
      const result = validateConfig({ checks: [redis({ id: 'r', url: URL, token: TOKEN, command: [...command] })] });
      expect(result.ok ? [] : result.problems.join('\n')).toContain(`check "r": command: ${message}`);
    }
    const ok = validateConfig({ checks: [redis({ id: 'r', url: URL, token: TOKEN, command: ['SLOWLOG', 'GET', 10] }), redis({ id: 's', url: URL, token: TOKEN, command: ['XPENDING', 'events', 'g'] })] });
    expect(ok.ok).toBe(true);
  });
});
