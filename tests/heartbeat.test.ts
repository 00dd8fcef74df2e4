// Heartbeats through the Worker's real routes: pings on /ping/<token>, ticks
// through the scheduled handler, one controllable clock for both.
import { createExecutionContext, createScheduledController, reset, waitOnExecutionContext } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import { heartbeat, secret, slack, type ConfigInput } from '../src/config';
import type { WorkerEnv } from '../src/env';
import { pingKey, type PingRecord } from '../src/store/pings';
import { KEYS } from '../src/store/kv';
import type { EngineState } from '../src/store/state';
import { createWorker } from '../src/worker';
import { freshIsolateKV, MINUTE, received, sinkUrl, sleep, T0, testKV, unique } from './helpers';

beforeEach(async () => {
  await reset();
});

const HOUR = 60 * MINUTE;
const HOURLY_TOKEN = 'hourly-4f9c2b7e1d8a6c3b';
const NIGHTLY_TOKEN = 'nightly-0a1b2c3d4e5f6a7b';

function setup(extra: Partial<ConfigInput> = {}) {
  const clock = { t: T0 };
  const sink = unique('ops');
  const counted = freshIsolateKV(testKV());
  const env = { VIGIL_KV: counted.kv, HOURLY_TOKEN, NIGHTLY_TOKEN, SLACK_URL: sinkUrl(`/slack/${sink}`) } as unknown as WorkerEnv;
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
  return { worker, env, clock, sink, counted, ping, tick };
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

  it('a daily cap keeps the KV budget: beyond it only pings that change the outcome are written', async () => {
    const h = setup({ settings: { pingWritesPerDay: 10 } });
    const outcomes: string[] = [];
    for (let i = 0; i < 15; i++) outcomes.push((await h.ping(HOURLY_TOKEN, T0 + i * 3_000)).headers.get('x-vigil-ping') ?? '');
    expect(outcomes.filter((o) => o === 'recorded')).toHaveLength(10);
    expect(outcomes.slice(10)).toEqual(['capped', 'capped', 'capped', 'capped', 'capped']);
    expect((await h.ping(`${HOURLY_TOKEN}/fail`, T0 + 60_000)).headers.get('x-vigil-ping')).toBe('recorded');
    expect(h.counted.counts.writes).toBe(11);
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
