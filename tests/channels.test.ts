// The channels of issue 13 against the sink, which answers as each platform
// does and checks every request against the platform's documented format
// (tests/support/platform-formats.ts). Vendor hosts are the real defaults:
// the test's fetch routes them to the sink, so the URLs Vigil builds
// (regions, paths, query strings) are checked too. Shared cases run for every
// channel: accepted payload with hostile text inert, platform limits, recovery,
// digest, 429 with Retry-After, 5xx, a hung request and a permanent 4xx.
import { describe, expect, it } from 'vitest';
import { email, googleChat, mattermost, ntfy, opsgenie, pagerduty, pushover, secret, task, teams, type ChannelInputs } from '../src/config';
import { validateConfig } from '../src/config/validate';
import type { AlertEvent } from '../src/engine/types';
import { channels, type ChannelType } from '../src/notify';
import { digestMessage, type Digest } from '../src/notify/digest';
import { alertMessage, clip } from '../src/notify/message';
import type { SendContext } from '../src/notify/types';
import type { Recorded } from './support/recorded';
import { config, failNext, MINUTE, received, sinkUrl, T0, unique } from './helpers';
import { hostileAlertEvent } from './helpers/alert-event';
import { fakeSendEmail } from './helpers/send-email';
import { routedFetch } from './helpers/vendors';

const hostile = '@everyone @channel <!channel> <script>alert(1)</script> **bold** _it_ ~strike~ `code` [link](https://evil.example) & <b>x</b>';
const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
const PUSHOVER_TOKEN = 'azGDORePK8gMaC0QOYAMyEEuzJnyUi';
const PUSHOVER_USER = 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG';

const event = (overrides: Partial<AlertEvent> = {}): AlertEvent =>
  hostileAlertEvent(hostile, { incident: { id: 'api-mi9x1c0', startedAt: T0 - 2 * MINUTE }, runbook: 'https://runbooks.example.com/api?step=1&x=2', ...overrides });

const recovered = (): AlertEvent => event({ id: 'api:recovered:2', type: 'recovered', status: 'up', previous: 'down', severity: 'critical', incident: { id: 'api-mi9x1c0', startedAt: T0 - 75 * MINUTE, endedAt: T0 }, fix: undefined, report: undefined });

function digestFixture(overrides: Partial<Digest> = {}): Digest {
  return {
    id: `checklist:daily:${T0}`,
    checklist: { id: 'daily', name: 'Daily checklist' },
    runAt: T0,
    ok: 1,
    total: 3,
    items: [
      { id: 'checkout', name: 'Checkout', kind: 'check', state: 'failing', detail: `status = 503, expected 200 ${hostile}` },
      { id: 'error-logs', name: 'Review error logs', kind: 'task', state: 'overdue', detail: 'overdue since 2026-11-22 08:00 UTC; never done', owner: 'on-call' },
      { id: 'api', name: 'API health', kind: 'check', state: 'ok', detail: 'status = 200' },
    ],
    incidents: [{ check: 'Checkout', status: 'down', startedAt: T0 - 30 * MINUTE, cause: 'status = 503, expected 200' }],
    held: [{ title: 'API health is degraded', summary: 'latency = 2300 ms, expected < 2000 ms', at: T0 - 10 * 60 * MINUTE }],
    ...overrides,
  };
}

type NewType = Exclude<ChannelType, 'slack' | 'discord' | 'telegram' | 'webhook' | 'cloudflare-email'>;

interface Case {
  /** The channel as a config declares it, pointed at the sink under `id`. */
  input(id: string): ChannelInputs;
  /** Secrets the channel references. */
  secrets: Record<string, string>;
  /** The host Vigil must call (vendor APIs), or undefined for webhook URLs. */
  host?: string;
  /** The text a reader sees, to check hostile input stays inert. */
  shown(request: Recorded): string;
  /** Checks that this channel's own text cannot turn target text into formatting or mentions. */
  inert(shown: string): void;
  digests: boolean;
}

const parsed = (request: Recorded) => request.parsed as Record<string, unknown>;
const teamsTexts = (request: Recorded) => JSON.stringify((parsed(request).attachments as Array<{ content: { body: unknown[] } }>)[0]?.content.body);

const CASES: Record<NewType, Case> = {
  pagerduty: {
    input: () => pagerduty({ routingKey: secret('PD_KEY') }),
    secrets: { PD_KEY: ROUTING_KEY },
    host: 'events.pagerduty.com',
    shown: (request) => JSON.stringify(parsed(request)),
    inert: () => undefined, // PagerDuty shows summary and details as plain text
    digests: false,
  },
  opsgenie: {
    input: () => opsgenie({ apiKey: secret('OG_KEY'), region: 'eu' }),
    secrets: { OG_KEY: 'og-api-key-0123456789' },
    host: 'api.eu.opsgenie.com',
    shown: (request) => JSON.stringify(parsed(request)),
    inert: () => undefined, // Opsgenie shows message and description as plain text
    digests: false,
  },
  teams: {
    input: (id) => teams({ webhookUrl: sinkUrl(`/teams/${id}`) }),
    secrets: {},
    shown: teamsTexts,
    inert: (shown) => {
      expect(shown).toContain('\\\\*\\\\*bold\\\\*\\\\*');
      expect(shown).toContain('\\\\_it\\\\_');
      expect(shown).toContain('\\\\[link\\\\](https://evil.example)');
    },
    digests: true,
  },
  'google-chat': {
    input: () => googleChat({ webhookUrl: secret('GCHAT_URL') }),
    secrets: {},
    shown: (request) => JSON.stringify(parsed(request).cardsV2),
    inert: (shown) => {
      expect(shown).not.toContain('<script>');
      expect(shown).not.toContain('<b>x</b>');
      expect(shown).toContain('&lt;script&gt;');
    },
    digests: true,
  },
  ntfy: {
    input: (id) => ntfy({ topic: 'vigil-alerts', server: sinkUrl(`/ntfy/${id}`), token: secret('NTFY_TOKEN') }),
    secrets: { NTFY_TOKEN: 'tk_0123456789abcdefghijklmnopqrs' },
    shown: (request) => `${String(parsed(request).title)}\n${String(parsed(request).message)}`,
    inert: (shown) => expect(shown).toContain('**bold**'), // sent as plain text (no markdown: true), shown as written
    digests: true,
  },
  pushover: {
    input: () => pushover({ token: secret('PO_TOKEN'), user: secret('PO_USER') }),
    secrets: { PO_TOKEN: PUSHOVER_TOKEN, PO_USER: PUSHOVER_USER },
    host: 'api.pushover.net',
    shown: (request) => `${String(parsed(request).title)}\n${String(parsed(request).message)}`,
    inert: (shown) => {
      expect(shown).toContain('<script>'); // plain text (no html=1): shown as written, never interpreted
    },
    digests: true,
  },
  mattermost: {
    input: (id) => mattermost({ webhookUrl: sinkUrl(`/mattermost/${id}`), username: 'Vigil' }),
    secrets: {},
    shown: (request) => JSON.stringify(parsed(request)),
    inert: (shown) => {
      expect(shown).not.toMatch(/@(everyone|channel|here)/);
      expect(shown).toContain('@\u200bchannel');
      expect(shown).toContain('\\\\*\\\\*bold\\\\*\\\\*');
      expect(shown).not.toContain('"blocks"');
    },
    digests: true,
  },
  resend: {
    input: () => email.resend({ apiKey: secret('RESEND_KEY'), from: 'Vigil <vigil@acme.dev>', to: ['ops@acme.dev', 'oncall@acme.dev'] }),
    secrets: { RESEND_KEY: 're_test_0123456789' },
    host: 'api.resend.com',
    shown: (request) => String(parsed(request).html),
    inert: (shown) => expect(shown).toContain('&lt;script&gt;'),
    digests: true,
  },
  postmark: {
    input: () => email.postmark({ serverToken: secret('POSTMARK_TOKEN'), from: 'vigil@acme.dev', to: 'ops@acme.dev' }),
    secrets: { POSTMARK_TOKEN: 'pm-server-token-0123' },
    host: 'api.postmarkapp.com',
    shown: (request) => String(parsed(request).HtmlBody),
    inert: (shown) => expect(shown).toContain('&lt;script&gt;'),
    digests: true,
  },
  sendgrid: {
    input: () => email.sendgrid({ apiKey: secret('SG_KEY'), from: 'Vigil <vigil@acme.dev>', to: 'ops@acme.dev', region: 'eu' }),
    secrets: { SG_KEY: 'SG.test-key-0123456789' },
    host: 'api.eu.sendgrid.com',
    shown: (request) => String((parsed(request).content as Array<{ value: string }>)[1]?.value),
    inert: (shown) => expect(shown).toContain('&lt;script&gt;'),
    digests: true,
  },
  mailgun: {
    input: () => email.mailgun({ apiKey: secret('MG_KEY'), domain: 'mg.acme.dev', from: 'Vigil <vigil@mg.acme.dev>', to: ['ops@acme.dev', 'dev@acme.dev'] }),
    secrets: { MG_KEY: 'key-0123456789abcdef' },
    host: 'api.mailgun.net',
    shown: (request) => String(parsed(request).html),
    inert: (shown) => expect(shown).toContain('&lt;script&gt;'),
    digests: true,
  },
};
// The Google Chat URL carries its credentials (key, token) like the real one; it is a secret.
const gchatSecrets = (id: string) => ({ GCHAT_URL: sinkUrl(`/gchat/${id}?key=AIzaSy-test&token=tok-123`) });

function setup(type: NewType, options: { signalMs?: number; input?: (id: string) => ChannelInputs } = {}) {
  const id = unique(type);
  const testCase = CASES[type];
  const cfg = config({ channels: { c: (options.input ?? testCase.input)(id) }, checks: [] });
  const channel = cfg.channels.c!;
  const secrets: Record<string, string> = { ...testCase.secrets, ...(type === 'google-chat' ? gchatSecrets(id) : {}) };
  const resolve = (value: unknown): unknown => {
    if (value && typeof value === 'object' && '$secret' in value) return secrets[(value as { $secret: string }).$secret];
    if (Array.isArray(value)) return value.map(resolve);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
    return value;
  };
  const hosts: string[] = [];
  const ctx: SendContext = { fetch: routedFetch(id, hosts), signal: AbortSignal.timeout(options.signalMs ?? 5000), now: T0, clock: () => Date.now(), deliveryId: 'api:down:1>c' };
  return { id, options: resolve(channel.options) as never, ctx, hosts, secrets, requests: () => received(id) };
}

async function deliver(type: NewType, e: AlertEvent) {
  const s = setup(type);
  const result = await channels[type].send(s.options, alertMessage(e, 'https://status.example.com'), s.ctx);
  return { result, requests: await s.requests(), hosts: s.hosts, secrets: s.secrets };
}

describe.each(Object.keys(CASES) as NewType[])('%s channel', (type) => {
  const testCase = CASES[type];

  it('delivers a payload the platform accepts, to the documented endpoint, with hostile text inert', async () => {
    const { result, requests, hosts } = await deliver(type, event());
    expect(requests).toHaveLength(1);
    const [request] = requests as [Recorded];
    expect(request.problems).toEqual([]);
    expect(result).toEqual({ ok: true });
    if (testCase.host) expect(hosts).toEqual([testCase.host]);
    const shown = testCase.shown(request);
    expect(shown).toContain('error: connection to server failed');
    testCase.inert(shown);
  });

  it('keeps within the platform limits for huge messages, and never cuts an emoji in half', async () => {
    const long = `${'x'.repeat(20_000)}👍🏽`.repeat(3);
    const emojiAtEveryCut = '🔴'.repeat(20_000);
    const { requests } = await deliver(type, event({ summary: emojiAtEveryCut, details: Array.from({ length: 40 }, () => long), fix: long, check: { id: 'api', name: `x${emojiAtEveryCut}` }, report: Array.from({ length: 20 }, () => long) }));
    expect(requests[0]?.problems).toEqual([]);
  });

  it('renders a recovery (paging channels: resolve/close the incident the alert opened)', async () => {
    const { result, requests } = await deliver(type, recovered());
    expect(result).toEqual({ ok: true });
    const [request] = requests as [Recorded];
    expect(request.problems).toEqual([]);
    if (type === 'pagerduty') expect(parsed(request)).toEqual({ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: 'api-mi9x1c0' });
    else if (type === 'opsgenie') {
      expect(request.path).toMatch(/\/v2\/alerts\/api-mi9x1c0\/close$/);
      expect(request.query).toBe('?identifierType=alias');
    } else expect(testCase.shown(request)).toContain('recovered after 1h 15m');
  });

  it('a 429 waits as long as Retry-After says; a 5xx is retried; a 4xx is not', async () => {
    const s = setup(type);
    const message = alertMessage(event());
    await failNext(s.id, { mode: '429', times: 1, retryAfter: 42 });
    const limited = await channels[type].send(s.options, message, s.ctx);
    expect(limited).toMatchObject({ ok: false, retryable: true, retryAfterMs: 42_000 });
    await failNext(s.id, { mode: '500', times: 1 });
    expect(await channels[type].send(s.options, message, s.ctx)).toMatchObject({ ok: false, retryable: true, error: expect.stringMatching(/HTTP 500/) });
    await failNext(s.id, { mode: '404', times: 1 });
    expect(await channels[type].send(s.options, message, s.ctx)).toMatchObject({ ok: false, retryable: false, error: expect.stringMatching(/HTTP 404/) });
    // No error names a secret or a webhook's path.
    const errors = JSON.stringify([limited]);
    for (const value of Object.values(s.secrets)) expect(errors).not.toContain(value);
  });

  it('a request that hangs times out, and is retried later', async () => {
    const s = setup(type, { signalMs: 600 });
    await failNext(s.id, { mode: 'hang', times: 1 });
    const result = await channels[type].send(s.options, alertMessage(event()), s.ctx);
    expect(result).toMatchObject({ ok: false, retryable: true, error: expect.stringMatching(/timed out/) });
  });

  it('an error page that never ends is read only at its start', async () => {
    const s = setup(type);
    await failNext(s.id, { mode: 'huge', times: 1 });
    const result = await channels[type].send(s.options, alertMessage(event()), s.ctx);
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect((result as { error: string }).error.length).toBeLessThan(400);
  });

  it(testCase.digests ? 'posts a checklist digest the platform accepts' : 'takes no digests: a checklist naming it is a config error, and a default checklist leaves it out', async () => {
    const s = setup(type);
    const message = digestMessage(digestFixture(), 'https://status.example.com');
    const result = await channels[type].sendDigest(s.options, message, s.ctx);
    if (testCase.digests) {
      expect(result).toEqual({ ok: true });
      const [request] = (await s.requests()) as [Recorded];
      expect(request.problems).toEqual([]);
      expect(JSON.stringify(request.parsed)).toContain('Daily checklist');
      return;
    }
    expect(result).toMatchObject({ ok: false, retryable: false });
    const input = (named?: string[]) => ({ channels: { pager: testCase.input('x'), chat: teams({ webhookUrl: 'https://example.com/hook' }) }, checks: [], checklists: [{ id: 'daily', cron: '0 9 * * *', items: [task({ id: 'logs', text: 'Review error logs' })], ...(named ? { notify: named } : {}) }] });
    const refused = validateConfig(input(['pager']));
    expect(refused.ok).toBe(false);
    expect(refused.ok ? [] : refused.problems).toEqual([expect.stringMatching(/^checklist "daily": notify\[0\]: channel "pager" takes no checklist digests: /)]);
    const defaulted = validateConfig(input());
    expect(defaulted.ok && defaulted.config.checklists[0]?.notify).toEqual(['chat']);
  });
});

describe('paging channels follow the incident', () => {
  it('PagerDuty: one dedup_key per incident, severity from the status; a reminder lands on the same alert', async () => {
    const down = await deliver('pagerduty', event());
    const trigger = parsed(down.requests[0]!) as { routing_key: string; event_action: string; dedup_key: string; payload: { severity: string; summary: string; source: string; component: string; custom_details: Record<string, unknown> } };
    expect(trigger).toMatchObject({ routing_key: ROUTING_KEY, event_action: 'trigger', dedup_key: 'api-mi9x1c0', payload: { severity: 'critical', source: 'api', component: 'api' } });
    expect(trigger.payload.summary.startsWith('API <health> is down: $.status')).toBe(true);
    const reminder = await deliver('pagerduty', event({ id: 'api:reminder:3', type: 'reminder', previous: 'down' }));
    expect(parsed(reminder.requests[0]!)).toMatchObject({ event_action: 'trigger', dedup_key: 'api-mi9x1c0' });
    const degraded = await deliver('pagerduty', event({ type: 'degraded', status: 'degraded', severity: 'warning', incident: { id: 'api-other', startedAt: T0 } }));
    expect(parsed(degraded.requests[0]!)).toMatchObject({ dedup_key: 'api-other', payload: { severity: 'warning' } });
    const unknown = await deliver('pagerduty', event({ type: 'unknown', status: 'unknown', severity: 'warning', incident: undefined }));
    expect(parsed(unknown.requests[0]!)).toMatchObject({ dedup_key: 'api:unknown', payload: { severity: 'warning' } });
  });

  it('PagerDuty: an SLO burn and its end share a key', async () => {
    const slo = { objective: 99.9, windowDays: 30, level: 'fast' as const, burnRate: { long: 20, short: 30, longWindow: '1h', shortWindow: '5m', threshold: 14.4 }, availability: 98, budgetRemaining: 50 };
    const burn = await deliver('pagerduty', event({ type: 'burn', incident: undefined, slo }));
    const ended = await deliver('pagerduty', event({ type: 'burn-ended', status: 'up', incident: undefined, slo }));
    expect(parsed(burn.requests[0]!)).toMatchObject({ event_action: 'trigger', dedup_key: 'api:burn', payload: { severity: 'critical' } });
    expect(parsed(ended.requests[0]!)).toMatchObject({ event_action: 'resolve', dedup_key: 'api:burn' });
  });

  it('Opsgenie: GenieKey auth, alias = incident, priority from the status (overridable), EU region', async () => {
    const { requests, hosts } = await deliver('opsgenie', event());
    const [request] = requests as [Recorded];
    expect(hosts).toEqual(['api.eu.opsgenie.com']);
    expect(request.headers.authorization).toBe('GenieKey og-api-key-0123456789');
    expect(request.path).toMatch(/\/v2\/alerts$/);
    expect(request.status).toBe(202);
    expect(parsed(request)).toMatchObject({ alias: 'api-mi9x1c0', priority: 'P1', message: 'API <health> is down', source: 'Vigil', entity: 'api' });
    const s = setup('opsgenie', { input: () => opsgenie({ apiKey: secret('OG_KEY'), priorities: { degraded: 'P2' }, responders: ['ops'] }) });
    await channels.opsgenie.send(s.options, alertMessage(event({ type: 'degraded', status: 'degraded' })), s.ctx);
    const [us] = (await s.requests()) as [Recorded];
    expect(s.hosts).toEqual(['api.opsgenie.com']);
    expect(parsed(us)).toMatchObject({ priority: 'P2', responders: [{ type: 'team', name: 'ops' }] });
  });
});

describe('chat and push details', () => {
  it('Google Chat: one thread per incident, the credentials kept in the URL', async () => {
    const { requests } = await deliver('google-chat', event());
    const [request] = requests as [Recorded];
    expect(parsed(request).thread).toEqual({ threadKey: 'api-mi9x1c0' });
    expect(request.query).toBe('?key=AIzaSy-test&token=tok-123&messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD');
  });

  it('ntfy: JSON to the server root, bearer token, priority and emoji tags from the status', async () => {
    const down = await deliver('ntfy', event());
    const [request] = down.requests as [Recorded];
    expect(request.path).toMatch(/\/$/);
    expect(request.headers.authorization).toBe('Bearer tk_0123456789abcdefghijklmnopqrs');
    expect(parsed(request)).toMatchObject({ topic: 'vigil-alerts', title: 'API <health> is down', priority: 5, tags: ['rotating_light', 'api'], click: 'https://runbooks.example.com/api?step=1&x=2' });
    const degraded = await deliver('ntfy', event({ type: 'degraded', status: 'degraded' }));
    expect(parsed(degraded.requests[0]!)).toMatchObject({ priority: 4, tags: ['warning', 'api'] });
    const good = await deliver('ntfy', recovered());
    expect(parsed(good.requests[0]!)).toMatchObject({ priority: 3, tags: ['white_check_mark', 'api'] });
  });

  it('Pushover: high priority for down; emergency (2, with retry and expire) only when configured', async () => {
    const plain = await deliver('pushover', event());
    expect(parsed(plain.requests[0]!)).toMatchObject({ token: PUSHOVER_TOKEN, user: PUSHOVER_USER, priority: '1', title: 'API <health> is down' });
    expect(parsed(plain.requests[0]!).retry).toBeUndefined();
    const s = setup('pushover', { input: () => pushover({ token: secret('PO_TOKEN'), user: secret('PO_USER'), emergency: { retry: '2m', expire: '2h' } }) });
    await channels.pushover.send(s.options, alertMessage(event()), s.ctx);
    await channels.pushover.send(s.options, alertMessage(event({ type: 'degraded', status: 'degraded' })), s.ctx);
    const [down, degraded] = (await s.requests()) as [Recorded, Recorded];
    expect(down.problems).toEqual([]);
    expect(parsed(down)).toMatchObject({ priority: '2', retry: '120', expire: '7200' });
    expect(parsed(degraded)).toMatchObject({ priority: '0' });
    const refused = validateConfig({ channels: { p: pushover({ token: secret('T'), user: secret('U'), emergency: { retry: '10s', expire: '5h' } }) }, checks: [] });
    expect(refused.ok ? [] : refused.problems).toEqual(['channel "p": emergency.retry: at least "30s" (Pushover\'s minimum)', 'channel "p": emergency.expire: at most "3h" (Pushover stops retrying after 10,800 seconds)']);
  });

  it('Mattermost: Slack-compatible attachments (no Block Kit), colour by status, the webhook username', async () => {
    const { requests } = await deliver('mattermost', event());
    const payload = parsed(requests[0]!) as { username: string; attachments: Array<{ color: string; title: string; title_link: string; footer: string }> };
    expect(payload.username).toBe('Vigil');
    expect(payload.attachments[0]).toMatchObject({ color: '#e5484d', title: '🔴 API <health> is down', title_link: 'https://runbooks.example.com/api?step=1&x=2', footer: 'Vigil · api' });
  });
});

describe('email', () => {
  it('a subject with check, status and time; text and HTML; the delivery id as a header (and Resend idempotency key)', async () => {
    const { requests } = await deliver('resend', event({ check: { id: 'api', name: 'API' } }));
    const [request] = requests as [Recorded];
    expect(request.headers.authorization).toBe('Bearer re_test_0123456789');
    expect(request.headers['idempotency-key']).toBe('api:down:1>c');
    const payload = parsed(request) as { subject: string; text: string; html: string; to: string[]; from: string; headers: Record<string, string> };
    expect(payload.subject).toBe('[Vigil] API is down — 2026-11-22 10:00 UTC');
    expect(payload).toMatchObject({ from: 'Vigil <vigil@acme.dev>', to: ['ops@acme.dev', 'oncall@acme.dev'], headers: { 'X-Vigil-Delivery': 'api:down:1>c' } });
    expect(payload.text.startsWith('API is down: $.status')).toBe(true);
    expect(payload.html).toContain('<h2');
  });

  it('Postmark, SendGrid and Mailgun put the same email in their own request formats', async () => {
    const postmark = parsed((await deliver('postmark', event())).requests[0]!);
    expect(postmark).toMatchObject({ From: 'vigil@acme.dev', To: 'ops@acme.dev', MessageStream: 'outbound', Subject: '[Vigil] API <health> is down — 2026-11-22 10:00 UTC', Headers: [{ Name: 'X-Vigil-Delivery', Value: 'api:down:1>c' }] });
    const sendgrid = (await deliver('sendgrid', event())).requests[0]!;
    expect(sendgrid.status).toBe(202);
    expect(parsed(sendgrid)).toMatchObject({ from: { email: 'vigil@acme.dev', name: 'Vigil' }, personalizations: [{ to: [{ email: 'ops@acme.dev' }] }], content: [{ type: 'text/plain' }, { type: 'text/html' }] });
    const mailgun = (await deliver('mailgun', event())).requests[0]!;
    expect(mailgun.path).toMatch(/\/v3\/mg\.acme\.dev\/messages$/);
    expect(mailgun.headers['content-type']).toMatch(/^multipart\/form-data/);
    expect(mailgun.headers.authorization).toBe(`Basic ${btoa('api:key-0123456789abcdef')}`);
    expect(parsed(mailgun)).toMatchObject({ 'h:X-Vigil-Delivery': 'api:down:1>c', subject: '[Vigil] API <health> is down — 2026-11-22 10:00 UTC' });
    expect(mailgun.body.match(/name="to"/g)).toHaveLength(2);
  });

  it('a digest is an email too, its subject the score and the run', async () => {
    const s = setup('resend');
    await channels.resend.sendDigest(s.options, digestMessage(digestFixture(), 'https://status.example.com'), { ...s.ctx, deliveryId: `checklist:daily:${T0}>c` });
    const payload = parsed((await s.requests())[0]!) as { subject: string; text: string; html: string };
    expect(payload.subject).toBe('[Vigil] Daily checklist — 1/3 OK — 2026-11-22 10:00 UTC');
    expect(payload.text).toContain('🔴 Checkout — status = 503, expected 200');
    expect(payload.html).toContain('<h3 style="margin:12px 0 4px;font-size:14px">Needs attention</h3>');
  });

  it('refuses a bad address with the channel and field named', () => {
    const result = validateConfig({ channels: { mail: email.resend({ apiKey: secret('K'), from: 'vigil at acme', to: [] }) }, checks: [] });
    expect(result.ok ? [] : result.problems).toEqual(['channel "mail": from: expected an email address such as "ops@acme.dev" or "Vigil <vigil@acme.dev>"', 'channel "mail": to: must have at least 1 item']);
  });
});

describe('cloudflare-email (send_email binding)', () => {
  const input = email.cloudflare({ binding: 'ALERT_MAIL', from: 'Vigil <vigil@acme.dev>', to: ['ops@acme.dev', 'Dana <dana@acme.dev>'] });
  const ctx = (env: Record<string, unknown>): SendContext => ({ fetch, signal: AbortSignal.timeout(5000), now: T0, clock: () => Date.now(), deliveryId: 'api:down:1>mail', env });

  it('sends one EmailMessage per recipient, whose MIME parses with the subject, text, HTML and delivery header', async () => {
    const fake = fakeSendEmail();
    const options = config({ channels: { mail: input }, checks: [] }).channels.mail!.options as never;
    const answers: string[] = [];
    const result = await channels['cloudflare-email'].send(options, alertMessage(event(), 'https://status.example.com'), { ...ctx({ ALERT_MAIL: fake.binding }), onAnswer: (answer) => answers.push(answer) });
    expect(result).toEqual({ ok: true });
    expect(fake.sent.map((mail) => [mail.from, mail.to])).toEqual([
      ['vigil@acme.dev', 'ops@acme.dev'],
      ['vigil@acme.dev', 'dana@acme.dev'],
    ]);
    expect(fake.sent.map((mail) => mail.problems)).toEqual([[], []]);
    const [first] = fake.sent;
    expect(first!.parsed.subject).toBe('[Vigil] API <health> is down — 2026-11-22 10:00 UTC');
    expect(first!.parsed.from).toEqual({ address: 'vigil@acme.dev', name: 'Vigil' });
    expect(first!.parsed.text).toContain(`$.status = "${hostile}"`);
    expect(first!.parsed.html).toContain('&lt;script&gt;');
    expect(first!.parsed.headers.find((header) => header.key === 'x-vigil-delivery')?.value).toBe('api:down:1>mail');
    expect(first!.mime).toMatch(/Content-Transfer-Encoding: base64/);
    expect(answers).toEqual(['send_email ALERT_MAIL: accepted for ops@acme.dev (<1@cf>)', 'send_email ALERT_MAIL: accepted for dana@acme.dev (<2@cf>)']);
  });

  it('a digest goes the same way', async () => {
    const fake = fakeSendEmail();
    const options = config({ channels: { mail: input }, checks: [] }).channels.mail!.options as never;
    expect(await channels['cloudflare-email'].sendDigest(options, digestMessage(digestFixture()), ctx({ ALERT_MAIL: fake.binding }))).toEqual({ ok: true });
    expect(fake.sent[0]!.parsed.subject).toBe('[Vigil] Daily checklist — 1/3 OK — 2026-11-22 10:00 UTC');
  });

  it('a missing binding and an unverified destination are permanent; anything else is retried', async () => {
    const options = config({ channels: { mail: input }, checks: [] }).channels.mail!.options as never;
    expect(await channels['cloudflare-email'].send(options, alertMessage(event()), ctx({}))).toEqual({ ok: false, retryable: false, error: 'binding ALERT_MAIL is not a send_email binding: add [[send_email]] name = "ALERT_MAIL" to wrangler.toml' });
    const unverified = await channels['cloudflare-email'].send(options, alertMessage(event()), ctx({ ALERT_MAIL: fakeSendEmail({ fail: 'destination address not verified' }).binding }));
    expect(unverified).toEqual({ ok: false, retryable: false, error: 'send_email ALERT_MAIL to ops@acme.dev: destination address not verified' });
    const busy = await channels['cloudflare-email'].send(options, alertMessage(event()), ctx({ ALERT_MAIL: fakeSendEmail({ fail: 'internal error; reference = 42' }).binding }));
    expect(busy).toMatchObject({ ok: false, retryable: true });
  });
});

describe('clip', () => {
  it('cuts whole graphemes: no half emoji at the cut', () => {
    const text = `${'x'.repeat(8)}👍🏽yy`;
    expect(clip(text, 10)).toBe(`${'x'.repeat(8)}…`);
    expect(clip(`ab🇩🇪cd`, 6)).toBe('ab…');
    expect(clip(`ab🇩🇪cd`, 7)).toBe('ab🇩🇪…');
    expect(clip('short', 10)).toBe('short');
    for (let max = 2; max < 40; max++) expect(clip('🔴'.repeat(30), max)).toMatch(/^(🔴)*…$/u);
  });
});
