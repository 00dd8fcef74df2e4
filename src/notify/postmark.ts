// Email through Postmark's API: POST /email with the server token in
// X-Postmark-Server-Token, through a message stream (default "outbound", the
// transactional one).
// https://postmarkapp.com/developer/user-guide/send-email-with-api,
// https://postmarkapp.com/developer/api/overview#error-codes

import * as z from 'zod';
import { stringOrSecret } from '../config/secrets';
import { alertEmail, DELIVERY_HEADER, digestEmail, emailShape, type EmailContent } from './email';
import { postPayload } from './post';
import type { Channel, SendContext } from './types';

export const POSTMARK_TIMEOUT_MS = 10_000;
export const POSTMARK_API = 'https://api.postmarkapp.com';

const options = z.strictObject({
  /** The server's API token (a secret). */
  serverToken: stringOrSecret,
  ...emailShape,
  /** The message stream: "outbound" (transactional, the default) or another you created. */
  messageStream: z.string().min(1).default('outbound'),
  /** The API host; change only for a proxy. */
  apiBase: z.string().url().default(POSTMARK_API),
});
type Options = z.output<typeof options> & { serverToken: string };

export interface PostmarkPayload {
  From: string;
  To: string;
  Subject: string;
  TextBody: string;
  HtmlBody: string;
  MessageStream: string;
  Tag: 'vigil';
  ReplyTo?: string;
  Headers: Array<{ Name: string; Value: string }>;
}

export function postmarkPayload(content: EmailContent, opts: Pick<Options, 'from' | 'to' | 'replyTo' | 'messageStream'>, deliveryId: string): PostmarkPayload {
  const payload: PostmarkPayload = {
    From: opts.from,
    To: opts.to.join(', '),
    Subject: content.subject,
    TextBody: content.text,
    HtmlBody: content.html,
    MessageStream: opts.messageStream,
    Tag: 'vigil',
    Headers: [{ Name: DELIVERY_HEADER, Value: deliveryId }],
  };
  if (opts.replyTo) payload.ReplyTo = opts.replyTo;
  return payload;
}

function send(opts: Options, content: EmailContent, ctx: SendContext) {
  const headers = { 'content-type': 'application/json', accept: 'application/json', 'x-postmark-server-token': opts.serverToken };
  return postPayload(`${opts.apiBase.replace(/\/$/, '')}/email`, JSON.stringify(postmarkPayload(content, opts, ctx.deliveryId)), headers, ctx, POSTMARK_TIMEOUT_MS);
}

export const postmarkChannel: Channel<typeof options> = {
  options,
  credentials: { serverToken: 'key' },
  send: (opts, message, ctx) => send(opts, alertEmail(message, opts.subjectPrefix, ctx.deliveryId), ctx),
  sendDigest: (opts, message, ctx) => send(opts, digestEmail(message, opts.subjectPrefix, ctx.deliveryId), ctx),
};
