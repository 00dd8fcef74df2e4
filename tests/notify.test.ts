// Every channel against the sink, which answers like the real platform and
// checks the payload against the platform's documented format: hostile text
// (mentions, HTML, markdown) stays inert and long text stays inside limits.
import { describe, expect, it } from 'vitest';
import { discord, secret, slack, telegram, webhook } from '../src/config';
import type { AlertEvent } from '../src/engine/types';
import { channels } from '../src/notify';
import { alertMessage } from '../src/notify/message';
import { retryAfter } from '../src/notify/post';
import { SINK_SIGNING_SECRET } from './support/recorded';
import { config, MINUTE, received, sinkUrl, T0, unique } from './helpers';

const hostile = '@everyone <!channel> @here <script>alert(1)</script> **bold** _it_ `code` & <b>x</b>';

function event(overrides: Partial<AlertEvent> = {}): AlertEvent {
  return {
    id: 'api:down:1',
    type: 'down',
    at: T0,
    check: { id: 'api', name: 'API <health>', group: 'Core' },
    status: 'down',
    previous: 'up',
    severity: 'critical',
    since: T0 - 2 * MINUTE,
    incident: { id: 'api-1', startedAt: T0 - 2 * MINUTE },
    summary: `$.status = "${hostile}", expected "ok"`,
    details: [`$.status = "${hostile}", expected "ok"`, 'latency = 2300 ms, expected < 2000 ms'],
    runbook: 'https://runbooks.example.com/api?step=1&x=<2>|3',
    fix: `Restart it ${hostile}`,
    report: ['pg_dump: error: connection to server failed', `\`\`\` ${hostile}`, 'exit code 1'],
    ...overrides,
  };
}

async function deliver(type: 'slack' | 'discord' | 'telegram' | 'webhook', e: AlertEvent) {
  const id = unique(type);
  const urls = {
    slack: slack({ webhookUrl: sinkUrl(`/slack/${id}`) }),
    discord: discord({ webhookUrl: sinkUrl(`/discord/${id}`) }),
    telegram: telegram({ botToken: '123456:ABC-secret-token', chatId: -1001234567890, apiBase: sinkUrl(`/telegram/${id}`) }),
    webhook: webhook({ url: sinkUrl(`/hook/${id}`), signingSecret: SINK_SIGNING_SECRET }),
  };
  const cfg = config({ channels: { c: urls[type] }, checks: [] });
  const channel = cfg.channels.c!;
  const result = await channels[type].send(channel.options as never, alertMessage(e, 'https://status.example.com'), {
    fetch: (input, init) => fetch(input, init),
    signal: AbortSignal.timeout(5000),
    now: T0,
    deliveryId: 'd-1',
  });
  const [request] = await received(id);
  return { result, request: request! };
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

  it('renders a recovery with the outage duration', async () => {
    const { request } = await deliver(type, event({ type: 'recovered', status: 'up', previous: 'down', incident: { id: 'api-1', startedAt: T0 - 75 * MINUTE, endedAt: T0 } }));
    expect(request.problems).toEqual([]);
    expect(request.body).toContain('recovered after 1h 15m');
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
      deliveryId: 'd',
    });
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain('very-secret-token');
  });
});
