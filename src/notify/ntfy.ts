// ntfy: a push notification to a topic on ntfy.sh or a self-hosted server,
// published as JSON to the server's root (JSON keeps titles and text in
// UTF-8; headers would need RFC 2047 for anything beyond ASCII). Priority and
// tags (shown as emoji) follow the status.
// https://docs.ntfy.sh/publish/#publish-as-json

import * as z from 'zod';
import { stringOrSecret } from '../config/secrets';
import type { AlertEvent } from '../engine/types';
import type { DigestMessage } from './digest';
import { clip, clipBytes, type AlertMessage } from './message';
import { postPayload } from './post';
import type { Channel } from './types';

export const NTFY_TIMEOUT_MS = 10_000;
export const NTFY_SERVER = 'https://ntfy.sh';
/** ntfy.sh's message-size-limit: a longer message becomes an attachment. */
const MESSAGE_MAX_BYTES = 4096;
const TITLE_MAX = 250;
/** ntfy shows at most three action buttons. */
const ACTIONS_MAX = 3;

/** ntfy priority: 5 max/urgent, 4 high, 3 default, 2 low, 1 min. */
export function ntfyPriority(event: AlertEvent): 1 | 2 | 3 | 4 | 5 {
  if (event.type === 'recovered' || event.type === 'burn-ended') return 3;
  return event.status === 'down' ? 5 : event.status === 'degraded' ? 4 : 3;
}

/** Tags that are emoji short codes show as emoji before the title; the check id is a plain tag. */
export function ntfyTags(event: AlertEvent): string[] {
  const emoji =
    event.type === 'recovered' || event.type === 'burn-ended'
      ? 'white_check_mark'
      : event.type === 'burn'
        ? 'fire'
        : { down: 'rotating_light', degraded: 'warning', unknown: 'grey_question', up: 'white_check_mark' }[event.status];
  return [emoji, event.check.id];
}

const options = z.strictObject({
  /** The topic (on a public server the topic name is the only secret: use secret('NTFY_TOPIC') there). */
  topic: stringOrSecret,
  /** The server: https://ntfy.sh or your own. */
  server: z.string().url().default(NTFY_SERVER),
  /** An access token (tk_...) for a protected topic, sent as `Authorization: Bearer`. */
  token: stringOrSecret.optional(),
});

export interface NtfyPayload {
  topic: string;
  title: string;
  message: string;
  tags: string[];
  priority: 1 | 2 | 3 | 4 | 5;
  click?: string;
  actions?: Array<{ action: 'view'; label: string; url: string }>;
}

export function ntfyPayload(message: AlertMessage, topic: string): NtfyPayload {
  const lines = [message.summary, ...message.details.map((detail) => `• ${detail}`), message.facts.map((fact) => `${fact.label}: ${fact.value}`).join(' · ')];
  if (message.fix) lines.push(`Fix: ${message.fix}`);
  if (message.report) lines.push(message.report);
  const payload: NtfyPayload = {
    topic,
    title: clip(message.title, TITLE_MAX),
    message: clipBytes(lines.join('\n'), MESSAGE_MAX_BYTES),
    tags: ntfyTags(message.event),
    priority: ntfyPriority(message.event),
  };
  const click = message.links.find((link) => link.label === 'Runbook') ?? message.links[0];
  if (click) payload.click = click.url;
  if (message.links.length > 0) payload.actions = message.links.slice(0, ACTIONS_MAX).map((link) => ({ action: 'view', label: link.label, url: link.url }));
  return payload;
}

/** A digest: the score as the title, the plain-text digest as the message (high priority when a check fails). */
export function ntfyDigestPayload(message: DigestMessage, topic: string): NtfyPayload {
  const failing = message.digest.items.some((item) => item.state === 'failing');
  const body = message.text.split('\n').slice(2).join('\n') || message.title;
  const payload: NtfyPayload = { topic, title: clip(`📋 ${message.title}`, TITLE_MAX), message: clipBytes(body, MESSAGE_MAX_BYTES), tags: ['clipboard'], priority: failing ? 4 : 3 };
  const page = message.links[0];
  if (page) payload.click = page.url;
  return payload;
}

function publish(opts: z.output<typeof options> & { topic: string; token?: string | undefined }, payload: NtfyPayload, ctx: Parameters<Channel['send']>[2]) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  return postPayload(`${opts.server.replace(/\/$/, '')}/`, JSON.stringify(payload), headers, ctx, NTFY_TIMEOUT_MS);
}

export const ntfyChannel: Channel<typeof options> = {
  options,
  credentials: { token: 'key' },
  validate(opts) {
    return typeof opts.topic === 'string' && !/^[-_A-Za-z0-9]{1,64}$/.test(opts.topic) ? [['topic', 'a topic is 1–64 letters, digits, - and _']] : [];
  },
  send(opts, message, ctx) {
    return publish(opts, ntfyPayload(message, opts.topic), ctx);
  },
  sendDigest(opts, message, ctx) {
    return publish(opts, ntfyDigestPayload(message, opts.topic), ctx);
  },
};
