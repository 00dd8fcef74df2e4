// Pushover: a push notification to a user's or group's devices. Priority
// follows the status; emergency priority (repeated until someone acknowledges
// it in the app) only for `down`, and only when `emergency` is configured.
// https://pushover.net/api

import * as z from 'zod';
import { parseDuration } from '../config/duration';
import { durationSchema } from '../config/schema';
import { stringOrSecret } from '../config/secrets';
import type { AlertEvent } from '../engine/types';
import type { DigestMessage } from './digest';
import { clip, type AlertMessage } from './message';
import { postPayload } from './post';
import type { Channel } from './types';

export const PUSHOVER_TIMEOUT_MS = 10_000;
export const PUSHOVER_API = 'https://api.pushover.net';
// Documented limits: message 1024 characters, title 250, url 512, url_title 100.
const MESSAGE_MAX = 1024;
const TITLE_MAX = 250;
const URL_MAX = 512;
const URL_TITLE_MAX = 100;
/** Emergency priority: retry at least every 30 s, expire within 10,800 s (3 hours). */
const EMERGENCY_RETRY_MIN_S = 30;
const EMERGENCY_EXPIRE_MAX_S = 10_800;

const options = z.strictObject({
  /** The application's API token (a secret). */
  token: stringOrSecret,
  /** The user or group key (a secret). */
  user: stringOrSecret,
  /** Only these devices (comma-separated names); default all of the user's devices. */
  device: z.string().min(1).max(100).optional(),
  /** A sound name from https://pushover.net/api#sounds. */
  sound: z.string().min(1).max(50).optional(),
  /**
   * Send `down` alerts with emergency priority (2): repeated every `retry`
   * until acknowledged in the app or `expire` passes. Off unless set.
   */
  emergency: z.strictObject({ retry: durationSchema.default('1m'), expire: durationSchema.default('1h') }).optional(),
  /** The API host; change only for a proxy. */
  apiBase: z.string().url().default(PUSHOVER_API),
});
type Options = z.output<typeof options>;

export type PushoverPriority = -2 | -1 | 0 | 1 | 2;

/** down → 1 (high: bypasses the user's quiet hours), or 2 with `emergency`; degraded, unknown and good news → 0. */
export function pushoverPriority(event: AlertEvent, emergency: boolean): PushoverPriority {
  if (event.type === 'recovered' || event.type === 'burn-ended') return 0;
  if (event.status === 'down') return emergency ? 2 : 1;
  return 0;
}

/** The form fields Vigil POSTs (the API takes application/x-www-form-urlencoded). */
export function pushoverForm(message: AlertMessage, opts: Pick<Options, 'device' | 'sound' | 'emergency'> & { token: string; user: string }): Record<string, string> {
  const { event } = message;
  const lines = [message.summary, ...message.details.map((detail) => `• ${detail}`), message.facts.map((fact) => `${fact.label}: ${fact.value}`).join(' · ')];
  if (message.fix) lines.push(`Fix: ${message.fix}`);
  if (message.report) lines.push(message.report);
  const priority = pushoverPriority(event, opts.emergency !== undefined);
  const form: Record<string, string> = {
    token: opts.token,
    user: opts.user,
    title: clip(message.title, TITLE_MAX),
    message: clip(lines.join('\n'), MESSAGE_MAX),
    priority: String(priority),
    timestamp: String(Math.floor(event.at / 1000)),
  };
  if (priority === 2 && opts.emergency) {
    form.retry = String(Math.max(EMERGENCY_RETRY_MIN_S, Math.round((parseDuration(opts.emergency.retry) ?? 60_000) / 1000)));
    form.expire = String(Math.min(EMERGENCY_EXPIRE_MAX_S, Math.round((parseDuration(opts.emergency.expire) ?? 3_600_000) / 1000)));
  }
  const link = message.links.find((candidate) => candidate.label === 'Runbook') ?? message.links[0];
  if (link && link.url.length <= URL_MAX) {
    form.url = link.url;
    form.url_title = clip(link.label, URL_TITLE_MAX);
  }
  if (opts.device) form.device = opts.device;
  if (opts.sound) form.sound = opts.sound;
  return form;
}

export function pushoverDigestForm(message: DigestMessage, opts: Pick<Options, 'device'> & { token: string; user: string }): Record<string, string> {
  const form: Record<string, string> = {
    token: opts.token,
    user: opts.user,
    title: clip(`📋 ${message.title}`, TITLE_MAX),
    message: clip(message.text.split('\n').slice(2).join('\n') || message.title, MESSAGE_MAX),
    priority: '0',
    timestamp: String(Math.floor(message.digest.runAt / 1000)),
  };
  const page = message.links[0];
  if (page && page.url.length <= URL_MAX) {
    form.url = page.url;
    form.url_title = page.label;
  }
  if (opts.device) form.device = opts.device;
  return form;
}

function post(apiBase: string, form: Record<string, string>, ctx: Parameters<Channel['send']>[2]) {
  return postPayload(`${apiBase.replace(/\/$/, '')}/1/messages.json`, new URLSearchParams(form), {}, ctx, PUSHOVER_TIMEOUT_MS);
}

export const pushoverChannel: Channel<typeof options> = {
  options,
  credentials: { token: 'key', user: 'key' },
  validate(opts) {
    const problems: Array<[string, string]> = [];
    if (opts.emergency) {
      const retry = parseDuration(opts.emergency.retry) ?? 0;
      const expire = parseDuration(opts.emergency.expire) ?? 0;
      if (retry < EMERGENCY_RETRY_MIN_S * 1000) problems.push(['emergency.retry', `at least "${EMERGENCY_RETRY_MIN_S}s" (Pushover's minimum)`]);
      if (expire > EMERGENCY_EXPIRE_MAX_S * 1000) problems.push(['emergency.expire', 'at most "3h" (Pushover stops retrying after 10,800 seconds)']);
    }
    return problems;
  },
  send(opts, message, ctx) {
    return post(opts.apiBase, pushoverForm(message, opts), ctx);
  },
  sendDigest(opts, message, ctx) {
    return post(opts.apiBase, pushoverDigestForm(message, opts), ctx);
  },
};
