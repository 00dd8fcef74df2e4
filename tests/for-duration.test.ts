// An incident with a `for` duration, replayed tick by tick through the ledger
// against a real HTTP target: the failure has to last 5 minutes before it
// counts, but the incident begins at the first failing observation. Its
// alerts, the published page, the incident history and uptime all say so
// (issue 13: a 20-minute breach once read "recovered after 15m").
import { beforeEach, describe, expect, it } from 'vitest';
import { http, slack, status, webhook } from '../src/config';
import type { SlackPayload } from '../src/notify/slack';
import type { WebhookBody } from '../src/notify/webhook';
import { dayAt, READ_MODEL_KEYS, readPublished, type PublishedIncidents } from '../src/store/read-model';
import { config, ledger, MINUTE, program, published, received, reset, sinkSigningSecret, sinkUrl, T0, targetUrl, testKV, unique } from './helpers';

beforeEach(async () => {
  await reset();
});

const at = (minutes: number) => T0 + minutes * MINUTE;
const iso = (minutes: number) => new Date(at(minutes)).toISOString();

/** The check under `for('5m')` with no channel: up at minute 0, its target answering 503 from then on. */
async function failingFromMinute1() {
  const target = unique('api');
  const cfg = config({
    page: { title: 'Shop' },
    checks: [http({ id: 'api', name: 'API', url: targetUrl(`/p/${target}`), expect: [status(200).for('5m')], confirmations: { down: 2, up: 2 } })],
  });
  const vigil = ledger(cfg);
  await program(target, { status: 200 });
  await vigil.tick(at(0));
  await program(target, { status: 503 });
  return { vigil, target };
}

describe('an incident with a `for` duration', () => {
  it('starts at the first failing observation: alerts, page, incident history and uptime count the whole 20 minutes', async () => {
    const target = unique('api');
    const sinkId = unique('for');
    const cfg = config({
      page: { title: 'Shop', url: 'https://status.example.com' },
      channels: {
        hooks: webhook({ url: sinkUrl(`/hook/${sinkId}`), signingSecret: sinkSigningSecret }),
        chat: slack({ webhookUrl: sinkUrl(`/slack/${sinkId}`) }),
      },
      checks: [http({ id: 'api', name: 'API', url: targetUrl(`/p/${target}`), expect: [status(200).for('5m')], confirmations: { down: 2, up: 2 } })],
    });
    const vigil = ledger(cfg);
    const reports = new Map<number, Awaited<ReturnType<typeof vigil.tick>>>();
    const tick = async (minute: number) => reports.set(minute, await vigil.tick(at(minute)));

    // Up at minute 0; 503 from minute 1 to minute 20 (20 minutes); 200 again from minute 21.
    await program(target, { status: 200 });
    await tick(0);
    await program(target, { status: 503 });
    for (let minute = 1; minute <= 20; minute++) await tick(minute);
    await program(target, { status: 200 });
    for (let minute = 21; minute <= 30; minute++) await tick(minute);

    // The 503 counts from minute 6 (5 minutes after minute 1); the second counted run confirms it at minute 7.
    const transitions = [...reports].filter(([, report]) => report.transitions.length > 0).map(([minute, report]) => [minute, report.transitions]);
    expect(transitions).toEqual([
      [0, [{ check: 'api', from: 'unknown', to: 'up' }]],
      [7, [{ check: 'api', from: 'up', to: 'down' }]],
      [22, [{ check: 'api', from: 'down', to: 'up' }]],
    ]);

    // The webhook: the incident and `since` begin at minute 1, not at minute 6 when `for` ran out.
    const hooks = (await received(sinkId)).filter((request) => request.platform === 'hook').map((request) => JSON.parse(request.body) as WebhookBody);
    expect(hooks.map((body) => body.type)).toEqual(['check.down', 'check.recovered']);
    const [down, recovered] = hooks as [WebhookBody, WebhookBody];
    expect(down.occurredAt).toBe(iso(7));
    expect(down.since).toBe(iso(1));
    expect(down.incident).toEqual({ id: `api-${at(1).toString(36)}`, startedAt: iso(1) });
    expect(down.text).toContain('Since: 2026-11-22 10:01 UTC');
    // The recovery: 20 minutes, from minute 1 to minute 21 (the first passing run).
    expect(recovered.incident).toEqual({ id: down.incident?.id, startedAt: iso(1), endedAt: iso(21), durationMs: 20 * MINUTE });
    expect(recovered.since).toBe(iso(21));
    expect(recovered.text).toMatch(/^API recovered after 20m: /);
    expect(recovered.text).toContain('Down since: 2026-11-22 10:01 UTC · Outage: 20m');
    const slackHeaders = (await received(sinkId)).filter((request) => request.platform === 'slack').map((request) => (JSON.parse(request.body) as SlackPayload).blocks[0]);
    expect(slackHeaders).toEqual([
      { type: 'header', text: { type: 'plain_text', text: '🔴 API is down', emoji: true } },
      { type: 'header', text: { type: 'plain_text', text: '✅ API recovered after 20m', emoji: true } },
    ]);

    // The ledger's incident and its timeline.
    const [incident] = (await vigil.state()).incidents;
    expect(incident).toMatchObject({ startedAt: at(1), endedAt: at(21) });
    expect(incident?.updates?.map((update) => [update.at, update.state, update.text])).toEqual([
      [at(7), 'investigating', 'Vigil detected that API is down: status = 503, expected 200'],
      [at(22), 'resolved', 'API recovered after 20m.'],
    ]);

    // The page as published when the recovery was confirmed (minute 22).
    expect(reports.get(22)?.published.reason).toBe('change');
    expect(reports.get(7)?.published.reason).toBe('change');
    // (Read back at the end: the page only ever moves forward, so check the incident history key, written with each change.)
    const history = await readPublished<PublishedIncidents>(testKV(), READ_MODEL_KEYS.incidents);
    expect(history?.incidents.map((view) => [view.startedAt, view.endedAt, view.durationSeconds, view.updates.at(-1)?.text])).toEqual([[iso(1), iso(21), 20 * 60, 'API recovered after 20m.']]);
    const page = await published();
    expect(page?.view.incidents.recent.map((view) => [view.startedAt, view.endedAt, view.durationSeconds])).toEqual([[iso(1), iso(21), 20 * 60]]);
    const check = page?.view.checks[0];
    expect(check?.since).toBe(iso(21)); // up since the recovery began
    // Today's bar holds the whole 20 minutes down, and the 1-day uptime counts them:
    // watched since minute 0, so of the time to the publish, 20 minutes were down.
    const publishedAt = page?.publishedAt as number;
    expect(publishedAt).toBeGreaterThanOrEqual(at(22));
    expect(check && dayAt(check.days, check.days.status.length - 1)).toMatchObject({ day: '2026-11-22', status: 'down', downSeconds: 20 * 60 });
    const watched = publishedAt - at(0);
    expect(check?.uptime['1d']).toBe(Math.floor(((watched - 20 * MINUTE) / watched) * 100_000) / 1000);
  }, 60_000);

  it('while the incident is open, the page shows it from the first failing observation', async () => {
    const { vigil } = await failingFromMinute1();
    for (let minute = 1; minute <= 6; minute++) await vigil.tick(at(minute));
    // Counted at minute 6, not confirmed yet: the page says "checking" since minute 1.
    expect((await published())?.view.checks[0]?.checking).toMatchObject({ status: 'down', since: iso(1) });
    const confirmed = await vigil.tick(at(7));
    expect(confirmed.published.reason).toBe('change');
    const view = (await published())?.view;
    expect(view?.checks[0]).toMatchObject({ status: 'down', since: iso(1) });
    expect(view?.incidents.open.map((incident) => [incident.startedAt, incident.durationSeconds])).toEqual([[iso(1), 6 * 60]]);
    // 1 minute up, 6 down so far.
    expect(view?.checks[0]?.uptime['1d']).toBe(Math.floor((1 / 7) * 100_000) / 1000);
  });

  it('the day it happened is rolled up with the whole 20 minutes down', async () => {
    const { vigil, target } = await failingFromMinute1();
    for (let minute = 1; minute <= 20; minute++) await vigil.tick(at(minute));
    await program(target, { status: 200 });
    for (let minute = 21; minute <= 22; minute++) await vigil.tick(at(minute));
    // The first tick of the next UTC day (2026-11-23 00:00) rolls 2026-11-22 up: watched from 10:00, down 10:01-10:21.
    const midnight = 14 * 60;
    expect((await vigil.tick(at(midnight))).published.reason).not.toBe(false);
    const rollup = (await vigil.state()).history['2026-11-22']?.api;
    expect(rollup?.slice(0, 4)).toEqual([(midnight - 20) * 60, 0, 20 * 60, 0]);
    const check = (await published())?.view.checks[0];
    expect(check && dayAt(check.days, check.days.status.length - 2)).toMatchObject({ day: '2026-11-22', status: 'down', downSeconds: 20 * 60 });
    // 7 days: yesterday's roll-up (today has not begun): 820 minutes up, 20 down.
    expect(check?.uptime['7d']).toBe(Math.floor(((midnight - 20) / midnight) * 100_000) / 1000);
  });
});
