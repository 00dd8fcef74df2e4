// Mattermost through its Slack-compatible incoming webhook: the Slack
// channel's options and delivery, with what Mattermost renders. Mattermost
// does not render Block Kit (`blocks`): it renders `text` and Slack's classic
// `attachments` (colour bar, title, Markdown text, fields), so that is what
// this sends. Its text is Markdown, and @channel / @here / @all in text
// notify everyone, so text from targets is escaped and mentions broken.
// https://developers.mattermost.com/integrate/webhooks/incoming/,
// https://developers.mattermost.com/integrate/reference/message-attachments/

import * as z from 'zod';
import type { DigestMessage } from './digest';
import { DISCORD_COLORS } from './discord';
import { alertColor, alertEmoji, clip, type AlertMessage } from './message';
import { postPayload } from './post';
import { SLACK_TIMEOUT_MS, slackOptions } from './slack';
import type { Channel } from './types';

/** Mattermost's default maximum post size (MaxPostSize), in characters. */
const POST_MAX = 16_383;
const TEXT_MAX = 4000;
const FIELD_MAX = 500;

const options = slackOptions.extend({
  /** The name shown as the sender (needs "Enable integrations to override usernames"). */
  username: z.string().min(1).max(64).optional(),
  /** The avatar shown (needs "Enable integrations to override profile picture icons"). */
  iconUrl: z.string().url().optional(),
  /** Post to another channel than the webhook's own (by name, e.g. "town-square"). */
  channel: z.string().min(1).optional(),
});
type Options = z.output<typeof options>;

export interface MattermostAttachment {
  fallback: string;
  color: string;
  title: string;
  title_link?: string;
  text: string;
  fields: Array<{ title: string; value: string; short: boolean }>;
  footer: string;
}
export interface MattermostPayload {
  text?: string;
  username?: string;
  icon_url?: string;
  channel?: string;
  attachments?: MattermostAttachment[];
}

/**
 * Markdown characters escaped with a backslash (CommonMark), and a zero-width space after
 * every @ so that @channel, @here, @all or @someone in a target's text
 * mentions nobody.
 */
export function escapeMattermost(text: string): string {
  const inline = text.replace(/([\\`*_{}[\]()|~])/g, '\\$1');
  // Headings, quotes and lists only start a line: escape their marker there, and nothing else.
  return noMentions(inline.replace(/^(\s*)(#{1,6}|>|[-+]|\d+\.)(?=\s|$)/gm, (_, space: string, marker: string) => `${space}\\${marker}`));
}

/** For text Mattermost does not format (titles, the notification fallback, code): only the mentions broken. */
function noMentions(text: string): string {
  return text.replace(/@/g, '@\u200B');
}

const hex = (color: number) => `#${color.toString(16).padStart(6, '0')}`;

function common(opts: Pick<Options, 'username' | 'iconUrl' | 'channel'>): MattermostPayload {
  const payload: MattermostPayload = {};
  if (opts.username) payload.username = opts.username;
  if (opts.iconUrl) payload.icon_url = opts.iconUrl;
  if (opts.channel) payload.channel = opts.channel;
  return payload;
}

export function mattermostPayload(message: AlertMessage, opts: Pick<Options, 'username' | 'iconUrl' | 'channel'> = {}): MattermostPayload {
  const { event } = message;
  const lines = [escapeMattermost(clip(message.summary, TEXT_MAX)), ...message.details.map((detail) => `- ${escapeMattermost(clip(detail, TEXT_MAX))}`)];
  if (message.fix) lines.push('', `**Fix:** ${escapeMattermost(clip(message.fix, TEXT_MAX))}`);
  // A fenced block shows the report as written (no Markdown, no mentions inside code).
  if (message.report) lines.push('', '```', noMentions(message.report.replace(/```/g, "'''")), '```');
  if (message.links.length > 0) lines.push('', message.links.map((link) => `[${escapeMattermost(link.label)}](${link.url.replace(/[()\s]/g, encodeURIComponent)})`).join(' · '));
  const attachment: MattermostAttachment = {
    fallback: noMentions(clip(`${alertEmoji(event)} ${message.title}: ${message.summary}`, 500)),
    color: hex(DISCORD_COLORS[alertColor(event)]),
    title: noMentions(clip(`${alertEmoji(event)} ${message.title}`, 250)),
    text: clip(lines.join('\n'), POST_MAX - 2000),
    fields: message.facts.map((fact) => ({ title: fact.label, value: escapeMattermost(clip(fact.value, FIELD_MAX)), short: true })),
    footer: `Vigil · ${event.check.id}`,
  };
  const runbook = message.links.find((link) => link.label === 'Runbook');
  if (runbook) attachment.title_link = runbook.url;
  return { ...common(opts), attachments: [attachment] };
}

/** A checklist digest as one Markdown post; over the post size, whole lines go from the end and the last says how many. */
export function mattermostDigestPayload(message: DigestMessage, opts: Pick<Options, 'username' | 'iconUrl' | 'channel'> = {}): MattermostPayload {
  const lines = [`#### 📋 ${escapeMattermost(message.title)}`];
  const section = (heading: string, items: string[]) => {
    if (items.length) lines.push('', `**${heading}**`, ...items.map((item) => escapeMattermost(clip(item, 1000))));
  };
  section('Needs attention', message.problems);
  if (message.passing) section('OK', [message.passing]);
  section('Tasks', message.others);
  section('Since the last run', message.incidents);
  section('Held during quiet hours', message.held);
  const links = message.links.map((link) => `[${escapeMattermost(link.label)}](${link.url})`).join(' · ');
  let left = 0;
  const text = () => [...lines, ...(left > 0 ? ['', `…and ${left} more lines (Mattermost takes ${POST_MAX.toLocaleString('en-US')} characters; webhooks get them all)`] : []), ...(links ? ['', links] : [])].join('\n');
  while (text().length > POST_MAX && lines.length > 1) {
    const removed = lines.pop() as string;
    if (removed && !removed.startsWith('**')) left++;
  }
  return { ...common(opts), text: text() };
}

export const mattermostChannel: Channel<typeof options> = {
  options,
  credentials: { webhookUrl: 'url' },
  send(opts, message, ctx) {
    return postPayload(opts.webhookUrl, JSON.stringify(mattermostPayload(message, opts)), { 'content-type': 'application/json' }, ctx, SLACK_TIMEOUT_MS);
  },
  sendDigest(opts, message, ctx) {
    return postPayload(opts.webhookUrl, JSON.stringify(mattermostDigestPayload(message, opts)), { 'content-type': 'application/json' }, ctx, SLACK_TIMEOUT_MS);
  },
};
