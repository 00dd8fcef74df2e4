// The outbox: every alert and digest is queued per channel in the ledger's
// state, committed with the decision that made it, and delivered from there.
// Deliveries of one check (or checklist) to one channel go out in the order
// they were made, one at a time; a failed one (5xx, 429, timeout) is retried
// on later ticks and holds back the ones behind it, so a problem alert is
// never delivered after its own recovery. Every entry's id is its idempotency
// key: the same on every retry, sent to webhook receivers.

import { configuredSecrets, missingSecretMessage, redact, redactDeep, resolveSecrets } from '../config/secrets';
import type { Config } from '../config/types';
import { mapLimit } from '../engine/concurrency';
import type { AlertEvent, AlertType, Digest, EngineState, OutboxEntry } from '../model/state';
import { channels } from './index';
import { digestMessage } from './digest';
import { ACK_LINK_TTL_MS, ackLink } from './ack-link';
import { alertMessage } from './message';

export type { FailedDelivery, OutboxEntry } from '../model/state';

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

/** The alerts that announce a problem (reminders and escalations repeat one). */
const ANNOUNCEMENTS: ReadonlySet<AlertType> = new Set(['down', 'degraded', 'unknown']);
const PROBLEM_ALERTS: ReadonlySet<AlertType> = new Set(['down', 'degraded', 'unknown', 'reminder', 'escalation']);

/** Entries that must go out in order: one check's (or checklist's) messages to one channel. */
export function orderKey(entry: OutboxEntry): string {
  return entry.digest ? `checklist:${entry.digest.checklist.id}>${entry.channel}` : `check:${entry.event?.check.id ?? ''}>${entry.channel}`;
}

/**
 * True when `newer` makes `older` moot, so `older` need not be sent: a newer
 * message about the same incident on the same channel replaces an unsent
 * reminder or escalation (59 reminders held over a weekend become one), and a
 * recovery replaces the problem alerts of its incident still waiting (it says
 * both: "was down for 5 min, recovered at ...").
 */
export function supersedes(newer: OutboxEntry, older: OutboxEntry): boolean {
  const incident = older.event?.incident?.id;
  if (newer === older || newer.channel !== older.channel || !incident || newer.event?.incident?.id !== incident) return false;
  const olderType = older.event?.type as AlertType;
  if (olderType === 'reminder' || olderType === 'escalation') return true;
  return newer.event?.type === 'recovered' && PROBLEM_ALERTS.has(olderType);
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
    const entry: OutboxEntry = { id, channel, seq: state.seq++, createdAt: now, allowedAt: nextAt, attempts: 0, nextAt };
    if ('checklist' in event) entry.digest = event;
    else entry.event = event;
    if (nextAt > now) entry.heldSince = now;
    for (const older of state.outbox.filter((candidate) => supersedes(entry, candidate))) {
      // The channel never heard this problem: the recovery says it happened.
      const olderEvent = older.event as AlertEvent;
      if (ANNOUNCEMENTS.has(olderEvent.type) && !entry.unannounced) {
        entry.unannounced = { type: olderEvent.type, status: olderEvent.status, since: olderEvent.incident?.startedAt ?? olderEvent.since, summary: olderEvent.summary };
      }
      remove(state, older);
    }
    state.outbox.push(entry);
    added++;
  }
  while (state.outbox.length > MAX_OUTBOX) {
    // A reminder repeats what the channel was told; anything else is a loss, reported on /health.
    const victim = state.outbox.find((entry) => entry.event?.type === 'reminder' || entry.event?.type === 'escalation') ?? (state.outbox[0] as OutboxEntry);
    giveUp(state, victim, now, `dropped: the outbox was full (${MAX_OUTBOX} entries)`);
  }
  return added;
}

export interface DeliveryDeps {
  config: Config;
  env: Record<string, unknown>;
  fetch: typeof fetch;
  now: number;
  /** The wall clock (default Date.now): webhook signatures carry the time they were made, and deliveries stop starting at `deadline`. */
  clock?: () => number;
  concurrency: number;
  /** How many deliveries this tick may attempt (subrequest budget). */
  limit: number;
  /** Wall-clock time after which no delivery starts (they resume next tick). */
  deadline?: number;
  /** Only entries this says were stored may be sent (a decision that failed to commit is never announced). */
  committed?: (entry: OutboxEntry) => boolean;
  /** Called after each delivery's outcome is applied to the state (the ledger stores it). */
  onOutcome?: (entry: OutboxEntry) => void;
  /** How long one delivery may take (default DELIVERY_TIMEOUT_MS; the soak shortens it). */
  timeoutMs?: number;
}

export interface DeliveryReport {
  attempted: number;
  delivered: number;
  retrying: number;
  gaveUp: number;
  /** Entries that were due but not attempted (the deadline or the subrequest budget came first). */
  deferred: number;
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

/**
 * The entries that may be attempted now: the first waiting entry of each
 * check (or checklist) and channel, when it is due. An entry behind a failing
 * one waits for it, whatever its own time.
 */
export function deliverable(state: EngineState, now: number, committed: (entry: OutboxEntry) => boolean = () => true): OutboxEntry[] {
  const heads = new Map<string, OutboxEntry>();
  for (const entry of [...state.outbox].sort(bySeq)) {
    const key = orderKey(entry);
    if (heads.has(key)) continue;
    // Folded alerts go with their digest; they hold back nothing behind them.
    if (isFolded(state, entry)) continue;
    heads.set(key, entry);
  }
  return [...heads.values()].filter((entry) => entry.nextAt <= now && committed(entry));
}

function bySeq(a: OutboxEntry, b: OutboxEntry): number {
  return (a.seq ?? 0) - (b.seq ?? 0) || a.createdAt - b.createdAt;
}

/**
 * Delivers what is due, in rounds (each round takes the head of every
 * check-and-channel queue), until nothing is due, the subrequest budget is
 * spent or the deadline passes; mutates `state`. A channel that answers 2xx
 * again gets its other waiting entries retried at once, not at their
 * backed-off times.
 */
export async function deliverDue(state: EngineState, deps: DeliveryDeps): Promise<DeliveryReport> {
  const clock = deps.clock ?? (() => Date.now());
  const report: DeliveryReport = { attempted: 0, delivered: 0, retrying: 0, gaveUp: 0, deferred: 0 };
  const tried = new Set<string>();
  for (;;) {
    const due = deliverable(state, deps.now, deps.committed).filter((entry) => !tried.has(entry.id));
    const left = deps.limit - report.attempted;
    if (due.length === 0) break;
    if (left <= 0 || (deps.deadline !== undefined && clock() >= deps.deadline)) {
      report.deferred = due.length;
      break;
    }
    const round = due.slice(0, left);
    report.attempted += round.length;
    await mapLimit(round, deps.concurrency, async (entry) => {
      // The deadline may pass while this round runs: what has not started waits for the next tick.
      if (deps.deadline !== undefined && clock() >= deps.deadline) {
        report.attempted--;
        return;
      }
      tried.add(entry.id);
      const result = await deliverOne(entry, deps);
      entry.attempts++;
      if (result.ok) {
        // The alerts folded into a digest are delivered with it.
        for (const done of [entry, ...state.outbox.filter((other) => other.foldedInto === entry.id)]) {
          remove(state, done);
          state.delivered.push(done.id);
        }
        report.delivered++;
        // The channel works again: what waits for it goes now, in order.
        for (const other of state.outbox) if (other.channel === entry.channel && other.attempts > 0 && other.nextAt > deps.now) other.nextAt = deps.now;
      } else {
        entry.lastError = result.error;
        // Counted from when delivery was first allowed: an alert held over a weekend gets its full day of retries.
        const tooOld = deps.now - (entry.allowedAt ?? entry.createdAt) >= MAX_DELIVERY_AGE_MS;
        if (!result.retryable || entry.attempts >= MAX_DELIVERY_ATTEMPTS || tooOld) {
          giveUp(state, entry, deps.now, result.error);
          report.gaveUp++;
        } else {
          const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (entry.attempts - 1));
          entry.nextAt = deps.now + Math.max(backoff, result.retryAfterMs ?? 0);
          report.retrying++;
        }
      }
      deps.onOutcome?.(entry);
    });
  }
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
  const channel = channels[channelConfig.type];
  // The message is built before the timeout starts: the timeout is the channel's, not ours.
  const ackUrl = entry.digest ? undefined : await ackLinkFor(entry, deps);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), deps.timeoutMs ?? DELIVERY_TIMEOUT_MS);
  const ctx = { fetch: deps.fetch, signal: controller.signal, now: deps.now, clock: deps.clock ?? (() => Date.now()), deliveryId: entry.id, env: deps.env };
  try {
    const result = entry.digest
      ? await channel.sendDigest(options as never, redactDeep(digestMessage(entry.digest, deps.config.page.url), secrets), ctx)
      : await channel.send(options as never, redactDeep(alertMessage(entry.event as AlertEvent, deps.config.page.url, entry.heldSince, entry.unannounced, ackUrl), secrets), ctx);
    return result.ok ? result : { ...result, error: redact(result.error, secrets) };
  } catch (error) {
    console.error(`vigil: the ${channelConfig.type} channel threw: ${redact(String((error as Error)?.stack ?? error), secrets)}`);
    return { ok: false as const, retryable: true, error: redact(`internal error: ${(error as Error).message}`, secrets) };
  } finally {
    clearTimeout(timer);
  }
}

/** Problem alerts of an open incident carry a signed link that acknowledges it (needs page.url and VIGIL_ADMIN_TOKEN). */
const ACKNOWLEDGEABLE: ReadonlySet<AlertType> = new Set(['down', 'degraded', 'reminder', 'escalation']);

async function ackLinkFor(entry: OutboxEntry, deps: DeliveryDeps): Promise<string | undefined> {
  const event = entry.event;
  const token = deps.env.VIGIL_ADMIN_TOKEN;
  if (!event?.incident || event.incident.endedAt !== undefined || !ACKNOWLEDGEABLE.has(event.type) || !deps.config.page.url || typeof token !== 'string' || token === '') return undefined;
  return ackLink(deps.config.page.url, token, event.incident.id, event.at + ACK_LINK_TTL_MS);
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
