// Google Chat incoming webhook with a card message (cardsV2). Messages about
// one incident go to one thread (threadKey = the incident), so the recovery
// appears under the alert it ends.
// https://developers.google.com/workspace/chat/quickstart/webhooks,
// https://developers.google.com/workspace/chat/api/reference/rest/v1/cards

import * as z from 'zod';
import { stringOrSecret } from '../config/secrets';
import type { DigestMessage } from './digest';
import { alertEmoji, clip, type AlertMessage } from './message';
import { postPayload } from './post';
import type { Channel } from './types';

export const GOOGLE_CHAT_TIMEOUT_MS = 10_000;
/** spaces.messages.create: "The maximum message size, including text and cards, is 32,000 bytes." */
const MESSAGE_MAX_BYTES = 32_000;
const TEXT_MAX = 3000;
const HEADER_MAX = 200;
/** Replies go to the thread named by threadKey, or start it (named spaces only; elsewhere Chat ignores it). */
const REPLY_OPTION = 'REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD';

const options = z.strictObject({
  /** The space's webhook URL, with its key and token (a secret). */
  webhookUrl: stringOrSecret,
  /** Thread the messages of one incident together (default true). */
  threads: z.boolean().default(true),
});

type Widget =
  | { textParagraph: { text: string } }
  | { decoratedText: { topLabel: string; text: string; wrapText: true } }
  | { buttonList: { buttons: Array<{ text: string; onClick: { openLink: { url: string } } }> } };
export interface GoogleChatPayload {
  text: string;
  cardsV2: [{ cardId: string; card: { header: { title: string; subtitle?: string }; sections: Array<{ header?: string; widgets: Widget[] }> } }];
  thread?: { threadKey: string };
}

/** Card text takes a few HTML tags (<b>, <i>, <a>, <br>, <font>); everything else must be escaped. */
export function escapeChat(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const paragraph = (raw: string, max = TEXT_MAX): Widget => ({ textParagraph: { text: escapeChat(clip(raw, max)).replace(/\n/g, '<br>') } });
const buttons = (links: Array<{ label: string; url: string }>): Widget => ({ buttonList: { buttons: links.map((link) => ({ text: link.label, onClick: { openLink: { url: link.url } } })) } });
const bytes = (payload: unknown) => new TextEncoder().encode(JSON.stringify(payload)).length;

export function googleChatPayload(message: AlertMessage): GoogleChatPayload {
  const title = clip(`${alertEmoji(message.event)} ${message.title}`, HEADER_MAX);
  const main: Widget[] = [paragraph(message.summary)];
  if (message.details.length > 0) main.push(paragraph(message.details.map((detail) => `• ${detail}`).join('\n')));
  const facts: Widget[] = message.facts.map((fact) => ({ decoratedText: { topLabel: escapeChat(fact.label), text: escapeChat(clip(fact.value, 500)), wrapText: true } }));
  const extra: Widget[] = [];
  if (message.fix) extra.push(paragraph(`Fix: ${message.fix}`));
  if (message.report) extra.push(paragraph(message.report));
  const build = (): GoogleChatPayload => {
    const sections: GoogleChatPayload['cardsV2'][0]['card']['sections'] = [{ widgets: main }, { widgets: facts }];
    if (extra.length > 0) sections.push({ widgets: extra });
    if (message.links.length > 0) sections.push({ widgets: [buttons(message.links)] });
    const payload: GoogleChatPayload = { text: escapeChat(clip(`${title}: ${message.summary}`, 500)), cardsV2: [{ cardId: 'vigil-alert', card: { header: { title, subtitle: escapeChat(message.event.check.id) }, sections } }] };
    if (message.event.incident) payload.thread = { threadKey: message.event.incident.id };
    return payload;
  };
  let payload = build();
  // Text of many bytes a character (CJK, emoji): give up the report, then the details, before the limit.
  while (bytes(payload) > MESSAGE_MAX_BYTES && (extra.length > 0 || main.length > 1)) {
    if (extra.length > 0) extra.pop();
    else main.pop();
    payload = build();
  }
  return payload;
}

/** A checklist digest: one card, one section per part; over 32,000 bytes whole lines go from the end, and the last says how many. */
export function googleChatDigestPayload(message: DigestMessage): GoogleChatPayload {
  const parts: Array<{ header: string; lines: string[] }> = [];
  const section = (header: string, lines: string[]) => {
    if (lines.length) parts.push({ header, lines: lines.map((line) => clip(line, 1000)) });
  };
  section('Needs attention', message.problems);
  if (message.passing) section('OK', [message.passing]);
  section('Tasks', message.others);
  section('Since the last run', message.incidents);
  section('Held during quiet hours', message.held);
  let left = 0;
  const build = (): GoogleChatPayload => {
    const sections = parts.filter((part) => part.lines.length > 0).map((part) => ({ header: escapeChat(part.header), widgets: [paragraph(part.lines.join('\n'), Number.MAX_SAFE_INTEGER)] }));
    if (left > 0) sections.push({ header: 'More', widgets: [paragraph(`…and ${left} more lines (Google Chat takes ${MESSAGE_MAX_BYTES.toLocaleString('en-US')} bytes; webhooks get them all)`)] });
    if (message.links.length > 0) sections.push({ header: 'Links', widgets: [buttons(message.links)] });
    if (sections.length === 0) sections.push({ header: 'Items', widgets: [paragraph('No items.')] });
    const title = clip(`📋 ${message.title}`, HEADER_MAX);
    return { text: escapeChat(title), cardsV2: [{ cardId: 'vigil-digest', card: { header: { title }, sections } }] };
  };
  let payload = build();
  while (bytes(payload) > MESSAGE_MAX_BYTES) {
    const last = [...parts].reverse().find((part) => part.lines.length > 0);
    if (!last) break;
    last.lines.pop();
    left++;
    payload = build();
  }
  return payload;
}

function threaded(url: string, payload: GoogleChatPayload, threads: boolean): string {
  if (!threads || !payload.thread) return url;
  return `${url}${url.includes('?') ? '&' : '?'}messageReplyOption=${REPLY_OPTION}`;
}

export const googleChatChannel: Channel<typeof options> = {
  options,
  credentials: { webhookUrl: 'url' },
  send(opts, message, ctx) {
    const payload = googleChatPayload(message);
    if (!opts.threads) delete payload.thread;
    return postPayload(threaded(opts.webhookUrl, payload, opts.threads), JSON.stringify(payload), { 'content-type': 'application/json; charset=UTF-8' }, ctx, GOOGLE_CHAT_TIMEOUT_MS);
  },
  sendDigest(opts, message, ctx) {
    return postPayload(opts.webhookUrl, JSON.stringify(googleChatDigestPayload(message)), { 'content-type': 'application/json; charset=UTF-8' }, ctx, GOOGLE_CHAT_TIMEOUT_MS);
  },
};
