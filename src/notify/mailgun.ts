// Email through Mailgun's API: POST /v3/<domain>/messages as multipart form
// data, with HTTP Basic authentication as user "api" and the API key.
// US domains use api.mailgun.net, EU domains api.eu.mailgun.net.
// https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/messages

import * as z from 'zod';
import { stringOrSecret } from '../config/secrets';
import { alertEmail, DELIVERY_HEADER, digestEmail, emailShape, type EmailContent } from './email';
import { postPayload } from './post';
import type { Channel, SendContext } from './types';

export const MAILGUN_TIMEOUT_MS = 10_000;
export const MAILGUN_API = { us: 'https://api.mailgun.net', eu: 'https://api.eu.mailgun.net' } as const;

const options = z.strictObject({
  /** The API key (a secret; a domain sending key is enough). */
  apiKey: stringOrSecret,
  /** The sending domain as set up in Mailgun, e.g. "mg.acme.dev". */
  domain: z.string().regex(/^[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/, 'expected a domain such as "mg.acme.dev"'),
  ...emailShape,
  /** Where the domain lives: `us` (api.mailgun.net) or `eu` (api.eu.mailgun.net). */
  region: z.enum(['us', 'eu']).default('us'),
  /** The API host, overriding `region`; change only for a proxy. */
  apiBase: z.string().url().optional(),
});
type Options = z.output<typeof options> & { apiKey: string };

/** The form fields Vigil POSTs (repeated `to` fields for several recipients). */
export function mailgunForm(content: EmailContent, opts: Pick<Options, 'from' | 'to' | 'replyTo'>, deliveryId: string): Array<[string, string]> {
  const fields: Array<[string, string]> = [['from', opts.from], ...opts.to.map((to): [string, string] => ['to', to]), ['subject', content.subject], ['text', content.text], ['html', content.html], [`h:${DELIVERY_HEADER}`, deliveryId]];
  if (opts.replyTo) fields.push(['h:Reply-To', opts.replyTo]);
  return fields;
}

function send(opts: Options, content: EmailContent, ctx: SendContext) {
  const base = (opts.apiBase ?? MAILGUN_API[opts.region]).replace(/\/$/, '');
  const form = new FormData();
  for (const [name, value] of mailgunForm(content, opts, ctx.deliveryId)) form.append(name, value);
  const headers = { authorization: `Basic ${btoa(`api:${opts.apiKey}`)}` };
  return postPayload(`${base}/v3/${encodeURIComponent(opts.domain)}/messages`, form, headers, ctx, MAILGUN_TIMEOUT_MS);
}

export const mailgunChannel: Channel<typeof options> = {
  options,
  credentials: { apiKey: 'key' },
  send: (opts, message, ctx) => send(opts, alertEmail(message, opts.subjectPrefix, ctx.deliveryId), ctx),
  sendDigest: (opts, message, ctx) => send(opts, digestEmail(message, opts.subjectPrefix, ctx.deliveryId), ctx),
};
