// Opsgenie Alert API: a problem creates an alert whose alias is the incident
// (Opsgenie keeps one open alert per alias, so a reminder adds to it), and the
// recovery closes it by alias. Opsgenie answers 202: the request is queued and
// processed asynchronously, so 202 counts as delivered.
// https://docs.opsgenie.com/docs/alert-api (create alert, close alert)

import * as z from 'zod';
import { stringOrSecret } from '../config/secrets';
import type { Status } from '../engine/types';
import { clip, type AlertMessage } from './message';
import { dedupKey } from './pagerduty';
import { postPayload } from './post';
import type { Channel } from './types';

export const OPSGENIE_TIMEOUT_MS = 10_000;
export const OPSGENIE_API = { us: 'https://api.opsgenie.com', eu: 'https://api.eu.opsgenie.com' } as const;
// Documented limits: message 130 characters, alias 512, description 15000, 20 tags of 50, details 8000 in all, note 25000.
const MESSAGE_MAX = 130;
const ALIAS_MAX = 512;
const DESCRIPTION_MAX = 15_000;
const TAG_MAX = 50;
const DETAIL_VALUE_MAX = 1000;
const NOTE_MAX = 25_000;

type Priority = 'P1' | 'P2' | 'P3' | 'P4' | 'P5';
/** Vigil's status → Opsgenie priority (P1 highest). A fast SLO burn is `down`, a slow one `degraded`. */
export const DEFAULT_OPSGENIE_PRIORITIES: Record<Exclude<Status, 'up'>, Priority> = { down: 'P1', degraded: 'P3', unknown: 'P4' };
const priority = z.enum(['P1', 'P2', 'P3', 'P4', 'P5']);

const options = z.strictObject({
  /** The API key of an Opsgenie API integration (a secret); sent as `Authorization: GenieKey <key>`. */
  apiKey: stringOrSecret,
  /** Where the account lives: `us` (api.opsgenie.com) or `eu` (api.eu.opsgenie.com). */
  region: z.enum(['us', 'eu']).default('us'),
  /** Priority by Vigil status; default down P1, degraded P3, unknown P4. */
  priorities: z.strictObject({ down: priority.optional(), degraded: priority.optional(), unknown: priority.optional() }).default({}),
  /** Teams that get the alert (by name), besides the integration's own routing. */
  responders: z.array(z.string().min(1)).max(50).default([]),
  /** Extra tags on every alert. */
  tags: z.array(z.string().min(1).max(TAG_MAX)).max(10).default([]),
  /** The API host, overriding `region`; change only for a proxy. */
  apiBase: z.string().url().optional(),
});
type Options = z.output<typeof options>;

export interface OpsgenieCreate {
  message: string;
  alias: string;
  description: string;
  priority: Priority;
  source: 'Vigil';
  entity: string;
  tags: string[];
  details: Record<string, string>;
  responders?: Array<{ type: 'team'; name: string }>;
}
export interface OpsgenieClose {
  source: 'Vigil';
  note: string;
}

/** The alias of an incident's alert: the same key PagerDuty deduplicates on. */
export function opsgenieAlias(message: AlertMessage): string {
  return dedupKey(message.event).slice(0, ALIAS_MAX);
}

export function opsgenieCreate(message: AlertMessage, opts: Pick<Options, 'priorities' | 'responders' | 'tags'>): OpsgenieCreate {
  const { event } = message;
  const status = event.status === 'up' ? 'down' : event.status;
  const details: Record<string, string> = {};
  for (const fact of message.facts) details[fact.label] = clip(fact.value, DETAIL_VALUE_MAX);
  for (const link of message.links) details[link.label] = link.url;
  const create: OpsgenieCreate = {
    message: clip(message.title, MESSAGE_MAX),
    alias: opsgenieAlias(message),
    description: clip(message.text, DESCRIPTION_MAX),
    priority: opts.priorities[status] ?? DEFAULT_OPSGENIE_PRIORITIES[status],
    source: 'Vigil',
    entity: event.check.id,
    tags: [...new Set(['vigil', event.status, event.check.id, ...opts.tags].map((tag) => clip(tag, TAG_MAX)))].slice(0, 20),
    details,
  };
  if (opts.responders.length > 0) create.responders = opts.responders.map((name) => ({ type: 'team', name }));
  return create;
}

export function opsgenieClose(message: AlertMessage): OpsgenieClose {
  return { source: 'Vigil', note: clip(message.text, NOTE_MAX) };
}

export const opsgenieChannel: Channel<typeof options> = {
  options,
  credentials: { apiKey: 'key' },
  noDigests: 'Opsgenie alerts on-call responders for incidents, and a checklist digest is not an incident; send digests to a chat or email channel',
  send(opts, message, ctx) {
    const base = (opts.apiBase ?? OPSGENIE_API[opts.region]).replace(/\/$/, '');
    const headers = { 'content-type': 'application/json', authorization: `GenieKey ${opts.apiKey}` };
    const { type } = message.event;
    if (type === 'recovered' || type === 'burn-ended') {
      const url = `${base}/v2/alerts/${encodeURIComponent(opsgenieAlias(message))}/close?identifierType=alias`;
      return postPayload(url, JSON.stringify(opsgenieClose(message)), headers, ctx, OPSGENIE_TIMEOUT_MS);
    }
    return postPayload(`${base}/v2/alerts`, JSON.stringify(opsgenieCreate(message, opts)), headers, ctx, OPSGENIE_TIMEOUT_MS);
  },
  async sendDigest() {
    return { ok: false, retryable: false, error: 'Opsgenie takes no checklist digests' };
  },
};
