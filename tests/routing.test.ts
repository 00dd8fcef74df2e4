// Who hears about an alert, and when: severities per channel, quiet hours
// that hold alerts until the window opens (or fold them into a digest),
// reminders while a problem lasts, maintenance windows that mute and then
// tell what changed, and dependencies that fold ten alerts into one.
import { beforeEach, describe, expect, it } from 'vitest';
import { checklist, defineConfig, http, json, maintenanceWindow, secret, slack, status, type ConfigInput } from '../src/config';
import { validateConfig } from '../src/config/validate';
import { activeFor, occurrences, upcoming } from '../src/engine/maintenance';
import { insideHours, nextOpening } from '../src/engine/routing';
import type { StatusView } from '../src/store/read-model';
import { config, failNext, ledgerState, MINUTE, program, published, received, reset, runTick, sinkUrl, targetUrl, testVigil, unique } from './helpers';

beforeEach(async () => {
  await reset();
});

const HOUR = 60 * MINUTE;
/** Friday 2026-11-20, times in UTC (Berlin is UTC+1 in November). */
const friday = (hour: number, minute = 0) => Date.UTC(2026, 10, 20, hour, minute);
const BUSINESS_HOURS = { days: 'mon-fri', from: '09:00', to: '18:00', tz: 'Europe/Berlin' };

const ok = { json: { status: 'ok' } };
const degraded = { json: { status: 'degraded' } };
const failing = { status: 500, json: { status: 'error' } };

function setup(build: (urls: Record<string, string>) => Omit<ConfigInput, 'channels'> & { channels?: ConfigInput['channels'] }, names: string[] = ['api']) {
  const targets = Object.fromEntries(names.map((name) => [name, unique(name)]));
  const urls = Object.fromEntries(names.map((name) => [name, targetUrl(`/p/${targets[name]}`)]));
  const sinks = { pager: unique('pager'), chat: unique('chat') };
  const input = defineConfig({
    page: { title: 'Shop', url: 'https://status.example.com' },
    channels: {
      // R38: critical pages at once; warnings to chat in business hours.
      pager: slack({ webhookUrl: secret('PAGER_URL'), severities: ['critical'] }),
      chat: slack({ webhookUrl: secret('CHAT_URL'), severities: ['warning'], hours: BUSINESS_HOURS }),
    },
    ...build(urls),
  });
  const cfg = config(input);
  const secrets = { PAGER_URL: sinkUrl(`/slack/${sinks.pager}`), CHAT_URL: sinkUrl(`/slack/${sinks.chat}`) };
  const titles = async (sink: 'pager' | 'chat') => (await received(sinks[sink])).map((r) => JSON.parse(r.body).blocks[0].text.text as string);
  const bodies = async (sink: 'pager' | 'chat') => (await received(sinks[sink])).map((r) => JSON.parse(r.body) as { text: string; blocks: Array<{ text?: { text: string }; fields?: Array<{ text: string }> }> });
  const at = async (time: number, answers: Record<string, object> = {}) => {
    for (const [name, answer] of Object.entries(answers)) await program(targets[name] as string, answer);
    return runTick(cfg, time, { secrets });
  };
  return { input, cfg, secrets, sinks, titles, bodies, at };
}

const apiCheck = (url: string, extra: Record<string, unknown> = {}) =>
  http({ id: 'api', name: 'API', url, expect: [status(200), json('$.status').eq('ok').warn()], confirmations: { down: 1, up: 1 }, ...extra });

describe('hours', () => {
  const hours = { days: [1, 2, 3, 4, 5], from: 9 * 60, to: 18 * 60, tz: 'Europe/Berlin' };
  it('inside: weekdays 09:00–18:00 local, across the DST change', () => {
    expect(insideHours(hours, friday(8, 0))).toBe(true); // 09:00 in Berlin
    expect(insideHours(hours, friday(7, 59))).toBe(false);
    expect(insideHours(hours, friday(17, 0))).toBe(false); // 18:00
    expect(insideHours(hours, Date.UTC(2026, 10, 21, 10, 0))).toBe(false); // Saturday
    // Summer time: 09:00 in Berlin is 07:00 UTC.
    expect(insideHours(hours, Date.UTC(2026, 9, 23, 7, 0))).toBe(true);
    expect(insideHours(hours, Date.UTC(2026, 9, 26, 7, 0))).toBe(false); // Monday after the change: 08:00 local
  });

  it('the next opening after a Friday night is Monday 09:00 local; overnight windows wrap', () => {
    expect(new Date(nextOpening(hours, friday(21, 0))).toISOString()).toBe('2026-11-23T08:00:00.000Z');
    expect(nextOpening(hours, friday(10, 0))).toBe(friday(10, 0));
    const night = { days: [0, 1, 2, 3, 4, 5, 6], from: 22 * 60, to: 6 * 60, tz: 'UTC' };
    expect(insideHours(night, friday(23, 0))).toBe(true);
    expect(insideHours(night, friday(5, 59))).toBe(true);
    expect(insideHours(night, friday(6, 0))).toBe(false);
    expect(new Date(nextOpening(night, friday(12, 0))).toISOString()).toBe('2026-11-20T22:00:00.000Z');
  });
});

describe('severity routing and quiet hours', () => {
  it('critical pages at once; warnings wait for business hours; the opening brings one message, not a replay', async () => {
    const s = setup((urls) => ({ checks: [apiCheck(urls.api as string)] }));
    await s.at(friday(20, 0), { api: ok });
    // 22:00 Berlin: degraded — a warning, for chat, which is closed until Monday 09:00.
    await s.at(friday(21, 0), { api: degraded });
    expect(await s.titles('pager')).toEqual([]);
    expect(await s.titles('chat')).toEqual([]);
    let state = await ledgerState();
    expect(state.outbox.map((entry) => [entry.channel, entry.event?.type, new Date(entry.nextAt).toISOString()])).toEqual([['chat', 'degraded', '2026-11-23T08:00:00.000Z']]);
    // Then down: critical, so the pager hears at once (chat takes warnings only).
    await s.at(friday(21, 10), { api: failing });
    expect(await s.titles('pager')).toEqual(['🔴 API is down']);
    // Recovered: everyone who heard of it (chat's warning is still held) is told; the pager at once.
    await s.at(friday(21, 30), { api: ok });
    expect(await s.titles('pager')).toEqual(['🔴 API is down', '✅ API recovered after 30m']);
    expect(await s.titles('chat')).toEqual([]);
    // Monday 09:00 Berlin: chat gets one message that says both (the degraded it never heard, and the recovery), marked as held.
    await s.at(Date.UTC(2026, 10, 23, 8, 0), { api: ok });
    const chat = await s.bodies('chat');
    expect(chat.map((body) => body.blocks[0]?.text?.text)).toEqual(['✅ API was degraded for 30m and has recovered']);
    expect(JSON.stringify(chat[0])).toContain('Held (quiet hours) since');
    state = await ledgerState();
    expect(state.outbox).toEqual([]);
  });

  it('a held alert is folded into the next digest to that channel instead of waiting for the opening', async () => {
    const s = setup((urls) => ({
      checks: [apiCheck(urls.api as string)],
      checklists: [checklist({ id: 'morning', name: 'Morning checklist', cron: '30 8 * * *', tz: 'Europe/Berlin', notify: ['chat'], items: ['api'] })],
    }));
    await s.at(friday(20, 0), { api: ok });
    await s.at(friday(21, 0), { api: degraded });
    // Saturday 08:30 Berlin: the digest goes out (digests keep their own time) and carries the held warning.
    await s.at(Date.UTC(2026, 10, 21, 7, 30));
    const chat = await s.bodies('chat');
    expect(chat).toHaveLength(1);
    expect(chat[0]?.blocks[0]?.text?.text).toBe('📋 Morning checklist — 0/1 OK');
    expect(slackParts((chat[0]?.blocks ?? []) as never).find((text) => text.startsWith('*Held during quiet hours*'))).toMatch(/^\*Held during quiet hours\*\n2026-11-20 21:00 UTC API is degraded: \$\.status = "degraded", expected "ok"$/);
    // Monday's opening has no held alert left to send, only that morning's digest.
    await s.at(Date.UTC(2026, 10, 23, 8, 0));
    expect((await s.bodies('chat')).map((body) => body.blocks[0]?.text?.text)).toEqual(['📋 Morning checklist — 0/1 OK', '📋 Morning checklist — 0/1 OK']);
  });
});

describe('held alerts are never silently dropped', () => {
  const MONDAY_OPENING = Date.UTC(2026, 10, 23, 8, 0);

  it('an alert held over the weekend gets its full retries from the opening: one 503 there is retried, not given up', async () => {
    const s = setup((urls) => ({ checks: [apiCheck(urls.api as string)] }));
    await s.at(friday(20, 0), { api: ok });
    await s.at(friday(21, 0), { api: degraded });
    // 59 hours later the channel opens, and answers 503 once.
    await failNext(s.sinks.chat, { mode: '500', times: 1 });
    await s.at(MONDAY_OPENING);
    let state = await ledgerState();
    expect(state.failed).toEqual([]);
    expect(state.outbox.map((entry) => [entry.event?.type, entry.attempts])).toEqual([['degraded', 1]]);
    await s.at(MONDAY_OPENING + 5 * MINUTE);
    expect(await s.titles('chat')).toEqual(['🟠 API is degraded', '🟠 API is degraded']); // the failed attempt, then the delivery
    expect((await received(s.sinks.chat)).map((r) => r.status)).toEqual([500, 200]);
    state = await ledgerState();
    expect(state.outbox).toEqual([]);
  });

  it('held alerts folded into a digest that fails for good are not lost: the next digest carries them', async () => {
    const s = setup((urls) => ({
      checks: [apiCheck(urls.api as string)],
      checklists: [checklist({ id: 'morning', name: 'Morning checklist', cron: '30 8 * * *', tz: 'Europe/Berlin', notify: ['chat'], items: ['api'] })],
    }));
    await s.at(friday(20, 0), { api: ok });
    await s.at(friday(21, 0), { api: degraded });
    // Saturday's digest folds the held warning in, and Slack answers 404 (permanent).
    await failNext(s.sinks.chat, { mode: '404', times: 1 });
    await s.at(Date.UTC(2026, 10, 21, 7, 30));
    const state = await ledgerState();
    expect(state.failed.map((failure) => failure.id)).toEqual([`checklist:morning:${Date.UTC(2026, 10, 21, 7, 30)}>chat`]);
    expect(state.outbox.map((entry) => [entry.event?.type, entry.foldedInto])).toEqual([['degraded', undefined]]);
    // Sunday's digest carries it, and with that delivery it is done.
    await s.at(Date.UTC(2026, 10, 22, 7, 30));
    const chat = await s.bodies('chat');
    expect(chat).toHaveLength(2);
    expect(slackParts((chat[1]?.blocks ?? []) as never).join('\n\n')).toContain('*Held during quiet hours*\n2026-11-20 21:00 UTC API is degraded');
    expect((await ledgerState()).outbox).toEqual([]);
    // Monday's opening sends nothing on its own; that morning's digest has nothing held.
    await s.at(MONDAY_OPENING);
    const titles = await s.titles('chat');
    expect(titles).toEqual(['📋 Morning checklist — 0/1 OK', '📋 Morning checklist — 0/1 OK', '📋 Morning checklist — 0/1 OK']);
    expect(JSON.stringify((await s.bodies('chat'))[2])).not.toContain('Held during quiet hours');
  });
});

describe('reminders', () => {
  it('renotify repeats a down alert every so often while it lasts, then the recovery', async () => {
    const s = setup((urls) => ({ checks: [apiCheck(urls.api as string, { renotify: '1h' })] }));
    const start = friday(10, 0);
    await s.at(start, { api: ok });
    for (let minutes = 10; minutes <= 160; minutes += 30) await s.at(start + minutes * MINUTE, { api: failing });
    await s.at(start + 190 * MINUTE, { api: ok });
    expect(await s.titles('pager')).toEqual(['🔴 API is down', '🔴 API is still down after 1h', '🔴 API is still down after 2h', '✅ API recovered after 3h']);
  });

  it('a reminder held for quiet hours is replaced by the next one: the opening brings one, not 59', async () => {
    const s = setup((urls) => ({ checks: [apiCheck(urls.api as string, { renotify: '1h' })] }));
    await s.at(friday(20, 0), { api: ok });
    await s.at(friday(21, 0), { api: degraded });
    // Degraded all weekend: a reminder every hour, each held for the chat's business hours.
    for (let time = friday(22, 0); time < Date.UTC(2026, 10, 23, 8, 0); time += 60 * MINUTE) await s.at(time);
    const state = await ledgerState();
    expect(state.outbox.map((entry) => entry.event?.type)).toEqual(['degraded', 'reminder']);
    await s.at(Date.UTC(2026, 10, 23, 8, 0));
    expect((await s.titles('chat')).sort()).toEqual(['🟠 API is degraded', '🟠 API is still degraded after 2d 11h']);
  });

  it('is off by default and validated', () => {
    expect(config({ checks: [http({ id: 'a', url: 'https://a.example' })] }).checks[0]?.renotifyMs).toBeUndefined();
    const result = validateConfig({ checks: [http({ id: 'a', url: 'https://a.example', renotify: '1m' })] });
    expect(result.ok ? [] : result.problems).toEqual(['check "a": renotify: at least "5m"']);
  });
});

describe('maintenance windows', () => {
  const T = Date.UTC(2026, 10, 22, 9, 0);
  const window = maintenanceWindow({ id: 'db-upgrade', title: 'Database upgrade', description: 'PostgreSQL 16 → 17', start: '2026-11-22T10:00:00Z', end: '2026-11-22T11:00:00Z', checks: ['api'], announce: '2d' });

  it('announced beforehand, paused and silent during, and what changed is told once after', async () => {
    const s = setup((urls) => ({ checks: [apiCheck(urls.api as string)], maintenance: [window] }));
    const worker = testVigil(s.input, { now: () => clock, secrets: s.secrets });
    let clock = T;
    const view = async () => (await (await worker.fetch('/api/status')).json()) as StatusView;
    const page = async () => (await worker.fetch('/')).text();

    await s.at(T, { api: ok });
    expect((await view()).maintenance.upcoming).toEqual([
      expect.objectContaining({ id: 'db-upgrade', source: 'config', title: 'Database upgrade', description: 'PostgreSQL 16 → 17', start: '2026-11-22T10:00:00.000Z', end: '2026-11-22T11:00:00.000Z', checks: ['API'], checkIds: ['api'] }),
    ]);
    expect(await page()).toContain('Scheduled maintenance');

    // The check keeps running during the window: each tick records its run, latency and what it found.
    clock = T + 65 * MINUTE;
    await s.at(T + 65 * MINUTE, { api: failing });
    const ran = async (time: number) => {
      const api = (await ledgerState()).checks.api;
      return [api?.lastRun, typeof api?.latencyMs, api?.message];
    };
    expect(await ran(T + 65 * MINUTE)).toEqual([T + 65 * MINUTE, 'number', 'status = 500, expected 200; $.status = "error", expected "ok"']);
    await s.at(T + 90 * MINUTE, { api: { ...failing, delayMs: 30 } });
    expect(await ran(T + 90 * MINUTE)).toEqual([T + 90 * MINUTE, 'number', 'status = 500, expected 200; $.status = "error", expected "ok"']);
    expect((await ledgerState()).checks.api?.latencyMs).toBeGreaterThanOrEqual(30);
    expect(await s.titles('pager')).toEqual([]);
    const during = await view();
    expect(during.checks[0]?.lastChecked).toBe(new Date(T + 90 * MINUTE).toISOString());
    expect(during.checks[0]).toMatchObject({ id: 'api', status: 'paused', maintenance: { id: 'db-upgrade', title: 'Database upgrade', until: '2026-11-22T11:00:00.000Z' } });
    expect(during.status).toBe('up'); // a paused check does not turn the banner red
    expect(during.maintenance.active.map((w) => w.id)).toEqual(['db-upgrade']);
    expect(await page()).toContain('Maintenance in progress');

    // Inside the window the failure opened no incident and painted nothing red.
    expect(during.incidents.open).toEqual([]);
    expect((await published())?.view.checks[0]?.days.status.at(-1)).toBe('u');

    // 11:00: the window is over and the check is still down: one alert now; the incident starts here.
    clock = T + 2 * HOUR;
    await s.at(T + 2 * HOUR, { api: failing });
    expect(await s.titles('pager')).toEqual(['🔴 API is down']);
    clock = T + 2 * HOUR + 10 * MINUTE;
    await s.at(T + 2 * HOUR + 10 * MINUTE, { api: ok });
    expect(await s.titles('pager')).toEqual(['🔴 API is down', '✅ API recovered after 10m']);
    // Uptime leaves the window out: 60 minutes up before it, 10 down after it.
    expect((await view()).checks[0]?.uptime['1d']).toBe(85.714);
  });

  it('a check that fails and recovers inside the window never alerts, and opens no incident', async () => {
    const s = setup((urls) => ({ checks: [apiCheck(urls.api as string)], maintenance: [window] }));
    await s.at(T, { api: ok });
    await s.at(T + 65 * MINUTE, { api: failing });
    await s.at(T + 80 * MINUTE, { api: ok });
    // It ran in the window and recorded what it found, but a failure inside it moves nothing: no incident, no red.
    const state = await ledgerState();
    expect(state.checks.api?.lastRun).toBe(T + 80 * MINUTE);
    expect(state.checks.api?.changes.map(([time, status]) => [(time - T) / MINUTE, status])).toEqual([[0, 'up']]);
    expect(state.incidents).toEqual([]);
    await s.at(T + 2 * HOUR, { api: ok });
    expect(await s.titles('pager')).toEqual([]);
    expect((await ledgerState()).checks.api?.muted).toBeUndefined();
  });

  it('recurring windows in a time zone (monthly, 30 minutes, 7 days notice — R40)', () => {
    const cfg = config({
      checks: [http({ id: 'api', url: 'https://api.example.com' })],
      maintenance: [maintenanceWindow({ id: 'monthly', title: 'Monthly maintenance', cron: '0 2 1 * *', tz: 'Europe/Berlin', duration: '30m', announce: '7d' })],
    });
    const monthly = cfg.maintenance[0];
    if (!monthly) throw new Error('no window');
    // 1 Dec 02:00 Berlin is 01:00 UTC.
    expect(occurrences(monthly, Date.UTC(2026, 10, 25), Date.UTC(2026, 11, 5)).map((o) => [new Date(o.start).toISOString(), new Date(o.end).toISOString()])).toEqual([['2026-12-01T01:00:00.000Z', '2026-12-01T01:30:00.000Z']]);
    expect(activeFor(cfg, 'api', Date.UTC(2026, 11, 1, 1, 15))?.window.id).toBe('monthly');
    expect(activeFor(cfg, 'api', Date.UTC(2026, 11, 1, 1, 30))).toBeUndefined();
    expect(upcoming(cfg, Date.UTC(2026, 10, 25)).map((o) => o.window.id)).toEqual(['monthly']);
    expect(upcoming(cfg, Date.UTC(2026, 10, 20))).toEqual([]); // more than 7 days ahead
  });

  it('validation names the window and field', () => {
    const result = validateConfig({
      checks: [http({ id: 'api', url: 'https://api.example.com' })],
      maintenance: [
        maintenanceWindow({ id: 'a', title: 'A', start: '2026-11-22 10:00', end: '2026-11-22T09:00:00Z' }),
        maintenanceWindow({ id: 'b', title: 'B', start: '2026-11-22T10:00:00Z', end: '2026-11-22T09:00:00Z' }),
        maintenanceWindow({ id: 'c', title: 'C', cron: '0 2 * * 0' }),
        maintenanceWindow({ id: 'd', title: 'D', cron: '0 2 * * 0', duration: '1h', checks: ['nope'] }),
      ],
    });
    expect(result.ok ? [] : result.problems).toEqual([
      'maintenance "a": start: expected an ISO time with an offset such as "2026-11-29T02:00:00Z", got "2026-11-22 10:00"',
      'maintenance "b": end: must be after start',
      'maintenance "c": duration: a recurring window needs both cron and duration',
      'maintenance "d": checks[0]: unknown check "nope"',
    ]);
  });
});

describe('dependencies', () => {
  const checks = (urls: Record<string, string>) => [
    http({ id: 'db', name: 'Database', url: urls.db as string, expect: [status(200)], confirmations: { down: 1, up: 1 } }),
    http({ id: 'api', name: 'API', url: urls.api as string, expect: [status(200)], dependsOn: ['db'], confirmations: { down: 1, up: 1 } }),
    http({ id: 'web', name: 'Web', url: urls.web as string, expect: [status(200)], dependsOn: ['api'], confirmations: { down: 1, up: 1 } }),
  ];

  it('one alert for the database with the dependents folded in; after it, what still fails is told', async () => {
    const s = setup((urls) => ({ checks: checks(urls) }), ['db', 'api', 'web']);
    const t = friday(10, 0);
    await s.at(t, { db: ok, api: ok, web: ok });
    await s.at(t + MINUTE, { db: failing, api: failing, web: failing });
    const first = await s.bodies('pager');
    expect(first.map((body) => body.blocks[0]?.text?.text)).toEqual(['🔴 Database is down']);
    expect(first[0]?.text).toContain('Database is down');
    expect(JSON.stringify(first[0]?.blocks)).toContain('Also affected: API (status = 500, expected 200)');
    expect(JSON.stringify(first[0]?.blocks)).toContain('Also affected: Web (status = 500, expected 200)');
    await s.at(t + 2 * MINUTE, { db: failing, api: failing, web: failing });
    expect(await s.titles('pager')).toHaveLength(1);
    // The database recovers; the API does not (its own bug), the web does.
    await s.at(t + 3 * MINUTE, { db: ok, api: failing, web: ok });
    const after = await s.bodies('pager');
    expect(after.map((body) => body.blocks[0]?.text?.text)).toEqual(['🔴 Database is down', '✅ Database recovered after 2m', '🔴 API is down']);
    expect(JSON.stringify(after[1]?.blocks)).toContain('• Also affected while it was down: API (down now)\\n• Also affected while it was down: Web (up now)');
  });

  it('a dependent failing after its dependency joins the open incident quietly', async () => {
    const s = setup((urls) => ({ checks: checks(urls) }), ['db', 'api', 'web']);
    const t = friday(10, 0);
    await s.at(t, { db: ok, api: ok, web: ok });
    await s.at(t + MINUTE, { db: failing, api: ok, web: ok });
    await s.at(t + 2 * MINUTE, { db: failing, api: failing, web: ok });
    await s.at(t + 3 * MINUTE, { db: ok, api: ok, web: ok });
    expect(await s.titles('pager')).toEqual(['🔴 Database is down', '✅ Database recovered after 2m']);
  });

  it('validation: unknown ids, self and cycles', () => {
    const result = validateConfig({
      checks: [
        http({ id: 'a', url: 'https://a.example', dependsOn: ['b'] }),
        http({ id: 'b', url: 'https://b.example', dependsOn: ['c'] }),
        http({ id: 'c', url: 'https://c.example', dependsOn: ['a', 'c', 'zzz'] }),
      ],
    });
    expect(result.ok ? [] : result.problems).toEqual([
      'check "c": dependsOn[1]: a check cannot depend on itself',
      'check "c": dependsOn[2]: unknown check "zzz"',
      'check "a": dependsOn: a cycle: a → b → c → a',
    ]);
  });
});

/** A Slack digest as parts: each bold heading (mrkdwn) with the plain_text lines under it, as a reader sees them. */
function slackParts(blocks: Array<{ type?: string; text?: { type?: string; text: string } }>): string[] {
  const parts: string[] = [];
  for (const block of blocks) {
    if (block.type === 'section' && block.text?.type === 'plain_text') parts[parts.length - 1] += `\n${block.text.text}`;
    else parts.push(block.text?.text ?? '');
  }
  return parts;
}
