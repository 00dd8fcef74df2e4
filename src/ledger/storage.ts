// The ledger's SQLite tables (docs/storage.md has each one, its writer and
// rate). The engine works on the state in memory; storing is a diff against
// what was last stored, written in one transaction: a tick's decisions commit
// together, and a tick that changes nothing but the clock writes one row. A
// failed transaction leaves nothing behind and is retried by the next commit.

import type { CheckState, EngineState, FailedDelivery, Incident, OutboxEntry, PingRecord, ScheduledMaintenance, TaskDone } from '../model/state';
import { emptyState } from '../model/state';

export type SqlValue = string | number | null;

/** The part of a cursor the ledger reads (Durable Object SqlStorageCursor; bench/sqljs-store.ts in Node). */
export interface SqlCursor<T> {
  toArray(): T[];
  readonly rowsWritten: number;
  readonly rowsRead: number;
}

/** Durable Object SQLite storage, as the ledger uses it: `ctx.storage.sql` plus `ctx.storage.transactionSync`. */
export interface SqlStore {
  exec<T extends Record<string, SqlValue> = Record<string, SqlValue>>(query: string, ...bindings: SqlValue[]): SqlCursor<T>;
  transactionSync<T>(closure: () => T): T;
}

export const SCHEMA_VERSION = 1;

const SCHEMA = [
  // Single values: last_tick, seq, rolled_up, deferred, failed, publish, schema, imported.
  'CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS checks (id TEXT PRIMARY KEY, state TEXT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS incidents (id TEXT PRIMARY KEY, check_id TEXT, started_at INTEGER NOT NULL, ended_at INTEGER, record TEXT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS outbox (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, entry TEXT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS delivered (id TEXT PRIMARY KEY, at INTEGER NOT NULL)',
  'CREATE TABLE IF NOT EXISTS pings (check_id TEXT PRIMARY KEY, record TEXT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS tasks (key TEXT PRIMARY KEY, record TEXT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS checklists (id TEXT PRIMARY KEY, record TEXT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS history (day TEXT PRIMARY KEY, rollups TEXT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS maintenance (id TEXT PRIMARY KEY, record TEXT NOT NULL)',
];

/**
 * What decides a check's next transition or alert: its confirmed status,
 * streak, `for` timers, what the channels heard, mutes, the last change, its
 * regions' statuses and its SLO burn. A check row is written as soon as this
 * moves; the rest (latency, last run, message, SLO counts, kind memory,
 * trend samples) waits for the flush (`settings.flushEvery`), so a tick that
 * changes nothing decisive writes no check rows.
 */
export function decisionFingerprint(check: CheckState): string {
  const last = check.changes[check.changes.length - 1];
  const streak = check.streak ? `${check.streak.status}/${check.streak.count}/${check.streak.since}` : '';
  let asserts = '';
  if (check.asserts) for (const key in check.asserts) asserts += `${key}=${check.asserts[key]?.since}${check.asserts[key]?.counted ? '!' : ''};`;
  let regions = '';
  if (check.regions) for (const region in check.regions) regions += `${region}=${check.regions[region]?.status}/${Object.keys(check.regions[region]?.asserts ?? {}).length};`;
  return `${check.status}|${check.since}|${check.confirmed ? 1 : 0}|${check.alerted ?? ''}|${check.muted ?? ''}|${streak}|${asserts}|${last?.[0]}:${last?.[1]}|${regions}|${check.sli?.burning?.level ?? ''}|${check.vendorMaintenance ? 'm' : ''}`;
}

/** Incidents the engine may still change: open, or closed within the last day (later edits come through the admin API, which marks them). */
const INCIDENT_SETTLED_MS = 86_400_000;

export class LedgerStorage {
  /** What was last stored, to diff against. */
  private stored = {
    meta: new Map<string, string>(),
    checks: new Map<string, string>(),
    incidents: new Map<string, string>(),
    outbox: new Map<string, string>(),
    delivered: new Set<string>(),
    checklists: new Map<string, string>(),
    maintenance: new Map<string, string>(),
  };
  /** Incidents changed outside a tick (admin API): compared at the next commit whatever their age. */
  private touched = new Set<string>();

  constructor(private readonly sql: SqlStore) {}

  /** Creates the tables (idempotent); true when the database was new. */
  prepare(): boolean {
    for (const statement of SCHEMA) this.sql.exec(statement);
    const schema = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'schema'").toArray()[0];
    return schema === undefined;
  }

  /** Reads everything into memory (a ledger that was evicted wakes with this). */
  load(): EngineState {
    const state = emptyState();
    this.stored = { meta: new Map(), checks: new Map(), incidents: new Map(), outbox: new Map(), delivered: new Set(), checklists: new Map(), maintenance: new Map() };
    this.touched.clear();
    const meta = new Map(this.sql.exec<{ key: string; value: string }>('SELECT key, value FROM meta').toArray().map((row) => [row.key, row.value]));
    this.stored.meta = new Map(meta);
    const json = <T>(key: string): T | undefined => (meta.has(key) ? (JSON.parse(meta.get(key) as string) as T) : undefined);
    const lastTick = json<number>('last_tick');
    if (lastTick !== undefined) state.lastTick = lastTick;
    state.seq = json<number>('seq') ?? 1;
    const rolledUp = json<string>('rolled_up');
    if (rolledUp !== undefined) state.rolledUp = rolledUp;
    const deferred = json<string[]>('deferred');
    if (deferred?.length) state.deferred = deferred;
    state.failed = json<FailedDelivery[]>('failed') ?? [];

    for (const row of this.sql.exec<{ id: string; state: string }>('SELECT id, state FROM checks').toArray()) {
      const check = JSON.parse(row.state) as CheckState;
      state.checks[row.id] = check;
      this.stored.checks.set(row.id, decisionFingerprint(check));
    }
    for (const row of this.sql.exec<{ id: string; record: string }>('SELECT id, record FROM incidents ORDER BY started_at').toArray()) {
      state.incidents.push(JSON.parse(row.record) as Incident);
      this.stored.incidents.set(row.id, row.record);
    }
    for (const row of this.sql.exec<{ id: string; entry: string }>('SELECT id, entry FROM outbox ORDER BY seq').toArray()) {
      state.outbox.push(JSON.parse(row.entry) as OutboxEntry);
      this.stored.outbox.set(row.id, row.entry);
    }
    for (const row of this.sql.exec<{ id: string }>('SELECT id FROM delivered ORDER BY at, id').toArray()) {
      state.delivered.push(row.id);
      this.stored.delivered.add(row.id);
    }
    for (const row of this.sql.exec<{ check_id: string; record: string }>('SELECT check_id, record FROM pings').toArray()) state.pings[row.check_id] = JSON.parse(row.record) as PingRecord;
    for (const row of this.sql.exec<{ key: string; record: string }>('SELECT key, record FROM tasks').toArray()) state.tasks[row.key] = JSON.parse(row.record) as TaskDone;
    for (const row of this.sql.exec<{ id: string; record: string }>('SELECT id, record FROM checklists').toArray()) {
      (state.checklists ??= {})[row.id] = JSON.parse(row.record);
      this.stored.checklists.set(row.id, row.record);
    }
    for (const row of this.sql.exec<{ day: string; rollups: string }>('SELECT day, rollups FROM history').toArray()) state.history[row.day] = JSON.parse(row.rollups);
    for (const row of this.sql.exec<{ id: string; record: string }>('SELECT id, record FROM maintenance').toArray()) {
      state.maintenance.push(JSON.parse(row.record) as ScheduledMaintenance);
      this.stored.maintenance.set(row.id, row.record);
    }
    return state;
  }

  /** Marks an incident changed outside a tick (the next commit compares it whatever its age). */
  touch(incidentId: string): void {
    this.touched.add(incidentId);
  }

  /** True when the outbox entry is stored: only stored entries are delivered. */
  isStored(entry: OutboxEntry): boolean {
    return this.stored.outbox.has(entry.id);
  }

  /**
   * Writes what changed since the last commit, in one transaction, and
   * returns the rows written. `flush` writes every check row (latency, last
   * run); `days` are history days to (re)write. Throws when the transaction
   * fails: nothing is stored, and the next commit writes it all.
   */
  commit(state: EngineState, options: { flush?: boolean; days?: readonly string[]; now?: number; deliveriesOnly?: boolean } = {}): number {
    const meta = this.metaRows(state);
    const checks: Array<[string, CheckState, string]> = [];
    // After a delivery only the outbox side moved: checking every check's fingerprint would cost CPU for nothing.
    if (!options.deliveriesOnly) {
      for (const id in state.checks) {
        const check = state.checks[id] as CheckState;
        const fingerprint = decisionFingerprint(check);
        if (options.flush || this.stored.checks.get(id) !== fingerprint) checks.push([id, check, fingerprint]);
      }
    }
    const removedChecks = options.deliveriesOnly ? [] : [...this.stored.checks.keys()].filter((id) => !(id in state.checks));
    const incidents = options.deliveriesOnly ? { write: [], remove: [] } : this.changedIncidents(state, options.now);
    const outbox = this.changedOutbox(state);
    const delivered = state.delivered.filter((id) => !this.stored.delivered.has(id));
    const current = new Set(state.delivered);
    const undelivered = [...this.stored.delivered].filter((id) => !current.has(id));
    const checklists = Object.entries(options.deliveriesOnly ? {} : (state.checklists ?? {}))
      .map(([id, record]) => [id, JSON.stringify(record)] as const)
      .filter(([id, text]) => this.stored.checklists.get(id) !== text);
    const maintenance = (options.deliveriesOnly ? [] : state.maintenance).map((entry) => [entry.id, JSON.stringify(entry)] as const).filter(([id, text]) => this.stored.maintenance.get(id) !== text);

    let rows = 0;
    const run = (query: string, ...bindings: SqlValue[]) => {
      rows += this.sql.exec(query, ...bindings).rowsWritten;
    };
    this.sql.transactionSync(() => {
      for (const [key, value] of meta) run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', key, value);
      for (const [id, check] of checks) run('INSERT INTO checks (id, state) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET state = excluded.state', id, JSON.stringify(check));
      for (const id of removedChecks) run('DELETE FROM checks WHERE id = ?', id);
      for (const [id, incident, text] of incidents.write) run('INSERT INTO incidents (id, check_id, started_at, ended_at, record) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET check_id = excluded.check_id, started_at = excluded.started_at, ended_at = excluded.ended_at, record = excluded.record', id, incident.checkId ?? null, incident.startedAt, incident.endedAt ?? null, text);
      for (const id of incidents.remove) run('DELETE FROM incidents WHERE id = ?', id);
      for (const [id, entry, text] of outbox.write) run('INSERT INTO outbox (id, seq, entry) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, entry = excluded.entry', id, entry.seq ?? 0, text);
      for (const id of outbox.remove) run('DELETE FROM outbox WHERE id = ?', id);
      const at = options.now ?? state.lastTick ?? 0;
      for (const id of delivered) run('INSERT INTO delivered (id, at) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET at = excluded.at', id, at);
      for (const id of undelivered) run('DELETE FROM delivered WHERE id = ?', id);
      for (const [id, text] of checklists) run('INSERT INTO checklists (id, record) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET record = excluded.record', id, text);
      for (const [id, text] of maintenance) run('INSERT INTO maintenance (id, record) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET record = excluded.record', id, text);
      for (const day of options.days ?? []) {
        const rollups = state.history[day];
        if (rollups) run('INSERT INTO history (day, rollups) VALUES (?, ?) ON CONFLICT(day) DO UPDATE SET rollups = excluded.rollups', day, JSON.stringify(rollups));
      }
      if (options.days?.length) run('DELETE FROM history WHERE day NOT IN (SELECT day FROM history ORDER BY day DESC LIMIT 90)');
    });

    // Stored: what to diff against next time.
    for (const [key, value] of meta) this.stored.meta.set(key, value);
    for (const [id, , fingerprint] of checks) this.stored.checks.set(id, fingerprint);
    for (const id of removedChecks) this.stored.checks.delete(id);
    for (const [id, , text] of incidents.write) this.stored.incidents.set(id, text);
    for (const id of incidents.remove) this.stored.incidents.delete(id);
    for (const [id, , text] of outbox.write) this.stored.outbox.set(id, text);
    for (const id of outbox.remove) this.stored.outbox.delete(id);
    for (const id of delivered) this.stored.delivered.add(id);
    for (const id of undelivered) this.stored.delivered.delete(id);
    for (const [id, text] of checklists) this.stored.checklists.set(id, text);
    for (const [id, text] of maintenance) this.stored.maintenance.set(id, text);
    if (!options.deliveriesOnly) this.touched.clear();
    return rows;
  }

  /** Stores one heartbeat's pings (a ping is acknowledged only after this). */
  savePing(checkId: string, record: PingRecord): void {
    this.sql.exec('INSERT INTO pings (check_id, record) VALUES (?, ?) ON CONFLICT(check_id) DO UPDATE SET record = excluded.record', checkId, JSON.stringify(record));
  }

  /** Stores a task's completion. */
  saveTask(key: string, done: TaskDone): void {
    this.sql.exec('INSERT INTO tasks (key, record) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET record = excluded.record', key, JSON.stringify(done));
  }

  /** A single meta value outside a tick's commit (the publisher's budget); returns the rows written. */
  saveMeta(key: string, value: unknown): number {
    const text = JSON.stringify(value);
    if (this.stored.meta.get(key) === text) return 0;
    const rows = this.sql.exec('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', key, text).rowsWritten;
    this.stored.meta.set(key, text);
    return rows;
  }

  readMeta<T>(key: string): T | undefined {
    const text = this.stored.meta.get(key);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  private metaRows(state: EngineState): Array<[string, string]> {
    const wanted: Array<[string, unknown]> = [
      ['schema', SCHEMA_VERSION],
      ['last_tick', state.lastTick ?? null],
      ['seq', state.seq],
      ['rolled_up', state.rolledUp ?? null],
      ['deferred', state.deferred ?? []],
      ['failed', state.failed],
    ];
    const rows: Array<[string, string]> = [];
    for (const [key, value] of wanted) {
      const text = JSON.stringify(value);
      if (this.stored.meta.get(key) !== text) rows.push([key, text]);
    }
    return rows;
  }

  private changedIncidents(state: EngineState, now: number | undefined) {
    const write: Array<[string, Incident, string]> = [];
    const ids = new Set<string>();
    const settledBefore = (now ?? state.lastTick ?? 0) - INCIDENT_SETTLED_MS;
    for (const incident of state.incidents) {
      ids.add(incident.id);
      const known = this.stored.incidents.has(incident.id);
      if (known && incident.endedAt !== undefined && incident.endedAt < settledBefore && !this.touched.has(incident.id)) continue;
      const text = JSON.stringify(incident);
      if (this.stored.incidents.get(incident.id) !== text) write.push([incident.id, incident, text]);
    }
    const remove = [...this.stored.incidents.keys()].filter((id) => !ids.has(id));
    return { write, remove };
  }

  private changedOutbox(state: EngineState) {
    const write: Array<[string, OutboxEntry, string]> = [];
    const ids = new Set<string>();
    for (const entry of state.outbox) {
      ids.add(entry.id);
      const text = JSON.stringify(entry);
      if (this.stored.outbox.get(entry.id) !== text) write.push([entry.id, entry, text]);
    }
    const remove = [...this.stored.outbox.keys()].filter((id) => !ids.has(id));
    return { write, remove };
  }
}
