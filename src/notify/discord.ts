// Discord webhook with one embed, coloured by status. allowed_mentions is
// empty so text from a target (an error page saying @everyone) pings nobody.
// https://discord.com/developers/docs/resources/webhook#execute-webhook

import * as z from 'zod';
import { stringOrSecret } from '../config/secrets';
import type { DigestMessage } from './digest';
import { alertColor, alertEmoji, clip, type AlertMessage } from './message';
import { postPayload } from './post';
import type { Channel } from './types';

export const DISCORD_TIMEOUT_MS = 10_000;
// Embed limits: title 256, description 4096, 25 fields, field name 256 / value 1024, footer 2048, 6000 in all.
const TITLE_MAX = 256;
const DESCRIPTION_MAX = 4096;
const FIELD_NAME_MAX = 256;
const FIELD_VALUE_MAX = 1024;
const FIELDS_MAX = 25;

export const DISCORD_COLORS = {
  down: 0xe5484d,
  degraded: 0xf5a524,
  up: 0x30a46c,
  unknown: 0x8b8d98,
} as const;

/**
 * Discord answers 400 to a webhook name containing "discord" or "clyde" (any
 * case), so every delivery would fail: refused here instead.
 * https://discord.com/developers/docs/resources/webhook#create-webhook
 */
export const USERNAME_FORBIDDEN = /discord|clyde/i;
const USERNAME_MAX = 80;

const options = z.strictObject({
  /** The webhook URL (a secret: it carries the webhook token). */
  webhookUrl: stringOrSecret,
  /** Name shown as the sender (1–80 characters, without "discord" or "clyde"). */
  username: z
    .string()
    .trim()
    .min(1)
    .max(USERNAME_MAX)
    .refine((name) => !USERNAME_FORBIDDEN.test(name), {
      message: 'Discord rejects webhook names that contain "discord" or "clyde" (in any case), so every alert would fail; choose another, e.g. "Vigil"',
    })
    .default('Vigil'),
});

export interface DiscordEmbed {
  title: string;
  description: string;
  url?: string;
  color: number;
  fields: Array<{ name: string; value: string; inline?: boolean }>;
  timestamp: string;
  footer: { text: string };
}
export interface DiscordPayload {
  username: string;
  embeds: DiscordEmbed[];
  allowed_mentions: { parse: [] };
}

/** Escapes Discord markdown so target text shows as written. */
export function escapeDiscord(text: string): string {
  return text.replace(/([\\*_~`|>#[\]()-])/g, '\\$1');
}

export function discordPayload(message: AlertMessage, username: string): DiscordPayload {
  const { event } = message;
  const emoji = alertEmoji(event);
  const color = DISCORD_COLORS[alertColor(event)];
  const lines = [escapeDiscord(message.summary), ...message.details.map((detail) => `• ${escapeDiscord(detail)}`)];
  if (message.fix) lines.push('', `**Fix:** ${escapeDiscord(message.fix)}`);
  // A code block shows the report as written (markdown and mentions inert; allowed_mentions also applies).
  if (message.report) lines.push('```', message.report.replace(/```/g, "'''"), '```');
  if (message.links.length > 0) lines.push('', message.links.map((link) => `[${link.label}](${link.url})`).join(' · '));
  const embed: DiscordEmbed = {
    title: clip(`${emoji} ${message.title}`, TITLE_MAX),
    description: clip(lines.join('\n'), DESCRIPTION_MAX),
    color,
    fields: message.facts.slice(0, FIELDS_MAX).map((fact) => ({
      name: clip(fact.label, FIELD_NAME_MAX),
      // <t:unix:f> renders in the reader's time zone.
      value: clip(fact.time ? `<t:${Math.floor(fact.time / 1000)}:f> (<t:${Math.floor(fact.time / 1000)}:R>)` : escapeDiscord(fact.value), FIELD_VALUE_MAX),
      inline: true,
    })),
    timestamp: new Date(event.at).toISOString(),
    footer: { text: `Vigil · ${event.check.id}` },
  };
  const runbook = message.links.find((link) => link.label === 'Runbook');
  if (runbook) embed.url = runbook.url;
  return { username, embeds: [embed], allowed_mentions: { parse: [] } };
}

/** A checklist digest: one embed, green when all is well, orange or red when not. */
export function discordDigestPayload(message: DigestMessage, username: string): DiscordPayload {
  const { digest } = message;
  const lines: string[] = [];
  const section = (heading: string, items: string[]) => {
    if (items.length) lines.push(`**${heading}**`, ...items.map(escapeDiscord), '');
  };
  section('Needs attention', message.problems);
  if (message.passing) section('OK', [message.passing]);
  section('Tasks', message.others);
  section('Since the last run', message.incidents);
  section('Held during quiet hours', message.held);
  if (message.links.length > 0) lines.push(message.links.map((link) => `[${link.label}](${link.url})`).join(' · '));
  // Over the limit, whole lines go from the end, and the last line says how many.
  let left = 0;
  const description = () => `${lines.join('\n').trim() || 'No items.'}${left > 0 ? `\n…and ${left} more lines (Discord takes ${DESCRIPTION_MAX} characters; webhooks get them all)` : ''}`;
  while (description().length > DESCRIPTION_MAX && lines.length > 2) {
    const [removed] = lines.splice(lines.length - (message.links.length > 0 ? 2 : 1), 1);
    if (removed && !removed.startsWith('**')) left++;
  }
  const failing = digest.items.some((item) => item.state === 'failing');
  const embed: DiscordEmbed = {
    title: clip(`📋 ${message.title}`, TITLE_MAX),
    description: clip(description(), DESCRIPTION_MAX),
    color: digest.ok === digest.total ? DISCORD_COLORS.up : failing ? DISCORD_COLORS.down : DISCORD_COLORS.degraded,
    fields: [],
    timestamp: new Date(digest.runAt).toISOString(),
    footer: { text: `Vigil · checklist ${digest.checklist.id}` },
  };
  return { username, embeds: [embed], allowed_mentions: { parse: [] } };
}

export const discordChannel: Channel<typeof options> = {
  options,
  credentials: { webhookUrl: 'url' },
  send(opts, message, ctx) {
    const body = JSON.stringify(discordPayload(message, opts.username));
    return postPayload(opts.webhookUrl, body, { 'content-type': 'application/json' }, ctx, DISCORD_TIMEOUT_MS);
  },
  sendDigest(opts, message, ctx) {
    return postPayload(opts.webhookUrl, JSON.stringify(discordDigestPayload(message, opts.username)), { 'content-type': 'application/json' }, ctx, DISCORD_TIMEOUT_MS);
  },
};
