// Heartbeats through the Worker's real routes: pings on /ping/<token> stored
// by the ledger, ticks through the scheduled handler, one controllable clock
// for both.
import { beforeEach, describe, expect, it } from 'vitest';
import { heartbeat, secret, slack, type ConfigInput } from '../src/config';
import type { SqlStore } from '../src/ledger/storage';
import type { EngineState } from '../src/model/state';
import { PINGS_PER_MINUTE } from '../src/web/pings';
import { ledgerDump, MINUTE, received, reset, sinkUrl, T0, testVigil, unique } from './helpers';

beforeEach(async () => {
  await reset();
});

const HOUR = 60 * MINUTE;
const HOURLY_TOKEN = 'hourly-4f9c2b7e1d8a6c3b';
const NIGHTLY_TOKEN = 'nightly-0a1b2c3d4e5f6a7b';
/** 15 characters: one short of MIN_TOKEN_LENGTH. */
const SHORT_TOKEN = 'short-token-123';

function setup(extra: Partial<ConfigInput> = {}, options: { store?: (store: SqlStore) => SqlStore } = {}) {
  const clock = { t: T0 };
  const sink = unique('ops');
  const secrets = { HOURLY_TOKEN, NIGHTLY_TOKEN, SHORT_TOKEN, SLACK_URL: sinkUrl(`/slack/${sink}`) };
  const vigil = testVigil(
    {
      channels: { ops: slack({ webhookUrl: secret('SLACK_URL') }) },
      checks: [
        heartbeat({ id: 'hourly-backup', name: 'Hourly backup', token: secret('HOURLY_TOKEN'), period: '1h', grace: '10m', maxDuration: '30m', purpose: 'backup' }),
        heartbeat({ id: 'nightly', name: 'Nightly job', token: secret('NIGHTLY_TOKEN'), schedule: '0 3 * * *', timezone: 'Europe/Berlin', grace: '30m' }),
      ],
      ...extra,
    },
    { now: () => clock.t, secrets, ...options },
  );
  const ping = async (path: string, time: number, init: RequestInit = {}) => {
    clock.t = time;
    return vigil.fetch(`https://vigil.test/ping/${path}`, init);
  };
  const tick = async (time: number): Promise<EngineState> => {
    clock.t = time;
    await vigil.tick(time);
    return vigil.ledger.state();
  };
  /** The heartbeat's pings as the ledger stored them (read back after an eviction). */
  const stored = async (id: string) => {
    vigil.ledger.evict();
    return (await vigil.ledger.state()).pings[id];
  };
  return { worker: vigil, clock, sink, ping, tick, stored };
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

  it("a job's output is stored and sent without any configured secret, whichever check it belongs to", async () => {
    const h = setup();
    const output = `posting to ${sinkUrl(`/slack/${h.sink}`)} failed\nsaw token ${NIGHTLY_TOKEN} in env`;
    expect((await h.ping(`${HOURLY_TOKEN}/fail`, T0, { method: 'POST', body: output })).status).toBe(200);
    // Redacted before it is stored: the ledger never holds it.
    const record = await h.stored('hourly-backup');
    // (The Slack URL is a secret URL: it is named by its host.)
    expect(record?.recent[0]?.body).toBe(`posting to secret URL on ${new URL(sinkUrl()).host} failed\nsaw token [redacted] in env`);
    await h.tick(T0 + MINUTE);
    await h.tick(T0 + 2 * MINUTE);
    const alerts = (await received(h.sink)).map((r) => r.body).join("\n");
    expect(alerts).toContain('failed');
    for (const text of [alerts, await ledgerDump(h.worker.config)]) {
      expect(text).not.toContain(`/slack/${h.sink}`);
      expect(text).not.toContain(NIGHTLY_TOKEN);
    }
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
    expect((await h.stored('hourly-backup'))?.lastDurationMs).toBe(40 * MINUTE);
  });

  it('?rid= pairs each start with its own finish when runs overlap (healthchecks.io run ids)', async () => {
    const h = setup();
    await h.ping(`${HOURLY_TOKEN}/start?rid=run-a`, T0);
    await h.ping(`${HOURLY_TOKEN}/start?rid=run-b`, T0 + 10 * MINUTE);
    // run-a finishes after 25 minutes; run-b, which started later, is still running.
    await h.ping(`${HOURLY_TOKEN}?rid=run-a`, T0 + 25 * MINUTE);
    let record = await h.stored('hourly-backup');
    expect(record?.lastDurationMs).toBe(25 * MINUTE);
    expect(record?.running).toEqual({ 'run-b': T0 + 10 * MINUTE });
    expect(view(await h.tick(T0 + 26 * MINUTE), 'hourly-backup')).toEqual({ status: 'up', message: 'running since 2026-11-22 10:10 UTC; last success 1m ago' });
    await h.ping(`${HOURLY_TOKEN}/fail?rid=run-b`, T0 + 30 * MINUTE);
    record = await h.stored('hourly-backup');
    expect(record?.lastDurationMs).toBe(20 * MINUTE);
    expect(record?.running).toBeUndefined();
    // Without run ids, the last start pairs with the next finish, as before.
    await h.ping(`${HOURLY_TOKEN}/start`, T0 + 40 * MINUTE);
    await h.ping(HOURLY_TOKEN, T0 + 45 * MINUTE);
    expect((await h.stored('hourly-backup'))?.lastDurationMs).toBe(5 * MINUTE);
  });

  it('/log sends output without changing the job\'s state (curl -f gets a 200)', async () => {
    const h = setup();
    await h.ping(HOURLY_TOKEN, T0);
    const response = await h.ping(`${HOURLY_TOKEN}/log`, T0 + 5 * MINUTE, { method: 'POST', body: 'rotated 3 files' });
    expect(response.status).toBe(200);
    const record = await h.stored('hourly-backup');
    expect(record?.recent.at(-1)).toMatchObject({ kind: 'log', body: 'rotated 3 files' });
    expect(record?.lastSuccess).toBe(T0);
    expect(view(await h.tick(T0 + 6 * MINUTE), 'hourly-backup')).toEqual({ status: 'up', message: 'last success 6m ago' });
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
    const html = await (await h.worker.fetch('/')).text();
    expect(html).toContain('Last restore test: 23 days ago');
    const api = (await (await h.worker.fetch('/api/status')).json()) as { checks: Array<{ id: string; lastRestoreTestAt?: string }> };
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
    const route = await h.worker.fetch('https://vigil.test/nope');
    expect([unknown.status, wrongAction.status]).toEqual([404, 404]);
    expect(await unknown.text()).toBe(await route.text());
    expect(await h.stored('hourly-backup')).toBeUndefined();
  });

  it('a token shorter than 16 characters is unknown to the route, as to the check', async () => {
    const h = setup({ checks: [heartbeat({ id: 'short', token: secret('SHORT_TOKEN'), period: '1h' })] });
    const response = await h.ping(SHORT_TOKEN, T0);
    const route = await h.worker.fetch('https://vigil.test/nope');
    expect(response.status).toBe(404);
    expect(await response.text()).toBe(await route.text());
    expect(await h.stored('short')).toBeUndefined();
    const state = await h.tick(T0 + MINUTE);
    expect(state.checks.short?.status).toBe('unknown');
    expect(state.checks.short?.message).toMatch(/token is shorter than 16 characters/);
  });

  it('an oversized body is cut at 10 KB and the rest is read and dropped, never an error for the job', async () => {
    const h = setup();
    const request = new Request(`https://vigil.test/ping/${HOURLY_TOKEN}/fail`, { method: 'POST', body: 'x'.repeat(200 * 1024) });
    h.clock.t = T0;
    const response = await h.worker.worker.fetch(request, h.worker.env, { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext);
    expect(response.status).toBe(200);
    // The whole body was consumed (an unread body breaks the client's connection under workerd).
    expect(request.bodyUsed).toBe(true);
    const record = await h.stored('hourly-backup');
    expect(record?.recent[0]?.body?.length).toBe(10 * 1024);
    expect(record?.recent[0]?.truncated).toBe(true);
    // The next ping on the same Worker goes through.
    expect((await h.ping(HOURLY_TOKEN, T0 + MINUTE)).status).toBe(200);
  });

  it('a ping the ledger cannot store is a 503, so `curl --retry` tries again; never a 200 for a lost ping', async () => {
    let refuse = true;
    const h = setup({}, {
      store: (store) => ({
        exec: (query, ...bindings) => {
          if (refuse && query.includes('INTO pings')) throw new Error('SQLITE_IOERR: disk I/O error');
          return store.exec(query, ...bindings);
        },
        transactionSync: (closure) => store.transactionSync(closure),
      }),
    });
    const refused = await h.ping(HOURLY_TOKEN, T0);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    refuse = false;
    expect((await h.ping(HOURLY_TOKEN, T0 + 1000)).status).toBe(200);
    const record = await h.stored('hourly-backup');
    expect(record?.total).toBe(1);
    expect(record?.lastSuccess).toBe(T0 + 1000);
  });

  it(`a job stuck in a loop is answered 429 past ${PINGS_PER_MINUTE} pings a minute (each ping is a Durable Object request)`, async () => {
    const h = setup();
    const statuses: number[] = [];
    for (let i = 0; i < PINGS_PER_MINUTE + 5; i++) statuses.push((await h.ping(HOURLY_TOKEN, T0 + i * 100)).status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(PINGS_PER_MINUTE);
    expect(statuses.slice(PINGS_PER_MINUTE)).toEqual(Array(5).fill(429));
    expect((await h.stored('hourly-backup'))?.total).toBe(PINGS_PER_MINUTE);
    // The next minute it is accepted again.
    expect((await h.ping(HOURLY_TOKEN, T0 + MINUTE)).status).toBe(200);
  });
});

describe('concurrent pings', () => {
  it('simultaneous pings are all stored by the one ledger: nothing lost', async () => {
    const h = setup();
    const actions = ['start', '', 'fail', '3', ''];
    const responses = await Promise.all(actions.map((action) => h.ping(action ? `${HOURLY_TOKEN}/${action}` : HOURLY_TOKEN, T0)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const stored = await h.stored('hourly-backup');
    expect(stored?.total).toBe(5);
    expect(stored?.recent.map((p) => `${p.kind}${p.exitCode ?? ''}`).sort()).toEqual(['fail', 'fail3', 'start', 'success', 'success']);
  });
});
