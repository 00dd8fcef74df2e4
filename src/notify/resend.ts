// Email through Resend's API: POST /emails with a Bearer API key. The delivery
// id is the Idempotency-Key, so a retry after a timeout does not send twice.
// https://resend.com/docs/api-reference/emails/send-email,
// https://resend.com/docs/dashboard/emails/idempotency-keys

import * as z from 'zod';
import { stringOrSecret } from '../config/secrets';
import { alertEmail, DELIVERY_HEADER, digestEmail, emailShape, type EmailContent } from './email';
import { postPayload } from './post';
import type { Channel, SendContext } from './types';

export const RESEND_TIMEOUT_MS = 10_000;
export const RESEND_API = 'https://api.resend.com';
/** Resend keeps an idempotency key 24 hours; it is 1–256 characters. */
const IDEMPOTENCY_KEY_MAX = 256;

const options = z.strictObject({
  /** The API key, re_... (a secret; a "sending access" key is enough). */
  apiKey: stringOrSecret,
  ...emailShape,
  /** The API host; change only for a proxy. */
  apiBase: z.string().url().default(RESEND_API),
});
type Options = z.output<typeof options> & { apiKey: string };

export interface ResendPayload {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  reply_to?: string;
  headers: Record<string, string>;
}

export function resendPayload(content: EmailContent, opts: Pick<Options, 'from' | 'to' | 'replyTo'>, deliveryId: string): ResendPayload {
  const payload: ResendPayload = { from: opts.from, to: opts.to, subject: content.subject, text: content.text, html: content.html, headers: { [DELIVERY_HEADER]: deliveryId } };
  if (opts.replyTo) payload.reply_to = opts.replyTo;
  return payload;
}

function send(opts: Options, content: EmailContent, ctx: SendContext) {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${opts.apiKey}`, 'idempotency-key': ctx.deliveryId.slice(0, IDEMPOTENCY_KEY_MAX) };
  return postPayload(`${opts.apiBase.replace(/\/$/, '')}/emails`, JSON.stringify(resendPayload(content, opts, ctx.deliveryId)), headers, ctx, RESEND_TIMEOUT_MS);
}

export const resendChannel: Channel<typeof options> = {
  options,
  credentials: { apiKey: 'key' },
  send: (opts, message, ctx) => send(opts, alertEmail(message, opts.subjectPrefix, ctx.deliveryId), ctx),
  sendDigest: (opts, message, ctx) => send(opts, digestEmail(message, opts.subjectPrefix, ctx.deliveryId), ctx),
};
