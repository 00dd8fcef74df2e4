// Helpers for tests running in workerd: URLs of the local servers, the sink's
// records, programmable targets, and running ticks through a real ledger
// Durable Object (its SQLite storage) with the test's config.

import { env } from 'cloudflare:workers';
import { createScheduledController, reset as resetBindings, runInDurableObject } from 'cloudflare:test';
import { inject } from 'vitest';
import { secret, type ConfigInput } from '../../src/config';
import type { Config } from '../../src/config/types';
import { loadConfig } from '../../src/config/validate';
import type { RunResult } from '../../src/engine/runner';
import type { RunDue, TickReport } from '../../src/engine/tick';
import { LedgerCore, type LedgerDeps } from '../../src/ledger/ledger';
import { sqlStoreOf } from '../../src/ledger/durable-object';
import type { AdminOperation } from '../../src/ledger/admin';
import type { SqlStore } from '../../src/ledger/storage';
import type { EngineState, Ping, TaskDone } from '../../src/model/state';
import { runProbeGroup, type ProbeRequest, type ProbeTransport } from '../../src/probe/pool';
import type { KV } from '../../src/store/kv';
import { READ_MODEL_KEYS, readPublished, type PublishedStatus } from '../../src/store/read-model';
import type { WorkerEnv } from '../../src/env';
import { createVigil } from '../../src/worker';
import { SINK_SIGNING_SECRET, type Recorded } from '../support/recorded';

export const MINUTE = 60_000;
/** A fixed, minute-aligned start time for scheduled ticks: 2026-11-22 10:00 UTC. */
export const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);

export const targetUrl = (path = '') => `${inject('targetUrl')}${path}`;
export const refusedUrl = () => inject('refusedUrl');
export const sinkUrl = (path = '') => `${inject('sinkUrl')}${path}`;

/** A name no other test uses (servers are shared by all test files). */
export function unique(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/** Makes `GET /p/<name>` on the target answer with this. */
export async function program(name: string, answer: { status?: number; json?: unknown; body?: string; headers?: Record<string, string>; delayMs?: number }): Promise<void> {
  const response = await fetch(targetUrl(`/__control/${name}`), { method: 'POST', body: JSON.stringify(answer) });
  if (response.status !== 204) throw new Error(`programming target ${name} failed: ${response.status}`);
}

export async function received(id: string): Promise<Recorded[]> {
  return (await (await fetch(sinkUrl(`/__sink/${id}`))).json()) as Recorded[];
}

/** Makes the sink fail the next `times` deliveries to `id`. */
export async function failNext(id: string, failure: { mode: '500' | '429' | 'hang' | '404' | 'huge'; times: number; retryAfter?: number }): Promise<void> {
  await fetch(sinkUrl(`/__sink/${id}/fail`), { method: 'POST', body: JSON.stringify(failure) });
}

export const testKV = () => (env as unknown as { VIGIL_KV: KV }).VIGIL_KV;

export function config(input: ConfigInput): Config {
  return loadConfig(input);
}

/**
 * The signing secret of webhooks to the sink, as a config names it (credentials
 * are never written inline): `webhook({ url: sinkUrl(...), signingSecret: sinkSigningSecret })`.
 * Every test Worker env holds it.
 */
export const sinkSigningSecret = secret('SINK_SIGNING_SECRET');

/** The Worker env a test tick sees: the KV and R2 bindings, the sink's signing secret, plus `secrets`. */
export function workerEnv(secrets: Record<string, string> = {}, kv: KV = testKV()): Record<string, unknown> {
  return { VIGIL_KV: kv, TEST_BACKUPS: (env as unknown as { TEST_BACKUPS: unknown }).TEST_BACKUPS, SINK_SIGNING_SECRET, ...secrets };
}

type Namespace = DurableObjectNamespace;
const namespaces = env as unknown as { LEDGER: Namespace; PROBE: Namespace };

/**
 * Probes as real Durable Objects (each request its own I/O context), running
 * the test's config; records the name and region of every request.
 */
export function testProbes(cfg: Config, runEnv: Record<string, unknown>, options: { fail?: (name: string) => boolean; calls?: Array<{ name: string; region: string | undefined; checks: string[] }> } = {}): ProbeTransport {
  return {
    async run(name: string, region: string | undefined, request: ProbeRequest): Promise<RunResult[]> {
      options.calls?.push({ name, region, checks: request.checks });
      if (options.fail?.(name)) throw new Error(`probe ${name} failed (test)`);
      const stub = region ? namespaces.PROBE.get(namespaces.PROBE.idFromName(name), { locationHint: region as DurableObjectLocationHint }) : namespaces.PROBE.get(namespaces.PROBE.idFromName(name));
      return runInDurableObject(stub, () => runProbeGroup(cfg, runEnv, (input, init) => fetch(input, init), request));
    },
  };
}

export interface LedgerOptions {
  /** The ledger Durable Object's name (each name its own storage); default "test". */
  name?: string;
  secrets?: Record<string, string>;
  /** Spread checks over probe Durable Objects (as in production). */
  fanOut?: boolean;
  /** The KV the read model is published to (default: the test KV). */
  kv?: KV;
  /** Everything else LedgerCore takes, for fault tests (a failing store, a hanging fetch ...). */
  deps?: Partial<Omit<LedgerDeps, 'config' | 'store'>>;
  /** Wraps the Durable Object's SQLite store (to inject storage failures). */
  store?: (store: SqlStore) => SqlStore;
  /** Replaces how checks run. */
  runDue?: RunDue;
  /** Use the ledger as it is now (whatever config or secrets it runs with), without a redeploy: for reading its state. */
  peek?: boolean;
}

interface Cached {
  core: LedgerCore;
  storage: DurableObjectStorage;
  cfg: Config;
  /** Secrets and fan-out: a change is a new deployment. */
  key: string;
}
const cores = new Map<string, Cached>();

/**
 * A ledger for tests: the real LedgerCore on a real Durable Object's SQLite
 * storage, with the test's config. It keeps its memory between calls like a
 * live Durable Object; `evict()` drops it (as an eviction does), and a new
 * config or secrets is a new deployment (memory dropped, storage kept).
 */
export class TestLedger {
  readonly name: string;
  constructor(
    readonly cfg: Config,
    readonly options: LedgerOptions = {},
  ) {
    this.name = options.name ?? 'test';
  }

  /** Runs `work` inside the ledger Durable Object with its core. */
  run<T>(work: (core: LedgerCore, storage: DurableObjectStorage) => T | Promise<T>): Promise<T> {
    const stub = namespaces.LEDGER.get(namespaces.LEDGER.idFromName(this.name));
    return runInDurableObject(stub, (_instance, state) => work(this.coreFor(state.storage), state.storage));
  }

  /** A ledger with injected faults keeps its own core; plain ones share one per name, like the one live Durable Object. */
  private own?: { core: LedgerCore; storage: DurableObjectStorage };

  private coreFor(storage: DurableObjectStorage): LedgerCore {
    const custom = Boolean(this.options.deps || this.options.store || this.options.runDue);
    if (custom && this.own?.storage === storage) return this.own.core;
    const key = JSON.stringify([this.options.secrets ?? {}, this.options.fanOut ?? false]);
    const cached = cores.get(this.name);
    if (!custom && cached && cached.storage === storage && (this.options.peek || (cached.cfg === this.cfg && cached.key === key))) return cached.core;
    const runEnv = workerEnv(this.options.secrets, this.options.kv);
    const store = sqlStoreOf(storage);
    const core = new LedgerCore({
      store: this.options.store ? this.options.store(store) : store,
      config: this.cfg,
      env: runEnv,
      kv: this.options.kv ?? testKV(),
      fetch: (input, init) => fetch(input, init),
      ...(this.options.fanOut ? { probes: testProbes(this.cfg, runEnv) } : {}),
      ...(this.options.runDue ? { runDue: this.options.runDue } : {}),
      ...this.options.deps,
    });
    if (custom) this.own = { core, storage };
    else cores.set(this.name, { core, storage, cfg: this.cfg, key });
    return core;
  }

  tick(time: number): Promise<TickReport> {
    return this.run((core) => core.tick(time));
  }

  state(): Promise<EngineState> {
    return this.run((core) => core.snapshot());
  }

  ping(checkId: string, ping: Ping): Promise<unknown> {
    return this.run((core) => core.ping(checkId, ping));
  }

  markTask(checklistId: string, itemId: string, done: TaskDone): Promise<void> {
    return this.run((core) => core.markTask(checklistId, itemId, done));
  }

  /** Drops the ledger's memory, as when Cloudflare evicts the Durable Object; its SQLite storage stays. */
  evict(): void {
    cores.delete(this.name);
    this.own = undefined;
  }
}

export function ledger(cfg: Config, options: LedgerOptions = {}): TestLedger {
  return new TestLedger(cfg, options);
}

/**
 * Runs one tick at `time` with `secrets` as the Worker env, in the ledger
 * named `options.name` (default "test"). With `fanOut`, groups of checks run
 * in probe Durable Objects as in production.
 */
export function runTick(cfg: Config, time: number, options: LedgerOptions = {}): Promise<TickReport> {
  return ledger(cfg, options).tick(time);
}

/** The ledger's state after the ticks so far (default ledger "test"), as it holds it in memory. */
export function ledgerState(cfg: Config = config({ checks: [] }), options: LedgerOptions = {}): Promise<EngineState> {
  return ledger(cfg, { peek: true, ...options }).state();
}

/** Every row of the ledger's SQLite tables, as text (to grep for what must never be stored). */
export function ledgerDump(cfg: Config = config({ checks: [] }), options: LedgerOptions = {}): Promise<string> {
  return ledger(cfg, { peek: true, ...options }).run((_core, storage) => {
    const tables = storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'sqlite_%'").toArray();
    return tables.map(({ name }) => `${name}: ${JSON.stringify(storage.sql.exec(`SELECT * FROM ${name}`).toArray())}`).join('\n');
  });
}

/** What the ledger last published to KV (undefined before its first publish). */
export function published(kv: KV = testKV()): Promise<PublishedStatus | undefined> {
  return readPublished<PublishedStatus>(kv, READ_MODEL_KEYS.status);
}

/** Deletes every Durable Object and KV entry, and the ledgers' memory: a clean slate for each test. */
export async function reset(): Promise<void> {
  cores.clear();
  await resetBindings();
}

/** Test-only infrastructure controls (stop/start scratch servers, create queues); see tests/support/control.ts. */
export async function control<T = unknown>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${inject('controlUrl')}${path}`, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) throw new Error(`control ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The Worker built from a test's config (src/worker.ts's createVigil), with an
 * env whose LEDGER binding reaches this config's test ledger: the cron handler
 * and the /ping and task routes go through the real Worker glue, and the
 * ledger runs the test's checks.
 */
export function testVigil(input: ConfigInput, options: LedgerOptions & { now?: () => number } = {}) {
  const vigil = createVigil(input, options.now ? { now: options.now } : {});
  const testLedger = ledger(vigil.config, options);
  const rpc = {
    tick: (time: number) => testLedger.tick(time),
    ping: async (checkId: string, ping: Ping) => {
      await testLedger.ping(checkId, ping);
    },
    markTask: (checklistId: string, itemId: string, done: TaskDone) => testLedger.markTask(checklistId, itemId, done),
    admin: (operation: AdminOperation, now: number) => testLedger.run((core) => core.admin(operation, now)),
    adminView: () => testLedger.run((core) => core.adminView()),
  };
  const runEnv = { ...workerEnv(options.secrets, options.kv), LEDGER: { idFromName: (name: string) => ({ name }), get: () => rpc } } as unknown as WorkerEnv;
  const context = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
  return {
    config: vigil.config,
    worker: vigil.worker,
    ledger: testLedger,
    env: runEnv,
    /** The cron at `time`, through the Worker's scheduled handler. */
    tick: (time: number) => vigil.worker.scheduled(createScheduledController({ scheduledTime: time, cron: '* * * * *' }), runEnv),
    /** A request to the Worker. */
    fetch: (path: string, init?: RequestInit) => vigil.worker.fetch(new Request(path.startsWith('http') ? path : `https://status.example.com${path}`, init), runEnv, context),
  };
}
