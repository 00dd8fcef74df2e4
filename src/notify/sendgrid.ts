// Email through SendGrid's v3 Mail Send API: POST /v3/mail/send with a Bearer
// API key; SendGrid answers 202 (queued) with no body. EU-pinned subusers use
// api.eu.sendgrid.com.
// https://www.twilio.com/docs/sendgrid/api-reference/mail-send/mail-send,
// https://www.twilio.com/docs/sendgrid/api-reference/mail-send/errors

import * as z from 'zod';
import { stringOrSecret } from '../config/secrets';
import { addressOf, alertEmail, DELIVERY_HEADER, digestEmail, emailShape, nameOf, type EmailContent } from './email';
import { postPayload } from './post';
import type { Channel, SendContext } from './types';

export const SENDGRID_TIMEOUT_MS = 10_000;
export const SENDGRID_API = { global: 'https://api.sendgrid.com', eu: 'https://api.eu.sendgrid.com' } as const;

const options = z.strictObject({
  /** The API key, SG.... (a secret, with the Mail Send permission). */
  apiKey: stringOrSecret,
  ...emailShape,
  /** `global` (api.sendgrid.com) or `eu` (api.eu.sendgrid.com, for EU regional subusers). */
  region: z.enum(['global', 'eu']).default('global'),
  /** The API host, overriding `region`; change only for a proxy. */
  apiBase: z.string().url().optional(),
});
type Options = z.output<typeof options> & { apiKey: string };

type Address = { email: string; name?: string };
export interface SendGridPayload {
  personalizations: [{ to: Address[] }];
  from: Address;
  reply_to?: Address;
  subject: string;
  /** text/plain first, as SendGrid requires. */
  content: [{ type: 'text/plain'; value: string }, { type: 'text/html'; value: string }];
  headers: Record<string, string>;
}

function address(mailbox: string): Address {
  const name = nameOf(mailbox);
  return name ? { email: addressOf(mailbox), name } : { email: addressOf(mailbox) };
}

export function sendgridPayload(content: EmailContent, opts: Pick<Options, 'from' | 'to' | 'replyTo'>, deliveryId: string): SendGridPayload {
  const payload: SendGridPayload = {
    personalizations: [{ to: opts.to.map(address) }],
    from: address(opts.from),
    subject: content.subject,
    content: [
      { type: 'text/plain', value: content.text },
      { type: 'text/html', value: content.html },
    ],
    headers: { [DELIVERY_HEADER]: deliveryId },
  };
  if (opts.replyTo) payload.reply_to = address(opts.replyTo);
  return payload;
}

function send(opts: Options, content: EmailContent, ctx: SendContext) {
  const base = (opts.apiBase ?? SENDGRID_API[opts.region]).replace(/\/$/, '');
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${opts.apiKey}` };
  return postPayload(`${base}/v3/mail/send`, JSON.stringify(sendgridPayload(content, opts, ctx.deliveryId)), headers, ctx, SENDGRID_TIMEOUT_MS);
}

export const sendgridChannel: Channel<typeof options> = {
  options,
  credentials: { apiKey: 'key' },
  send: (opts, message, ctx) => send(opts, alertEmail(message, opts.subjectPrefix, ctx.deliveryId), ctx),
  sendDigest: (opts, message, ctx) => send(opts, digestEmail(message, opts.subjectPrefix, ctx.deliveryId), ctx),
};
