// Escalation and acknowledgement through ticks: a problem nobody acknowledges
// reaches more channels step by step; acknowledging (the signed link in the
// alert, or the admin API) stops the escalation and the reminders and shows
// on the page; several steps widen it further, each once, and an
// acknowledgement stops the steps still to come; quiet hours hold an
// escalation, maintenance mutes it; and one full incident (trigger, reminder,
// escalation, acknowledgement, recovery) for every channel type, at the sink
// that answers as each platform does (Cloudflare Email: a send_email binding).
import { beforeEach, describe, expect, it } from 'vitest';
import { discord, email, googleChat, http, mattermost, maintenanceWindow, ntfy, opsgenie, pagerduty, pushover, secret, slack, status, teams, telegram, webhook, type ChannelInputs, type ConfigInput } from '../src/config';
import type { ChannelType } from '../src/notify';
import { ACK_LINK_TTL_MS } from '../src/notify/ack-link';
import { MINUTE, program, published, received, reset, sinkSigningSecret, sinkUrl, T0, targetUrl, testVigil, unique, workerEnv } from './helpers';
import { fakeSendEmail } from './helpers/send-email';

beforeEach(async () => {
  await reset();
});

const ADMIN_TOKEN = 'admin-token-escalation-0123';
const at = (minutes: number) => T0 + minutes * MINUTE;

/** The alert titles (or subjects) a sink recorded, in order, whatever the platform. */
async function texts(id: string): Promise<string[]> {
  return (await received(id)).map((request) => request.body);
}

function scenario(primary: (id: string) => ChannelInputs, secondary: (id: string) => ChannelInputs, extra: Partial<ConfigInput> = {}, secrets: Record<string, string> = {}) {
  const target = unique('api');
  const sinks = { primary: unique('primary'), secondary: unique('secondary') };
  let clock = T0;
  const input: ConfigInput = {
    page: { title: 'Shop', url: 'https://status.example.com' },
    channels: { primary: primary(sinks.primary), secondary: secondary(sinks.secondary) },
    checks: [
      http({ id: 'api', name: 'API', url: targetUrl(`/p/${target}`), expect: [status(200)], notify: ['primary'], renotify: '10m', escalate: [{ after: '15m', notify: ['secondary'] }], confirmations: { down: 2, up: 2 } }),
    ],
    ...extra,
  };
  const worker = testVigil(input, { now: () => clock, secrets: { VIGIL_ADMIN_TOKEN: ADMIN_TOKEN, ...secrets } });
  const tick = async (minutes: number, answer?: { status: number }) => {
    if (answer) await program(target, answer);
    clock = at(minutes);
    return worker.ledger.tick(at(minutes));
  };
  return { worker, sinks, tick, setClock: (time: number) => (clock = time) };
}

const hook = (id: string) => webhook({ url: sinkUrl(`/hook/${id}`), signingSecret: sinkSigningSecret });

describe('escalation', () => {
  it('widens step by step while nobody acknowledges; the signed link acknowledges; then only the recovery', async () => {
    const s = scenario(hook, hook);
    await s.tick(0, { status: 200 });
    await s.tick(1, { status: 500 });
    await s.tick(2); // confirmed down (the incident starts at minute 1): the alert
    await s.tick(12); // 10 minutes since the alert: a reminder
    expect(await s.tick(16)).toMatchObject({ events: 1 }); // 15 minutes since it started: the escalation
    const primary = (await texts(s.sinks.primary)).map((body) => JSON.parse(body) as { type: string; text: string; id: string });
    const secondary = (await texts(s.sinks.secondary)).map((body) => JSON.parse(body) as { type: string; text: string });
    expect(primary.map((b) => b.type)).toEqual(['check.down', 'check.reminder']);
    expect(secondary.map((b) => b.type)).toEqual(['check.escalation']);
    expect(secondary[0]?.text).toMatch(/^API is still down after 15m and nobody has acknowledged it/);
    expect(secondary[0]?.text).toContain('Escalation: step 1, unacknowledged after 15m');

    // The alert carries a link that acknowledges this incident only, until it expires.
    const link = /Acknowledge: (\S+)/.exec(primary[0]?.text ?? '')?.[1] as string;
    expect(link).toMatch(/^https:\/\/status\.example\.com\/ack\/api-[a-z0-9]+\?exp=\d+&mac=[0-9a-f]{64}$/);
    // Webhook receivers get both as fields.
    expect((primary[0] as unknown as { acknowledgeUrl?: string }).acknowledgeUrl).toBe(link);
    expect((secondary[0] as unknown as { escalation?: unknown }).escalation).toEqual({ step: 1, after: 15 * MINUTE });
    const path = new URL(link).pathname + new URL(link).search;
    // Opening the link (a chat preview fetches it) acknowledges nothing: it shows a button.
    const page = await s.worker.fetch(path);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post">');
    expect((await s.worker.ledger.state()).incidents[0]?.acknowledged).toBeUndefined();
    // A forged signature, another incident, an expired link: refused.
    const url = new URL(link);
    const post = (target: string, by = 'dana') => s.worker.fetch(target, { method: 'POST', body: new URLSearchParams({ exp: url.searchParams.get('exp') ?? '', mac: url.searchParams.get('mac') ?? '', by }) });
    expect((await s.worker.fetch(url.pathname, { method: 'POST', body: new URLSearchParams({ exp: url.searchParams.get('exp') ?? '', mac: '0'.repeat(64), by: 'x' }) })).status).toBe(403);
    expect((await post('/ack/another-incident')).status).toBe(403);
    s.setClock(at(1) + ACK_LINK_TTL_MS + MINUTE + 2 * MINUTE);
    expect((await post(url.pathname)).status).toBe(403);
    s.setClock(at(17));
    const acked = await post(url.pathname);
    expect(acked.status).toBe(200);
    expect(await acked.text()).toContain('acknowledged by dana');
    expect((await s.worker.ledger.state()).incidents[0]?.acknowledged).toEqual({ by: 'dana', at: at(17) });
    // The page says who acknowledged it.
    expect((await published())?.view.incidents.open[0]?.acknowledged).toEqual({ by: 'dana', at: new Date(at(17)).toISOString() });

    // No more reminders or escalations; the recovery reaches everyone who heard.
    await s.tick(30);
    await s.tick(31, { status: 200 });
    await s.tick(32);
    expect((await texts(s.sinks.primary)).map((body) => (JSON.parse(body) as { type: string }).type)).toEqual(['check.down', 'check.reminder', 'check.recovered']);
    expect((await texts(s.sinks.secondary)).map((body) => (JSON.parse(body) as { type: string }).type)).toEqual(['check.escalation', 'check.recovered']);
  });

  /** Three webhook channels; the check escalates to `secondary` after 15 minutes and to `pager` after 45. */
  function twoSteps() {
    const target = unique('api');
    const sinks = { primary: unique('primary'), secondary: unique('secondary'), pager: unique('pager') };
    const worker = testVigil(
      {
        page: { title: 'Shop', url: 'https://status.example.com' },
        channels: { primary: hook(sinks.primary), secondary: hook(sinks.secondary), pager: hook(sinks.pager) },
        checks: [
          http({
            id: 'api',
            name: 'API',
            url: targetUrl(`/p/${target}`),
            expect: [status(200)],
            notify: ['primary'],
            escalate: [
              { after: '15m', notify: ['secondary'] },
              { after: '45m', notify: ['pager'] },
            ],
          }),
        ],
      },
      { secrets: { VIGIL_ADMIN_TOKEN: ADMIN_TOKEN } },
    );
    const tick = async (minutes: number, answer?: { status: number }) => {
      if (answer) await program(target, answer);
      return worker.ledger.tick(at(minutes));
    };
    const heard = async (channel: keyof typeof sinks) => (await texts(sinks[channel])).map((body) => JSON.parse(body) as { type: string; text: string; escalation?: unknown; incident?: { startedAt: string } });
    return { worker, tick, heard };
  }

  it('two steps: the first at 15 minutes to one channel, the second at 45 to another, each once', async () => {
    const s = twoSteps();
    await s.tick(0, { status: 200 });
    await s.tick(1, { status: 500 });
    await s.tick(2); // confirmed down; the incident began at minute 1
    expect(await s.tick(15)).toMatchObject({ events: 0 }); // 14 minutes: not yet
    expect(await s.tick(16)).toMatchObject({ events: 1 }); // step 1
    expect(await s.tick(30)).toMatchObject({ events: 0 });
    expect(await s.tick(45)).toMatchObject({ events: 0 }); // 44 minutes: not yet
    expect(await s.tick(46)).toMatchObject({ events: 1 }); // step 2
    expect(await s.tick(60)).toMatchObject({ events: 0 }); // no step 3, and no step repeats
    expect((await s.heard('primary')).map((body) => body.type)).toEqual(['check.down']);
    const secondary = await s.heard('secondary');
    const pager = await s.heard('pager');
    expect(secondary.map((body) => [body.type, body.escalation])).toEqual([['check.escalation', { step: 1, after: 15 * MINUTE }]]);
    expect(secondary[0]?.text).toMatch(/^API is still down after 15m and nobody has acknowledged it/);
    expect(secondary[0]?.text).toContain('Escalation: step 1, unacknowledged after 15m');
    expect(pager.map((body) => [body.type, body.escalation])).toEqual([['check.escalation', { step: 2, after: 45 * MINUTE }]]);
    expect(pager[0]?.text).toMatch(/^API is still down after 45m and nobody has acknowledged it/);
    expect(pager[0]?.text).toContain('Escalation: step 2, unacknowledged after 45m');
    expect(pager[0]?.incident?.startedAt).toBe(new Date(at(1)).toISOString());
    // The recovery reaches every channel that heard: the primary and both steps.
    await s.tick(61, { status: 200 });
    await s.tick(62);
    expect((await s.heard('primary')).map((body) => body.type)).toEqual(['check.down', 'check.recovered']);
    expect((await s.heard('secondary')).map((body) => body.type)).toEqual(['check.escalation', 'check.recovered']);
    expect((await s.heard('pager')).map((body) => body.type)).toEqual(['check.escalation', 'check.recovered']);
  });

  it('two steps: an acknowledgement between step 1 and step 2 stops step 2; the recovery goes only to who heard', async () => {
    const s = twoSteps();
    await s.tick(0, { status: 200 });
    await s.tick(1, { status: 500 });
    await s.tick(2);
    await s.tick(16); // step 1
    const incident = (await s.worker.ledger.state()).incidents[0]?.id as string;
    // Acknowledged at minute 20, through the ledger's admin operation (what the admin API and the signed link call).
    expect((await s.worker.ledger.run((core) => core.admin({ op: 'acknowledge', id: incident, by: 'dana' }, at(20)))).ok).toBe(true);
    expect((await s.worker.ledger.state()).incidents[0]?.acknowledged).toEqual({ by: 'dana', at: at(20) });
    for (const minute of [30, 45, 46, 60, 90]) expect(await s.tick(minute)).toMatchObject({ events: 0 });
    expect(await s.heard('pager')).toEqual([]);
    expect((await s.heard('secondary')).map((body) => body.type)).toEqual(['check.escalation']);
    await s.tick(91, { status: 200 });
    await s.tick(92);
    expect((await s.heard('primary')).map((body) => body.type)).toEqual(['check.down', 'check.recovered']);
    expect((await s.heard('secondary')).map((body) => body.type)).toEqual(['check.escalation', 'check.recovered']);
    expect(await s.heard('pager')).toEqual([]);
  });

  it('quiet hours hold an escalation until they open; acknowledging first drops it', async () => {
    // The secondary takes alerts 09:00-17:00 UTC only; the incident starts at 10:01 on a Sunday (T0 is Sunday 2026-11-22).
    const s = scenario(hook, (id) => webhook({ url: sinkUrl(`/hook/${id}`), signingSecret: sinkSigningSecret, hours: { days: 'mon-fri', from: '09:00', to: '17:00', tz: 'UTC' } }));
    await s.tick(0, { status: 200 });
    await s.tick(1, { status: 500 });
    await s.tick(2);
    await s.tick(16);
    expect(await texts(s.sinks.secondary)).toEqual([]);
    const held = (await s.worker.ledger.state()).outbox.filter((entry) => entry.channel === 'secondary');
    expect(held.map((entry) => [entry.event?.type, new Date(entry.nextAt).toISOString()])).toEqual([['escalation', '2026-11-23T09:00:00.000Z']]);
    const incident = (await s.worker.ledger.state()).incidents[0]?.id as string;
    const result = await s.worker.ledger.run((core) => core.admin({ op: 'acknowledge', id: incident, by: 'sam' }, at(20)));
    expect(result.ok).toBe(true);
    // The held escalation is moot now: it never goes out.
    expect((await s.worker.ledger.state()).outbox.filter((entry) => entry.channel === 'secondary')).toEqual([]);
    await s.tick(24 * 60);
    expect(await texts(s.sinks.secondary)).toEqual([]);
  });

  it('a check in a maintenance window does not escalate', async () => {
    const s = scenario(hook, hook, { maintenance: [maintenanceWindow({ id: 'upgrade', title: 'Upgrade', start: new Date(at(5)).toISOString(), end: new Date(at(60)).toISOString(), checks: ['api'] })] });
    await s.tick(0, { status: 200 });
    await s.tick(1, { status: 500 });
    await s.tick(2);
    for (const minute of [10, 16, 30, 45]) await s.tick(minute);
    expect((await texts(s.sinks.primary)).map((body) => (JSON.parse(body) as { type: string }).type)).toEqual(['check.down']);
    expect(await texts(s.sinks.secondary)).toEqual([]);
  });

  it('validation: steps in order, known channels', async () => {
    const { validateConfig } = await import('../src/config/validate');
    const result = validateConfig({
      channels: { a: hook('a') },
      checks: [http({ id: 'api', url: 'https://api.example.com', escalate: [{ after: '30m', notify: ['a'] }, { after: '15m', notify: ['nope'] }] })],
    });
    expect(result.ok ? [] : result.problems).toEqual(['check "api": escalate[1].after: each step comes after the one before it', 'check "api": escalate[1].notify[0]: unknown channel "nope"; defined channels: a']);
  });
});

/**
 * Every channel type, pointed at the sink. Channel `n` (1 primary, 2
 * secondary) has its own URL or its own credentials: vendor hosts are routed
 * to the sink by the ledger's fetch, to the channel whose credential the
 * request carries. Cloudflare Email has no URL: each channel gets its own
 * send_email binding in the Worker's env (tests/helpers/send-email.ts).
 * Typed by ChannelType, so a new channel type without its full incident does
 * not compile.
 */
const CHANNELS: Record<ChannelType, { input: (id: string, n: number) => ChannelInputs; secrets?: (id: string, n: number) => Record<string, string>; binding?: (n: number) => string }> = {
  slack: { input: (id) => slack({ webhookUrl: sinkUrl(`/slack/${id}`) }) },
  discord: { input: (id) => discord({ webhookUrl: sinkUrl(`/discord/${id}`) }) },
  telegram: { input: (id, n) => telegram({ botToken: secret(`TG_TOKEN_${n}`), chatId: -1001234567890, apiBase: sinkUrl(`/telegram/${id}`) }), secrets: (_id, n) => ({ [`TG_TOKEN_${n}`]: `12345${n}:ABC-secret-token` }) },
  webhook: { input: hook },
  teams: { input: (id) => teams({ webhookUrl: sinkUrl(`/teams/${id}`) }) },
  'google-chat': { input: (_id, n) => googleChat({ webhookUrl: secret(`GCHAT_URL_${n}`) }), secrets: (id, n) => ({ [`GCHAT_URL_${n}`]: sinkUrl(`/gchat/${id}?key=AIzaSy-test&token=tok-12${n}`) }) },
  ntfy: { input: (id) => ntfy({ topic: 'vigil-alerts', server: sinkUrl(`/ntfy/${id}`) }) },
  mattermost: { input: (id) => mattermost({ webhookUrl: sinkUrl(`/mattermost/${id}`), username: 'Vigil' }) },
  pagerduty: { input: (_id, n) => pagerduty({ routingKey: secret(`PD_KEY_${n}`) }), secrets: (_id, n) => ({ [`PD_KEY_${n}`]: `R0UT1NGKEY0123456789abcdefABCDE${n}` }) },
  opsgenie: { input: (_id, n) => opsgenie({ apiKey: secret(`OG_KEY_${n}`) }), secrets: (_id, n) => ({ [`OG_KEY_${n}`]: `og-api-key-012345678${n}` }) },
  pushover: { input: (_id, n) => pushover({ token: secret(`PO_TOKEN_${n}`), user: secret('PO_USER') }), secrets: (_id, n) => ({ [`PO_TOKEN_${n}`]: `azGDORePK8gMaC0QOYAMyEEuzJnyU${n}`, PO_USER: 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG' }) },
  resend: { input: (_id, n) => email.resend({ apiKey: secret(`RESEND_KEY_${n}`), from: 'Vigil <vigil@acme.dev>', to: ['ops@acme.dev'] }), secrets: (_id, n) => ({ [`RESEND_KEY_${n}`]: `re_test_012345678${n}` }) },
  postmark: { input: (_id, n) => email.postmark({ serverToken: secret(`PM_TOKEN_${n}`), from: 'vigil@acme.dev', to: 'ops@acme.dev' }), secrets: (_id, n) => ({ [`PM_TOKEN_${n}`]: `pm-server-token-012${n}` }) },
  sendgrid: { input: (_id, n) => email.sendgrid({ apiKey: secret(`SG_KEY_${n}`), from: 'Vigil <vigil@acme.dev>', to: 'ops@acme.dev' }), secrets: (_id, n) => ({ [`SG_KEY_${n}`]: `SG.test-key-012345678${n}` }) },
  mailgun: { input: (_id, n) => email.mailgun({ apiKey: secret(`MG_KEY_${n}`), domain: 'mg.acme.dev', from: 'Vigil <vigil@mg.acme.dev>', to: ['ops@acme.dev'] }), secrets: (_id, n) => ({ [`MG_KEY_${n}`]: `key-0123456789abcde${n}` }) },
  'cloudflare-email': { input: (_id, n) => email.cloudflare({ binding: `ALERT_MAIL_${n}`, from: 'Vigil <vigil@acme.dev>', to: [`oncall-${n}@acme.dev`] }), binding: (n) => `ALERT_MAIL_${n}` },
};
const VENDOR_HOSTS: Record<string, string> = { 'events.pagerduty.com': 'pagerduty', 'api.opsgenie.com': 'opsgenie', 'api.pushover.net': 'pushover', 'api.resend.com': 'resend', 'api.postmarkapp.com': 'postmark', 'api.sendgrid.com': 'sendgrid', 'api.mailgun.net': 'mailgun' };

describe.each(Object.keys(CHANNELS) as ChannelType[])('a full incident on %s', (type) => {
  it('trigger, reminder, escalation, acknowledgement and recovery, each accepted by the platform', async () => {
    const channel = CHANNELS[type];
    const target = unique('api');
    const ids = { 1: unique(`${type}-1`), 2: unique(`${type}-2`) };
    const secrets = { ...channel.secrets?.(ids[1], 1), ...channel.secrets?.(ids[2], 2) };
    const secondaryValues = Object.entries(channel.secrets?.(ids[2], 2) ?? {}).filter(([name]) => name.endsWith('_2')).map(([, value]) => value);
    // The vendor's real host, served by the sink under the id of the channel whose credential the request carries.
    const routed: typeof fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const platform = VENDOR_HOSTS[url.host];
      if (!platform) return fetch(input, init);
      const request = `${JSON.stringify(init?.headers ?? {})} ${typeof init?.body === 'string' ? init.body : init?.body instanceof URLSearchParams ? init.body.toString() : ''}`;
      const secondary = secondaryValues.some((value) => request.includes(value) || request.includes(btoa(`api:${value}`)));
      return fetch(sinkUrl(`/${platform}/${secondary ? ids[2] : ids[1]}${url.pathname}${url.search}`), init);
    };
    // A send_email binding per channel, when the channel sends through one.
    const mailboxes = { 1: fakeSendEmail(), 2: fakeSendEmail() };
    const bindings = channel.binding ? { [channel.binding(1)]: mailboxes[1].binding, [channel.binding(2)]: mailboxes[2].binding } : {};
    let clock = T0;
    const allSecrets = { VIGIL_ADMIN_TOKEN: ADMIN_TOKEN, ...secrets };
    const worker = testVigil(
      {
        page: { title: 'Shop', url: 'https://status.example.com' },
        channels: { primary: channel.input(ids[1], 1), secondary: channel.input(ids[2], 2) },
        checks: [http({ id: 'api', name: 'API', url: targetUrl(`/p/${target}`), notify: ['primary'], renotify: '10m', escalate: [{ after: '15m', notify: ['secondary'] }] })],
      },
      { now: () => clock, secrets: allSecrets, deps: { fetch: routed, env: { ...workerEnv(allSecrets), ...bindings } } },
    );
    const tick = async (minutes: number, answer?: { status: number }) => {
      if (answer) await program(target, answer);
      clock = at(minutes);
      return worker.ledger.tick(at(minutes));
    };
    await tick(0, { status: 200 });
    await tick(1, { status: 503 });
    await tick(2); // trigger
    await tick(12); // reminder (10 minutes after the trigger)
    await tick(16); // escalation (15 minutes after the incident began)
    const incident = (await worker.ledger.state()).incidents[0]?.id as string;
    expect((await worker.ledger.run((core) => core.admin({ op: 'acknowledge', id: incident, by: 'dana' }, at(17)))).ok).toBe(true);
    await tick(27); // acknowledged: no reminder (one would be due at 22)
    await tick(31, { status: 200 });
    await tick(32); // recovery
    // What each channel's platform took, whether it accepted it, and why it would have refused it.
    const heard = async (n: 1 | 2): Promise<Array<{ what: string; text: string; problems: string[]; accepted: boolean }>> =>
      channel.binding
        ? // The binding throws on what it refuses: everything recorded was accepted.
          mailboxes[n].sent.map((mail) => ({ what: `send_email to ${mail.to}`, text: `${mail.parsed.subject}\n${mail.parsed.text}`, problems: mail.problems, accepted: true }))
        : (await received(ids[n])).map((request) => ({
            what: request.path,
            // (Pushover's body is a form: decode it.)
            text: `${request.path} ${request.body.includes('=') && !request.body.startsWith('{') ? decodeURIComponent(request.body.replace(/\+/g, ' ')) : request.body}`,
            problems: request.problems,
            accepted: request.status < 300,
          }));
    const first = await heard(1);
    const second = await heard(2);
    for (const request of [...first, ...second]) {
      expect(request.problems, `${type}: ${request.what}`).toEqual([]);
      expect(request.accepted, `${type}: ${request.what}`).toBe(true);
    }
    // What each heard, in order (a pager's recovery resolves or closes what the trigger opened).
    const kinds = (requests: typeof first) =>
      requests.map(({ text }) => {
        if (/nobody has acknowledged/.test(text)) return 'escalation';
        if (/still down after/.test(text)) return 'reminder';
        if (/recovered|"event_action":"resolve"|\/close/.test(text)) return 'recovery';
        return 'trigger';
      });
    expect(kinds(first)).toEqual(['trigger', 'reminder', 'recovery']);
    expect(kinds(second)).toEqual(['escalation', 'recovery']);
    if (channel.binding) {
      // Each binding sent to its own channel's address only.
      expect(new Set(mailboxes[1].sent.map((mail) => mail.to))).toEqual(new Set(['oncall-1@acme.dev']));
      expect(new Set(mailboxes[2].sent.map((mail) => mail.to))).toEqual(new Set(['oncall-2@acme.dev']));
    }
  }, 60_000);
});
