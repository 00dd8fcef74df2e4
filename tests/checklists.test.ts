// Checklists: schedules in time zones (DST, "first Monday of the quarter"),
// a run over several check kinds posting one digest per channel in each
// platform's format, exactly once under repeated and overlapping ticks, and
// manual tasks going overdue and being marked done through the authenticated
// route (or a heartbeat's ping).
import { beforeEach, describe, expect, it } from 'vitest';
import { checklist, defineConfig, discord, gauge, heartbeat, http, metrics, pg, secret, slack, status, task, telegram, upstash, value, webhook, type ConfigInput } from '../src/config';
import type { Config } from '../src/config/types';
import { validateConfig } from '../src/config/validate';
import { dueChecklists, taskStatus, type Task } from '../src/engine/checklists';
import type { SqlStore } from '../src/ledger/storage';
import { emptyState } from '../src/store/state';
import { taskKey } from '../src/store/tasks';
import type { StatusView } from '../src/store/read-model';
import { config, ledger, ledgerState, MINUTE, program, received, reset, runTick, sinkSigningSecret, sinkUrl, targetUrl, testKV, testVigil, unique } from './helpers';
import { CountingKV } from '../src/store/kv';
import { pgSecrets, viaLocalNeon } from './helpers/pg';
import { redisSecrets } from './helpers/redis';

beforeEach(async () => {
  await reset();
});

const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const ADMIN_TOKEN = 'admin-token-0b8c2f6d9e';

describe('checklist schedules', () => {
  const one = (cron: string, tz: string): Config => config({ checks: [http({ id: 'api', url: 'https://api.example.com/health' })], checklists: [checklist({ id: 'c', cron, tz, items: ['api'] })] });
  /** Every run time in [from, to), found the way ticks find them: minute by minute. */
  const runs = (cfg: Config, from: number, to: number) => {
    const out: string[] = [];
    for (let t = from; t < to; t += MINUTE) for (const run of dueChecklists(cfg, t - MINUTE, t)) out.push(new Date(run.runAt).toISOString());
    return out;
  };

  it('daily at 09:00 Europe/Berlin follows the clock change (07:00 UTC in summer time, 08:00 UTC after)', () => {
    const cfg = one('0 9 * * *', 'Europe/Berlin');
    expect(runs(cfg, Date.UTC(2026, 9, 24, 0, 0), Date.UTC(2026, 9, 27, 0, 0))).toEqual(['2026-10-24T07:00:00.000Z', '2026-10-25T08:00:00.000Z', '2026-10-26T08:00:00.000Z']);
  });

  it('Mondays 08:00 in New York, and the 1st of the month', () => {
    expect(runs(one('0 8 * * 1', 'America/New_York'), Date.UTC(2026, 10, 1), Date.UTC(2026, 10, 17))).toEqual(['2026-11-02T13:00:00.000Z', '2026-11-09T13:00:00.000Z', '2026-11-16T13:00:00.000Z']);
    const monthly = one('0 9 1 * *', 'UTC');
    expect(dueChecklists(monthly, Date.UTC(2026, 11, 1, 8, 59), Date.UTC(2026, 11, 1, 9, 0)).map((run) => run.runAt)).toEqual([Date.UTC(2026, 11, 1, 9, 0)]);
  });

  it('the first Monday of each quarter: "0 8 * 1,4,7,10 1#1"', () => {
    const cfg = one('0 8 * 1,4,7,10 1#1', 'Europe/London');
    // Jan 4 2027 (GMT), Apr 5 2027 (BST: 07:00 UTC), Jul 5, Oct 4.
    const found: string[] = [];
    for (let day = Date.UTC(2026, 11, 1); day < Date.UTC(2027, 11, 1); day += DAY) for (const run of dueChecklists(cfg, day, day + DAY)) found.push(new Date(run.runAt).toISOString());
    expect(found).toEqual(['2027-01-04T08:00:00.000Z', '2027-04-05T07:00:00.000Z', '2027-07-05T07:00:00.000Z', '2027-10-04T07:00:00.000Z']);
  });

  it('after missed ticks a checklist runs once, for its latest time', () => {
    const cfg = one('0 * * * *', 'UTC');
    const found = dueChecklists(cfg, Date.UTC(2026, 10, 22, 6, 30), Date.UTC(2026, 10, 22, 10, 5));
    expect(found.map((run) => new Date(run.runAt).toISOString())).toEqual(['2026-11-22T10:00:00.000Z']);
    // Already run for that time: not again.
    expect(dueChecklists(cfg, Date.UTC(2026, 10, 22, 9, 59), Date.UTC(2026, 10, 22, 10, 5), { c: { lastRun: Date.UTC(2026, 10, 22, 10, 0), firstRun: 0, ok: 1, total: 1, problems: [] } })).toEqual([]);
  });
});

describe('checklist config', () => {
  it('names the checklist, item and field of every problem', () => {
    const first = validateConfig({
      checks: [http({ id: 'api', url: 'https://api.example.com/health' })],
      checklists: [
        checklist({ id: 'daily', cron: '0 9 * * *', tz: 'Mars/Olympus', items: ['api'] }),
        checklist({ id: 'weekly', cron: '0 9 * * 8', items: ['api'] }),
        checklist({ id: 'empty', cron: '0 9 * * 1', items: [] }),
      ],
    });
    expect(first.ok ? [] : first.problems).toEqual([
      'checklist "daily": tz: "Mars/Olympus" is not an IANA time zone such as "Europe/Berlin" or "UTC"',
      expect.stringMatching(/^checklist "weekly": cron: "0 9 \* \* 8" is not a valid cron expression/),
      'checklist "empty": items: must have at least 1 item',
    ]);
    const second = validateConfig({
      channels: { ops: slack({ webhookUrl: 'https://hooks.slack.com/services/T/B/x' }) },
      checks: [http({ id: 'api', url: 'https://api.example.com/health' })],
      checklists: [
        checklist({ id: 'daily', cron: '0 9 * * *', notify: ['pager'], items: ['api', 'no-such-check', task({ id: 'logs', text: 'Review logs', every: 'weekly' })] }),
        checklist({ id: 'weekly', cron: '0 9 * * 1', items: [task({ id: 't', text: 'x', doneBy: 'api' }), 'api', 'api'] }),
      ],
    });
    expect(second.ok ? [] : second.problems).toEqual([
      'checklist "daily": notify[0]: unknown channel "pager"; defined channels: ops',
      'checklist "daily": items[1]: unknown check "no-such-check"',
      'checklist "daily": items[2]: every: expected a duration such as "30s", "5m", "1h" or "7d"',
      'checklist "weekly": items[0]: doneBy: "api" is a http check; expected a heartbeat check, whose ping marks the task done',
      'checklist "weekly": items[2]: id: "api" is already an item of this checklist',
    ]);
  });

  it('a check declared in a checklist runs only with it', () => {
    const result = validateConfig({ checks: [], checklists: [checklist({ id: 'weekly', cron: '0 9 * * 1', items: [http({ id: 'report', url: 'https://api.example.com/report' })] })] });
    expect(result.ok && result.config.checks.map((check) => [check.id, check.schedule])).toEqual([['report', { manual: true }]]);
  });
});

describe('when a manual task is due', () => {
  /** A task's state at each time, after it was done at `doneAt`. */
  const statesAt = (cron: string, tz: string, every: string | undefined, doneAt: number, times: number[]) => {
    const cfg = config({ checks: [], checklists: [checklist({ id: 'c', cron, tz, items: [task({ id: 't', text: 'Do it', ...(every ? { every } : {}) })] })] });
    const list = cfg.checklists[0] as Config['checklists'][number];
    const item = list.items[0] as Task;
    const tasks = { done: { [taskKey('c', 't')]: { at: doneAt, by: 'alice' } } };
    return times.map((time) => taskStatus(item, list, emptyState(), tasks, time).state);
  };

  // The four cases an operator reported: each was overdue at a run although done on time.
  it.each([
    // First Monday of the quarter 09:00 Berlin (08:00 UTC in winter, 07:00 UTC in summer), done at 08:30 UTC on the January run's day.
    ['quarterly "90d", done 2027-01-04 08:30', '0 9 * 1,4,7,10 1#1', 'Europe/Berlin', '90d', Date.UTC(2027, 0, 4, 8, 30), Date.UTC(2027, 3, 5, 7, 0), Date.UTC(2027, 6, 5, 7, 0)],
    // The 1st of the month; January has 31 days, so "30d" used to fall due before the February run.
    ['monthly "30d", done Jan 1', '0 9 1 * *', 'UTC', '30d', Date.UTC(2027, 0, 1, 10, 0), Date.UTC(2027, 1, 1, 9, 0), Date.UTC(2027, 2, 1, 9, 0)],
    // Weekdays only: done on Friday, the next run is Monday.
    ['weekday-daily "1d", done Friday', '0 9 * * 1-5', 'Europe/Berlin', '1d', Date.UTC(2027, 0, 8, 10, 0), Date.UTC(2027, 0, 11, 8, 0), Date.UTC(2027, 0, 12, 8, 0)],
    // Done five minutes before the 09:00 digest: it counts for that run.
    ['daily "1d", done at 08:55', '0 9 * * *', 'UTC', '1d', Date.UTC(2027, 0, 5, 8, 55), Date.UTC(2027, 0, 6, 9, 0), Date.UTC(2027, 0, 7, 9, 0)],
  ])('%s: done until the next run, due (not overdue) at it, overdue only at the run after', (_name, cron, tz, every, doneAt, nextRun, runAfter) => {
    expect(statesAt(cron, tz, every, doneAt, [nextRun - MINUTE, nextRun, runAfter - MINUTE, runAfter])).toEqual(['done', 'due', 'due', 'overdue']);
  });

  it('without `every` a task is due once per run; with a longer `every` at the first run about that long after', () => {
    // Monthly on the 1st, no every: February (28 days) is not skipped.
    expect(statesAt('0 9 1 * *', 'UTC', undefined, Date.UTC(2027, 1, 1, 12, 0), [Date.UTC(2027, 2, 1, 9, 0), Date.UTC(2027, 3, 1, 9, 0)])).toEqual(['due', 'overdue']);
    // Wednesdays and Thursdays (the first gap of the year is not the rule): done Wednesday, due again Thursday.
    const wed = Date.UTC(2027, 0, 6, 9, 0);
    const thu = Date.UTC(2027, 0, 7, 9, 0);
    expect(statesAt('0 9 * * 3,4', 'UTC', undefined, wed + HOUR, [thu - MINUTE, thu, Date.UTC(2027, 0, 13, 9, 0)])).toEqual(['done', 'due', 'overdue']);
    // Weekdays, no every: done Friday, due at Monday's run; done just before a run, it counts for that run.
    expect(statesAt('0 9 * * 1-5', 'UTC', undefined, Date.UTC(2027, 0, 8, 10, 0), [Date.UTC(2027, 0, 11, 9, 0), Date.UTC(2027, 0, 12, 9, 0)])).toEqual(['due', 'overdue']);
    expect(statesAt('0 9 * * *', 'UTC', undefined, Date.UTC(2027, 0, 5, 8, 55), [Date.UTC(2027, 0, 5, 9, 0), Date.UTC(2027, 0, 6, 9, 0), Date.UTC(2027, 0, 7, 9, 0)])).toEqual(['done', 'due', 'overdue']);
    // A "30d" task on a daily checklist, done Nov 25: due again at the Dec 25 run.
    expect(statesAt('0 9 * * *', 'UTC', '30d', Date.UTC(2026, 10, 25, 10, 0), [Date.UTC(2026, 11, 24, 9, 0), Date.UTC(2026, 11, 25, 9, 0), Date.UTC(2026, 11, 26, 9, 0)])).toEqual(['done', 'due', 'overdue']);
  });
});

describe('a checklist run', () => {
  // Monday 2026-11-23 09:00 in Berlin is 08:00 UTC.
  const RUN = Date.UTC(2026, 10, 23, 8, 0);

  function setup(extra: Partial<ConfigInput> = {}) {
    const healthy = unique('healthy');
    const broken = unique('broken');
    const sink = unique('sink');
    const input = defineConfig({
      page: { title: 'Shop', url: 'https://status.example.com' },
      channels: {
        ops: slack({ webhookUrl: secret('SLACK_URL') }),
        dev: discord({ webhookUrl: secret('DISCORD_URL') }),
        bot: telegram({ botToken: secret('TELEGRAM_TOKEN'), chatId: '-100123', apiBase: sinkUrl(`/telegram/${sink}`) }),
        hooks: webhook({ url: secret('HOOK_URL'), signingSecret: secret('HOOK_SECRET') }),
      },
      checks: [
        http({ id: 'api', name: 'API health', url: targetUrl(`/p/${healthy}`), every: '1h' }),
        http({ id: 'checkout', name: 'Checkout', url: targetUrl(`/p/${broken}`), every: '1h', expect: [status(200)] }),
        viaLocalNeon(pg.ping({ id: 'db', name: 'Database', connection: secret('DATABASE_URL'), every: '1h' })),
        upstash.ping({ id: 'cache', name: 'Redis', url: secret('UPSTASH_REDIS_REST_URL'), token: secret('UPSTASH_REDIS_REST_TOKEN'), every: '1h' }),
        heartbeat({ id: 'backup-job', name: 'Nightly backup', token: secret('BACKUP_TOKEN'), period: '1d', grace: '2h' }),
      ],
      checklists: [
        checklist({
          id: 'daily',
          name: 'Daily checklist',
          cron: '0 9 * * *',
          tz: 'Europe/Berlin',
          items: [
            'api',
            'checkout',
            'db',
            'cache',
            metrics({ id: 'app-memory', name: 'App memory', url: targetUrl(`/metrics/${unique('app')}`), values: { rss: gauge('process_resident_memory_bytes') }, expect: [value('rss').unit('bytes').below(1e9)] }),
            task({ id: 'error-logs', text: 'Review error logs', owner: 'on-call', every: '1d' }),
            task({ id: 'rotate', text: 'Rotate API_SECRET', owner: 'alice', every: '30d', public: false }),
            task({ id: 'restore', text: 'Restore drill', doneBy: 'backup-job', every: '30d' }),
          ],
        }),
      ],
      ...extra,
    });
    const secrets = {
      SLACK_URL: sinkUrl(`/slack/${sink}`),
      DISCORD_URL: sinkUrl(`/discord/${sink}`),
      TELEGRAM_TOKEN: '123456:test',
      HOOK_URL: sinkUrl(`/hook/${sink}`),
      HOOK_SECRET: 'whsec-test-signing-secret',
      BACKUP_TOKEN: 'backup-token-1f2e3d4c5b',
      VIGIL_ADMIN_TOKEN: ADMIN_TOKEN,
      ...pgSecrets(),
      ...redisSecrets(),
    };
    return { input, cfg: config(input), secrets, sink, healthy, broken };
  }

  it('runs every kind of item at its time and posts one digest per channel, problems first', async () => {
    const s = setup();
    await program(s.healthy, { json: { status: 'ok' } });
    await program(s.broken, { json: { status: 'ok' } });
    // The checks ran on their own schedule before; at 09:00 Berlin the checklist runs them again.
    await runTick(s.cfg, RUN - HOUR, { secrets: s.secrets });
    await runTick(s.cfg, RUN - MINUTE, { secrets: s.secrets });
    expect(await received(s.sink)).toEqual([]);
    // Checkout starts failing: the digest reports what this run found (the alert waits for its confirmation).
    await program(s.broken, { status: 503, json: { error: 'payment provider timeout' } });
    const report = await runTick(s.cfg, RUN, { secrets: s.secrets });
    expect(report.checklists).toEqual(['daily']);
    expect(report.ran).toEqual(expect.arrayContaining(['api', 'checkout', 'db', 'cache', 'app-memory']));

    const requests = await received(s.sink);
    expect(requests.map((r) => r.platform).sort()).toEqual(['discord', 'hook', 'slack', 'telegram']);
    for (const request of requests) {
      expect(request.problems, request.platform).toEqual([]);
      expect(request.status).toBeLessThan(300);
    }
    const bySink = Object.fromEntries(requests.map((r) => [r.platform, JSON.parse(r.body)]));
    // 8 items: checkout fails, the heartbeat-done restore drill was never pinged (due, not overdue yet), the rest pass.
    const slackDigest = slackParts(bySink.slack.blocks);
    expect(slackDigest[0]).toBe('📋 Daily checklist — 7/8 OK');
    expect(slackDigest[1]).toBe('*Needs attention*\n🔴 Checkout — status = 503, expected 200');
    expect(slackDigest[2]).toBe('*OK*\nAPI health, Database, Redis, App memory');
    // Never-done tasks are due at the first run, by the next one.
    expect(slackDigest[3]).toBe('*Tasks*\n🗓️ Review error logs (on-call) — not done yet; due by 2026-11-24\n🗓️ Rotate API_SECRET (alice) — not done yet; due by 2026-11-24\n🗓️ Restore drill — not done yet; due by 2026-11-24');
    expect(bySink.discord.embeds[0]).toMatchObject({ title: '📋 Daily checklist — 7/8 OK', color: 0xe5484d });
    expect(bySink.discord.embeds[0].description).toContain('**Needs attention**\n🔴 Checkout — status = 503, expected 200');
    expect(bySink.telegram.text).toMatch(/^📋 <b>Daily checklist — 7\/8 OK<\/b>\n\n<b>Needs attention<\/b>\n🔴 Checkout — status = 503, expected 200/);
    expect(bySink.hook).toMatchObject({ type: 'checklist.digest', checklist: { id: 'daily', name: 'Daily checklist' }, runAt: new Date(RUN).toISOString(), ok: 7, total: 8 });
    expect(bySink.hook.items[0]).toEqual({ id: 'checkout', name: 'Checkout', kind: 'check', state: 'failing', detail: 'status = 503, expected 200' });
    expect(requests.find((r) => r.platform === 'hook')?.signature).toBe('valid');
  });

  it('posts once per scheduled run under repeated, overlapping ticks and after an eviction', async () => {
    const s = setup();
    await program(s.healthy, { json: { status: 'ok' } });
    await program(s.broken, { json: { status: 'ok' } });
    const tick = (time: number) => runTick(s.cfg, time, { secrets: s.secrets });
    // Two ticks for the same time at once, then the same time again, then from a ledger that was evicted.
    await Promise.all([tick(RUN), tick(RUN)]);
    await tick(RUN);
    ledger(s.cfg, { secrets: s.secrets }).evict();
    await tick(RUN);
    // The next minute's tick is not 09:00 any more.
    await tick(RUN + MINUTE);
    const requests = await received(s.sink);
    expect(requests.map((r) => r.platform).sort()).toEqual(['discord', 'hook', 'slack', 'telegram']);
    // The next day's run posts again.
    await tick(RUN + DAY);
    expect((await received(s.sink)).length).toBe(8);
  });

  it('a manual task goes overdue and is marked done through the authenticated route (401 without the token)', async () => {
    const s = setup();
    await program(s.healthy, { json: { status: 'ok' } });
    await program(s.broken, { json: { status: 'ok' } });
    let clock = RUN;
    const worker = testVigil(s.input, { now: () => clock, secrets: s.secrets });
    const call = (path: string, init?: RequestInit) => worker.fetch(path, init);
    const lastDigest = async () => {
      // The last digest the webhook received (alerts may arrive around it).
      const digest = JSON.parse((await received(s.sink)).filter((r) => r.platform === 'hook' && r.body.includes('"checklist.digest"')).at(-1)?.body ?? '{}') as { items: Array<{ id: string; state: string; detail: string }> };
      return Object.fromEntries(digest.items.map((item) => [item.id, [item.state, item.detail]]));
    };
    await worker.tick(RUN);
    // Never done, so due at the first run (Monday) and overdue from the next (Tuesday): on Wednesday it is overdue.
    clock = RUN + 2 * DAY;
    await worker.tick(RUN + 2 * DAY);
    expect((await lastDigest())['error-logs']).toEqual(['overdue', 'overdue since 2026-11-24 08:00 UTC; never done']);
    let view = (await (await call('/api/status')).json()) as StatusView;
    expect(view.checklists[0]?.tasks.map((t) => [t.id, t.state])).toEqual([
      ['error-logs', 'overdue'],
      ['restore', 'overdue'],
    ]); // "rotate" is private
    expect(await (await call('/')).text()).toContain('Overdue: Review error logs (due 24 Nov) · Restore drill (due 24 Nov)');

    const path = '/api/checklists/daily/items/error-logs/done';
    const body = JSON.stringify({ by: 'alice', note: 'nothing new since Friday' });
    expect((await call(path, { method: 'POST', body })).status).toBe(401);
    expect((await call(path, { method: 'POST', body, headers: { authorization: 'Bearer admin-token-0b8c2f6d9X' } })).status).toBe(401);
    expect((await call('/api/checklists/daily/items/api/done', { method: 'POST', body, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(404);
    expect((await call(path, { method: 'POST', body: '{"by": 42}', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(400);
    expect((await ledgerState()).tasks['task:daily:error-logs']).toBeUndefined();
    const done = await call(path, { method: 'POST', body, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(done.status).toBe(200);
    // Done at Wednesday's run: it counts for that run, and is next due at Thursday's.
    expect(await done.json()).toEqual({ checklist: 'daily', item: 'error-logs', done: { at: new Date(clock).toISOString(), by: 'alice', note: 'nothing new since Friday' }, nextDue: new Date(RUN + 3 * DAY).toISOString() });
    // Stored by the ledger before the route answered (read back after an eviction).
    worker.ledger.evict();
    expect((await ledgerState()).tasks['task:daily:error-logs']).toEqual({ at: clock, by: 'alice', note: 'nothing new since Friday' });

    view = (await (await call('/api/status')).json()) as StatusView;
    expect(view.checklists[0]?.tasks[0]).toMatchObject({ id: 'error-logs', state: 'done', lastDoneAt: new Date(clock).toISOString() });
    // The restore drill is done by the backup job's heartbeat ping.
    expect((await call('/ping/backup-token-1f2e3d4c5b', { method: 'POST' })).status).toBe(200);
    await worker.tick(RUN + 2 * DAY + HOUR);
    // Thursday: the logs are due again (done for Wednesday, not overdue); the drill (every 30d) is next due in a month.
    clock = RUN + 3 * DAY;
    await worker.tick(RUN + 3 * DAY);
    let states = await lastDigest();
    expect(states['error-logs']).toEqual(['due', 'due by 2026-11-27; last done 2026-11-25 by alice']);
    expect(states.restore).toEqual(['done', 'done 2026-11-25 by heartbeat backup-job; next due 2026-12-25']);
    // Friday: Thursday's occurrence was not done by Friday's run.
    await worker.tick(RUN + 4 * DAY);
    states = await lastDigest();
    expect(states['error-logs']).toEqual(['overdue', 'overdue since 2026-11-27 08:00 UTC; last done 2026-11-25 by alice']);
  });

  it('two tasks marked done at the same moment are both kept: one row each, no KV write', async () => {
    const s = setup();
    const kv = new CountingKV(testKV());
    const worker = testVigil(s.input, { now: () => RUN + HOUR, secrets: s.secrets, kv });
    const mark = async (item: string, by: string) => (await worker.fetch(`/api/checklists/daily/items/${item}/done`, { method: 'POST', body: JSON.stringify({ by }), headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status;
    expect(await Promise.all([mark('error-logs', 'alice'), mark('rotate', 'bob')])).toEqual([200, 200]);
    // The ledger stored both; only the read model was published (a public task changed), within its budget.
    const tasks = (await ledgerState()).tasks;
    expect(Object.keys(tasks).sort()).toEqual(['task:daily:error-logs', 'task:daily:rotate']);
    expect(kv.writes).toBeLessThanOrEqual(4);
    // The tick that runs the checklist sees both.
    const report = await worker.ledger.tick(RUN + DAY);
    expect(report.checklists).toEqual(['daily']);
    const digest = JSON.parse((await received(s.sink)).find((r) => r.platform === 'hook' && r.body.includes('"checklist.digest"'))?.body ?? '{}') as { items: Array<{ id: string; state: string; detail: string }> };
    expect(digest.items.filter((item) => item.id === 'error-logs' || item.id === 'rotate').map((item) => [item.id, item.state, item.detail])).toEqual([
      ['error-logs', 'due', 'due by 2026-11-25; last done 2026-11-23 by alice'],
      ['rotate', 'done', 'done 2026-11-23 by bob; next due 2026-12-23'],
    ]);
  });

  it('a completion the ledger cannot store is a 503 saying to try again, never a 200', async () => {
    const s = setup();
    // The ledger's SQLite refuses the task's row (a storage fault).
    const refusing = (store: SqlStore): SqlStore => ({
      exec: (query, ...bindings) => {
        if (query.includes('INTO tasks')) throw new Error('SQLITE_FULL: database or disk is full');
        return store.exec(query, ...bindings);
      },
      transactionSync: (closure) => store.transactionSync(closure),
    });
    const worker = testVigil(s.input, { now: () => RUN, secrets: s.secrets, store: refusing });
    const response = await worker.fetch('/api/checklists/daily/items/error-logs/done', { method: 'POST', body: JSON.stringify({ by: 'alice' }), headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toEqual({ error: 'could not record the completion; try again in a few seconds' });
    expect((await worker.ledger.state()).tasks).toEqual({});
  });

  it('private items stay off public routes, even a private task sharing its id with a public check, and out of the counts', async () => {
    const web = unique('web');
    const internal = unique('internal');
    const sink = unique('sink');
    const input = defineConfig({
      channels: { hooks: webhook({ url: sinkUrl(`/hook/${sink}`), signingSecret: sinkSigningSecret }) },
      checks: [
        http({ id: 'api', name: 'API', url: targetUrl(`/p/${web}`) }),
        http({ id: 'web', name: 'Web', url: targetUrl(`/p/${web}`) }),
        http({ id: 'internal', name: 'Internal admin', url: targetUrl(`/p/${internal}`), public: false }),
      ],
      checklists: [checklist({ id: 'ops', name: 'Ops', cron: '0 9 * * *', tz: 'UTC', items: ['web', 'internal', task({ id: 'api', text: 'Rotate the partner API key', public: false })] })],
    });
    const cfg = config(input);
    await program(web, { json: { status: 'ok' } });
    await program(internal, { status: 500, json: { error: 'admin console down' } });
    const day = Date.UTC(2026, 10, 23, 9, 0);
    await runTick(cfg, day);
    await runTick(cfg, day + DAY); // the private task (never done) is overdue now; the private check fails
    // The team's digest has all three items.
    const digest = JSON.parse((await received(sink)).filter((r) => r.body.includes('"checklist.digest"')).at(-1)?.body ?? '{}') as { ok: number; total: number; items: Array<{ id: string; state: string }> };
    expect([digest.ok, digest.total, digest.items.map((item) => [item.id, item.state])]).toEqual([1, 3, [['internal', 'failing'], ['api', 'overdue'], ['web', 'ok']]]);
    // The public page and API count and show the public item only.
    const worker = testVigil(input, { now: () => day + DAY + MINUTE });
    const get = async (path: string) => (await worker.fetch(path)).text();
    const view = JSON.parse(await get('/api/status')) as StatusView;
    expect(view.checklists).toEqual([expect.objectContaining({ id: 'ops', ok: 1, total: 1, problems: [], tasks: [] })]);
    const page = await get('/');
    expect(page).toContain('1/1 OK');
    expect(page).not.toContain('Rotate the partner API key');
    expect(page).not.toContain('Internal admin');
  });

  it('without VIGIL_ADMIN_TOKEN the route is off (503), never open', async () => {
    const s = setup();
    const { VIGIL_ADMIN_TOKEN: _token, ...secrets } = s.secrets;
    const worker = testVigil(s.input, { now: () => RUN, secrets });
    const response = await worker.fetch('/api/checklists/daily/items/error-logs/done', { method: 'POST', headers: { authorization: 'Bearer ' } });
    expect(response.status).toBe(503);
    // Nothing was recorded: the task is still never done.
    expect((await worker.ledger.state()).tasks).toEqual({});
  });
});

/** A Slack digest as parts: each bold heading (mrkdwn) with the plain_text lines under it, as a reader sees them. */
function slackParts(blocks: Array<{ type: string; text?: { type: string; text: string } }>): string[] {
  const parts: string[] = [];
  for (const block of blocks) {
    if (block.type === 'section' && block.text?.type === 'plain_text') parts[parts.length - 1] += `\n${block.text.text}`;
    else parts.push(block.text?.text ?? '');
  }
  return parts;
}
