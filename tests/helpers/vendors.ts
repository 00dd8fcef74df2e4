// The vendors' APIs as the tests reach them: requests for a vendor's real host
// go to the local sink, which answers as that platform does and records what
// it received. Cloudflare's send_email binding, the one boundary with no local
// server, is the stand-in in send-email.ts.
import { sinkUrl } from './index';

/** Where each vendor's real host is served by the sink. */
export const VENDOR_HOSTS: Record<string, string> = {
  'events.pagerduty.com': 'pagerduty',
  'api.opsgenie.com': 'opsgenie',
  'api.eu.opsgenie.com': 'opsgenie',
  'api.pushover.net': 'pushover',
  'api.resend.com': 'resend',
  'api.postmarkapp.com': 'postmark',
  'api.sendgrid.com': 'sendgrid',
  'api.eu.sendgrid.com': 'sendgrid',
  'api.mailgun.net': 'mailgun',
  'api.eu.mailgun.net': 'mailgun',
};

/**
 * A fetch that sends requests for vendor hosts to the sink, recorded under
 * `id` (or `id(platform)`), and notes which host was asked; other requests go
 * where they were meant to (checks' targets, webhook URLs that are already the sink's).
 */
export function routedFetch(id: string | ((platform: string) => string), hosts: string[] = []): typeof fetch {
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const platform = VENDOR_HOSTS[url.host];
    if (!platform) return fetch(input, init);
    hosts.push(url.host);
    return fetch(sinkUrl(`/${platform}/${typeof id === 'string' ? id : id(platform)}${url.pathname}${url.search}`), init);
  };
}

// The send_email stand-in (tests/helpers/send-email.ts), here beside the other vendors.
export { fakeSendEmail, type SentEmail } from './send-email';
