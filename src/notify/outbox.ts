// The outbox: every alert is queued per channel in the persisted state and
// delivered from there, so a failed delivery (5xx, 429, timeout) is retried
// on later ticks and nothing is lost if the Worker restarts between ticks.

import { configuredSecrets, missingSecretMessage, redact, redactDeep, resolveSecrets } from '../config/secrets';
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
  /** When delivery was first allowed: `createdAt`, or the opening of the channel's hours. Retries are counted from here. */
  allowedAt?: number;
  /** Set when the channel's hours held it back: delivered at `nextAt` (or folded into a digest before). */
  heldSince?: number;
  /** The digest entry this held alert was folded into: delivered with it, or on its own if that digest fails for good. */
  foldedInto?: string;
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

/** Give up on a delivery after this many attempts or this long after it was first allowed. */
export const MAX_DELIVERY_ATTEMPTS = 10;
export const MAX_DELIVERY_AGE_MS = 24 * 3_600_000;
const BACKOFF_BASE_MS = 60_000;
const BACKOFF_MAX_MS = 60 * 60_000;
/** Remember this many delivered ids (a repeated event within this window is not resent). */
export const DELIVERED_KEPT = 300;
export const FAILED_KEPT = 20;
/** The outbox never grows past this; reminders give way first, then the oldest, each recorded in `failed`. */
export const MAX_OUTBOX = 200;
export const DELIVERY_TIMEOUT_MS = 10_000;

/**
 * True when `newer` makes `older` moot, so `older` need not be sent: a newer
 * message about the same incident on the same channel replaces an unsent
 * reminder (59 reminders held over a weekend become one), and a recovery
 * replaces the alerts of that incident still held for quiet hours (it says
 * when the outage began and how long it was).
 */
export function supersedes(newer: OutboxEntry, older: OutboxEntry): boolean {
  const incident = older.event?.incident?.id;
  if (newer === older || newer.channel !== older.channel || !incident || newer.event?.incident?.id !== incident) return false;
  if (older.event?.type === 'reminder') return true;
  return newer.event?.type === 'recovered' && older.event?.type !== 'recovered' && older.heldSince !== undefined && older.attempts === 0;
}

/**
 * Queues `event` (an alert or a digest) for each channel; returns how many
 * entries were added (0 for a repeat). `openAt(channel)` is when the channel
 * may be sent to (its hours); later than `now` holds the entry until then.
 * Entries the new one supersedes leave the outbox.
 */
export function enqueue(state: EngineState, event: AlertEvent | Digest, channelNames: readonly string[], now: number, openAt?: (channel: string) => number): number {
  let added = 0;
  for (const channel of channelNames) {
    const id = `${event.id}>${channel}`;
    if (state.delivered.includes(id) || state.outbox.some((entry) => entry.id === id)) continue;
    const nextAt = Math.max(now, openAt?.(channel) ?? now);
    const entry: OutboxEntry = { id, channel, createdAt: now, allowedAt: nextAt, attempts: 0, nextAt };
    if ('checklist' in event) entry.digest = event;
    else entry.event = event;
    if (nextAt > now) entry.heldSince = now;
    for (const older of state.outbox.filter((candidate) => supersedes(entry, candidate))) remove(state, older);
    state.outbox.push(entry);
    added++;
  }
  while (state.outbox.length > MAX_OUTBOX) {
    // A reminder repeats what the channel was told; anything else is a loss, reported on /health.
    const victim = state.outbox.find((entry) => entry.event?.type === 'reminder') ?? (state.outbox[0] as OutboxEntry);
    giveUp(state, victim, now, `dropped: the outbox was full (${MAX_OUTBOX} entries)`);
  }
  return added;
}

export interface DeliveryDeps {
  config: Config;
  env: Record<string, unknown>;
  fetch: typeof fetch;
  now: number;
  /** The wall clock (default Date.now): webhook signatures carry the time they were made. */
  clock?: () => number;
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

/** True while the entry waits inside a digest that is still in the outbox (it goes, or fails, with it). */
function isFolded(state: EngineState, entry: OutboxEntry): boolean {
  return entry.foldedInto !== undefined && state.outbox.some((digest) => digest.id === entry.foldedInto);
}

/**
 * Folds the alerts held for quiet hours on `channel` into the digest entry
 * `digestId` going there now: they stay in the outbox, count as delivered
 * when the digest is, and are sent on their own (at their opening) if the
 * digest fails for good. Returns their events, for the digest's held list.
 */
export function foldHeld(state: EngineState, channel: string, digestId: string, now: number): AlertEvent[] {
  const held = state.outbox.filter((entry) => entry.channel === channel && entry.heldSince !== undefined && entry.nextAt > now && entry.event && !isFolded(state, entry));
  for (const entry of held) entry.foldedInto = digestId;
  return held.map((entry) => entry.event as AlertEvent);
}

/** Attempts every entry that is due; mutates `state`. */
export async function deliverDue(state: EngineState, deps: DeliveryDeps): Promise<DeliveryReport> {
  const due = state.outbox.filter((entry) => entry.nextAt <= deps.now && !isFolded(state, entry)).slice(0, Math.max(0, deps.limit));
  const report: DeliveryReport = { attempted: due.length, delivered: 0, retrying: 0, gaveUp: 0 };
  await mapLimit(due, deps.concurrency, async (entry) => {
    const result = await deliverOne(entry, deps);
    entry.attempts++;
    if (result.ok) {
      // The alerts folded into a digest are delivered with it.
      for (const done of [entry, ...state.outbox.filter((other) => other.foldedInto === entry.id)]) {
        remove(state, done);
        state.delivered.push(done.id);
      }
      report.delivered++;
      return;
    }
    entry.lastError = result.error;
    // Counted from when delivery was first allowed: an alert held over a weekend gets its full day of retries.
    const tooOld = deps.now - (entry.allowedAt ?? entry.createdAt) >= MAX_DELIVERY_AGE_MS;
    if (!result.retryable || entry.attempts >= MAX_DELIVERY_ATTEMPTS || tooOld) {
      giveUp(state, entry, deps.now, result.error);
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
  const { value: options, missing, values: own } = resolveSecrets(channelConfig.options, deps.env);
  if (missing.length > 0) return { ok: false as const, retryable: true, error: missingSecretMessage(missing) };
  // Any configured secret, not only the channel's: the text comes from checks and jobs.
  const secrets = [...own, ...configuredSecrets(deps.config, deps.env)];
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), DELIVERY_TIMEOUT_MS);
  const ctx = { fetch: deps.fetch, signal: controller.signal, now: deps.now, clock: deps.clock ?? (() => Date.now()), deliveryId: entry.id };
  const channel = channels[channelConfig.type];
  try {
    const result = entry.digest
      ? await channel.sendDigest(options as never, redactDeep(digestMessage(entry.digest, deps.config.page.url), secrets), ctx)
      : await channel.send(options as never, redactDeep(alertMessage(entry.event as AlertEvent, deps.config.page.url, entry.heldSince), secrets), ctx);
    return result.ok ? result : { ...result, error: redact(result.error, secrets) };
  } catch (error) {
    console.error(`vigil: the ${channelConfig.type} channel threw: ${redact(String((error as Error)?.stack ?? error), secrets)}`);
    return { ok: false as const, retryable: true, error: redact(`internal error: ${(error as Error).message}`, secrets) };
  } finally {
    clearTimeout(timer);
  }
}

function remove(state: EngineState, entry: OutboxEntry): void {
  const index = state.outbox.indexOf(entry);
  if (index !== -1) state.outbox.splice(index, 1);
}

/**
 * Takes an entry out for good and records why in `failed` (shown on
 * /health). Alerts folded into it are released: they go on their own.
 */
function giveUp(state: EngineState, entry: OutboxEntry, now: number, error: string): void {
  remove(state, entry);
  for (const folded of state.outbox.filter((other) => other.foldedInto === entry.id)) delete folded.foldedInto;
  console.error(`vigil: gave up delivering ${entry.id} to "${entry.channel}": ${error}`);
  state.failed.push({ id: entry.id, channel: entry.channel, at: now, error });
  if (state.failed.length > FAILED_KEPT) state.failed.splice(0, state.failed.length - FAILED_KEPT);
}
