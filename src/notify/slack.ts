// Slack incoming webhook with a Block Kit message:
// https://api.slack.com/messaging/webhooks, https://api.slack.com/reference/block-kit/blocks

import * as z from 'zod';
import { stringOrSecret } from '../config/secrets';
import type { DigestMessage } from './digest';
import { alertEmoji, clip, isoMinute, type AlertMessage } from './message';
import { postPayload } from './post';
import type { Channel } from './types';

export const SLACK_TIMEOUT_MS = 10_000;
// Block Kit limits: header text 150, section text 3000, field text 2000, 10 fields, 50 blocks.
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const FIELD_MAX = 2000;
const FIELDS_MAX = 10;
const BLOCKS_MAX = 50;

const options = z.strictObject({
  /** The incoming webhook URL (a secret: its path is the credential). */
  webhookUrl: stringOrSecret,
});

export interface SlackText {
  type: 'mrkdwn' | 'plain_text';
  text: string;
  emoji?: boolean;
}
export type SlackBlock =
  | { type: 'header'; text: SlackText }
  | { type: 'section'; text?: SlackText; fields?: SlackText[] }
  | { type: 'context'; elements: SlackText[] }
  | { type: 'divider' };
export interface SlackPayload {
  text: string;
  blocks: SlackBlock[];
}

/** Slack's mrkdwn treats &, < and > as control characters; escaping them also disarms <!channel>. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A URL inside `<url|label>` must not contain |, < or >. */
function slackUrl(url: string): string {
  return url.replace(/\|/g, '%7C').replace(/</g, '%3C').replace(/>/g, '%3E');
}

/** `<!date^1700000000^{date_short_pretty} {time}|2023-11-14 22:13 UTC>`: shown in the reader's time zone. */
function slackDate(time: number, fallback: string): string {
  return `<!date^${Math.floor(time / 1000)}^{date_short_pretty} {time}|${escapeSlack(fallback)}>`;
}

export function slackPayload(message: AlertMessage): SlackPayload {
  const emoji = alertEmoji(message.event);
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(`${emoji} ${message.title}`, HEADER_MAX), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: clip(escapeSlack(message.summary), SECTION_MAX) } },
  ];
  if (message.details.length > 0) {
    const list = message.details.map((detail) => `• ${escapeSlack(detail)}`).join('\n');
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(list, SECTION_MAX) } });
  }
  blocks.push({
    type: 'section',
    fields: message.facts.slice(0, FIELDS_MAX).map((fact) => ({
      type: 'mrkdwn',
      text: clip(`*${escapeSlack(fact.label)}*\n${fact.time ? slackDate(fact.time, fact.value) : escapeSlack(fact.value)}`, FIELD_MAX),
    })),
  });
  if (message.fix) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`*Fix:* ${escapeSlack(message.fix)}`, SECTION_MAX) } });
  }
  if (message.report) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`\`\`\`${escapeSlack(message.report.replace(/```/g, "'''"))}\`\`\``, SECTION_MAX) } });
  }
  if (message.links.length > 0) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: message.links.map((link) => `<${slackUrl(link.url)}|${escapeSlack(link.label)}>`).join('  ·  ') }],
    });
  }
  // `text` is the notification and screen-reader fallback.
  return { text: clip(escapeSlack(`${emoji} ${message.title}: ${message.summary}`), SECTION_MAX), blocks };
}

/**
 * A checklist digest: a header with the score, what needs attention, then the
 * rest compacted. A long section (a weekend of held alerts) continues in
 * further section blocks rather than being cut at 3,000 characters; past
 * Block Kit's 50 blocks, the last one says how many lines were left out.
 */
export function slackDigestPayload(message: DigestMessage): SlackPayload {
  const { digest } = message;
  const sections: Array<{ text: string; lines: number }> = [];
  const section = (heading: string, lines: string[]) => {
    if (lines.length === 0) return;
    let current = { text: `*${heading}*`, lines: 0 };
    for (const line of lines.map((raw) => clip(escapeSlack(raw), SECTION_MAX))) {
      if (current.text.length + 1 + line.length > SECTION_MAX) {
        sections.push(current);
        current = { text: line, lines: 1 };
      } else {
        current = { text: current.text ? `${current.text}\n${line}` : line, lines: current.lines + 1 };
      }
    }
    sections.push(current);
  };
  section('Needs attention', message.problems);
  if (message.passing) section('OK', [message.passing]);
  section('Tasks', message.others);
  section('Since the last run', message.incidents);
  section('Held during quiet hours', message.held);
  // The header and the context line take two of the blocks.
  const room = BLOCKS_MAX - 2;
  const kept = sections.length > room ? sections.slice(0, room - 1) : sections;
  const left = sections.slice(kept.length).reduce((sum, part) => sum + part.lines, 0);
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(`📋 ${message.title}`, HEADER_MAX), emoji: true } },
    ...kept.map((part): SlackBlock => ({ type: 'section', text: { type: 'mrkdwn', text: part.text } })),
  ];
  if (left > 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `…and ${left} more lines (Slack takes ${BLOCKS_MAX} blocks per message; webhooks get them all)` } });
  const context = [`Run ${slackDate(digest.runAt, isoMinute(digest.runAt))}`, ...message.links.map((link) => `<${slackUrl(link.url)}|${escapeSlack(link.label)}>`)];
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: context.join('  ·  ') }] });
  return { text: clip(escapeSlack(`📋 ${message.title}`), SECTION_MAX), blocks };
}

export const slackChannel: Channel<typeof options> = {
  options,
  send(opts, message, ctx) {
    const body = JSON.stringify(slackPayload(message));
    return postPayload(opts.webhookUrl, body, { 'content-type': 'application/json' }, ctx, SLACK_TIMEOUT_MS);
  },
  sendDigest(opts, message, ctx) {
    return postPayload(opts.webhookUrl, JSON.stringify(slackDigestPayload(message)), { 'content-type': 'application/json' }, ctx, SLACK_TIMEOUT_MS);
  },
};
