// The outbox: every alert is queued per channel in the persisted state and
// delivered from there, so a failed delivery (5xx, 429, timeout) is retried
// on later ticks and nothing is lost if the Worker restarts between ticks.

import { missingSecretMessage, redact, resolveSecrets } from '../config/secrets';
import type { Config } from '../config/types';
import { mapLimit } from '../engine/concurrency';
import type { AlertEvent } from '../engine/types';
import type { EngineState } from '../store/state';
import { channels } from './index';
import { digestMessage, type Digest } from './digest';
import { alertMessage } from './message';

export interface OutboxEntry {
  /** `<event id>><channel>`: a delivery id receivers can deduplicate on. */
  id: string;
  channel: string;
  /** An alert, or (for checklists) a digest. */
  event?: AlertEvent;
  digest?: Digest;
  createdAt: number;
  /** Set when the channel's hours held it back: delivered at `nextAt` (or folded into a digest before). */
  heldSince?: number;
  attempts: number;
  /** Not before this time (backoff, Retry-After). */
  nextAt: number;
  lastError?: string;
}

export interface FailedDelivery {
  id: string;
  channel: string;
  at: number;
  error: string;
}

/** Give up on a delivery after this many attempts or this long. */
export const MAX_DELIVERY_ATTEMPTS = 10;
export const MAX_DELIVERY_AGE_MS = 24 * 3_600_000;
const BACKOFF_BASE_MS = 60_000;
const BACKOFF_MAX_MS = 60 * 60_000;
/** Remember this many delivered ids (a repeated event within this window is not resent). */
export const DELIVERED_KEPT = 300;
export const FAILED_KEPT = 20;
/** The outbox never grows past this; the oldest entries give way and are reported. */
export const MAX_OUTBOX = 200;
export const DELIVERY_TIMEOUT_MS = 10_000;

/**
 * Queues `event` (an alert or a digest) for each channel; returns how many
 * entries were added (0 for a repeat). `openAt(channel)` is when the channel
 * may be sent to (its hours); later than `now` holds the entry until then.
 */
export function enqueue(state: EngineState, event: AlertEvent | Digest, channelNames: readonly string[], now: number, openAt?: (channel: string) => number): number {
  let added = 0;
  for (const channel of channelNames) {
    const id = `${event.id}>${channel}`;
    if (state.delivered.includes(id) || state.outbox.some((entry) => entry.id === id)) continue;
    const nextAt = Math.max(now, openAt?.(channel) ?? now);
    const entry: OutboxEntry = { id, channel, createdAt: now, attempts: 0, nextAt };
    if ('checklist' in event) entry.digest = event;
    else entry.event = event;
    if (nextAt > now) entry.heldSince = now;
    state.outbox.push(entry);
    added++;
  }
  while (state.outbox.length > MAX_OUTBOX) {
    const dropped = state.outbox.shift() as OutboxEntry;
    recordFailure(state, dropped, now, 'dropped: the outbox was full');
  }
  return added;
}

export interface DeliveryDeps {
  config: Config;
  env: Record<string, unknown>;
  fetch: typeof fetch;
  now: number;
  concurrency: number;
  /** How many deliveries this tick may attempt (subrequest budget). */
  limit: number;
}

export interface DeliveryReport {
  attempted: number;
  delivered: number;
  retrying: number;
  gaveUp: number;
}

/**
 * Alerts held for quiet hours that a later one makes moot: when a channel
 * would get "down" and then "recovered" for one incident at the opening, it
 * gets the recovery only (it says when the outage began and how long it was).
 */
function supersedeHeld(state: EngineState, now: number): void {
  const recoveredIncidents = new Set(
    state.outbox.filter((entry) => entry.heldSince !== undefined && entry.nextAt <= now && entry.event?.type === 'recovered' && entry.event.incident).map((entry) => `${entry.channel} ${entry.event?.incident?.id}`),
  );
  for (const entry of [...state.outbox]) {
    const event = entry.event;
    if (entry.heldSince === undefined || entry.nextAt > now || !event?.incident || event.type === 'recovered') continue;
    if (!recoveredIncidents.has(`${entry.channel} ${event.incident.id}`)) continue;
    remove(state, entry);
    state.delivered.push(entry.id);
  }
}

/**
 * Takes the alerts held for quiet hours on `channel` out of the outbox, to be
 * folded into a digest going there now (they count as delivered with it).
 */
export function takeHeld(state: EngineState, channel: string, now: number): AlertEvent[] {
  const held = state.outbox.filter((entry) => entry.channel === channel && entry.heldSince !== undefined && entry.nextAt > now && entry.event);
  for (const entry of held) {
    remove(state, entry);
    state.delivered.push(entry.id);
  }
  return held.map((entry) => entry.event as AlertEvent);
}

/** Attempts every entry that is due; mutates `state`. */
export async function deliverDue(state: EngineState, deps: DeliveryDeps): Promise<DeliveryReport> {
  supersedeHeld(state, deps.now);
  const due = state.outbox.filter((entry) => entry.nextAt <= deps.now).slice(0, Math.max(0, deps.limit));
  const report: DeliveryReport = { attempted: due.length, delivered: 0, retrying: 0, gaveUp: 0 };
  await mapLimit(due, deps.concurrency, async (entry) => {
    const result = await deliverOne(entry, deps);
    entry.attempts++;
    if (result.ok) {
      remove(state, entry);
      state.delivered.push(entry.id);
      report.delivered++;
      return;
    }
    entry.lastError = result.error;
    const tooOld = deps.now - entry.createdAt >= MAX_DELIVERY_AGE_MS;
    if (!result.retryable || entry.attempts >= MAX_DELIVERY_ATTEMPTS || tooOld) {
      remove(state, entry);
      recordFailure(state, entry, deps.now, result.error);
      report.gaveUp++;
      return;
    }
    const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (entry.attempts - 1));
    entry.nextAt = deps.now + Math.max(backoff, result.retryAfterMs ?? 0);
    report.retrying++;
  });
  if (state.delivered.length > DELIVERED_KEPT) state.delivered.splice(0, state.delivered.length - DELIVERED_KEPT);
  return report;
}

async function deliverOne(entry: OutboxEntry, deps: DeliveryDeps) {
  const channelConfig = deps.config.channels[entry.channel];
  if (!channelConfig) return { ok: false as const, retryable: false, error: `channel "${entry.channel}" is no longer configured` };
  const { value: options, missing, values: secrets } = resolveSecrets(channelConfig.options, deps.env);
  if (missing.length > 0) return { ok: false as const, retryable: true, error: missingSecretMessage(missing) };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), DELIVERY_TIMEOUT_MS);
  const ctx = { fetch: deps.fetch, signal: controller.signal, now: deps.now, deliveryId: entry.id };
  const channel = channels[channelConfig.type];
  try {
    const result = entry.digest
      ? await channel.sendDigest(options as never, digestMessage(entry.digest, deps.config.page.url), ctx)
      : await channel.send(options as never, alertMessage(entry.event as AlertEvent, deps.config.page.url, entry.heldSince), ctx);
    return result.ok ? result : { ...result, error: redact(result.error, secrets) };
  } catch (error) {
    console.error(`vigil: the ${channelConfig.type} channel threw`, error);
    return { ok: false as const, retryable: true, error: redact(`internal error: ${(error as Error).message}`, secrets) };
  } finally {
    clearTimeout(timer);
  }
}

function remove(state: EngineState, entry: OutboxEntry): void {
  const index = state.outbox.indexOf(entry);
  if (index !== -1) state.outbox.splice(index, 1);
}

function recordFailure(state: EngineState, entry: OutboxEntry, now: number, error: string): void {
  console.error(`vigil: gave up delivering ${entry.id} to "${entry.channel}": ${error}`);
  state.failed.push({ id: entry.id, channel: entry.channel, at: now, error });
  if (state.failed.length > FAILED_KEPT) state.failed.splice(0, state.failed.length - FAILED_KEPT);
}
