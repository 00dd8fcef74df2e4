// Generic webhook: a JSON body, signed so the receiver can check it came from
// Vigil and is fresh. The signature is HMAC-SHA256 over "<timestamp>.<body>"
// (docs/alerts.md shows how to verify it), and/or the Standard Webhooks
// headers (https://www.standardwebhooks.com/) for receivers that verify those.

import * as z from 'zod';
import { stringOrSecret } from '../config/secrets';
import type { AlertEvent } from '../engine/types';
import type { Digest, DigestMessage } from './digest';
import type { AlertMessage } from './message';
import { postPayload } from './post';
import type { Channel, DeliveryResult, SendContext } from './types';

export const WEBHOOK_TIMEOUT_MS = 10_000;
export const SIGNATURE_HEADER = 'x-vigil-signature';
export const TIMESTAMP_HEADER = 'x-vigil-timestamp';
export const DELIVERY_HEADER = 'x-vigil-delivery';
export const EVENT_HEADER = 'x-vigil-event';
/** Standard Webhooks 1.0: the message id, Unix seconds, and `v1,<base64 HMAC-SHA256>`. */
export const STANDARD_ID_HEADER = 'webhook-id';
export const STANDARD_TIMESTAMP_HEADER = 'webhook-timestamp';
export const STANDARD_SIGNATURE_HEADER = 'webhook-signature';
/** A Standard Webhooks secret is `whsec_` and the base64 of the key (the spec suggests 24–64 bytes). */
const STANDARD_SECRET = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

const options = z.strictObject({
  url: stringOrSecret,
  /** The shared secret for Vigil's own signature, x-vigil-signature (wrangler secret put WEBHOOK_SIGNING_SECRET). */
  signingSecret: stringOrSecret.optional(),
  /** A `whsec_...` secret: sends the Standard Webhooks headers webhook-id, webhook-timestamp and webhook-signature. */
  standardWebhooks: stringOrSecret.optional(),
  /** Extra headers, e.g. an Authorization the receiver needs. */
  headers: z.record(z.string(), stringOrSecret).default({}),
});

/** The JSON body Vigil POSTs. */
export interface WebhookBody {
  /** The delivery id (also in the x-vigil-delivery header). */
  id: string;
  /** `check.down`, `check.degraded`, `check.recovered`, `check.unknown`, `check.reminder`, `check.burn`, `check.burn-ended` (docs/alerts.md) */
  type: string;
  occurredAt: string;
  check: { id: string; name: string; group?: string };
  status: string;
  previousStatus: string;
  since: string;
  summary: string;
  details: string[];
  incident?: { id: string; startedAt: string; endedAt?: string; durationMs?: number };
  /** Burn events: the SLO, its burn rates and the budget left. */
  slo?: AlertEvent['slo'];
  /** Dependent checks folded into this alert (or, on recovery, affected while it was down). */
  affected?: AlertEvent['affected'];
  /** Set when the channel's quiet hours held the alert back (ISO time it was held from). */
  heldSince?: string;
  /** On a recovery: the problem alert it replaced because that could not be delivered before the recovery (the channel hears both at once). */
  unannounced?: { type: string; status: string; since: string; summary: string };
  /** A check run from several regions: which saw the problem and which did not. */
  regions?: NonNullable<AlertEvent['regions']>;
  /** `check.escalation`: the step (1-based) and how long the incident had gone unacknowledged (ms). */
  escalation?: NonNullable<AlertEvent['escalation']>;
  /** The signed link that acknowledges the incident (when the page URL and VIGIL_ADMIN_TOKEN are set). */
  acknowledgeUrl?: string;
  runbook?: string;
  fix?: string;
  /** The check's report lines (a job's last output, slow statements ...). */
  report?: string[];
  text: string;
}

export function webhookBody(message: AlertMessage, deliveryId: string): WebhookBody {
  const { event } = message;
  const body: WebhookBody = {
    id: deliveryId,
    type: `check.${event.type}`,
    occurredAt: new Date(event.at).toISOString(),
    check: event.check,
    status: event.status,
    previousStatus: event.previous,
    since: new Date(event.since).toISOString(),
    summary: event.summary,
    details: event.details,
    text: message.text,
  };
  if (event.incident) {
    const incident: NonNullable<WebhookBody['incident']> = { id: event.incident.id, startedAt: new Date(event.incident.startedAt).toISOString() };
    if (event.incident.endedAt !== undefined) {
      incident.endedAt = new Date(event.incident.endedAt).toISOString();
      incident.durationMs = event.incident.endedAt - event.incident.startedAt;
    }
    body.incident = incident;
  }
  if (event.slo) body.slo = event.slo;
  if (event.affected?.length) body.affected = event.affected;
  if (message.heldSince !== undefined) body.heldSince = new Date(message.heldSince).toISOString();
  if (message.unannounced) body.unannounced = { type: `check.${message.unannounced.type}`, status: message.unannounced.status, since: new Date(message.unannounced.since).toISOString(), summary: message.unannounced.summary };
  if (event.regions) body.regions = event.regions;
  if (event.escalation) body.escalation = event.escalation;
  const acknowledge = message.links.find((link) => link.label === 'Acknowledge');
  if (acknowledge) body.acknowledgeUrl = acknowledge.url;
  if (event.runbook) body.runbook = event.runbook;
  if (event.fix) body.fix = event.fix;
  if (event.report?.length) body.report = event.report;
  return body;
}

/** Hex HMAC-SHA256 of `${timestamp}.${body}` with `secret`. */
export async function signWebhook(secret: string, timestamp: number, body: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(`${timestamp}.${body}`));
  return [...new Uint8Array(mac)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** The JSON body of a checklist digest (`type: "checklist.digest"`, docs/alerts.md). */
export interface WebhookDigestBody {
  id: string;
  type: 'checklist.digest';
  occurredAt: string;
  checklist: { id: string; name: string };
  runAt: string;
  ok: number;
  total: number;
  items: Digest['items'];
  incidents: Array<{ check: string; status: string; startedAt: string; endedAt?: string; cause: string }>;
  held: Array<{ title: string; summary: string; at: string }>;
  text: string;
}

export function webhookDigestBody(message: DigestMessage, deliveryId: string): WebhookDigestBody {
  const { digest } = message;
  const iso = (time: number) => new Date(time).toISOString();
  return {
    id: deliveryId,
    type: 'checklist.digest',
    occurredAt: iso(digest.runAt),
    checklist: digest.checklist,
    runAt: iso(digest.runAt),
    ok: digest.ok,
    total: digest.total,
    items: digest.items,
    incidents: digest.incidents.map(({ endedAt, startedAt, ...incident }) => ({ ...incident, startedAt: iso(startedAt), ...(endedAt !== undefined ? { endedAt: iso(endedAt) } : {}) })),
    held: digest.held.map((alert) => ({ ...alert, at: iso(alert.at) })),
    text: message.text,
  };
}

/**
 * The Standard Webhooks signature: `v1,` and the base64 HMAC-SHA256 of
 * `<id>.<timestamp>.<body>`, keyed with the base64-decoded part of `whsec_...`.
 */
export async function signStandardWebhook(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  const keyBytes = Uint8Array.from(atob(secret.slice('whsec_'.length)), (char) => char.charCodeAt(0));
  const key = await crypto.subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${id}.${timestamp}.${body}`)));
  return `v1,${btoa(String.fromCharCode(...mac))}`;
}

type SignedOptions = { url: string; signingSecret?: string | undefined; standardWebhooks?: string | undefined; headers: Record<string, string> };

/** POSTs a signed body: Vigil's signature covers `<timestamp>.<body>`, the standard one `<id>.<timestamp>.<body>`. */
async function postSigned(opts: SignedOptions, body: string, type: string, ctx: SendContext): Promise<DeliveryResult> {
  if (opts.standardWebhooks !== undefined && !STANDARD_SECRET.test(opts.standardWebhooks)) {
    return { ok: false, retryable: false, error: 'option standardWebhooks is not a Standard Webhooks secret (whsec_ followed by base64)' };
  }
  // When it is signed, not when the tick was scheduled: a receiver checks it against its own clock.
  const timestamp = Math.floor(ctx.clock() / 1000);
  const headers: Record<string, string> = {
    ...opts.headers,
    'content-type': 'application/json',
    'user-agent': 'Vigil-Webhook/1',
    [EVENT_HEADER]: type,
    [DELIVERY_HEADER]: ctx.deliveryId,
  };
  if (opts.signingSecret !== undefined) {
    headers[TIMESTAMP_HEADER] = String(timestamp);
    headers[SIGNATURE_HEADER] = `v1=${await signWebhook(opts.signingSecret, timestamp, body)}`;
  }
  if (opts.standardWebhooks !== undefined) {
    // The delivery id is the same on every retry, as the spec wants of webhook-id.
    headers[STANDARD_ID_HEADER] = ctx.deliveryId;
    headers[STANDARD_TIMESTAMP_HEADER] = String(timestamp);
    headers[STANDARD_SIGNATURE_HEADER] = await signStandardWebhook(opts.standardWebhooks, ctx.deliveryId, timestamp, body);
  }
  return postPayload(opts.url, body, headers, ctx, WEBHOOK_TIMEOUT_MS);
}

export const webhookChannel: Channel<typeof options> = {
  options,
  credentials: { url: 'url', signingSecret: 'key', standardWebhooks: 'key' },
  validate(opts) {
    const problems: Array<[string, string]> = [];
    if (opts.signingSecret === undefined && opts.standardWebhooks === undefined) {
      problems.push(['signingSecret', "is required (or standardWebhooks, or both): a receiver must be able to check that a delivery came from Vigil"]);
    }
    return problems;
  },
  send(opts, message, ctx) {
    return postSigned(opts, JSON.stringify(webhookBody(message, ctx.deliveryId)), `check.${message.event.type}`, ctx);
  },
  sendDigest(opts, message, ctx) {
    return postSigned(opts, JSON.stringify(webhookDigestBody(message, ctx.deliveryId)), 'checklist.digest', ctx);
  },
};
