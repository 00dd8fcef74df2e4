// Email through Cloudflare's send_email binding (Email Routing / Email
// Service): no API key, the Worker sends an EmailMessage built from a MIME
// message, one per recipient (the envelope has one recipient). With Email
// Routing, each recipient must be a verified destination address.
// https://developers.cloudflare.com/email-routing/email-workers/send-email-workers/,
// https://developers.cloudflare.com/email-service/api/send-emails/workers-api/

import { createMimeMessage } from 'mimetext/browser';
import * as z from 'zod';
import { addressOf, alertEmail, DELIVERY_HEADER, digestEmail, emailShape, nameOf, type EmailContent } from './email';
import type { Channel, DeliveryResult, SendContext } from './types';

export const DEFAULT_EMAIL_BINDING = 'SEND_EMAIL';
/** RFC 2045: base64 lines of at most 76 characters. */
const BASE64_LINE = 76;
/** Errors that sending again will not cure (an unverified destination, a sender the binding does not allow). */
const PERMANENT = /not verified|not allowed|unverified|invalid|forbidden|destination address|sender/i;

const options = z.strictObject({
  /** The name of the [[send_email]] binding in wrangler.toml. */
  binding: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a binding name such as SEND_EMAIL').default(DEFAULT_EMAIL_BINDING),
  ...emailShape,
});
type Options = z.output<typeof options>;

/** What a send_email binding offers (workers-types: SendEmail). */
interface SendEmailBinding {
  send(message: unknown): Promise<unknown>;
}
type EmailMessageClass = new (from: string, to: string, raw: string) => object;

/** The UTF-8 bytes of `text` in base64, in lines of 76. */
function base64Lines(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return (btoa(binary).match(new RegExp(`.{1,${BASE64_LINE}}`, 'g')) ?? []).join('\r\n');
}

/** One MIME message (multipart/alternative: text, then HTML) for one recipient, built with mimetext. */
export function mimeMessage(content: EmailContent, opts: Pick<Options, 'from' | 'replyTo'>, to: string, deliveryId: string): string {
  const mime = createMimeMessage();
  const name = nameOf(opts.from);
  mime.setSender(name ? { name, addr: addressOf(opts.from) } : addressOf(opts.from));
  mime.setRecipient(addressOf(to));
  mime.setSubject(content.subject);
  mime.setHeader(DELIVERY_HEADER, deliveryId);
  if (opts.replyTo) mime.setHeader('Reply-To', addressOf(opts.replyTo));
  // base64: the text holds emoji and whatever a target said, which 7bit cannot carry.
  mime.addMessage({ contentType: 'text/plain', encoding: 'base64', data: base64Lines(content.text) });
  mime.addMessage({ contentType: 'text/html', encoding: 'base64', data: base64Lines(content.html) });
  return mime.asRaw();
}

// A variable, so that Node (npm run check, notify-test) can load this module: only workerd has it.
const EMAIL_MODULE = 'cloudflare:email';

async function emailMessageClass(): Promise<EmailMessageClass | undefined> {
  try {
    return ((await import(/* @vite-ignore */ EMAIL_MODULE)) as { EmailMessage: EmailMessageClass }).EmailMessage;
  } catch {
    return undefined;
  }
}

async function send(opts: Options, content: EmailContent, ctx: SendContext): Promise<DeliveryResult> {
  const binding = ctx.env?.[opts.binding] as SendEmailBinding | undefined;
  if (!binding || typeof binding.send !== 'function') {
    return { ok: false, retryable: false, error: `binding ${opts.binding} is not a send_email binding: add [[send_email]] name = "${opts.binding}" to wrangler.toml` };
  }
  const EmailMessage = await emailMessageClass();
  if (!EmailMessage) return { ok: false, retryable: false, error: 'cloudflare:email is not available: the send_email binding works only inside the Worker' };
  /** Keeps the MIME text readable on the message (the runtime's EmailMessage hides it), for logs and tests. */
  class MimeEmailMessage extends EmailMessage {
    readonly mime: string;
    constructor(from: string, to: string, raw: string) {
      super(from, to, raw);
      this.mime = raw;
    }
  }
  for (const to of opts.to) {
    try {
      const result = await binding.send(new MimeEmailMessage(addressOf(opts.from), addressOf(to), mimeMessage(content, opts, to, ctx.deliveryId)));
      const id = (result as { messageId?: unknown } | undefined)?.messageId;
      ctx.onAnswer?.(`send_email ${opts.binding}: accepted for ${addressOf(to)}${typeof id === 'string' ? ` (${id})` : ''}`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // Recipients before this one have their copy; a retry sends them another (the X-Vigil-Delivery header is the same).
      return { ok: false, retryable: !PERMANENT.test(message), error: `send_email ${opts.binding} to ${addressOf(to)}: ${message}` };
    }
  }
  return { ok: true };
}

export const cloudflareEmailChannel: Channel<typeof options> = {
  options,
  send: (opts, message, ctx) => send(opts, alertEmail(message, opts.subjectPrefix, ctx.deliveryId), ctx),
  sendDigest: (opts, message, ctx) => send(opts, digestEmail(message, opts.subjectPrefix, ctx.deliveryId), ctx),
};
