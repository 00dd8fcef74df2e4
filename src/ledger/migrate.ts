// Importing a deployment of the first, KV-only design: on the ledger's first
// tick, the old `state` document, the `history` roll-ups, each heartbeat's
// `ping:<id>` and each task's `task:<checklist>:<item>` become the ledger's
// rows. Check states, open incidents, what the channels heard and the outbox
// come over as they were, so nothing is announced again. The old keys are
// left in KV (rolling back to the old version still finds them).

import type { Config } from '../config/types';
import { emptyState, taskKey, type ChecklistState, type CheckState, type DayRollup, type EngineState, type FailedDelivery, type Incident, type OutboxEntry, type Ping, type PingRecord, type TaskDone } from '../model/state';
import { LEGACY_KEYS, type KV } from '../store/kv';

interface LegacyState {
  v: 1;
  lastTick?: number;
  checks?: Record<string, CheckState>;
  incidents?: Incident[];
  outbox?: OutboxEntry[];
  delivered?: string[];
  failed?: FailedDelivery[];
  rolledUp?: string;
  deferred?: string[];
  checklists?: Record<string, ChecklistState>;
}

interface LegacyPings {
  v: 1;
  lastSuccess?: number;
  lastStart?: number;
  lastFail?: { at: number; exitCode?: number };
  lastDurationMs?: number;
  recent?: Ping[];
  total?: number;
}

/** What a KV-only deployment left, as the ledger's state; undefined when there is nothing to import. */
export async function importLegacy(kv: KV, config: Config): Promise<EngineState | undefined> {
  const legacy = parse<LegacyState>(await kv.get(LEGACY_KEYS.state));
  if (!legacy || legacy.v !== 1) return undefined;
  const state = emptyState();
  if (legacy.lastTick !== undefined) state.lastTick = legacy.lastTick;
  state.checks = legacy.checks ?? {};
  state.incidents = (legacy.incidents ?? []).map((incident) => ({ ...incident, source: incident.source ?? 'detected' }));
  state.outbox = (legacy.outbox ?? []).map((entry, index) => ({ ...entry, seq: index + 1 }));
  state.seq = state.outbox.length + 1;
  state.delivered = legacy.delivered ?? [];
  state.failed = legacy.failed ?? [];
  if (legacy.rolledUp) state.rolledUp = legacy.rolledUp;
  if (legacy.deferred?.length) state.deferred = legacy.deferred;
  if (legacy.checklists) state.checklists = legacy.checklists;

  const history = parse<{ v: 1; days: Record<string, Record<string, DayRollup>> }>(await kv.get(LEGACY_KEYS.history));
  if (history?.v === 1) state.history = history.days;

  // The config names every heartbeat and task: one get each, no list (lists are the scarcest KV operation).
  const heartbeats = config.checks.filter((check) => check.kind === 'heartbeat').map((check) => check.id);
  const tasks = config.checklists.flatMap((checklist) => checklist.items.filter((item) => item.type === 'task').map((item) => taskKey(checklist.id, item.id)));
  const [pings, done] = await Promise.all([Promise.all(heartbeats.map((id) => kv.get(LEGACY_KEYS.ping(id)))), Promise.all(tasks.map((key) => kv.get(key)))]);
  heartbeats.forEach((id, i) => {
    const record = parse<LegacyPings>(pings[i] ?? null);
    if (record?.v !== 1) return;
    const imported: PingRecord = { recent: record.recent ?? [], total: record.total ?? 0 };
    if (record.lastSuccess !== undefined) imported.lastSuccess = record.lastSuccess;
    if (record.lastStart !== undefined) imported.lastStart = record.lastStart;
    if (record.lastFail) imported.lastFail = record.lastFail;
    if (record.lastDurationMs !== undefined) imported.lastDurationMs = record.lastDurationMs;
    state.pings[id] = imported;
  });
  tasks.forEach((key, i) => {
    const record = parse<TaskDone & { v: 1 }>(done[i] ?? null);
    if (record?.v !== 1 || typeof record.at !== 'number' || typeof record.by !== 'string') return;
    state.tasks[key] = { at: record.at, by: record.by, ...(record.note ? { note: record.note } : {}) };
  });
  return state;
}

function parse<T>(raw: string | null): T | undefined {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}
