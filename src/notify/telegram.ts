// Telegram Bot API sendMessage, HTML formatted:
// https://core.telegram.org/bots/api#sendmessage (text ≤ 4096 characters after entity parsing).

import * as z from 'zod';
import { stringOrSecret } from '../config/secrets';
import type { DigestMessage } from './digest';
import { alertEmoji, clip, type AlertMessage } from './message';
import { postPayload } from './post';
import type { Channel } from './types';

export const TELEGRAM_TIMEOUT_MS = 10_000;
const TEXT_MAX = 4096;

const options = z.strictObject({
  /** The bot token from @BotFather (a secret: it is the bot's password). */
  botToken: stringOrSecret,
  /** The chat, group or channel id (e.g. -1001234567890) or @channelusername. */
  chatId: z.union([z.string().min(1), z.number().int()]),
  /** The Bot API server; change only for a self-hosted Bot API server. */
  apiBase: z.string().url().default('https://api.telegram.org'),
});

/** Telegram's HTML mode needs only &, < and > escaped. */
export function escapeTelegram(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface TelegramPayload {
  chat_id: string | number;
  text: string;
  parse_mode: 'HTML';
  link_preview_options: { is_disabled: true };
}

// Each part is cut before escaping, so a cut never splits a tag or an entity.
const TITLE_MAX = 256;
const LINE_MAX = 1000;

export function telegramPayload(message: AlertMessage, chatId: string | number): TelegramPayload {
  const emoji = alertEmoji(message.event);
  const text = (raw: string, max = LINE_MAX) => escapeTelegram(clip(raw, max));
  const lines = [`${emoji} <b>${text(message.title, TITLE_MAX)}</b>`, text(message.summary)];
  for (const detail of message.details) lines.push(`• ${text(detail)}`);
  lines.push(message.facts.map((fact) => `<b>${text(fact.label, TITLE_MAX)}</b> ${text(fact.value, TITLE_MAX)}`).join(' · '));
  if (message.fix) lines.push(`<b>Fix:</b> ${text(message.fix)}`);
  if (message.report) lines.push(`<pre>${text(message.report, LINE_MAX)}</pre>`);
  if (message.links.length > 0) lines.push(message.links.map((link) => `<a href="${escapeTelegram(link.url).replace(/"/g, '&quot;')}">${escapeTelegram(link.label)}</a>`).join(' · '));
  // Over the limit, drop whole detail lines (never cut HTML), keeping title, summary, facts and links.
  while (lines.join('\n').length > TEXT_MAX && lines.length > 4) lines.splice(2, 1);
  return { chat_id: chatId, text: lines.join('\n'), parse_mode: 'HTML', link_preview_options: { is_disabled: true } };
}

/** A checklist digest as one HTML message; over the limit, the passing part goes first. */
export function telegramDigestPayload(message: DigestMessage, chatId: string | number): TelegramPayload {
  const text = (raw: string, max = LINE_MAX) => escapeTelegram(clip(raw, max));
  const parts: string[][] = [[`📋 <b>${text(message.title, TITLE_MAX)}</b>`]];
  const section = (heading: string, items: string[]) => {
    if (items.length) parts.push([`<b>${escapeTelegram(heading)}</b>`, ...items.map((item) => text(item))]);
  };
  section('Needs attention', message.problems);
  if (message.passing) section('OK', [message.passing]);
  section('Tasks', message.others);
  section('Since the last run', message.incidents);
  section('Held during quiet hours', message.held);
  const join = () => parts.map((part) => part.join('\n')).join('\n\n');
  // Over the limit, drop whole lines from the end of the last sections (never cut HTML), and say how many.
  let left = 0;
  const note = () => (left > 0 ? `\n\n…and ${left} more lines (Telegram takes ${TEXT_MAX} characters; webhooks get them all)` : '');
  while ((join() + note()).length > TEXT_MAX && parts.length > 1) {
    const last = parts[parts.length - 1] as string[];
    if (last.length > 2) last.pop();
    else parts.pop();
    left++;
  }
  return { chat_id: chatId, text: join() + note(), parse_mode: 'HTML', link_preview_options: { is_disabled: true } };
}

export const telegramChannel: Channel<typeof options> = {
  options,
  credentials: { botToken: 'key' },
  send(opts, message, ctx) {
    const url = `${opts.apiBase.replace(/\/$/, '')}/bot${opts.botToken}/sendMessage`;
    return postPayload(url, JSON.stringify(telegramPayload(message, opts.chatId)), { 'content-type': 'application/json' }, ctx, TELEGRAM_TIMEOUT_MS);
  },
  sendDigest(opts, message, ctx) {
    const url = `${opts.apiBase.replace(/\/$/, '')}/bot${opts.botToken}/sendMessage`;
    return postPayload(url, JSON.stringify(telegramDigestPayload(message, opts.chatId)), { 'content-type': 'application/json' }, ctx, TELEGRAM_TIMEOUT_MS);
  },
};
