// PagerDuty Events API v2: a problem triggers an alert, its recovery resolves
// it, both under one dedup_key per incident, so a reminder or a repeated
// delivery adds to the open alert instead of paging anew.
// https://developer.pagerduty.com/docs/events-api-v2/trigger-events/ and .../resolve-events/

import * as z from 'zod';
import { stringOrSecret } from '../config/secrets';
import type { AlertEvent, Status } from '../engine/types';
import { clip, type AlertMessage } from './message';
import { postPayload } from './post';
import type { Channel } from './types';

export const PAGERDUTY_TIMEOUT_MS = 10_000;
export const PAGERDUTY_API = 'https://events.pagerduty.com';
// Documented limits: summary 1024 characters, dedup_key 255, the whole event 512 KB.
const SUMMARY_MAX = 1024;
const DEDUP_KEY_MAX = 255;
const DETAIL_MAX = 4000;

/**
 * Vigil's status → PagerDuty severity. `unknown` (Vigil cannot evaluate the
 * check: a missing secret, a bad option) is a warning, as in Vigil's own
 * routing: someone should look, but nothing is known to be down.
 */
export const PAGERDUTY_SEVERITY: Record<Exclude<Status, 'up'>, 'critical' | 'warning'> = {
  down: 'critical',
  degraded: 'warning',
  unknown: 'warning',
};

const options = z.strictObject({
  /** The Events API v2 integration key of a service (a secret). */
  routingKey: stringOrSecret,
  /** `source` of the alert (the affected system); default: the check's id. */
  source: z.string().min(1).max(255).optional(),
  /** The Events API host; change only for a proxy. */
  apiBase: z.string().url().default(PAGERDUTY_API),
});

export interface PagerDutyTrigger {
  routing_key: string;
  event_action: 'trigger';
  dedup_key: string;
  client: 'Vigil';
  client_url?: string;
  links?: Array<{ href: string; text: string }>;
  payload: {
    summary: string;
    source: string;
    severity: 'critical' | 'warning';
    timestamp: string;
    component: string;
    group?: string;
    class: string;
    custom_details: Record<string, string | string[]>;
  };
}
export interface PagerDutyResolve {
  routing_key: string;
  event_action: 'resolve';
  dedup_key: string;
}

/**
 * One alert per incident: its id (a reminder or a retry lands on the same
 * alert). A check that cannot be checked outside an incident has
 * `<check>:unknown`; an SLO burn `<check>:burn` (burn-ended resolves it).
 */
export function dedupKey(event: AlertEvent): string {
  const key = event.type === 'burn' || event.type === 'burn-ended' ? `${event.check.id}:burn` : (event.incident?.id ?? `${event.check.id}:${event.status}`);
  return key.slice(0, DEDUP_KEY_MAX);
}

export function pagerDutyEvent(message: AlertMessage, routingKey: string, source?: string): PagerDutyTrigger | PagerDutyResolve {
  const { event } = message;
  if (event.type === 'recovered' || event.type === 'burn-ended') return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey(event) };
  const details: Record<string, string | string[]> = { summary: clip(message.summary, DETAIL_MAX) };
  if (message.details.length > 0) details.details = message.details.map((detail) => clip(detail, DETAIL_MAX));
  for (const fact of message.facts) details[fact.label] = fact.value;
  if (message.fix) details.fix = clip(message.fix, DETAIL_MAX);
  if (message.report) details.report = message.report;
  const trigger: PagerDutyTrigger = {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey(event),
    client: 'Vigil',
    payload: {
      summary: clip(`${message.title}: ${message.summary}`, SUMMARY_MAX),
      source: source ?? event.check.id,
      severity: PAGERDUTY_SEVERITY[event.status === 'up' ? 'down' : event.status],
      timestamp: new Date(event.at).toISOString(),
      component: event.check.id,
      class: event.type,
      custom_details: details,
    },
  };
  if (event.check.group) trigger.payload.group = event.check.group;
  const page = message.links.find((link) => link.label === 'Status page');
  if (page) trigger.client_url = page.url;
  if (message.links.length > 0) trigger.links = message.links.map((link) => ({ href: link.url, text: link.label }));
  return trigger;
}

export const pagerDutyChannel: Channel<typeof options> = {
  options,
  credentials: { routingKey: 'key' },
  noDigests: 'PagerDuty pages people for incidents, and a checklist digest is not an incident; send digests to a chat or email channel',
  send(opts, message, ctx) {
    const url = `${opts.apiBase.replace(/\/$/, '')}/v2/enqueue`;
    return postPayload(url, JSON.stringify(pagerDutyEvent(message, opts.routingKey, opts.source)), { 'content-type': 'application/json' }, ctx, PAGERDUTY_TIMEOUT_MS);
  },
  async sendDigest() {
    // Validation keeps checklists away from this channel; a digest that still arrives is refused for good.
    return { ok: false, retryable: false, error: 'PagerDuty takes no checklist digests' };
  },
};
