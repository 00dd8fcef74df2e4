// A tick end to end through the ledger against real targets and the webhook
// sink: transitions, alerts on every channel, idempotency under repeated and
// overlapping ticks, what is stored and when, and the stored outbox.
import { beforeEach, describe, expect, it } from 'vitest';
import { discord, gauge, http, json, metrics, secret, slack, status, value, webhook, type ConfigInput } from '../src/config';
import { kinds } from '../src/kinds';
import type { Config } from '../src/config/types';
import { signWebhook } from '../src/notify/webhook';
import { CountingKV } from '../src/store/kv';
import { SINK_SIGNING_SECRET } from './support/recorded';
import { config, failNext, ledger, ledgerDump, ledgerState, MINUTE, program, published, received, reset, runTick, sinkUrl, T0, targetUrl, testKV, unique } from './helpers';

beforeEach(async () => {
  await reset();
});

interface Setup {
  cfg: Config;
  target: string;
  sinkId: string;
  secrets: Record<string, string>;
}

function setup(overrides: Partial<ConfigInput> = {}, checkExtra: Record<string, unknown> = {}): Setup {
  const target = unique('api');
  const sinkId = unique('team');
  const cfg = config({
    page: { title: 'Test', url: 'https://status.example.com' },
    channels: {
      ops: slack({ webhookUrl: secret('SLACK_URL') }),
      dev: discord({ webhookUrl: secret('DISCORD_URL') }),
      hooks: webhook({ url: secret('HOOK_URL'), signingSecret: secret('HOOK_SECRET') }),
    },
    checks: [
      http({
        id: 'api',
        name: 'API health',
        group: 'API',
        url: targetUrl(`/p/${target}`),
        expect: [status(200), json('$.status').eq('ok')],
        runbook: 'https://runbooks.example.com/api#health',
        fix: 'railway restart --service api',
        ...checkExtra,
      }),
    ],
    ...overrides,
  });
  const secrets = {
    SLACK_URL: sinkUrl(`/slack/${sinkId}`),
    DISCORD_URL: sinkUrl(`/discord/${sinkId}`),
    HOOK_URL: sinkUrl(`/hook/${sinkId}`),
    HOOK_SECRET: SINK_SIGNING_SECRET,
  };
  return { cfg, target, sinkId, secrets };
}

const at = (minutes: number) => T0 + minutes * MINUTE;

/** The ledger's state, read back from its SQLite storage (as after an eviction). */
async function storedState(cfg: Config) {
  ledger(cfg).evict();
  return ledgerState(cfg);
}

describe('a check going down and recovering', () => {
  it('confirms, alerts once per channel per transition, and records the incident', async () => {
    const { cfg, target, sinkId, secrets } = setup();
    await program(target, { status: 200, json: { status: 'ok' } });
    const first = await runTick(cfg, at(0), { secrets });
    expect(first.transitions).toEqual([{ check: 'api', from: 'unknown', to: 'up' }]);
    expect(first.events).toBe(0); // a first "up" is not news

    await program(target, { status: 503, json: { status: 'maintenance' } });
    const failing = await runTick(cfg, at(1), { secrets });
    expect(failing.transitions).toEqual([]); // one failure is not enough (confirmations.down = 2)
    const confirmed = await runTick(cfg, at(2), { secrets });
    expect(confirmed.transitions).toEqual([{ check: 'api', from: 'up', to: 'down' }]);
    expect(confirmed.delivery).toMatchObject({ attempted: 3, delivered: 3 });
    await runTick(cfg, at(3), { secrets }); // still down: nothing new

    let requests = await received(sinkId);
    expect(requests.map((r) => r.platform).sort()).toEqual(['discord', 'hook', 'slack']);
    for (const request of requests) expect(request.problems).toEqual([]);

    const slackBody = JSON.parse(requests.find((r) => r.platform === 'slack')!.body);
    expect(slackBody.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: '🔴 API health is down', emoji: true } });
    const slackText = JSON.stringify(slackBody);
    expect(slackText).toContain('status = 503, expected 200');
    expect(slackText).toContain('$.status = \\"maintenance\\", expected \\"ok\\"');
    expect(slackText).toContain('<!date^' + Math.floor(at(1) / 1000)); // since the first failure
    expect(slackText).toContain('<https://runbooks.example.com/api#health|Runbook>');
    expect(slackText).toContain('railway restart --service api');

    const discordBody = JSON.parse(requests.find((r) => r.platform === 'discord')!.body);
    expect(discordBody.allowed_mentions).toEqual({ parse: [] });
    expect(discordBody.embeds[0]).toMatchObject({ title: '🔴 API health is down', color: 0xe5484d, url: 'https://runbooks.example.com/api#health' });

    const hook = requests.find((r) => r.platform === 'hook')!;
    const hookBody = JSON.parse(hook.body);
    expect(hookBody).toMatchObject({ type: 'check.down', status: 'down', previousStatus: 'up', check: { id: 'api', name: 'API health', group: 'API' }, runbook: 'https://runbooks.example.com/api#health' });
    expect(hook.signature).toBe('valid'); // verified by the receiver recipe in docs/alerts.md, with node:crypto
    expect(hook.headers['x-vigil-signature']).toBe(`v1=${await signWebhook(SINK_SIGNING_SECRET, Number(hook.headers['x-vigil-timestamp']), hook.body)}`);
    // Signed when sent (the receiver's five-minute tolerance holds), not at the tick's scheduled time.
    expect(Math.abs(Number(hook.headers['x-vigil-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(hook.headers['x-vigil-delivery']).toBe(hookBody.id);

    let state = await storedState(cfg);
    expect(state.incidents).toEqual([
      expect.objectContaining({ checkId: 'api', status: 'down', startedAt: at(1), cause: 'status = 503, expected 200; $.status = "maintenance", expected "ok"' }),
    ]);
    expect(state.incidents[0]?.endedAt).toBeUndefined();

    await program(target, { status: 200, json: { status: 'ok' } });
    expect((await runTick(cfg, at(4), { secrets })).transitions).toEqual([]); // one success is not enough (confirmations.up = 2)
    const recovered = await runTick(cfg, at(5), { secrets });
    expect(recovered.transitions).toEqual([{ check: 'api', from: 'down', to: 'up' }]);

    requests = await received(sinkId);
    expect(requests).toHaveLength(6);
    for (const request of requests) expect(request.problems).toEqual([]);
    const recovery = JSON.parse(requests.filter((r) => r.platform === 'slack')[1]!.body);
    expect(recovery.blocks[0].text.text).toBe('✅ API health recovered after 3m');
    expect(requests.filter((r) => r.platform === 'hook')[1]?.signature).toBe('valid'); // the recovery too, within the five-minute tolerance
    const recoveryHook = JSON.parse(requests.filter((r) => r.platform === 'hook')[1]!.body);
    expect(recoveryHook).toMatchObject({ type: 'check.recovered', incident: { startedAt: new Date(at(1)).toISOString(), endedAt: new Date(at(4)).toISOString(), durationMs: 3 * MINUTE } });

    state = await storedState(cfg);
    expect(state.incidents[0]).toMatchObject({ startedAt: at(1), endedAt: at(4) });
    expect(state.checks.api?.changes).toEqual([
      [at(0), 'up'],
      [at(1), 'down'],
      [at(4), 'up'],
    ]);
  });

  it('escalates degraded to down inside one incident', async () => {
    const { cfg, target, sinkId, secrets } = setup({}, { expect: [status(200), json('$.queue').below(10).warn(), json('$.queue').below(100)] });
    await program(target, { json: { queue: 1 } });
    await runTick(cfg, at(0), { secrets });
    await program(target, { json: { queue: 50 } });
    await runTick(cfg, at(1), { secrets });
    expect((await runTick(cfg, at(2), { secrets })).transitions).toEqual([{ check: 'api', from: 'up', to: 'degraded' }]);
    await program(target, { json: { queue: 500 } });
    await runTick(cfg, at(3), { secrets });
    expect((await runTick(cfg, at(4), { secrets })).transitions).toEqual([{ check: 'api', from: 'degraded', to: 'down' }]);
    const state = await storedState(cfg);
    expect(state.incidents).toHaveLength(1);
    expect(state.incidents[0]).toMatchObject({ status: 'down', startedAt: at(1) });
    const titles = (await received(sinkId)).filter((r) => r.platform === 'slack').map((r) => JSON.parse(r.body).blocks[0].text.text);
    expect(titles).toEqual(['🟠 API health is degraded', '🔴 API health is down']);
  });
});

describe('idempotency', () => {
  async function driveToDown(s: Setup) {
    await program(s.target, { status: 200, json: { status: 'ok' } });
    await runTick(s.cfg, at(0), { secrets: s.secrets });
    await program(s.target, { status: 500, json: { status: 'error' } });
    await runTick(s.cfg, at(1), { secrets: s.secrets });
  }

  it('a tick delivered twice (same scheduledTime) sends nothing twice', async () => {
    const s = setup();
    await driveToDown(s);
    const once = await runTick(s.cfg, at(2), { secrets: s.secrets });
    const again = await runTick(s.cfg, at(2), { secrets: s.secrets });
    expect(once.events).toBe(1);
    expect(again.skipped).toBe('duplicate');
    // Even after an eviction, from what the ledger stored:
    ledger(s.cfg, { secrets: s.secrets }).evict();
    const replay = await runTick(s.cfg, at(2), { secrets: s.secrets });
    expect(replay.skipped).toBe('duplicate');
    // And an earlier time than the last committed tick does nothing either.
    expect((await runTick(s.cfg, at(1), { secrets: s.secrets })).skipped).toBe('duplicate');
    expect(await received(s.sinkId)).toHaveLength(3);
  });

  it('overlapping ticks (same time and consecutive times at once) send each alert once', async () => {
    const s = setup();
    await driveToDown(s);
    const reports = await Promise.all([
      runTick(s.cfg, at(2), { secrets: s.secrets }),
      runTick(s.cfg, at(2), { secrets: s.secrets }),
      runTick(s.cfg, at(3), { secrets: s.secrets }),
    ]);
    expect(reports.map((r) => r.events)).toEqual([1, 0, 0]);
    expect(reports[1]?.skipped).toBe('duplicate');
    const requests = await received(s.sinkId);
    expect(requests.map((r) => r.platform).sort()).toEqual(['discord', 'hook', 'slack']);
  });
});

describe('an evicted ledger (Cloudflare may evict the Durable Object between any two ticks)', () => {
  it('confirms a failure and a `for` duration on time, from what SQLite holds', async () => {
    const s = setup({}, { expect: [status(200), json('$.queue').below(10).for('2m')] });
    const evicted = (minute: number) => {
      ledger(s.cfg, { secrets: s.secrets }).evict();
      return runTick(s.cfg, at(minute), { secrets: s.secrets });
    };
    await program(s.target, { status: 200, json: { queue: 1 } });
    expect((await evicted(0)).transitions).toEqual([{ check: 'api', from: 'unknown', to: 'up' }]);
    // A 500: the first failure of a streak is stored at once (its row), the second confirms it.
    await program(s.target, { status: 500, json: { queue: 1 } });
    expect((await evicted(1)).rowsWritten).toBeGreaterThanOrEqual(2); // last_tick and the check's row
    expect((await evicted(2)).transitions).toEqual([{ check: 'api', from: 'up', to: 'down' }]);
    await program(s.target, { status: 200, json: { queue: 1 } });
    await evicted(3);
    expect((await evicted(4)).transitions).toEqual([{ check: 'api', from: 'down', to: 'up' }]);
    // A queue over 10 counts after 2 minutes: 5 starts the timer, 7 counts it, 8 confirms it.
    await program(s.target, { status: 200, json: { queue: 50 } });
    await evicted(5);
    await evicted(6);
    await evicted(7);
    const confirmed = await evicted(8);
    expect(confirmed.transitions).toEqual([{ check: 'api', from: 'up', to: 'down' }]);
    // The incident starts at the first failing observation, not when `for` ran out.
    const state = await storedState(s.cfg);
    expect(state.incidents.at(-1)).toMatchObject({ startedAt: at(5) });
  });
});

describe('what a tick stores and publishes', () => {
  it('an unchanged tick writes one row (its time); check rows and the read model follow the flush', async () => {
    const s = setup({ settings: { flushEvery: '5m' } });
    await program(s.target, { status: 200, json: { status: 'ok' } });
    const rows: number[] = [];
    const publishes: Array<string | false> = [];
    for (let minute = 0; minute <= 11; minute++) {
      const report = await runTick(s.cfg, at(minute), { secrets: s.secrets });
      rows.push(report.rowsWritten);
      publishes.push(report.published.reason);
    }
    // Minute 0: the first result and the first publish. Then a flush at minutes 5 and 10: the check's row, and the read model.
    expect(publishes).toEqual(['first', false, false, false, false, 'flush', false, false, false, false, 'flush', false]);
    expect(rows.slice(1)).toEqual([1, 1, 1, 1, 3, 1, 1, 1, 1, 3, 1]); // a flush: last_tick, the check's row, the publisher's budget
    const state = await storedState(s.cfg);
    expect(state.checks.api?.lastRun).toBe(at(10));
    expect((await published())?.view.checks[0]?.lastChecked).toBe(new Date(at(10)).toISOString());
  });

  it('a status change is published at once', async () => {
    const s = setup({ settings: { flushEvery: '15m' } });
    await program(s.target, { status: 200, json: { status: 'ok' } });
    await runTick(s.cfg, at(0), { secrets: s.secrets });
    await program(s.target, { status: 500, json: { status: 'error' } });
    // The unconfirmed failure already changes what the page shows ("checking"): published.
    expect((await runTick(s.cfg, at(1), { secrets: s.secrets })).published.reason).toBe('change');
    expect((await published())?.view.checks[0]).toMatchObject({ status: 'up', checking: { status: 'down' } });
    expect((await runTick(s.cfg, at(2), { secrets: s.secrets })).published.reason).toBe('change');
    const view = (await published())?.view;
    expect(view?.status).toBe('down');
    expect(view?.incidents.open).toHaveLength(1);
  });

  it('a tick reads nothing from KV and writes only the read model', async () => {
    const s = setup();
    await program(s.target, { status: 200, json: { status: 'ok' } });
    const kv = new CountingKV(testKV());
    const report = await runTick(s.cfg, at(0), { secrets: s.secrets, kv });
    expect(report.published.writes).toBe(2);
    // The first start looks for a KV-only deployment to import (one read); after that, none.
    expect(kv.reads).toBe(1);
    expect(kv.writes).toBe(2);
    await runTick(s.cfg, at(1), { secrets: s.secrets, kv });
    expect(kv.reads).toBe(1);
    expect(kv.writes).toBe(2);
  });

  it('secrets never reach the ledger or KV, even when a target echoes them', async () => {
    const s = setup({}, { url: targetUrl('/echo'), headers: { Authorization: secret('API_TOKEN') }, expect: [json('$.headers.authorization').eq('something else')] });
    const secrets = { ...s.secrets, API_TOKEN: 'Bearer tok-9f8e7d6c5b4a' };
    await runTick(s.cfg, at(0), { secrets });
    await runTick(s.cfg, at(1), { secrets });
    const stored = await ledgerDump(s.cfg);
    expect(stored).toContain('$.headers.authorization');
    expect(stored).not.toContain('tok-9f8e7d6c5b4a');
    expect(JSON.stringify(await published())).not.toContain('tok-9f8e7d6c5b4a');
    const requests = await received(s.sinkId);
    expect(requests.length).toBe(3);
    for (const request of requests) expect(request.body).not.toContain('tok-9f8e7d6c5b4a');
  });
});

describe('the outbox', () => {
  async function goDown(s: Setup) {
    await program(s.target, { status: 200, json: { status: 'ok' } });
    await runTick(s.cfg, at(0), { secrets: s.secrets });
    await program(s.target, { status: 500, json: { status: 'error' } });
    await runTick(s.cfg, at(1), { secrets: s.secrets });
  }

  it('retries 5xx on later ticks, and nothing is lost across a restart', async () => {
    const s = setup();
    await goDown(s);
    await failNext(s.sinkId, { mode: '500', times: 3 }); // slack, discord, hook all fail once
    const report = await runTick(s.cfg, at(2), { secrets: s.secrets });
    expect(report.delivery).toMatchObject({ attempted: 3, delivered: 0, retrying: 3 });
    let state = await storedState(s.cfg);
    expect(state.outbox.map((entry) => [entry.channel, entry.attempts, entry.nextAt])).toEqual(
      expect.arrayContaining([
        ['ops', 1, at(3)],
        ['dev', 1, at(3)],
        ['hooks', 1, at(3)],
      ]),
    );
    expect(state.outbox[0]?.lastError).toMatch(/HTTP 500/);
    expect(JSON.stringify(state.outbox)).not.toContain('/slack/'); // webhook URLs are secrets

    // The ledger was evicted: it picks the outbox up from its storage.
    ledger(s.cfg, { secrets: s.secrets }).evict();
    const retry = await runTick(s.cfg, at(3), { secrets: s.secrets });
    expect(retry.delivery).toMatchObject({ attempted: 3, delivered: 3 });
    state = await storedState(s.cfg);
    expect(state.outbox).toEqual([]);
    const delivered = (await received(s.sinkId)).filter((r) => r.status < 300);
    expect(delivered.map((r) => r.platform).sort()).toEqual(['discord', 'hook', 'slack']);
  });

  it('reads only the start of an error page that never ends', async () => {
    const s = setup();
    await goDown(s);
    await failNext(s.sinkId, { mode: 'huge', times: 3 });
    const report = await runTick(s.cfg, at(2), { secrets: s.secrets });
    expect(report.delivery).toMatchObject({ attempted: 3, delivered: 0, retrying: 3 });
    const state = await storedState(s.cfg);
    for (const entry of state.outbox) {
      expect(entry.lastError).toMatch(/: HTTP 500 (<p>internal error<\/p>)+/);
      expect(entry.lastError?.length).toBeLessThan(300);
    }
  });

  it('honours Retry-After on 429', async () => {
    const s = setup();
    await goDown(s);
    await failNext(s.sinkId, { mode: '429', times: 3, retryAfter: 600 });
    await runTick(s.cfg, at(2), { secrets: s.secrets });
    const state = await storedState(s.cfg);
    for (const entry of state.outbox) expect(entry.nextAt).toBe(at(2) + 600_000);
    expect((await runTick(s.cfg, at(3), { secrets: s.secrets })).delivery.attempted).toBe(0);
    expect((await runTick(s.cfg, at(12), { secrets: s.secrets })).delivery).toMatchObject({ attempted: 3, delivered: 3 });
  });

  it('gives up at once on a permanent error and reports it', async () => {
    const s = setup();
    await goDown(s);
    await failNext(s.sinkId, { mode: '404', times: 1 });
    const report = await runTick(s.cfg, at(2), { secrets: s.secrets });
    expect(report.delivery.gaveUp).toBe(1);
    const state = await storedState(s.cfg);
    expect(state.failed).toHaveLength(1);
    expect(state.failed[0]?.error).toMatch(/HTTP 404 no_service/);
  });

  it('gives up after the attempt cap', async () => {
    const s = setup();
    await goDown(s);
    await failNext(s.sinkId, { mode: '500', times: 100 });
    let time = at(2);
    for (let attempt = 0; attempt < 12; attempt++) {
      await runTick(s.cfg, time, { secrets: s.secrets });
      time += 61 * MINUTE; // past the longest backoff
    }
    const state = await storedState(s.cfg);
    expect(state.outbox).toEqual([]);
    expect(state.failed.map((f) => f.channel).sort()).toEqual(['dev', 'hooks', 'ops']);
    const attempts = (await received(s.sinkId)).filter((r) => r.platform === 'slack').length;
    expect(attempts).toBe(10);
  });

  it('a hanging channel is cut at the delivery timeout and does not block others', async () => {
    const s = setup();
    await goDown(s);
    await failNext(s.sinkId, { mode: 'hang', times: 1 }); // the first delivery hangs
    const started = Date.now();
    const report = await runTick(s.cfg, at(2), { secrets: s.secrets });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(report.delivery).toMatchObject({ attempted: 3, delivered: 2, retrying: 1 });
  });
});

describe('isolation', () => {
  it("one check's failure, hang or missing secret never affects another", async () => {
    const healthy = unique('ok');
    await program(healthy, { json: { status: 'ok' } });
    const cfg = config({
      checks: [
        http({ id: 'hangs', url: targetUrl('/hang'), timeout: '2s', retry: false }),
        http({ id: 'no-secret', url: targetUrl('/auth'), headers: { Authorization: secret('MISSING_SECRET') } }),
        http({ id: 'bad-json', url: targetUrl('/badjson'), expect: [json('$.status').eq('ok')] }),
        http({ id: 'huge', url: targetUrl('/huge?mb=20'), expect: [json('$.status').eq('ok')] }),
        http({ id: 'healthy', url: targetUrl(`/p/${healthy}`), expect: [json('$.status').eq('ok')] }),
      ],
    });
    const report = await runTick(cfg, at(0));
    expect(report.ran.sort()).toEqual(['bad-json', 'hangs', 'healthy', 'huge', 'no-secret']);
    const state = await storedState(cfg);
    expect(state.checks.healthy?.status).toBe('up');
    expect(state.checks['no-secret']?.streak?.status).toBe('unknown');
    expect(state.checks.hangs?.message).toBe('timed out after 2s');
    expect(state.checks.huge?.message).toMatch(/larger than the 1 MiB limit/);
  });

  it('a kind that throws (a bug in Vigil) is unknown for its check only, and its secrets stay out of the log', async () => {
    const healthy = unique('ok');
    await program(healthy, { json: { status: 'ok' } });
    const run = kinds.metrics.run;
    // The bug quotes the check's resolved options, as a careless error message might.
    kinds.metrics.run = async (options) => {
      throw new TypeError(`Cannot read properties of undefined (reading 'samples') with ${JSON.stringify(options.headers)}`);
    };
    const logged: string[] = [];
    const error = console.error;
    console.error = (...args: unknown[]) => void logged.push(args.map(String).join(' '));
    try {
      const cfg = config({
        checks: [
          metrics({ id: 'buggy', url: targetUrl('/metrics/x'), headers: { Authorization: secret('METRICS_TOKEN') }, values: { up: gauge('up') }, expect: [value('up').above(0)] }),
          http({ id: 'healthy', url: targetUrl(`/p/${healthy}`), expect: [json('$.status').eq('ok')] }),
        ],
      });
      const report = await runTick(cfg, at(0), { secrets: { METRICS_TOKEN: 'Bearer mt-5ecret-91c' } });
      expect(report.ran.sort()).toEqual(['buggy', 'healthy']);
      const state = await storedState(cfg);
      expect(state.checks.healthy?.status).toBe('up');
      expect(state.checks.buggy?.streak?.status).toBe('unknown');
      expect(state.checks.buggy?.message).toMatch(/^internal error in the metrics check: Cannot read properties of undefined \(reading 'samples'\)/);
      expect(logged.some((line) => line.includes('the metrics kind threw for check "buggy"'))).toBe(true);
      for (const text of [...logged, JSON.stringify(state)]) expect(text).not.toContain('mt-5ecret-91c');
    } finally {
      kinds.metrics.run = run;
      console.error = error;
    }
  });
});
