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

/** Slack's options; Mattermost's Slack-compatible webhook takes the same (mattermost.ts). */
export const slackOptions = z.strictObject({
  /** The incoming webhook URL (a secret: its path is the credential). */
  webhookUrl: stringOrSecret,
});
const options = slackOptions;

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
  /** false: the fallback `text` is shown unformatted. */
  mrkdwn: false;
  blocks: SlackBlock[];
}

/**
 * Slack treats &, < and > as control characters in every text object
 * (mentions such as <!channel>, links, dates); escaped, they display as
 * written. https://docs.slack.dev/messaging/formatting-message-text#escaping
 */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Text from targets and config in a `plain_text` object: Slack has no escape
 * for *bold*, _italic_, ~strike~ or `code` in mrkdwn, and plain_text is never
 * formatted, so what a target says is shown as written. Only &, < and > are
 * escaped (they are parsed in every text object).
 */
function plain(text: string, max: number): SlackText {
  return { type: 'plain_text', text: clip(escapeSlack(text), max), emoji: true };
}

/**
 * A value inside a mrkdwn field (a group name, a check id): shown as inline
 * code when it holds a formatting character, since code is not formatted.
 */
function literalMrkdwn(text: string): string {
  const escaped = escapeSlack(text);
  return /[*_~`]/.test(text) ? `\`${escaped.replace(/`/g, 'ˋ')}\`` : escaped;
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
    { type: 'header', text: plain(`${emoji} ${message.title}`, HEADER_MAX) },
    { type: 'section', text: plain(message.summary, SECTION_MAX) },
  ];
  if (message.details.length > 0) {
    blocks.push({ type: 'section', text: plain(message.details.map((detail) => `• ${detail}`).join('\n'), SECTION_MAX) });
  }
  blocks.push({
    type: 'section',
    fields: message.facts.slice(0, FIELDS_MAX).map((fact) => ({
      type: 'mrkdwn',
      text: clip(`*${escapeSlack(fact.label)}*\n${fact.time ? slackDate(fact.time, fact.value) : literalMrkdwn(fact.value)}`, FIELD_MAX),
    })),
  });
  if (message.fix) blocks.push({ type: 'section', text: plain(`Fix: ${message.fix}`, SECTION_MAX) });
  if (message.report) {
    // A code block shows the report as written; only a ``` inside could end it.
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`\`\`\`${escapeSlack(message.report.replace(/```/g, "'''"))}\`\`\``, SECTION_MAX) } });
  }
  if (message.links.length > 0) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: message.links.map((link) => `<${slackUrl(link.url)}|${escapeSlack(link.label)}>`).join('  ·  ') }],
    });
  }
  // `text` is the notification and screen-reader fallback, unformatted (mrkdwn: false).
  return { text: clip(escapeSlack(`${emoji} ${message.title}: ${message.summary}`), SECTION_MAX), mrkdwn: false, blocks };
}

/**
 * A checklist digest: a header with the score, what needs attention, then the
 * rest compacted. Each part is a bold heading (Vigil's own words, mrkdwn)
 * and its lines as plain_text (names and observed values as written). A long
 * part (a weekend of held alerts) continues in further blocks rather than
 * being cut at 3,000 characters; past Block Kit's 50 blocks, the last one
 * says how many lines were left out.
 */
export function slackDigestPayload(message: DigestMessage): SlackPayload {
  const { digest } = message;
  const parts: Array<{ block: SlackBlock; lines: number }> = [];
  const section = (heading: string, lines: string[]) => {
    if (lines.length === 0) return;
    parts.push({ block: { type: 'section', text: { type: 'mrkdwn', text: `*${heading}*` } }, lines: 0 });
    let current: string[] = [];
    let length = 0;
    const flush = () => {
      if (current.length) parts.push({ block: { type: 'section', text: { type: 'plain_text', text: current.join('\n'), emoji: true } }, lines: current.length });
      current = [];
      length = 0;
    };
    for (const line of lines.map((raw) => clip(escapeSlack(raw), SECTION_MAX))) {
      if (current.length && length + 1 + line.length > SECTION_MAX) flush();
      length += (current.length ? 1 : 0) + line.length;
      current.push(line);
    }
    flush();
  };
  section('Needs attention', message.problems);
  if (message.passing) section('OK', [message.passing]);
  section('Tasks', message.others);
  section('Since the last run', message.incidents);
  section('Held during quiet hours', message.held);
  // The header and the context line take two of the blocks.
  const room = BLOCKS_MAX - 2;
  let kept = parts.length > room ? parts.slice(0, room - 1) : parts;
  // A heading left without its lines says nothing.
  if (kept.length < parts.length && kept.at(-1)?.lines === 0) kept = kept.slice(0, -1);
  const left = parts.slice(kept.length).reduce((sum, part) => sum + part.lines, 0);
  const blocks: SlackBlock[] = [{ type: 'header', text: plain(`📋 ${message.title}`, HEADER_MAX) }, ...kept.map((part) => part.block)];
  if (left > 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `…and ${left} more lines (Slack takes ${BLOCKS_MAX} blocks per message; webhooks get them all)` } });
  const context = [`Run ${slackDate(digest.runAt, isoMinute(digest.runAt))}`, ...message.links.map((link) => `<${slackUrl(link.url)}|${escapeSlack(link.label)}>`)];
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: context.join('  ·  ') }] });
  return { text: clip(escapeSlack(`📋 ${message.title}`), SECTION_MAX), mrkdwn: false, blocks };
}

export const slackChannel: Channel<typeof options> = {
  options,
  credentials: { webhookUrl: 'url' },
  send(opts, message, ctx) {
    const body = JSON.stringify(slackPayload(message));
    return postPayload(opts.webhookUrl, body, { 'content-type': 'application/json' }, ctx, SLACK_TIMEOUT_MS);
  },
  sendDigest(opts, message, ctx) {
    return postPayload(opts.webhookUrl, JSON.stringify(slackDigestPayload(message)), { 'content-type': 'application/json' }, ctx, SLACK_TIMEOUT_MS);
  },
};
