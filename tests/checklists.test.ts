// Checklists: schedules in time zones (DST, "first Monday of the quarter"),
// a run over several check kinds posting one digest per channel in each
// platform's format, exactly once under repeated and overlapping ticks, and
// manual tasks going overdue and being marked done through the authenticated
// route (or a heartbeat's ping).
import { createExecutionContext, reset, waitOnExecutionContext } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import { checklist, defineConfig, discord, gauge, heartbeat, http, metrics, pg, secret, slack, status, task, telegram, upstash, value, webhook, type ConfigInput } from '../src/config';
import type { Config } from '../src/config/types';
import { validateConfig } from '../src/config/validate';
import { dueChecklists } from '../src/engine/checklists';
import { tick } from '../src/engine/tick';
import type { WorkerEnv } from '../src/env';
import { readState } from '../src/store/kv';
import type { StatusView } from '../src/web/view';
import { createWorker } from '../src/worker';
import { config, freshIsolateKV, MINUTE, program, received, runTick, sinkUrl, targetUrl, testKV, unique, workerEnv } from './helpers';
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
    expect(bySink.slack.blocks[0].text.text).toBe('📋 Daily checklist — 7/8 OK');
    expect(bySink.slack.blocks[1].text.text).toBe('*Needs attention*\n🔴 Checkout — status = 503, expected 200');
    expect(bySink.slack.blocks[2].text.text).toBe('*OK*\nAPI health, Database, Redis, App memory');
    expect(bySink.slack.blocks[3].text.text).toMatch(/^\*Tasks\*\n🗓️ Review error logs \(on-call\) — not done yet; due by 2026-11-24\n🗓️ Rotate API_SECRET \(alice\) — not done yet; due by 2026-12-23\n🗓️ Restore drill — not done yet; due by 2026-12-23$/);
    expect(bySink.discord.embeds[0]).toMatchObject({ title: '📋 Daily checklist — 7/8 OK', color: 0xe5484d });
    expect(bySink.discord.embeds[0].description).toContain('**Needs attention**\n🔴 Checkout — status = 503, expected 200');
    expect(bySink.telegram.text).toMatch(/^📋 <b>Daily checklist — 7\/8 OK<\/b>\n\n<b>Needs attention<\/b>\n🔴 Checkout — status = 503, expected 200/);
    expect(bySink.hook).toMatchObject({ type: 'checklist.digest', checklist: { id: 'daily', name: 'Daily checklist' }, runAt: new Date(RUN).toISOString(), ok: 7, total: 8 });
    expect(bySink.hook.items[0]).toEqual({ id: 'checkout', name: 'Checkout', kind: 'check', state: 'failing', detail: 'status = 503, expected 200' });
    expect(requests.find((r) => r.platform === 'hook')?.signature).toBe('valid');
  });

  it('posts once per scheduled run under repeated, overlapping and fresh-isolate ticks', async () => {
    const s = setup();
    await program(s.healthy, { json: { status: 'ok' } });
    await program(s.broken, { json: { status: 'ok' } });
    const deps = (kv = testKV()) => ({ config: s.cfg, kv, env: workerEnv(s.secrets, kv), fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init) });
    // Two ticks for the same time at once, then the same time again, then from an isolate that never saw them.
    await Promise.all([tick(deps(), RUN), tick(deps(), RUN)]);
    await tick(deps(), RUN);
    await tick(deps(freshIsolateKV().kv), RUN);
    // The next minute's tick is not 09:00 any more.
    await tick(deps(), RUN + MINUTE);
    const requests = await received(s.sink);
    expect(requests.map((r) => r.platform).sort()).toEqual(['discord', 'hook', 'slack', 'telegram']);
    // The next day's run posts again.
    await tick(deps(), RUN + DAY);
    expect((await received(s.sink)).length).toBe(8);
  });

  it('a manual task goes overdue and is marked done through the authenticated route (401 without the token)', async () => {
    const s = setup();
    await program(s.healthy, { json: { status: 'ok' } });
    await program(s.broken, { json: { status: 'ok' } });
    let clock = RUN;
    const worker = createWorker(s.input, { now: () => clock });
    const env = workerEnv(s.secrets) as WorkerEnv;
    const call = async (path: string, init?: RequestInit) => {
      const ctx = createExecutionContext();
      const response = await worker.fetch(new Request(`https://status.example.com${path}`, init), env, ctx);
      await waitOnExecutionContext(ctx);
      return response;
    };
    await runTick(s.cfg, RUN, { secrets: s.secrets });
    // Two days later "Review error logs" (every 1d) is overdue.
    clock = RUN + 2 * DAY;
    await runTick(s.cfg, RUN + 2 * DAY, { secrets: s.secrets });
    const digest = JSON.parse((await received(s.sink)).filter((r) => r.platform === 'hook').at(-1)?.body ?? '{}');
    expect(digest.items[0]).toMatchObject({ id: 'error-logs', state: 'overdue', detail: 'overdue since 2026-11-24 08:00 UTC; never done' });
    let view = (await (await call('/api/status')).json()) as StatusView;
    expect(view.checklists[0]?.tasks.map((t) => [t.id, t.state])).toEqual([
      ['error-logs', 'overdue'],
      ['restore', 'due'],
    ]); // "rotate" is private
    expect(await (await call('/')).text()).toContain('Overdue: Review error logs (due 2026-11-24)');

    const path = '/api/checklists/daily/items/error-logs/done';
    const body = JSON.stringify({ by: 'alice', note: 'nothing new since Friday' });
    expect((await call(path, { method: 'POST', body })).status).toBe(401);
    expect((await call(path, { method: 'POST', body, headers: { authorization: 'Bearer admin-token-0b8c2f6d9X' } })).status).toBe(401);
    expect((await call('/api/checklists/daily/items/api/done', { method: 'POST', body, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(404);
    expect((await call(path, { method: 'POST', body: '{"by": 42}', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(400);
    const done = await call(path, { method: 'POST', body, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(done.status).toBe(200);
    expect(await done.json()).toEqual({ checklist: 'daily', item: 'error-logs', done: { at: new Date(clock).toISOString(), by: 'alice', note: 'nothing new since Friday' }, nextDue: new Date(clock + DAY).toISOString() });

    view = (await (await call('/api/status')).json()) as StatusView;
    expect(view.checklists[0]?.tasks[0]).toMatchObject({ id: 'error-logs', state: 'done', lastDoneAt: new Date(clock).toISOString() });
    // The restore drill is done by the backup job's heartbeat ping.
    expect((await call('/ping/backup-token-1f2e3d4c5b', { method: 'POST' })).status).toBe(200);
    clock = RUN + 3 * DAY;
    await runTick(s.cfg, RUN + 2 * DAY + HOUR, { secrets: s.secrets });
    await runTick(s.cfg, RUN + 3 * DAY, { secrets: s.secrets });
    const next = JSON.parse((await received(s.sink)).filter((r) => r.platform === 'hook').at(-1)?.body ?? '{}');
    const states = Object.fromEntries((next.items as Array<{ id: string; state: string; detail: string }>).map((item) => [item.id, [item.state, item.detail]]));
    expect(states['error-logs']).toEqual(['overdue', 'overdue since 2026-11-26 08:00 UTC; last done 2026-11-25 by alice']);
    expect(states.restore).toEqual(['done', 'done 2026-11-25 by heartbeat backup-job; next due 2026-12-25']);
  });

  it('without VIGIL_ADMIN_TOKEN the route is off (503), never open', async () => {
    const s = setup();
    const worker = createWorker(s.input, { now: () => RUN });
    const { VIGIL_ADMIN_TOKEN: _token, ...secrets } = s.secrets;
    const ctx = createExecutionContext();
    const response = await worker.fetch(new Request('https://status.example.com/api/checklists/daily/items/error-logs/done', { method: 'POST', headers: { authorization: 'Bearer ' } }), workerEnv(secrets) as WorkerEnv, ctx);
    expect(response.status).toBe(503);
    expect(await readState(testKV(), RUN)).toMatchObject({ outbox: [] });
  });
});
