// Every channel against the sink, which answers like the real platform and
// checks the payload against the platform's documented format: hostile text
// (mentions, HTML, markdown) stays inert and long text stays inside limits.
import { describe, expect, it } from 'vitest';
import { discord, secret, slack, telegram, webhook } from '../src/config';
import { resolveSecrets } from '../src/config/secrets';
import { validateConfig } from '../src/config/validate';
import { discordPayload } from '../src/notify/discord';
import type { AlertEvent } from '../src/engine/types';
import { channels } from '../src/notify';
import { digestMessage, type Digest } from '../src/notify/digest';
import { alertMessage } from '../src/notify/message';
import { enqueue, MAX_OUTBOX } from '../src/notify/outbox';
import { emptyState } from '../src/store/state';
import { retryAfter } from '../src/notify/post';
import { slackDigestPayload } from '../src/notify/slack';
import { webhookDigestBody, type WebhookDigestBody } from '../src/notify/webhook';
import { SINK_STANDARD_SECRET } from './support/recorded';
import { config, MINUTE, received, sinkSigningSecret, sinkUrl, T0, unique, workerEnv } from './helpers';
import { hostileAlertEvent } from './helpers/alert-event';

const DAY = 24 * 60 * MINUTE;
const docs = import.meta.glob<string>('../docs/*.md', { eager: true, query: '?raw', import: 'default' });

const hostile = '@everyone <!channel> @here <script>alert(1)</script> **bold** _it_ ~strike~ `code` & <b>x</b>';

const event = (overrides: Partial<AlertEvent> = {}): AlertEvent => hostileAlertEvent(hostile, overrides);

type ChannelType = 'slack' | 'discord' | 'telegram' | 'webhook';

/** A channel of `type` that posts to its own sink, and a send context as the outbox gives one. */
function atSink(type: ChannelType, deliveryId: string) {
  const id = unique(type);
  const urls = {
    slack: slack({ webhookUrl: sinkUrl(`/slack/${id}`) }),
    discord: discord({ webhookUrl: sinkUrl(`/discord/${id}`) }),
    telegram: telegram({ botToken: secret('TG_TOKEN'), chatId: -1001234567890, apiBase: sinkUrl(`/telegram/${id}`) }),
    webhook: webhook({ url: sinkUrl(`/hook/${id}`), signingSecret: sinkSigningSecret }),
  };
  const written = config({ channels: { c: urls[type] }, checks: [] }).channels.c!.options;
  const options = resolveSecrets(written, workerEnv({ TG_TOKEN: '123456:ABC-secret-token' })).value as never;
  const ctx = { fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init), signal: AbortSignal.timeout(5000), now: T0, clock: () => Date.now(), deliveryId };
  const request = async () => (await received(id))[0]!;
  return { options, ctx, request };
}

async function deliver(type: ChannelType, e: AlertEvent) {
  const { options, ctx, request } = atSink(type, 'd-1');
  const result = await channels[type].send(options, alertMessage(e, 'https://status.example.com'), ctx);
  return { result, request: await request() };
}

describe.each(['slack', 'discord', 'telegram', 'webhook'] as const)('%s channel', (type) => {
  it('delivers a payload the platform accepts, with hostile text inert', async () => {
    const { result, request } = await deliver(type, event());
    expect(request.problems).toEqual([]);
    expect(result).toEqual({ ok: true });
    const body = request.body;
    if (type === 'slack') {
      expect(body).not.toContain('<!channel>');
      expect(body).toContain('&lt;!channel&gt;');
      // Slack has no escape for *bold*, _italic_, ~strike~ or `code` in mrkdwn: target text must not be mrkdwn outside code.
      const texts: Array<{ type: string; text: string }> = [];
      const collect = (node: unknown): void => {
        if (Array.isArray(node)) node.forEach(collect);
        else if (node && typeof node === 'object') {
          const object = node as { type?: unknown; text?: unknown };
          if ((object.type === 'mrkdwn' || object.type === 'plain_text') && typeof object.text === 'string') texts.push(object as { type: string; text: string });
          Object.values(object).forEach(collect);
        }
      };
      collect(JSON.parse(body).blocks);
      const mrkdwn = texts.filter((text) => text.type === 'mrkdwn').map((text) => text.text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, ''));
      for (const text of mrkdwn) expect(text).not.toMatch(/\*\*bold\*\*|_it_|~strike~|`code`/);
      expect(texts.some((text) => text.type === 'plain_text' && text.text.includes('**bold** _it_ ~strike~ `code`'))).toBe(true);
      expect(JSON.parse(body).mrkdwn).toBe(false);
    }
    if (type === 'discord') expect(JSON.parse(body).allowed_mentions).toEqual({ parse: [] });
    if (type === 'webhook') expect(request.signature).toBe('valid');
    expect(body).toContain('pg_dump: error: connection to server failed');
    if (type === 'telegram') {
      expect(request.path).toBe(`/telegram/${request.path.split('/')[2]}/bot123456:ABC-secret-token/sendMessage`);
      expect(JSON.parse(body).text).toContain('&lt;script&gt;');
    }
  });

  it('keeps within the platform limits for huge messages', async () => {
    const long = 'x'.repeat(20_000);
    const { request } = await deliver(type, event({ summary: long, details: Array.from({ length: 40 }, () => long), fix: long, check: { id: 'api', name: long }, report: Array.from({ length: 20 }, () => long) }));
    expect(request.problems).toEqual([]);
  });

  it('cuts long text between emoji, never inside one (a lone surrogate is rejected or shown as �)', async () => {
    const emoji = '🔴'.repeat(5_000);
    const { request } = await deliver(type, event({ summary: emoji, details: [emoji, `x${emoji}`], fix: `y${emoji}`, check: { id: 'api', name: `z${emoji}` }, report: [emoji] }));
    expect(request.problems).toEqual([]);
  });

  it('renders a recovery with the outage duration', async () => {
    const { request } = await deliver(type, event({ type: 'recovered', status: 'up', previous: 'down', incident: { id: 'api-1', startedAt: T0 - 75 * MINUTE, endedAt: T0 } }));
    expect(request.problems).toEqual([]);
    expect(request.body).toContain('recovered after 1h 15m');
  });
});

describe('Discord webhook names', () => {
  it('a username with "discord" or "clyde" is a config error naming the channel and field', () => {
    for (const username of ['Discord Alerts', 'my CLYDE bot', 'notdiscordian']) {
      const result = validateConfig({ channels: { chat: discord({ webhookUrl: secret('DISCORD_URL'), username }) }, checks: [] });
      expect(result.ok ? [] : result.problems).toEqual(['channel "chat": username: Discord rejects webhook names that contain "discord" or "clyde" (in any case), so every alert would fail; choose another, e.g. "Vigil"']);
    }
    expect(validateConfig({ channels: { chat: discord({ webhookUrl: secret('DISCORD_URL'), username: 'Vigil (prod)' }) }, checks: [] }).ok).toBe(true);
  });

  it('the sink answers such a payload as Discord does: 400', async () => {
    const id = unique('discord');
    const ctx = { fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init), signal: AbortSignal.timeout(5000), now: T0, clock: () => Date.now(), deliveryId: 'd' };
    const response = await ctx.fetch(sinkUrl(`/discord/${id}`), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(discordPayload(alertMessage(event()), 'Clyde')) });
    expect(response.status).toBe(400);
    expect((await received(id))[0]?.problems).toEqual(['username: Username cannot contain "clyde" or "discord"']);
  });
});

describe('Standard Webhooks', () => {
  // The secrets the configs below name: the sink's, and a well-formed one the sink does not know.
  const secrets = workerEnv({ SINK_STANDARD_SECRET, WRONG_WHSEC: 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', NOT_WHSEC: 'not-a-secret' });
  const send = async (options: Parameters<typeof webhook>[0], deliveryId = 'api:down:1>hooks') => {
    const id = unique('hook');
    const cfg = config({ channels: { c: webhook({ ...options, url: sinkUrl(`/hook/${id}`) }) }, checks: [] });
    const ctx = { fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init), signal: AbortSignal.timeout(5000), now: T0, clock: () => Date.now(), deliveryId };
    const result = await channels.webhook.send(resolveSecrets(cfg.channels.c!.options, secrets).value as never, alertMessage(event()), ctx);
    return { result, request: (await received(id))[0]! };
  };

  it('webhook-id, webhook-timestamp and webhook-signature verify with the standardwebhooks package, beside Vigil\'s own signature', async () => {
    const { result, request } = await send({ url: '', signingSecret: sinkSigningSecret, standardWebhooks: secret('SINK_STANDARD_SECRET') });
    expect(result).toEqual({ ok: true });
    expect(request.standardSignature).toBe('valid');
    expect(request.signature).toBe('valid');
    expect(request.headers['webhook-id']).toBe('api:down:1>hooks');
    expect(Math.abs(Number(request.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  });

  it('alone, without Vigil\'s signature; a wrong secret does not verify', async () => {
    const alone = await send({ url: '', standardWebhooks: secret('SINK_STANDARD_SECRET') });
    expect(alone.request.standardSignature).toBe('valid');
    expect(alone.request.signature).toBe('absent');
    const wrong = await send({ url: '', standardWebhooks: secret('WRONG_WHSEC') });
    expect(wrong.request.standardSignature).toBe('invalid');
    // A secret that is not whsec_ base64 is known only once resolved: refused for good, naming the option, not the value.
    const malformed = await send({ url: '', standardWebhooks: secret('NOT_WHSEC') });
    expect(malformed.result).toEqual({ ok: false, retryable: false, error: 'option standardWebhooks is not a Standard Webhooks secret (whsec_ followed by base64)' });
    expect(malformed.request).toBeUndefined();
  });

  it('validation: a signature of some kind is required, and its secret is never written inline', () => {
    const none = validateConfig({ channels: { hooks: webhook({ url: 'https://example.com/hook' }) }, checks: [] });
    expect(none.ok ? [] : none.problems).toEqual(['channel "hooks": signingSecret: is required (or standardWebhooks, or both): a receiver must be able to check that a delivery came from Vigil']);
    const bad = validateConfig({ channels: { hooks: webhook({ url: 'https://example.com/hook', standardWebhooks: 'not-a-secret' }) }, checks: [] });
    expect(bad.ok ? [] : bad.problems).toEqual(["channel \"hooks\": standardWebhooks: a credential is written inline; use secret('HOOKS_STANDARDWEBHOOKS') there and run: npx wrangler secret put HOOKS_STANDARDWEBHOOKS"]);
  });
});

describe('delivery errors', () => {
  it('reads Retry-After from headers, HTTP dates, Discord and Telegram bodies', () => {
    expect(retryAfter('30', '', 0)).toBe(30_000);
    expect(retryAfter(new Date(T0 + 90_000).toUTCString(), '', T0)).toBe(90_000);
    expect(retryAfter(null, '{"retry_after": 1.5}', 0)).toBe(1500);
    expect(retryAfter(null, '{"ok":false,"parameters":{"retry_after":7}}', 0)).toBe(7000);
    expect(retryAfter(null, 'nope', 0)).toBeUndefined();
  });

  it('never puts a webhook URL or token in an error', async () => {
    const cfg = config({ channels: { t: telegram({ botToken: secret('TG_TOKEN'), chatId: 1, apiBase: 'http://127.0.0.1:9' }) }, checks: [] });
    const result = await channels.telegram.send({ ...(cfg.channels.t!.options as object), botToken: '999:very-secret-token' } as never, alertMessage(event()), {
      fetch: (input, init) => fetch(input, init),
      signal: AbortSignal.timeout(5000),
      now: T0,
      clock: () => Date.now(),
      deliveryId: 'd',
    });
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain('very-secret-token');
  });
});

/** A digest as a checklist run builds it: one failing check, an overdue task, a passing check, an incident and a held alert. */
function digestFixture(overrides: Partial<Digest> = {}): Digest {
  return {
    id: `checklist:daily:${T0}`,
    checklist: { id: 'daily', name: 'Daily checklist' },
    runAt: T0,
    ok: 1,
    total: 3,
    items: [
      { id: 'checkout', name: 'Checkout', kind: 'check', state: 'failing', detail: 'status = 503, expected 200' },
      { id: 'error-logs', name: 'Review error logs', kind: 'task', state: 'overdue', detail: 'overdue since 2026-11-22 08:00 UTC; never done', owner: 'on-call' },
      { id: 'api', name: 'API health', kind: 'check', state: 'ok', detail: 'status = 200' },
    ],
    incidents: [{ check: 'Checkout', status: 'down', startedAt: T0 - 30 * MINUTE, cause: 'status = 503, expected 200' }],
    held: [{ title: 'API health is degraded', summary: 'latency = 2300 ms, expected < 2000 ms', at: T0 - 10 * 60 * MINUTE }],
    ...overrides,
  };
}

async function deliverDigest(type: ChannelType, digest: Digest) {
  const { options, ctx, request } = atSink(type, `${digest.id}>c`);
  const result = await channels[type].sendDigest(options, digestMessage(digest, 'https://status.example.com'), ctx);
  return { result, request: await request() };
}

describe('digests', () => {
  it('webhook: the documented checklist.digest body, field by field (docs/alerts.md)', async () => {
    const { result, request } = await deliverDigest('webhook', digestFixture());
    expect(result).toEqual({ ok: true });
    expect(request.signature).toBe('valid');
    expect(request.headers['x-vigil-event']).toBe('checklist.digest');
    expect(JSON.parse(request.body)).toEqual({
      id: `checklist:daily:${T0}>c`,
      type: 'checklist.digest',
      occurredAt: '2026-11-22T10:00:00.000Z',
      checklist: { id: 'daily', name: 'Daily checklist' },
      runAt: '2026-11-22T10:00:00.000Z',
      ok: 1,
      total: 3,
      items: [
        { id: 'checkout', name: 'Checkout', kind: 'check', state: 'failing', detail: 'status = 503, expected 200' },
        { id: 'error-logs', name: 'Review error logs', kind: 'task', state: 'overdue', detail: 'overdue since 2026-11-22 08:00 UTC; never done', owner: 'on-call' },
        { id: 'api', name: 'API health', kind: 'check', state: 'ok', detail: 'status = 200' },
      ],
      incidents: [{ check: 'Checkout', status: 'down', startedAt: '2026-11-22T09:30:00.000Z', cause: 'status = 503, expected 200' }],
      held: [{ title: 'API health is degraded', summary: 'latency = 2300 ms, expected < 2000 ms', at: '2026-11-22T00:00:00.000Z' }],
      text: [
        'Daily checklist — 1/3 OK',
        '',
        'Needs attention:',
        '🔴 Checkout — status = 503, expected 200',
        '⏰ Review error logs (on-call) — overdue since 2026-11-22 08:00 UTC; never done',
        '',
        'OK: API health',
        '',
        'Since the last run:',
        'Checkout is down since 2026-11-22 09:30 UTC: status = 503, expected 200',
        '',
        'Held during quiet hours:',
        '2026-11-22 00:00 UTC API health is degraded: latency = 2300 ms, expected < 2000 ms',
        '',
        'Run 2026-11-22 10:00 UTC',
        'Status page: https://status.example.com',
      ].join('\n'),
    });
  });

  it('the digest examples in docs/alerts.md and docs/checklists.md are what the code renders', () => {
    const alertsDoc = docs['../docs/alerts.md'] as string;
    const checklistsDoc = docs['../docs/checklists.md'] as string;
    const codeBlocks = (text: string) => [...text.matchAll(/```\w*\n([\s\S]*?)\n *```/g)].map((match) => match[1] as string);
    const documented = JSON.parse(codeBlocks(alertsDoc).find((block) => block.includes('"type": "checklist.digest"')) ?? '{}') as WebhookDigestBody;
    const digest: Digest = {
      id: documented.id.split('>')[0] as string,
      checklist: documented.checklist,
      runAt: Date.parse(documented.runAt),
      ok: documented.ok,
      total: documented.total,
      items: documented.items,
      incidents: documented.incidents.map(({ startedAt, endedAt, ...incident }) => ({ ...incident, status: incident.status as 'down' | 'degraded', startedAt: Date.parse(startedAt), ...(endedAt ? { endedAt: Date.parse(endedAt) } : {}) })),
      held: documented.held.map((alert) => ({ ...alert, at: Date.parse(alert.at) })),
    };
    const message = digestMessage(digest, 'https://status.example.com');
    // The webhook body, field by field and in the documented order.
    expect(JSON.stringify(webhookDigestBody(message, documented.id))).toBe(JSON.stringify(documented));
    // The Slack digest as Slack shows it: bold headings, escaped text shown as written; the run's time is Slack's own rendering.
    // A bold heading (mrkdwn) and its lines (plain_text blocks) read as one part; entities shown as the characters.
    const shown: string[] = [];
    for (const block of slackDigestPayload(message).blocks) {
      const text = (block.type === 'header' || block.type === 'section' ? (block.text?.text ?? '') : '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
      if (block.type === 'section' && block.text?.type === 'plain_text') shown[shown.length - 1] += `\n${text}`;
      else shown.push(text.replace(/^\*(.+)\*$/, '$1'));
    }
    const slackExample = codeBlocks(checklistsDoc).find((block) => block.startsWith('📋 YouTube Optimizer daily checklist')) ?? '';
    const parts = slackExample.split('\n\n');
    expect(parts.slice(0, -1)).toEqual(shown.slice(0, -1));
    expect(parts.at(-1)).toMatch(/^Run .+ {2}· {2}Status page$/);
  });

  it('slack: a long held list continues over several sections instead of being cut at 3,000 characters', async () => {
    const held = Array.from({ length: 120 }, (_, i) => ({ title: `Check ${i} is down`, summary: `status = 503, expected 200 (${'x'.repeat(150)}) #${i}`, at: T0 - i * MINUTE }));
    const { result, request } = await deliverDigest('slack', digestFixture({ held }));
    expect(request.problems).toEqual([]);
    expect(result).toEqual({ ok: true });
    const texts = (JSON.parse(request.body) as { blocks: Array<{ text?: { text: string } }> }).blocks.map((block) => block.text?.text ?? '');
    const heldStart = texts.findIndex((text) => text.startsWith('*Held during quiet hours*'));
    const heldText = texts.slice(heldStart).join('\n');
    expect(texts.length - heldStart).toBeGreaterThan(1);
    for (let i = 0; i < held.length; i++) expect(heldText).toContain(`) #${i}`);
    expect(heldText).not.toContain('…');
  });

  it('slack: past 50 blocks the message says how many lines were left out', async () => {
    const held = Array.from({ length: 200 }, (_, i) => ({ title: `Check ${i} is down`, summary: 'y'.repeat(200) + ` #${i}`, at: T0 - i * MINUTE }));
    const { request } = await deliverDigest('slack', digestFixture({ held, items: Array.from({ length: 600 }, (_, i) => ({ id: `c${i}`, name: `Check ${i}`, kind: 'check' as const, state: 'failing' as const, detail: 'z'.repeat(250) })) }));
    expect(request.problems).toEqual([]);
    const blocks = (JSON.parse(request.body) as { blocks: Array<{ type: string; text?: { text: string } }> }).blocks;
    expect(blocks).toHaveLength(50);
    expect(blocks.at(-1)?.type).toBe('context');
    expect(blocks.at(-2)?.text?.text).toMatch(/^…and \d+ more lines \(Slack takes 50 blocks per message; webhooks get them all\)$/);
  });
});

describe.each(['discord', 'telegram'] as const)('%s digest', (type) => {
  it('over the length limit whole lines go from the end, and the message says how many', async () => {
    const held = Array.from({ length: 100 }, (_, i) => ({ title: `Check ${i} is down`, summary: `status = 503, expected 200 #${i}`, at: T0 - i * MINUTE }));
    const { result, request } = await deliverDigest(type, digestFixture({ held }));
    expect(request.problems).toEqual([]);
    expect(result).toEqual({ ok: true });
    const text = type === 'discord' ? (JSON.parse(request.body).embeds[0].description as string) : (JSON.parse(request.body).text as string);
    const kept = (text.match(/#\d+/g) ?? []).length;
    const left = Number(/…and (\d+) more lines \((Discord|Telegram) takes \d+ characters; webhooks get them all\)/.exec(text)?.[1]);
    expect(left).toBeGreaterThan(0);
    expect(kept + left).toBe(held.length);
  });
});

describe('the outbox', () => {
  const alert = (i: number, type: AlertEvent['type'] = 'down'): AlertEvent => event({ id: `c${i}:${type}:${T0 + i}`, type, check: { id: `c${i}`, name: `Check ${i}` }, incident: { id: `c${i}-1`, startedAt: T0 } });

  it('when full, reminders give way first, then the oldest; every alert dropped is recorded in failed (shown on /health)', () => {
    const state = emptyState();
    const held = () => T0 + 60 * MINUTE;
    for (let i = 0; i < 150; i++) enqueue(state, alert(i), ['chat'], T0, held);
    for (let i = 150; i < 200; i++) enqueue(state, alert(i, 'reminder'), ['chat'], T0, held);
    expect(state.outbox).toHaveLength(MAX_OUTBOX);
    for (let i = 200; i < 210; i++) enqueue(state, alert(i), ['chat'], T0, held);
    expect(state.outbox).toHaveLength(MAX_OUTBOX);
    expect(state.outbox.filter((entry) => entry.event?.type === 'down')).toHaveLength(160);
    expect(state.failed.map((failure) => failure.id)).toEqual(Array.from({ length: 10 }, (_, i) => `c${150 + i}:reminder:${T0 + 150 + i}>chat`));
    expect(state.failed[0]?.error).toBe('dropped: the outbox was full (200 entries)');
    // Without reminders left, the oldest alert goes, and says so.
    for (let i = 210; i < 251; i++) enqueue(state, alert(i), ['chat'], T0, held);
    expect(state.outbox.some((entry) => entry.event?.type === 'reminder')).toBe(false);
    expect(state.failed.at(-1)?.id).toBe(`c0:down:${T0}>chat`);
  });

  it('a newer message about an incident replaces its unsent reminder on that channel, not on others', () => {
    const state = emptyState();
    const reminder = (at: number, channels: string[]) => enqueue(state, { ...alert(1, 'reminder'), id: `c1:reminder:${at}`, at }, channels, at, () => T0 + DAY);
    reminder(T0, ['chat', 'ops']);
    reminder(T0 + 60 * MINUTE, ['chat']);
    expect(state.outbox.map((entry) => entry.id)).toEqual([`c1:reminder:${T0}>ops`, `c1:reminder:${T0 + 60 * MINUTE}>chat`]);
    enqueue(state, { ...alert(1, 'recovered'), id: `c1:recovered:${T0 + 2 * 60 * MINUTE}` }, ['ops'], T0 + 2 * 60 * MINUTE);
    expect(state.outbox.map((entry) => entry.id)).toEqual([`c1:reminder:${T0 + 60 * MINUTE}>chat`, `c1:recovered:${T0 + 2 * 60 * MINUTE}>ops`]);
  });
});
