// Heartbeats through the Worker's real routes: pings on /ping/<token>, ticks
// through the scheduled handler, one controllable clock for both.
import { createExecutionContext, createScheduledController, reset, waitOnExecutionContext } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import { heartbeat, secret, slack, type ConfigInput } from '../src/config';
import type { WorkerEnv } from '../src/env';
import { pingKey, type PingRecord } from '../src/store/pings';
import { KEYS, type KV } from '../src/store/kv';
import type { EngineState } from '../src/store/state';
import { createWorker } from '../src/worker';
import { freshIsolateKV, MINUTE, received, sinkUrl, sleep, T0, testKV, unique } from './helpers';

beforeEach(async () => {
  await reset();
});

const HOUR = 60 * MINUTE;
const HOURLY_TOKEN = 'hourly-4f9c2b7e1d8a6c3b';
const NIGHTLY_TOKEN = 'nightly-0a1b2c3d4e5f6a7b';
/** 15 characters: one short of MIN_TOKEN_LENGTH. */
const SHORT_TOKEN = 'short-token-123';

function setup(extra: Partial<ConfigInput> = {}) {
  const clock = { t: T0 };
  const sink = unique('ops');
  // Writes of ping keys only (the tick writes the same namespace).
  const pingWrites = { count: 0 };
  const counted = freshIsolateKV({
    get: (key) => testKV().get(key),
    put: (key, value, options) => {
      if (key.startsWith('ping:')) pingWrites.count++;
      return testKV().put(key, value, options);
    },
    delete: (key) => testKV().delete(key),
  });
  const env = { VIGIL_KV: counted.kv, HOURLY_TOKEN, NIGHTLY_TOKEN, SHORT_TOKEN, SLACK_URL: sinkUrl(`/slack/${sink}`) } as unknown as WorkerEnv;
  const worker = createWorker(
    {
      channels: { ops: slack({ webhookUrl: secret('SLACK_URL') }) },
      checks: [
        heartbeat({ id: 'hourly-backup', name: 'Hourly backup', token: secret('HOURLY_TOKEN'), period: '1h', grace: '10m', maxDuration: '30m', purpose: 'backup' }),
        heartbeat({ id: 'nightly', name: 'Nightly job', token: secret('NIGHTLY_TOKEN'), schedule: '0 3 * * *', timezone: 'Europe/Berlin', grace: '30m' }),
      ],
      ...extra,
    },
    { now: () => clock.t },
  );
  const ping = async (path: string, time: number, init: RequestInit = {}) => {
    clock.t = time;
    const ctx = createExecutionContext();
    const response = await worker.fetch(new Request(`https://vigil.test/ping/${path}`, init), env, ctx);
    await waitOnExecutionContext(ctx);
    return response;
  };
  const tick = async (time: number) => {
    clock.t = time;
    await worker.scheduled(createScheduledController({ scheduledTime: time, cron: '* * * * *' }), env);
    const state = JSON.parse((await testKV().get(KEYS.state)) ?? '{}') as EngineState;
    return state;
  };
  return { worker, env, clock, sink, counted, pingWrites, ping, tick };
}

const view = (state: EngineState, id: string) => ({ status: state.checks[id]?.status, message: state.checks[id]?.message });

describe('heartbeat states', () => {
  it('new, on time, late (no alert), down after grace (alert), recovered', async () => {
    const h = setup();
    expect(view(await h.tick(T0 - MINUTE), 'hourly-backup')).toEqual({ status: 'unknown', message: 'waiting for the first ping' });

    expect((await h.ping(HOURLY_TOKEN, T0)).status).toBe(200);
    expect(view(await h.tick(T0 + 5 * MINUTE), 'hourly-backup')).toEqual({ status: 'up', message: 'last success 5m ago' });
    const late = view(await h.tick(T0 + 65 * MINUTE), 'hourly-backup');
    expect(late).toEqual({ status: 'up', message: 'late: due at 2026-11-22 11:00 UTC, grace until 2026-11-22 11:10 UTC; last success 1h 5m ago' });
    expect(await received(h.sink)).toEqual([]);

    expect(view(await h.tick(T0 + 71 * MINUTE), 'hourly-backup')).toEqual({ status: 'down', message: 'no success since 2026-11-22 10:00 UTC (expected every 1h + 10m grace)' });
    let alerts = (await received(h.sink)).map((r) => JSON.parse(r.body).blocks[0].text.text);
    expect(alerts).toEqual(['🔴 Hourly backup is down']);

    await h.ping(HOURLY_TOKEN, T0 + 75 * MINUTE);
    expect(view(await h.tick(T0 + 76 * MINUTE), 'hourly-backup').status).toBe('up');
    alerts = (await received(h.sink)).map((r) => JSON.parse(r.body).blocks[0].text.text);
    expect(alerts).toEqual(['🔴 Hourly backup is down', '✅ Hourly backup recovered after 5m']);
  });

  it('a fail ping is down at once, with the job output in the alert', async () => {
    const h = setup();
    await h.ping(HOURLY_TOKEN, T0);
    await h.tick(T0 + MINUTE);
    const output = 'pg_dump: error: connection to server at "db" failed\npg_dump: detail: password=hunter2-do-not-leak\nexit 1';
    expect((await h.ping(`${HOURLY_TOKEN}/fail`, T0 + 20 * MINUTE, { method: 'POST', body: output })).status).toBe(200);
    const state = await h.tick(T0 + 21 * MINUTE);
    expect(view(state, 'hourly-backup')).toEqual({ status: 'down', message: 'the job reported failure at 2026-11-22 10:20 UTC' });
    const [alert] = await received(h.sink);
    expect(alert?.body).toContain('pg_dump: error: connection to server at \\"db\\" failed');
    expect(alert?.body).toContain('password=***');
    expect(alert?.body).not.toContain('hunter2');
    expect(JSON.stringify(state)).not.toContain('hunter2');
  });

  it('exit codes: 3 is a failure, 0 a success', async () => {
    const h = setup();
    await h.ping(`${HOURLY_TOKEN}/3`, T0);
    expect(view(await h.tick(T0 + MINUTE), 'hourly-backup')).toEqual({ status: 'down', message: 'the job reported failure (exit code 3) at 2026-11-22 10:00 UTC' });
    await h.ping(`${HOURLY_TOKEN}/0`, T0 + 2 * MINUTE);
    expect(view(await h.tick(T0 + 3 * MINUTE), 'hourly-backup')).toEqual({ status: 'up', message: 'last success 1m ago' });
  });

  it('a start without a finish: degraded past maxDuration, down past the grace', async () => {
    const h = setup();
    await h.ping(HOURLY_TOKEN, T0);
    await h.ping(`${HOURLY_TOKEN}/start`, T0 + 30 * MINUTE);
    expect(view(await h.tick(T0 + 40 * MINUTE), 'hourly-backup')).toEqual({ status: 'up', message: 'running since 2026-11-22 10:30 UTC; last success 40m ago' });
    expect(view(await h.tick(T0 + 65 * MINUTE), 'hourly-backup')).toEqual({ status: 'degraded', message: 'running for 35m, expected under 30m (started 2026-11-22 10:30 UTC)' });
    expect(view(await h.tick(T0 + 71 * MINUTE), 'hourly-backup')).toEqual({
      status: 'down',
      message: 'started at 2026-11-22 10:30 UTC and has not finished; no success since 2026-11-22 10:00 UTC (expected every 1h + 10m grace)',
    });
  });

  it('measures run duration from start to success', async () => {
    const h = setup();
    await h.ping(`${HOURLY_TOKEN}/start`, T0);
    await h.ping(HOURLY_TOKEN, T0 + 40 * MINUTE);
    expect(view(await h.tick(T0 + 41 * MINUTE), 'hourly-backup')).toEqual({ status: 'degraded', message: 'the last run took 40m, expected under 30m' });
    const record = JSON.parse((await testKV().get(pingKey('hourly-backup'))) ?? '{}') as PingRecord;
    expect(record.lastDurationMs).toBe(40 * MINUTE);
  });

  it('a cron heartbeat follows its time zone across a DST change', async () => {
    const h = setup();
    // 03:00 Berlin is 02:00 UTC on 28 March 2026 and 01:00 UTC on the 29th (summer time).
    await h.ping(NIGHTLY_TOKEN, Date.UTC(2026, 2, 28, 2, 5));
    expect(view(await h.tick(Date.UTC(2026, 2, 28, 2, 10)), 'nightly').status).toBe('up');
    expect(view(await h.tick(Date.UTC(2026, 2, 29, 0, 59)), 'nightly').status).toBe('up');
    expect(view(await h.tick(Date.UTC(2026, 2, 29, 1, 15)), 'nightly').message).toMatch(/^late: due at 2026-03-29 01:00 UTC/);
    expect(view(await h.tick(Date.UTC(2026, 2, 29, 1, 31)), 'nightly')).toEqual({
      status: 'down',
      message: 'no success since 2026-03-28 02:05 UTC (expected at 2026-03-29 01:00 UTC (0 3 * * * Europe/Berlin), grace 30m)',
    });
  });
});

describe('restore drills (R31)', () => {
  it('a quarterly drill heartbeat with its report, shown as "Last restore test: 23 days ago"', async () => {
    const h = setup({
      checks: [heartbeat({ id: 'restore-drill', name: 'Restore drill', token: secret('HOURLY_TOKEN'), schedule: '0 9 1 1,4,7,10 *', grace: '7d', purpose: 'restore-drill' })],
    });
    const report = 'restored backup-2026-10-29.sql.gz into drill-db in 14m\nSELECT count(*) FROM users: 50 (expected 50)\nall checks passed';
    await h.ping(HOURLY_TOKEN, Date.UTC(2026, 9, 30, 9, 0), { method: 'POST', body: report });
    const state = await h.tick(Date.UTC(2026, 10, 22, 9, 0));
    expect(state.checks['restore-drill']?.status).toBe('up');
    expect(state.checks['restore-drill']?.report?.at(-1)).toBe('all checks passed');
    const html = await (await h.worker.fetch(new Request('https://vigil.test/'), h.env, createExecutionContext())).text();
    expect(html).toContain('Last restore test: 23 days ago');
    const api = (await (await h.worker.fetch(new Request('https://vigil.test/api/status'), h.env, createExecutionContext())).json()) as { checks: Array<{ id: string; lastRestoreTestAt?: string }> };
    expect(api.checks[0]).toMatchObject({ id: 'restore-drill', lastRestoreTestAt: '2026-10-30T09:00:00.000Z' });
    // The next drill was due on 1 January (+ 7 days grace): without one, down.
    expect(view(await h.tick(Date.UTC(2027, 0, 8, 8, 0)), 'restore-drill').status).toBe('up');
    expect(view(await h.tick(Date.UTC(2027, 0, 8, 10, 0)), 'restore-drill')).toEqual({
      status: 'down',
      message: 'no success since 2026-10-30 09:00 UTC (expected at 2027-01-01 09:00 UTC (0 9 1 1,4,7,10 * UTC), grace 7d)',
    });
  });
});

describe('bad pings', () => {
  it('an unknown token is a 404 that says nothing about which tokens exist', async () => {
    const h = setup();
    const unknown = await h.ping('hourly-4f9c2b7e1d8a6c3c', T0);
    const wrongAction = await h.ping(`${HOURLY_TOKEN}/frobnicate`, T0);
    const route = await h.worker.fetch(new Request('https://vigil.test/nope'), h.env, createExecutionContext());
    expect([unknown.status, wrongAction.status]).toEqual([404, 404]);
    expect(await unknown.text()).toBe(await route.text());
    expect(await testKV().get(pingKey('hourly-backup'))).toBeNull();
  });

  it('a token shorter than 16 characters is unknown to the route, as to the check', async () => {
    const h = setup({ checks: [heartbeat({ id: 'short', token: secret('SHORT_TOKEN'), period: '1h' })] });
    const response = await h.ping(SHORT_TOKEN, T0);
    const route = await h.worker.fetch(new Request('https://vigil.test/nope'), h.env, createExecutionContext());
    expect(response.status).toBe(404);
    expect(await response.text()).toBe(await route.text());
    expect(await testKV().get(pingKey('short'))).toBeNull();
    const state = await h.tick(T0 + MINUTE);
    expect(state.checks.short?.status).toBe('unknown');
    expect(state.checks.short?.message).toMatch(/token is shorter than 16 characters/);
  });
  it('an oversized body is cut at 10 KB, never an error for the job', async () => {
    const h = setup();
    const response = await h.ping(`${HOURLY_TOKEN}/fail`, T0, { method: 'POST', body: 'x'.repeat(50 * 1024) });
    expect(response.status).toBe(200);
    const record = JSON.parse((await testKV().get(pingKey('hourly-backup'))) ?? '{}') as PingRecord;
    expect(record.recent[0]?.body?.length).toBe(10 * 1024);
    expect(record.recent[0]?.truncated).toBe(true);
  });

  it('a flood is coalesced: every ping answered, the latest state kept, few writes', async () => {
    const h = setup();
    const outcomes: string[] = [];
    const ctx = createExecutionContext();
    for (let i = 1; i <= 50; i++) {
      h.clock.t = T0 + i * 10;
      const response = await h.worker.fetch(new Request(`https://vigil.test/ping/${HOURLY_TOKEN}/${i === 50 ? 'fail' : ''}`, { method: 'POST', body: `ping ${i}` }), h.env, ctx);
      expect(response.status).toBe(200);
      outcomes.push(response.headers.get('x-vigil-ping') ?? '');
    }
    await waitOnExecutionContext(ctx);
    expect(outcomes[0]).toBe('recorded');
    expect(outcomes.slice(1).every((o) => o === 'coalesced')).toBe(true);
    expect(h.counted.counts.writes).toBe(2);
    const record = JSON.parse((await testKV().get(pingKey('hourly-backup'))) ?? '{}') as PingRecord;
    expect(record.total).toBe(50);
    expect(record.recent.at(-1)).toMatchObject({ kind: 'fail', body: 'ping 50' });
    expect(record.lastFail?.at).toBe(T0 + 500);
  });

  it('each ping costs one read and at most one write', async () => {
    const h = setup();
    const before = { ...h.counted.counts };
    await h.ping(HOURLY_TOKEN, T0);
    await h.ping(`${HOURLY_TOKEN}/start`, T0 + HOUR);
    await sleep(10);
    expect(h.counted.counts.writes - before.writes).toBe(2);
    expect(h.counted.counts.reads - before.reads).toBe(2);
  });
});

describe('the daily write allowance limits writes, never the state', () => {
  const EVERY_3H = [heartbeat({ id: 'every-3h', name: 'Every 3 hours', token: secret('HOURLY_TOKEN'), period: '3h', grace: '10m' })];
  /** 3 s apart: each flood ping is past the 2 s coalescing window, so only the allowance holds it back. */
  const flood = async (h: ReturnType<typeof setup>, from: number, count: number) => {
    const outcomes: string[] = [];
    for (let i = 0; i < count; i++) outcomes.push((await h.ping(HOURLY_TOKEN, from + i * 3_000)).headers.get('x-vigil-ping') ?? '');
    return outcomes;
  };
  const record = async (id: string) => JSON.parse((await testKV().get(pingKey(id))) ?? '{}') as PingRecord;

  it('after a flood, an on-time job is never late: held pings are written later with the latest state', async () => {
    // 10 writes a day: 5 at once, then one every 4h 48m (DAY / (10 - 5)). At 10:00 UTC, 7 are allowed.
    const h = setup({ settings: { pingWritesPerDay: 10 }, checks: EVERY_3H });
    const outcomes = await flood(h, T0, 30);
    expect(outcomes.filter((o) => o === 'recorded')).toHaveLength(7);
    expect(outcomes.slice(7).every((o) => o === 'held')).toBe(true);
    expect((await record('every-3h')).heldUntil).toBe(Date.UTC(2026, 10, 22, 14, 24));

    // The job then succeeds on time every 3 hours; the checks run every 15 minutes until the next morning.
    const pings = [13, 16, 19, 22, 25, 28, 31].map((hour) => Date.UTC(2026, 10, 22, hour, 0));
    const answers: string[] = [];
    let writesOnDay1 = 0;
    for (let time = T0 + MINUTE; time <= Date.UTC(2026, 10, 23, 8, 0); time += 15 * MINUTE) {
      for (const due of pings.filter((p) => p > time - 15 * MINUTE && p <= time)) answers.push((await h.ping(HOURLY_TOKEN, due)).headers.get('x-vigil-ping') ?? '');
      if (time < Date.UTC(2026, 10, 23)) writesOnDay1 = h.pingWrites.count;
      const { status, message } = view(await h.tick(time), 'every-3h');
      expect({ time: new Date(time).toISOString(), status, late: message?.startsWith('late') }).toEqual({ time: new Date(time).toISOString(), status: 'up', late: false });
    }
    // 13:00 waits for the allowance (14:24); 16:00 writes it with every held ping; then one write per 3 h.
    expect(answers).toEqual(['held', 'recorded', 'held', 'recorded', 'recorded', 'recorded', 'recorded']);
    expect(writesOnDay1).toBeLessThanOrEqual(10);
    const stored = await record('every-3h');
    expect(stored.total).toBe(30 + pings.length);
    expect(stored.lastSuccess).toBe(pings.at(-1));
  });

  it('after a flood, a failure is written at once (while the day has writes left), and so is the recovery', async () => {
    const h = setup({ settings: { pingWritesPerDay: 10 }, checks: EVERY_3H });
    await flood(h, T0, 30); // 7 writes used, successes held until 14:24
    const failed = await h.ping(`${HOURLY_TOKEN}/fail`, T0 + 30 * MINUTE);
    expect(failed.headers.get('x-vigil-ping')).toBe('recorded');
    expect((await record('every-3h')).lastFail?.at).toBe(T0 + 30 * MINUTE);
    expect(view(await h.tick(T0 + 31 * MINUTE), 'every-3h').status).toBe('down');
    // The job is fixed: its next success says so at once too, not at 14:24.
    expect((await h.ping(HOURLY_TOKEN, T0 + 45 * MINUTE)).headers.get('x-vigil-ping')).toBe('recorded');
    expect(view(await h.tick(T0 + 46 * MINUTE), 'every-3h').status).toBe('up');
    // A repeat of the same outcome waits for the spread again.
    expect((await h.ping(HOURLY_TOKEN, T0 + 50 * MINUTE)).headers.get('x-vigil-ping')).toBe('held');
  });

  it('a job that stops after a flood is down period + grace after its pings were held', async () => {
    const h = setup({ settings: { pingWritesPerDay: 10 }, checks: EVERY_3H });
    await flood(h, T0, 30);
    // Pings held until 14:24 may have been successes: due 3 h later, down after the grace.
    expect(view(await h.tick(Date.UTC(2026, 10, 22, 17, 30)), 'every-3h').status).toBe('up');
    expect(view(await h.tick(Date.UTC(2026, 10, 22, 17, 35)), 'every-3h')).toEqual({
      status: 'down',
      message: 'no success since 2026-11-22 10:00 UTC (expected every 3h + 10m grace; pings held until 2026-11-22 14:24 UTC by the daily ping write allowance)',
    });
  });

  it('a job pinging every 5 minutes stays up all day within 100 writes a day (default allowance)', async () => {
    const h = setup();
    const lastPing = T0 + 24 * HOUR - 5 * MINUTE;
    let writesOnDay1 = 0;
    for (let time = T0; time <= lastPing; time += 5 * MINUTE) {
      expect((await h.ping(HOURLY_TOKEN, time)).status).toBe(200);
      if (time < Date.UTC(2026, 10, 23)) writesOnDay1 = h.pingWrites.count;
      if ((time - T0) % (30 * MINUTE) === 25 * MINUTE) {
        const { status, message } = view(await h.tick(time + 4 * MINUTE), 'hourly-backup');
        expect({ time: new Date(time).toISOString(), status, onTime: message?.startsWith('last success') }).toEqual({ time: new Date(time).toISOString(), status: 'up', onTime: true });
      }
    }
    expect(writesOnDay1).toBeLessThanOrEqual(100);
    expect(h.pingWrites.count - writesOnDay1).toBeLessThanOrEqual(100);
    // The last write is at most one allowance interval (15m 9s) old and counts every ping before it.
    const stored = await record('hourly-backup');
    expect(lastPing - (stored.lastSuccess ?? 0)).toBeLessThanOrEqual(16 * MINUTE);
    expect(stored.total).toBe((stored.lastSuccess! - T0) / (5 * MINUTE) + 1);
  });
});

describe('concurrent pings in one isolate', () => {
  it('simultaneous cold pings share one read and lose nothing', async () => {
    const h = setup();
    const actions = ['start', '', 'fail', '3', ''];
    const responses = await Promise.all(actions.map((action) => h.ping(action ? `${HOURLY_TOKEN}/${action}` : HOURLY_TOKEN, T0)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(h.counted.counts.reads).toBe(1);
    expect(h.counted.counts.writes).toBeLessThanOrEqual(2);
    const stored = JSON.parse((await testKV().get(pingKey('hourly-backup'))) ?? '{}') as PingRecord;
    expect(stored.total).toBe(5);
    expect(stored.recent.map((p) => `${p.kind}${p.exitCode ?? ''}`).sort()).toEqual(['fail', 'fail3', 'start', 'success', 'success']);
  });

  it('an exit code that arrives while the start is being written is stored', async () => {
    const h = setup();
    // KV whose writes wait until released, so the second ping arrives during the first one's write.
    const waiting: Array<() => void> = [];
    let holdWrites = true;
    const inner = h.counted.kv;
    const kv: KV = {
      get: (key) => inner.get(key),
      put: async (key, value, options) => {
        if (holdWrites) await new Promise<void>((resolve) => waiting.push(resolve));
        return inner.put(key, value, options);
      },
      delete: (key) => inner.delete(key),
    };
    const env = { ...h.env, VIGIL_KV: kv } as WorkerEnv;
    const send = (path: string, time: number, ctx: ExecutionContext) => {
      h.clock.t = time;
      return h.worker.fetch(new Request(`https://vigil.test/ping/${path}`), env, ctx);
    };
    const startCtx = createExecutionContext();
    const start = send(`${HOURLY_TOKEN}/start`, T0, startCtx);
    while (waiting.length === 0) await sleep(1);
    const exitCtx = createExecutionContext();
    const exit = await send(`${HOURLY_TOKEN}/7`, T0 + 500, exitCtx);
    expect(exit.headers.get('x-vigil-ping')).toBe('coalesced');
    holdWrites = false;
    for (const release of waiting) release();
    expect((await start).headers.get('x-vigil-ping')).toBe('recorded');
    await waitOnExecutionContext(startCtx);
    await waitOnExecutionContext(exitCtx);

    const stored = JSON.parse((await testKV().get(pingKey('hourly-backup'))) ?? '{}') as PingRecord;
    expect(stored.lastFail).toEqual({ at: T0 + 500, exitCode: 7 });
    expect(stored.total).toBe(2);
    expect(view(await h.tick(T0 + MINUTE), 'hourly-backup')).toEqual({ status: 'down', message: 'the job reported failure (exit code 7) at 2026-11-22 10:00 UTC' });
  });
});
