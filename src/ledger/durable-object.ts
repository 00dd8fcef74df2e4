// The ledger Durable Object: glue between the runtime and LedgerCore. One
// instance (named "ledger") holds the engine's state in SQLite; the Worker's
// cron, the /ping routes and the task route call it over RPC.

import { DurableObject } from 'cloudflare:workers';
import type { Config } from '../config/types';
import type { WorkerEnv } from '../env';
import type { TickReport } from '../engine/tick';
import type { Ping, TaskDone } from '../model/state';
import { probeTransport } from '../probe/durable-object';
import type { AdminOperation, AdminResult } from './admin';
import { LedgerCore, type AdminView } from './ledger';
import type { SqlStore } from './storage';

/** The ledger's name: there is exactly one. */
export const LEDGER_NAME = 'ledger';

/** The RPC surface the Worker calls. */
export interface LedgerRpc {
  tick(scheduledTime: number): Promise<TickReport>;
  ping(checkId: string, ping: Ping): Promise<void>;
  markTask(checklistId: string, itemId: string, done: TaskDone): Promise<void>;
  admin(operation: AdminOperation, now: number): Promise<AdminResult>;
  adminView(): Promise<AdminView>;
}

/** Durable Object SQLite storage as the ledger's SqlStore. */
export function sqlStoreOf(storage: DurableObjectStorage): SqlStore {
  return {
    exec: (query, ...bindings) => storage.sql.exec(query, ...bindings) as never,
    transactionSync: (closure) => storage.transactionSync(closure),
  };
}

/** The Ledger class for a config (src/index.ts exports it for wrangler.toml's binding). */
export function ledgerClass(config: Config) {
  return class Ledger extends DurableObject<WorkerEnv> implements LedgerRpc {
    private readonly core: LedgerCore;

    constructor(ctx: DurableObjectState, env: WorkerEnv) {
      super(ctx, env);
      this.core = new LedgerCore({
        store: sqlStoreOf(ctx.storage),
        config,
        env: env as Record<string, unknown>,
        kv: env.VIGIL_KV,
        fetch: (input, init) => fetch(input, init),
        ...(env.PROBE ? { probes: probeTransport(env.PROBE) } : {}),
      });
    }

    tick(scheduledTime: number): Promise<TickReport> {
      return this.core.tick(scheduledTime);
    }

    async ping(checkId: string, ping: Ping): Promise<void> {
      await this.core.ping(checkId, ping);
    }

    markTask(checklistId: string, itemId: string, done: TaskDone): Promise<void> {
      return this.core.markTask(checklistId, itemId, done);
    }

    admin(operation: AdminOperation, now: number): Promise<AdminResult> {
      return this.core.admin(operation, now);
    }

    adminView(): Promise<AdminView> {
      return this.core.adminView();
    }
  };
}

/** The ledger's stub, or a clear error when wrangler.toml lacks the binding. */
export function ledgerOf(env: WorkerEnv): DurableObjectStub<LedgerRpc & Rpc.DurableObjectBranded> {
  if (!env.LEDGER) throw new Error('the Durable Object binding LEDGER is missing: add [[durable_objects.bindings]] name = "LEDGER" class_name = "Ledger" to wrangler.toml');
  return env.LEDGER.get(env.LEDGER.idFromName(LEDGER_NAME)) as never;
}
