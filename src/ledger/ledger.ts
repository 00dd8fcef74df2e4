// The ledger: the single writer of everything the engine decides (check
// states, incidents, the outbox, pings, task completions, roll-ups). It runs
// inside one SQLite-backed Durable Object (durable-object.ts is the glue);
// this class is plain so the tests, the soak and the benchmark drive the same
// code. Guarantees (docs/storage.md, "Guarantees"):
//   - ticks run one at a time; a scheduled time at or before the last
//     committed tick does nothing (duplicate and overlapping crons);
//   - a tick's decisions (transitions, incidents, outbox entries) commit in
//     one transaction before anything is delivered; if the commit fails,
//     nothing of it is delivered and the next commit stores it;
//   - deliveries stop starting at the tick's deadline, go out in order per
//     check and channel, and each keeps its idempotency key on every retry;
//   - a ping or a task completion is acknowledged only once stored.

import type { Config } from '../config/types';
import { withScheduledMaintenance } from '../engine/maintenance';
import { decideTick, emptyReport, type RunDue, type TickReport } from '../engine/tick';
import { emptyState, taskKey, type EngineState, type FailedDelivery, type Incident, type Ping, type PingRecord, type ScheduledMaintenance, type TaskDone } from '../model/state';
import { deliverDue } from '../notify/outbox';
import { probePool, type ProbeTransport } from '../probe/pool';
import type { KV } from '../store/kv';
import { applyPing, emptyPingRecord } from '../store/pings';
import { applyAdmin, type AdminOperation, type AdminResult } from './admin';
import { importLegacy } from './migrate';
import { Publisher } from './publish';
import { LedgerStorage, type SqlStore } from './storage';

export interface LedgerDeps {
  store: SqlStore;
  config: Config;
  /** The Worker's env: secrets and bindings for checks and channels. */
  env: Record<string, unknown>;
  /** The read model's namespace (undefined: nothing is published). */
  kv?: KV;
  /** The ledger's own fetch: deliveries, and checks it runs itself. */
  fetch: typeof fetch;
  /** Probe Durable Objects; without them every check runs in the ledger. */
  probes?: ProbeTransport;
  /** Wall clock (default Date.now): deadlines and webhook signatures. */
  clock?: () => number;
  /** Replaces how due checks run (the benchmark hands in recorded results). */
  runDue?: RunDue;
  /** Shorter waits for the soak (defaults: a delivery 10 s, a probe 5 s past the deadline). */
  timeouts?: { deliveryMs?: number; probeGraceMs?: number };
}

/** Thrown by ping() and markTask() when the ledger could not store what it was given: the route answers 503. */
export class NotStoredError extends Error {
  constructor(what: string, cause: unknown) {
    super(`${what} could not be stored: ${(cause as Error)?.message ?? cause}`);
    this.name = 'NotStoredError';
  }
}

/** What the admin page reads from the ledger (authenticated: private checks included). */
export interface AdminView {
  lastTick: number | null;
  checks: Array<{ id: string; name: string; public: boolean; status: string; message: string | null; lastRun: number | null }>;
  incidents: Incident[];
  maintenance: ScheduledMaintenance[];
  outbox: number;
  failed: FailedDelivery[];
}

export class LedgerCore {
  private readonly storage: LedgerStorage;
  private readonly publisher: Publisher;
  private readonly clock: () => number;
  private readonly runDue: RunDue;
  /** Subrequests the last decide phase used from the ledger's own budget. */
  private checkRequests = 0;
  private state?: EngineState;
  private loading?: Promise<EngineState>;
  private queue: Promise<unknown> = Promise.resolve();
  /** The scheduled time of the last commit that wrote every check row (latency, last run). */
  private lastFlush?: number;

  constructor(private readonly deps: LedgerDeps) {
    this.storage = new LedgerStorage(deps.store);
    this.publisher = new Publisher(this.storage, deps.kv);
    this.clock = deps.clock ?? (() => Date.now());
    this.runDue =
      deps.runDue ??
      probePool({ config: deps.config, env: deps.env, fetch: deps.fetch, ...(deps.probes ? { transport: deps.probes } : {}), clock: this.clock, ...(deps.timeouts?.probeGraceMs !== undefined ? { graceMs: deps.timeouts.probeGraceMs } : {}) });
  }

  /** The runner, noting the subrequests checks took from the ledger's own budget. */
  private readonly countingRunDue: RunDue = async (...args) => {
    const run = await this.runDue(...args);
    this.checkRequests = run.subrequests;
    return run;
  };

  /** Runs one tick for the cron's `scheduledTime`. Never throws for a check's, channel's or store's failure. */
  tick(scheduledTime: number): Promise<TickReport> {
    return this.serially(() => this.runTick(scheduledTime));
  }

  /** Records a heartbeat ping; throws NotStoredError when it could not be stored (the caller answers 503). */
  async ping(checkId: string, ping: Ping): Promise<PingRecord> {
    const state = await this.load();
    const record = applyPing(state.pings[checkId] ?? emptyPingRecord(), ping);
    try {
      this.storage.savePing(checkId, record);
    } catch (error) {
      throw new NotStoredError('the ping', error);
    }
    state.pings[checkId] = record;
    return record;
  }

  /**
   * Records a manual task as done; throws NotStoredError when it could not be
   * stored. The page shows it at once (a publish, within the KV budget).
   */
  async markTask(checklistId: string, itemId: string, done: TaskDone): Promise<void> {
    const state = await this.load();
    const key = taskKey(checklistId, itemId);
    try {
      this.storage.saveTask(key, done);
    } catch (error) {
      throw new NotStoredError('the completion', error);
    }
    state.tasks[key] = done;
    await this.serially(() => this.publisher.publishIfDue(withScheduledMaintenance(this.deps.config, state.maintenance), state, done.at));
  }

  /**
   * Applies a change people make through the admin API (an incident, an
   * update, an acknowledgement, maintenance), stores it and publishes the
   * read model. Runs between ticks, never inside one. Throws NotStoredError
   * when it could not be stored (nothing of it then stands).
   */
  admin(operation: AdminOperation, now: number): Promise<AdminResult> {
    return this.serially(async () => {
      const state = await this.load();
      const result = applyAdmin(state, this.deps.config, operation, now);
      if (!result.ok) return result;
      if (result.incident) this.storage.touch(result.incident.id);
      try {
        this.storage.commit(state, { now });
      } catch (error) {
        // The change stays out: memory goes back to what is stored.
        this.state = undefined;
        throw new NotStoredError('the change', error);
      }
      await this.publisher.publishIfDue(withScheduledMaintenance(this.deps.config, state.maintenance), state, now);
      return result;
    });
  }

  /** What the admin page shows: every check (private ones too), incidents of the last 90 days, scheduled maintenance. */
  adminView(): Promise<AdminView> {
    return this.serially(async () => {
      const state = await this.load();
      return {
        lastTick: state.lastTick ?? null,
        checks: this.deps.config.checks.map((check) => {
          const checkState = state.checks[check.id];
          return { id: check.id, name: check.name, public: check.public, status: checkState?.confirmed ? checkState.status : 'unknown', message: checkState?.message ?? null, lastRun: checkState?.lastRun ?? null };
        }),
        incidents: structuredClone([...state.incidents].sort((a, b) => b.startedAt - a.startedAt)),
        maintenance: structuredClone(state.maintenance),
        outbox: state.outbox.length,
        failed: structuredClone(state.failed),
      };
    });
  }

  /** The state as the ledger holds it (tests, the admin page). Waits for a running tick. */
  snapshot(): Promise<EngineState> {
    return this.serially(async () => structuredClone(await this.load()));
  }

  /** Runs `work` after every earlier tick or admin change has finished. */
  protected serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The state in memory, read from storage (or imported from a KV-only deployment) on the first request after a start or eviction. */
  protected load(): Promise<EngineState> {
    if (this.state) return Promise.resolve(this.state);
    this.loading ??= this.read().then(
      (state) => {
        this.state = state;
        this.loading = undefined;
        return state;
      },
      (error) => {
        this.loading = undefined;
        throw error;
      },
    );
    return this.loading;
  }

  private async read(): Promise<EngineState> {
    const fresh = this.storage.prepare();
    if (!fresh) return this.storage.load();
    const imported = this.deps.kv ? await importLegacy(this.deps.kv, this.deps.config).catch((error) => {
      console.error('vigil: reading the KV-only state to import failed; starting afresh', error);
      return undefined;
    }) : undefined;
    const state = imported ?? emptyState();
    this.deps.store.transactionSync(() => {
      this.storage.commit(state, { flush: true, days: Object.keys(state.history) });
      for (const [id, record] of Object.entries(state.pings)) this.storage.savePing(id, record);
      for (const [key, done] of Object.entries(state.tasks)) this.storage.saveTask(key, done);
    });
    if (imported) console.log(JSON.stringify({ vigil: 'imported', checks: Object.keys(imported.checks).length, incidents: imported.incidents.length, outbox: imported.outbox.length }));
    return state;
  }

  private async runTick(now: number): Promise<TickReport> {
    const started = this.clock();
    const report = emptyReport(now);
    const { config } = this.deps;
    let state: EngineState;
    try {
      state = await this.load();
    } catch (error) {
      report.storageError = `loading the ledger failed: ${(error as Error)?.message ?? error}`;
      report.durationMs = this.clock() - started;
      return report;
    }
    if (state.lastTick !== undefined && now <= state.lastTick) {
      report.skipped = 'duplicate';
      report.durationMs = this.clock() - started;
      return report;
    }
    const effective = withScheduledMaintenance(config, state.maintenance);
    const deadline = started + config.settings.tickDeadlineMs;
    this.checkRequests = 0;
    await decideTick(effective, state, now, this.countingRunDue, deadline, report);

    const flush = this.lastFlush === undefined || now - this.lastFlush >= config.settings.flushEveryMs;
    try {
      report.rowsWritten += this.storage.commit(state, { flush, now, ...(report.rolledUp ? { days: report.rolledUp } : {}) });
      if (flush) this.lastFlush = now;
    } catch (error) {
      // Nothing of this tick is stored; the next commit stores it (from memory).
      report.storageError = `storing the tick failed: ${(error as Error)?.message ?? error}`;
      console.error(`vigil: ${report.storageError}`);
    }

    if (report.storageError) {
      // Nothing is delivered or published from a state that is not stored: an
      // eviction now would forget it, and an alert sent from it would be sent
      // again. The next tick's commit stores it, then delivers.
      report.durationMs = this.clock() - started;
      return report;
    }
    report.delivery = await deliverDue(state, {
      config,
      env: this.deps.env,
      fetch: this.deps.fetch,
      now,
      clock: this.clock,
      concurrency: config.settings.maxConcurrency,
      limit: Math.max(0, config.settings.subrequests - this.checkRequests),
      deadline,
      committed: (entry) => this.storage.isStored(entry),
      ...(this.deps.timeouts?.deliveryMs !== undefined ? { timeoutMs: this.deps.timeouts.deliveryMs } : {}),
      onOutcome: () => {
        try {
          report.rowsWritten += this.storage.commit(state, { deliveriesOnly: true, now });
        } catch (error) {
          // Kept in memory: the next commit stores it. Only an eviction before then could send it again (same idempotency key).
          console.error('vigil: storing a delivery outcome failed', error);
        }
      },
    });

    const published = await this.publisher.publishIfDue(effective, state, now);
    report.rowsWritten += published.rows;
    report.published = published.error ? { reason: published.reason, writes: published.writes, error: published.error } : { reason: published.reason, writes: published.writes };
    report.durationMs = this.clock() - started;
    return report;
  }
}
