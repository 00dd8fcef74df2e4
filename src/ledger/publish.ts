// Publishing the read model to Workers KV. The page, /api/status, badges and
// the Statuspage routes read only KV, so public traffic never wakes the
// ledger. A publish happens when what the public sees changed (a status, an
// incident, maintenance, a checklist run) and otherwise every `flushEvery`
// (latency, uptime). Changes spend tokens from a bucket that refills over the
// day, so any number of flapping checks cannot push the day's writes past
// PUBLISH_SHARE of `kvWritesPerDay` (700 of the free plan's 1,000). Pings and
// task completions write nothing to KV. docs/storage.md has the figures.

import { PUBLISH_SHARE } from '../config/validate';
import type { Config } from '../config/types';
import { activeFor } from '../engine/maintenance';
import { DAY_MS, utcDay, type EngineState } from '../model/state';
import type { KV } from '../store/kv';
import { buildIncidentsDocument, buildStatusView, READ_MODEL_KEYS, READ_MODEL_VERSION, type PublishedStatus } from '../store/read-model';
import type { LedgerStorage } from './storage';

/** Change publishes allowed back to back before the bucket's daily rate applies (an outage and its recovery minutes apart both show). */
export const PUBLISH_BURST = 5;

/** The publisher's memory, kept in the ledger's meta table (key `publish`). */
export interface PublishState {
  /** UTC day of `writes`. */
  day: string;
  /** KV writes made today (attempts count: a failed put may still count against KV's daily limit). */
  writes: number;
  /** Change tokens left, and when they were last refilled. */
  tokens: number;
  tokensAt: number;
  lastAt?: number;
  /** What the last successful publish showed (cheap signatures, compared each tick). */
  statusSignature?: string;
  incidentsSignature?: string;
}

export interface PublishResult {
  reason: 'first' | 'change' | 'flush' | false;
  /** KV keys written. */
  writes: number;
  /** Ledger rows written to keep the publisher's budget. */
  rows: number;
  error?: string;
}

/** The daily write budget of the read model, its flushes, and the rate change tokens refill at. */
export function publishBudget(config: Config): { perDay: number; flushesPerDay: number; changesPerDay: number } {
  const perDay = Math.floor(config.settings.kvWritesPerDay * PUBLISH_SHARE);
  // A flush may write both keys when incidents changed since the last write: count the status key only,
  // the incidents key is written only with a change, which spends tokens.
  const flushesPerDay = Math.ceil(DAY_MS / config.settings.flushEveryMs);
  return { perDay, flushesPerDay, changesPerDay: Math.max(0, perDay - flushesPerDay - PUBLISH_BURST) };
}

/** What the public sees, in short: compared every tick to decide whether a change needs publishing. */
export function statusSignature(config: Config, state: EngineState, now: number): string {
  // A new layout of the read model publishes at the first tick after a deploy.
  let signature = `v${READ_MODEL_VERSION};`;
  for (const check of config.checks) {
    if (!check.public) continue;
    const checkState = state.checks[check.id];
    const pending = checkState?.streak && checkState.streak.status !== checkState.status ? checkState.streak.status : '';
    signature += `${check.id}:${checkState?.confirmed ? checkState.status : '-'}${pending}${activeFor(config, check.id, now) || checkState?.vendorMaintenance ? 'm' : ''};`;
  }
  for (const id in state.checklists ?? {}) signature += `${id}@${state.checklists?.[id]?.lastRun};`;
  // A task marked done changes what the page says about it; so does any incident's timeline.
  for (const key in state.tasks) signature += `${key}@${state.tasks[key]?.at};`;
  return signature + incidentsSignature(state);
}

export function incidentsSignature(state: EngineState): string {
  let signature = `v${READ_MODEL_VERSION};`;
  for (const incident of state.incidents) signature += `${incident.id}:${incident.endedAt ?? ''}:${incident.status}:${incident.updates?.length ?? 0}:${incident.acknowledged ? 1 : 0};`;
  for (const entry of state.maintenance) signature += `m${entry.id}:${entry.updates.length}:${entry.cancelledAt ?? ''};`;
  return signature;
}

export class Publisher {
  constructor(
    private readonly storage: LedgerStorage,
    private readonly kv: KV | undefined,
  ) {}

  private load(now: number): PublishState {
    const stored = this.storage.readMeta<PublishState>('publish');
    const day = utcDay(now);
    if (!stored) return { day, writes: 0, tokens: PUBLISH_BURST, tokensAt: now };
    return stored.day === day ? stored : { ...stored, day, writes: 0 };
  }

  /**
   * Publishes when something visible changed (and a token is left) or the
   * flush interval passed; never past the day's budget. `byPerson`: a change
   * people made (an incident update, maintenance) publishes at once without
   * spending a token: someone is waiting to see it, and an incident's few
   * updates must not hold back its automatic recovery.
   */
  async publishIfDue(config: Config, state: EngineState, now: number, options: { byPerson?: boolean } = {}): Promise<PublishResult> {
    if (!this.kv) return { reason: false, writes: 0, rows: 0 };
    const budget = publishBudget(config);
    const current = this.load(now);
    // Refill: changesPerDay tokens a day, at most PUBLISH_BURST banked.
    // (Ticks use the cron's scheduled time, a task completion the wall clock: never refill backwards.)
    current.tokens = Math.min(PUBLISH_BURST, current.tokens + (Math.max(0, now - current.tokensAt) / DAY_MS) * budget.changesPerDay);
    current.tokensAt = Math.max(now, current.tokensAt);

    const status = statusSignature(config, state, now);
    const incidents = incidentsSignature(state);
    const statusChanged = status !== current.statusSignature;
    const incidentsChanged = incidents !== current.incidentsSignature;
    const first = current.lastAt === undefined;
    const flushDue = first || now - (current.lastAt as number) >= config.settings.flushEveryMs;
    if (!statusChanged && !incidentsChanged && !flushDue) return { reason: false, writes: 0, rows: 0 };

    // What each key costs: a flush of the status key is budgeted by flushEvery;
    // anything else (a change published early, the incidents key) takes a token.
    let tokens = current.tokens;
    // A change people made publishes at once and spends no token (see publishIfDue).
    const byPerson = options.byPerson === true;
    const writeStatus = flushDue || (statusChanged && (byPerson || tokens >= 1));
    if (writeStatus && !flushDue && !byPerson) tokens -= 1;
    const writeIncidents = first || (incidentsChanged && (byPerson || tokens >= 1));
    if (writeIncidents && !first && !byPerson) tokens -= 1;
    const keys = (writeStatus ? 1 : 0) + (writeIncidents ? 1 : 0);
    // Waiting for a token: nothing to store (the refill is recomputed from tokensAt next time).
    if (keys === 0) return { reason: false, writes: 0, rows: 0 };
    if (current.writes + keys > budget.perDay) {
      return { reason: false, writes: 0, rows: this.save(current), error: `the read model's KV budget for today is spent (${current.writes} of ${budget.perDay} writes); the page shows the last publish` };
    }
    current.tokens = tokens;
    const changed = statusChanged || incidentsChanged;
    const reason: PublishResult['reason'] = first ? 'first' : flushDue && !changed ? 'flush' : 'change';
    let writes = 0;
    try {
      const view = buildStatusView(config, state, now);
      const document: PublishedStatus = {
        v: READ_MODEL_VERSION,
        publishedAt: now,
        lastTick: state.lastTick ?? null,
        view,
        health: {
          outbox: state.outbox.length,
          failedDeliveries: state.failed.slice(-5).map((failure) => ({ channel: failure.channel, at: new Date(failure.at).toISOString(), error: failure.error })),
          kvWritesToday: current.writes + keys,
          kvWritesPerDay: budget.perDay,
        },
      };
      if (writeStatus) {
        writes++;
        current.writes++;
        await this.kv.put(READ_MODEL_KEYS.status, JSON.stringify(document));
      }
      if (writeIncidents) {
        const history = buildIncidentsDocument(config, state, now);
        writes++;
        current.writes++;
        await this.kv.put(READ_MODEL_KEYS.incidents, JSON.stringify(history));
      }
    } catch (error) {
      // KV refused (429, the daily limit, an outage): nothing else depends on it; the next tick tries again.
      return { reason: false, writes, rows: this.save(current), error: `publishing the read model failed: ${(error as Error)?.message ?? error}` };
    }
    if (writeStatus) {
      current.lastAt = now;
      current.statusSignature = status;
    }
    if (writeIncidents) current.incidentsSignature = incidents;
    return { reason, writes, rows: this.save(current) };
  }

  private save(current: PublishState): number {
    try {
      return this.storage.saveMeta('publish', current);
    } catch (error) {
      // Losing this only means a publish may repeat after an eviction.
      console.error('vigil: storing the publish budget failed', error);
      return 0;
    }
  }
}
