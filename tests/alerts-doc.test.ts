// docs/alerts.md shows each channel's message as the code renders it: every
// block after a `<!-- rendered: <name> -->` marker must equal what the
// channel module produces for the example alert below ("API health is down")
// or its recovery.
import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../src/engine/types';
import { digestMessage, type Digest } from '../src/notify/digest';
import { alertEmail, digestEmail } from '../src/notify/email';
import { googleChatPayload } from '../src/notify/google-chat';
import { mattermostPayload } from '../src/notify/mattermost';
import { discordPayload } from '../src/notify/discord';
import { alertMessage } from '../src/notify/message';
import { ntfyPayload } from '../src/notify/ntfy';
import { opsgenieClose, opsgenieCreate } from '../src/notify/opsgenie';
import { pagerDutyEvent } from '../src/notify/pagerduty';
import { pushoverForm } from '../src/notify/pushover';
import { slackPayload } from '../src/notify/slack';
import { teamsPayload } from '../src/notify/teams';
import { telegramPayload } from '../src/notify/telegram';
import { webhookBody } from '../src/notify/webhook';

const docs = import.meta.glob<string>('../docs/*.md', { eager: true, query: '?raw', import: 'default' });
const PAGE = 'https://status.example.com';
const at = (time: string) => Date.parse(`2026-11-22T${time}:00Z`);

export const EXAMPLE_DOWN: AlertEvent = {
  id: `api:down:${at('10:02')}`,
  type: 'down',
  at: at('10:02'),
  check: { id: 'api', name: 'API health', group: 'API' },
  status: 'down',
  previous: 'up',
  severity: 'critical',
  since: at('10:01'),
  incident: { id: 'api-mi9x1c0', startedAt: at('10:01') },
  summary: 'status = 503, expected 200',
  details: ['status = 503, expected 200'],
  runbook: 'https://runbooks.example.com/api#health',
  fix: 'railway restart --service api',
};
const EXAMPLE_RECOVERED: AlertEvent = {
  ...EXAMPLE_DOWN,
  id: `api:recovered:${at('10:14')}`,
  type: 'recovered',
  at: at('10:14'),
  status: 'up',
  previous: 'down',
  since: at('10:13'),
  incident: { id: 'api-mi9x1c0', startedAt: at('10:01'), endedAt: at('10:13') },
  summary: 'status = 200',
  details: [],
  fix: undefined,
};
const EXAMPLE_DIGEST: Digest = {
  id: `checklist:daily:${at('08:00')}`,
  checklist: { id: 'daily', name: 'Daily checklist' },
  runAt: at('08:00'),
  ok: 2,
  total: 3,
  items: [
    { id: 'checkout', name: 'Checkout', kind: 'check', state: 'failing', detail: 'status = 503, expected 200' },
    { id: 'api', name: 'API health', kind: 'check', state: 'ok', detail: 'status = 200' },
    { id: 'rotate', name: 'Rotate API_SECRET', kind: 'task', state: 'done', detail: 'done 2 days ago by alice', owner: 'alice' },
  ],
  incidents: [],
  held: [],
};

const down = alertMessage(EXAMPLE_DOWN, PAGE);
const up = alertMessage(EXAMPLE_RECOVERED, PAGE);
const deliveryId = (channel: string, event: AlertEvent = EXAMPLE_DOWN) => `${event.id}>${channel}`;
const email = alertEmail(down, '[Vigil]', deliveryId('mail'));

/** What each marked block in docs/alerts.md must be. */
export const RENDERED: Record<string, unknown> = {
  'slack-down': slackPayload(down),
  'slack-recovered': slackPayload(up),
  'discord-down': discordPayload(down, 'Vigil'),
  'discord-recovered': discordPayload(up, 'Vigil'),
  'telegram-down': telegramPayload(down, -1001234567890),
  'telegram-recovered': telegramPayload(up, -1001234567890),
  'webhook-down': webhookBody(down, deliveryId('hooks')),
  'webhook-recovered': webhookBody(up, deliveryId('hooks', EXAMPLE_RECOVERED)),
  'pagerduty-trigger': pagerDutyEvent(down, '<routing key>'),
  'pagerduty-resolve': pagerDutyEvent(up, '<routing key>'),
  'opsgenie-create': opsgenieCreate(down, { priorities: {}, responders: [], tags: [] }),
  'opsgenie-close': opsgenieClose(up),
  teams: teamsPayload(down),
  'google-chat': googleChatPayload(down),
  ntfy: ntfyPayload(down, 'acme-alerts'),
  pushover: pushoverForm(down, { token: '<app token>', user: '<user key>' }),
  mattermost: mattermostPayload(down),
  'email-subject': email.subject,
  'email-text': email.text,
  'email-digest-subject': digestEmail(digestMessage(EXAMPLE_DIGEST, PAGE), '[Vigil]', `${EXAMPLE_DIGEST.id}>mail`).subject,
};

/** The blocks docs/alerts.md marks as rendered, by name: JSON parsed, text as written. */
function renderedBlocks(markdown: string): Map<string, unknown> {
  const blocks = new Map<string, unknown>();
  for (const match of markdown.matchAll(/<!-- rendered: ([\w-]+) -->\n```(\w*)\n([\s\S]*?)\n```/g)) {
    const [, name, language, body] = match as unknown as [string, string, string, string];
    blocks.set(name, language === 'json' ? JSON.parse(body) : body);
  }
  return blocks;
}

describe('docs/alerts.md', () => {
  const blocks = renderedBlocks(docs['../docs/alerts.md'] as string);

  it('marks a rendered example for every channel', () => {
    expect([...blocks.keys()].sort()).toEqual(Object.keys(RENDERED).sort());
  });

  it.each(Object.keys(RENDERED))('%s is what the code renders', (name) => {
    expect(blocks.get(name)).toEqual(RENDERED[name]);
  });
});
