// Cloudflare's send_email binding is the one email boundary faked in tests: no
// local Email Routing exists, so a stand-in binding takes each EmailMessage,
// parses its MIME text with postal-mime as a mail server would, and notes
// what a receiving server would refuse (RFC 5322's required headers, a From
// header that is not the envelope sender, an envelope recipient the message
// is not addressed to).
import PostalMime from 'postal-mime';

type Email = Awaited<ReturnType<typeof PostalMime.parse>>;

export interface SentEmail {
  /** The envelope sender and recipient given to `new EmailMessage(from, to, raw)`. */
  from: string;
  to: string;
  mime: string;
  parsed: Email;
  /** Why a mail server would refuse it ([] when fine). */
  problems: string[];
}

function problemsOf(message: { from: string; to: string }, parsed: Email): string[] {
  const problems: string[] = [];
  const header = (name: string) => parsed.headers.find((entry) => entry.key === name.toLowerCase())?.value;
  // RFC 5322 §3.6: the origination date and the originator are required.
  if (!header('date')) problems.push('no Date header (RFC 5322 §3.6)');
  if (parsed.from?.address !== message.from) problems.push(`the From header (${parsed.from?.address}) is not the envelope sender (${message.from})`);
  if (!(parsed.to ?? []).some((address) => 'address' in address && address.address === message.to)) problems.push(`the envelope recipient ${message.to} is not in the To header`);
  if (!parsed.subject) problems.push('no subject');
  if (!parsed.text) problems.push('no text/plain part');
  if (!header('x-vigil-delivery')) problems.push('no X-Vigil-Delivery header');
  return problems;
}

/**
 * A send_email binding for a test's env. `fail` makes every send throw with
 * that message (as the binding does for an unverified destination).
 */
export function fakeSendEmail(options: { fail?: string } = {}) {
  const sent: SentEmail[] = [];
  return {
    sent,
    binding: {
      async send(message: { from: string; to: string; mime?: string }) {
        if (options.fail) throw new Error(options.fail);
        if (typeof message.mime !== 'string') throw new Error('not an EmailMessage built by Vigil');
        const parsed = await PostalMime.parse(message.mime);
        sent.push({ from: message.from, to: message.to, mime: message.mime, parsed, problems: problemsOf(message, parsed) });
        return { messageId: `<${sent.length}@cf>` };
      },
    },
  };
}
