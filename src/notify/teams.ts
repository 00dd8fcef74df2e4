// Microsoft Teams through a Workflows webhook ("Post to a channel when a
// webhook request is received"): a message with one Adaptive Card, which the
// flow posts to the channel. Office 365 connectors (incoming webhooks) are
// retired; Workflows answers 202 once the flow run is queued.
// https://learn.microsoft.com/en-us/connectors/teams/#microsoft-teams-webhook,
// https://adaptivecards.io/explorer/

import * as z from 'zod';
import { stringOrSecret } from '../config/secrets';
import type { DigestMessage } from './digest';
import { alertColor, alertEmoji, clip, type AlertMessage } from './message';
import { postPayload } from './post';
import type { Channel } from './types';

export const TEAMS_TIMEOUT_MS = 10_000;
/** Teams takes messages of about 28 KB; text blocks are cut well inside it. */
const TEXT_MAX = 4000;
const FACT_MAX = 500;
const DIGEST_TEXT_MAX = 20_000;
/** Adaptive Card 1.4: what Teams renders everywhere (desktop, web, mobile). */
const CARD_VERSION = '1.4';

const options = z.strictObject({
  /** The Workflows webhook URL (a secret: its sig parameter is the credential). */
  webhookUrl: stringOrSecret,
});

export type TeamsElement =
  | { type: 'TextBlock'; text: string; wrap: true; weight?: 'Bolder'; size?: 'Medium' | 'Large'; color?: 'Attention' | 'Warning' | 'Good' | 'Default'; isSubtle?: boolean; fontType?: 'Monospace' }
  | { type: 'FactSet'; facts: Array<{ title: string; value: string }> }
  | { type: 'ActionSet'; actions: Array<{ type: 'Action.OpenUrl'; title: string; url: string }> };
export interface TeamsPayload {
  type: 'message';
  attachments: [
    {
      contentType: 'application/vnd.microsoft.card.adaptive';
      contentUrl: null;
      content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json'; type: 'AdaptiveCard'; version: typeof CARD_VERSION; msteams: { width: 'Full' }; body: TeamsElement[] };
    },
  ];
}

/**
 * TextBlock text takes a small Markdown subset: **bold**, _italic_, [links](url)
 * and lists at the start of a line. Those characters are escaped with a
 * backslash (CommonMark), so text from targets shows as written; nothing
 * else is touched, so ordinary text reads as it is.
 */
export function escapeTeams(text: string): string {
  return text.replace(/([\\*_[\]])/g, '\\$1').replace(/^(\s*)([-+]|\d+\.)(?=\s)/gm, (_, space: string, marker: string) => `${space}\\${marker}`);
}

const COLOR = { down: 'Attention', degraded: 'Warning', up: 'Good', unknown: 'Default' } as const;

function text(raw: string, max = TEXT_MAX, extra: Partial<Extract<TeamsElement, { type: 'TextBlock' }>> = {}): TeamsElement {
  return { type: 'TextBlock', text: escapeTeams(clip(raw, max)), wrap: true, ...extra };
}

function card(body: TeamsElement[]): TeamsPayload {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: CARD_VERSION, msteams: { width: 'Full' }, body },
      },
    ],
  };
}

export function teamsPayload(message: AlertMessage): TeamsPayload {
  const body: TeamsElement[] = [
    text(`${alertEmoji(message.event)} ${message.title}`, 300, { weight: 'Bolder', size: 'Medium', color: COLOR[alertColor(message.event)] }),
    text(message.summary),
  ];
  if (message.details.length > 0) body.push(text(message.details.map((detail) => `• ${detail}`).join('\n')));
  body.push({ type: 'FactSet', facts: message.facts.map((fact) => ({ title: clip(fact.label, FACT_MAX), value: escapeTeams(clip(fact.value, FACT_MAX)) })) });
  if (message.fix) body.push(text(`Fix: ${message.fix}`));
  if (message.report) body.push(text(message.report, TEXT_MAX, { fontType: 'Monospace', isSubtle: true }));
  if (message.links.length > 0) body.push({ type: 'ActionSet', actions: message.links.map((link) => ({ type: 'Action.OpenUrl', title: link.label, url: link.url })) });
  return card(body);
}

/** A checklist digest: the score as the heading, one text block per part. */
export function teamsDigestPayload(message: DigestMessage): TeamsPayload {
  const failing = message.digest.items.some((item) => item.state === 'failing');
  const color = message.digest.ok === message.digest.total ? 'Good' : failing ? 'Attention' : 'Warning';
  const body: TeamsElement[] = [text(`📋 ${message.title}`, 300, { weight: 'Bolder', size: 'Medium', color })];
  const section = (heading: string, lines: string[]) => {
    if (lines.length === 0) return;
    body.push(text(heading, 200, { weight: 'Bolder' }), text(lines.join('\n'), DIGEST_TEXT_MAX / 5));
  };
  section('Needs attention', message.problems);
  if (message.passing) section('OK', [message.passing]);
  section('Tasks', message.others);
  section('Since the last run', message.incidents);
  section('Held during quiet hours', message.held);
  if (message.links.length > 0) body.push({ type: 'ActionSet', actions: message.links.map((link) => ({ type: 'Action.OpenUrl', title: link.label, url: link.url })) });
  return card(body);
}

export const teamsChannel: Channel<typeof options> = {
  options,
  credentials: { webhookUrl: 'url' },
  send(opts, message, ctx) {
    return postPayload(opts.webhookUrl, JSON.stringify(teamsPayload(message)), { 'content-type': 'application/json' }, ctx, TEAMS_TIMEOUT_MS);
  },
  sendDigest(opts, message, ctx) {
    return postPayload(opts.webhookUrl, JSON.stringify(teamsDigestPayload(message)), { 'content-type': 'application/json' }, ctx, TEAMS_TIMEOUT_MS);
  },
};
