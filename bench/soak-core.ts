// The chaos soak: thousands of ticks of the real ledger (LedgerCore, its
// storage, probes, outbox and publisher) while the platform misbehaves at
// random: channels answer 500, 429 or hang; KV puts fail; the ledger's storage
// throws from inside its transactions; crons arrive twice, overlap or skip a
// minute; the ledger is evicted between ticks; probes fail or time out. An
// independent model of the alerts, fed the observations the simulated targets
// actually served, says what each channel must receive; the soak counts what
// was lost, duplicated or out of order. Environment-neutral: bench/soak.ts
// runs it in Node on sql.js, tests/soak.test.ts in workerd on a real Durable
// Object's SQLite. `npm run soak -- --ticks 10000 --seed 7`.

import { http, secret, status, webhook, heartbeat, type ConfigInput } from '../src/config';
import type { Config } from '../src/config/types';
import { loadConfig } from '../src/config/validate';
import type { RunResult } from '../src/engine/runner';
import type { TickReport } from '../src/engine/tick';
import { LedgerCore, NotStoredError } from '../src/ledger/ledger';
import type { SqlStore } from '../src/ledger/storage';
import { runProbeGroup, type ProbeTransport } from '../src/probe/pool';
import type { KV } from '../src/store/kv';

const MINUTE = 60_000;
const DAY = 1440 * MINUTE;
/** 2026-11-22 00:00 UTC: simulated days are UTC days. */
const START = Date.UTC(2026, 10, 22);
/** Ticks at the end with no fault and every check up, so every delivery can finish (backoff caps at 60 min). */
export const DRAIN_TICKS = 150;

export interface FaultRates {
  /** Per delivery attempt. */
  channel500: number;
  channel429: number;
  channelHang: number;
  /** Per KV put. */
  kvPut: number;
  /** Per storage transaction (thrown from inside it, after its writes). */
  storage: number;
  /** Per tick. */
  duplicateCron: number;
  overlappingCron: number;
  missedCron: number;
  eviction: number;
  /** Per probe request. */
  probeFail: number;
  probeHang: number;
}

export const DEFAULT_FAULTS: FaultRates = {
  channel500: 0.05,
  channel429: 0.03,
  channelHang: 0.02,
  kvPut: 0.02,
  storage: 0.02,
  duplicateCron: 0.02,
  overlappingCron: 0.02,
  missedCron: 0.01,
  eviction: 0.02,
  probeFail: 0.03,
  probeHang: 0.01,
};

export interface SoakOptions {
  ticks: number;
  seed: number;
  /** Checks with long outages and one-tick blips. */
  checks?: number;
  /** Checks that flap down 2 min / up 2 min all the time. */
  flappers?: number;
  faults?: Partial<FaultRates>;
  /** Called with a line of progress now and then. */
  progress?: (line: string) => void;
}

export interface DayFigures {
  day: number;
  ticks: number;
  kvWrites: number;
  rowsWritten: number;
  /** Ledger requests (ticks, duplicates included, and pings) plus probe requests. */
  durableObjectRequests: number;
  alertsDelivered: number;
}

export interface SoakResult {
  expected: number;
  delivered: number;
  lost: number;
  duplicated: number;
  /** The same delivery (same idempotency key) accepted twice: a receiver that honours the key sees it once. */
  resentSameKey: number;
  outOfOrder: number;
  unexpected: number;
  /** Recoveries that said both the problem and the recovery (the problem alert could not be delivered first). */
  combined: number;
  faults: Record<keyof FaultRates, number>;
  days: DayFigures[];
  problems: string[];
}

/** mulberry32: a small seeded generator, so a seed replays the same run. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Each check's health per tick: long outages, one-tick blips, and the flappers' 2-down-2-up. */
function plan(random: () => number, ids: string[], flappers: string[], ticks: number): Map<string, boolean[]> {
  const health = new Map<string, boolean[]>();
  for (const id of ids) {
    const up: boolean[] = [];
    while (up.length < ticks) {
      const healthy = 10 + Math.floor(random() * 50);
      for (let i = 0; i < healthy; i++) up.push(random() >= 0.04); // 4% one-tick blips
      const outage = 6 + Math.floor(random() * 25);
      for (let i = 0; i < outage; i++) up.push(false);
    }
    health.set(id, up.slice(0, ticks));
  }
  for (const id of flappers) health.set(id, Array.from({ length: ticks }, (_, i) => i % 4 >= 2));
  return health;
}

/** One alert as a channel must hear it. */
interface Alert {
  check: string;
  type: 'down' | 'recovered';
}

/**
 * The alerts a check's observations must produce, with confirmations 2/2:
 * the first result is taken at once when up; any other change needs the same
 * raw status twice in a row. Written from the documented rules, not from the
 * engine's code.
 */
export function expectedAlerts(check: string, observations: boolean[]): Alert[] {
  const alerts: Alert[] = [];
  let confirmed: boolean | undefined;
  let streak: { up: boolean; count: number } | undefined;
  for (const up of observations) {
    if (confirmed === up) {
      streak = undefined;
      continue;
    }
    streak = streak && streak.up === up ? { up, count: streak.count + 1 } : { up, count: 1 };
    const needed = up && confirmed === undefined ? 1 : 2;
    if (streak.count < needed) continue;
    if (up && confirmed === false) alerts.push({ check, type: 'recovered' });
    if (!up) alerts.push({ check, type: 'down' });
    confirmed = up;
    streak = undefined;
  }
  return alerts;
}

interface Received {
  key: string;
  check: string;
  type: string;
  incident: string | undefined;
  unannounced: boolean;
}

/**
 * Runs the soak. `store` is the ledger's SQLite (kept across evictions);
 * the harness wraps it to inject storage faults.
 */
export async function runSoak(store: SqlStore, options: SoakOptions): Promise<SoakResult> {
  const random = generator(options.seed);
  const rates: FaultRates = { ...DEFAULT_FAULTS, ...options.faults };
  const faults = Object.fromEntries(Object.keys(DEFAULT_FAULTS).map((key) => [key, 0])) as Record<keyof FaultRates, number>;
  const chance = (name: keyof FaultRates) => {
    if (!faultsOn || random() >= rates[name]) return false;
    faults[name]++;
    return true;
  };
  let faultsOn = true;

  const checkCount = options.checks ?? 12;
  const flapperCount = options.flappers ?? 2;
  const ids = Array.from({ length: checkCount }, (_, i) => `c${i + 1}`);
  const flappers = Array.from({ length: flapperCount }, (_, i) => `flap${i + 1}`);
  const total = options.ticks + DRAIN_TICKS;
  const health = plan(random, ids, flappers, total);
  const channels = ['hooks-a', 'hooks-b'];
  const input: ConfigInput = {
    page: { title: 'Soak' },
    settings: { tickDeadline: '1s', flushEvery: '5m' },
    channels: Object.fromEntries(channels.map((name) => [name, webhook({ url: secret(`${name.toUpperCase().replace('-', '_')}_URL`), signingSecret: secret('SIGNING_SECRET') })])),
    checks: [
      ...[...ids, ...flappers].map((id) => http({ id, url: `https://target.soak/${id}`, expect: [status(200)], retry: false, timeout: '1s' })),
      heartbeat({ id: 'job', name: 'Nightly job', token: secret('JOB_TOKEN'), period: '5m', grace: '10m' }),
    ],
  };
  const config: Config = loadConfig(input);
  const env: Record<string, unknown> = { SIGNING_SECRET: 'soak-signing-secret', JOB_TOKEN: 'soak-job-token-0123456789' };
  for (const name of channels) env[`${name.toUpperCase().replace('-', '_')}_URL`] = `https://hooks.soak/${name}`;

  // What the targets served: the observations the model reads, by tick.
  let tickIndex = 0;
  const served = new Map<string, Array<{ tick: number; up: boolean }>>();
  const received = new Map<string, Received[]>(channels.map((name) => [name, []]));
  const seenKeys = new Set<string>();
  let resentSameKey = 0;

  // A channel that never answers: only the caller's signal ends the wait, as with a real fetch
  // (which also rejects at once for a signal that has already fired). A delivery without a
  // signal would hang a real tick forever: that is a finding, not a fault to inject.
  const hang = (signal: AbortSignal | null | undefined) =>
    new Promise<Response>((_, reject) => {
      if (!signal) throw new Error('soak: a delivery without an AbortSignal would wait forever');
      if (signal.aborted) return reject(signal.reason ?? new Error('aborted'));
      signal.addEventListener('abort', () => reject(signal.reason ?? new Error('aborted')), { once: true });
    });
  // The network: targets answer from the plan; channels answer as faulty webhooks do.
  const fetcher: typeof fetch = async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    if (url.host === 'target.soak') {
      const id = url.pathname.slice(1);
      const up = health.get(id)?.[tickIndex] ?? true;
      const list = served.get(id) ?? [];
      list.push({ tick: tickIndex, up });
      served.set(id, list);
      return new Response(up ? '{"status":"ok"}' : '{"status":"error"}', { status: up ? 200 : 500, headers: { 'content-type': 'application/json' } });
    }
    if (url.host === 'hooks.soak') {
      if (chance('channelHang')) return hang(init?.signal);
      if (chance('channel500')) return new Response('internal error', { status: 500 });
      if (chance('channel429')) return new Response('slow down', { status: 429, headers: { 'retry-after': '60' } });
      const body = JSON.parse(String(init?.body ?? '{}')) as { id: string; type: string; check?: { id: string }; incident?: { id: string }; unannounced?: unknown };
      if (seenKeys.has(body.id)) resentSameKey++;
      seenKeys.add(body.id);
      received.get(url.pathname.slice(1))?.push({ key: body.id, check: body.check?.id ?? '', type: body.type, incident: body.incident?.id, unannounced: body.unannounced !== undefined });
      return new Response(null, { status: 204 });
    }
    throw new TypeError(`fetch failed: ${url.host} is not part of the soak`);
  };

  // KV that refuses puts now and then, counting them per simulated day.
  const kvData = new Map<string, string>();
  let kvWrites = 0;
  const kv: KV = {
    get: async (key) => kvData.get(key) ?? null,
    put: async (key, value) => {
      kvWrites++;
      if (chance('kvPut')) throw new Error('KV PUT failed: 429 Too Many Requests');
      kvData.set(key, value);
    },
    delete: async (key) => void kvData.delete(key),
  };

  // Storage that throws from inside a transaction (after its writes: SQLite rolls them back).
  const faulty: SqlStore = {
    exec: (query, ...bindings) => store.exec(query, ...bindings),
    transactionSync: (closure) =>
      store.transactionSync(() => {
        const result = closure();
        if (chance('storage')) throw new Error('SQLITE_IOERR: injected storage failure');
        return result;
      }),
  };

  let probeRequests = 0;
  const probes: ProbeTransport = {
    run: async (_name, region, request): Promise<RunResult[]> => {
      probeRequests++;
      if (chance('probeFail')) throw new Error('probe failed (injected)');
      if (chance('probeHang')) return new Promise<RunResult[]>(() => undefined);
      return runProbeGroup(config, env, fetcher, region ? { ...request, region } : request);
    },
  };

  const makeCore = () => new LedgerCore({ store: faulty, config, env, kv, fetch: fetcher, probes, timeouts: { deliveryMs: 50, probeGraceMs: 50 } });
  let core = makeCore();
  // Ticks whose decisions are only in memory: an eviction loses their observations (as designed: nothing of them was announced).
  const uncommitted = new Set<number>();
  const dropped = new Set<number>();
  let ledgerRequests = 0;
  let rowsWritten = 0;
  let pingDue = 0;

  const days: DayFigures[] = [];
  let day: DayFigures = { day: 1, ticks: 0, kvWrites: 0, rowsWritten: 0, durableObjectRequests: 0, alertsDelivered: 0 };
  const countDay = () => {
    day.kvWrites = kvWrites;
    day.rowsWritten = rowsWritten;
    day.durableObjectRequests = ledgerRequests + probeRequests;
    day.alertsDelivered = [...received.values()].reduce((sum, list) => sum + list.length, 0) - days.reduce((sum, d) => sum + d.alertsDelivered, 0);
  };

  const record = (report: TickReport, tick: number) => {
    rowsWritten += report.rowsWritten;
    if (report.skipped) return;
    if (report.storageError) uncommitted.add(tick);
    else uncommitted.clear();
  };

  for (tickIndex = 0; tickIndex < total; tickIndex++) {
    faultsOn = tickIndex < options.ticks;
    const time = START + tickIndex * MINUTE;
    if (time >= START + days.length * DAY + DAY) {
      countDay();
      days.push(day);
      kvWrites = 0;
      rowsWritten = 0;
      ledgerRequests = 0;
      probeRequests = 0;
      day = { day: days.length + 1, ticks: 0, kvWrites: 0, rowsWritten: 0, durableObjectRequests: 0, alertsDelivered: 0 };
    }
    if (chance('eviction')) {
      for (const tick of uncommitted) dropped.add(tick);
      uncommitted.clear();
      core = makeCore();
    }
    // The job pings every 5 minutes; a ping the ledger could not store is sent again a minute later (curl --retry).
    if (tickIndex >= pingDue) {
      ledgerRequests++;
      try {
        await core.ping('job', { at: time, kind: 'success' });
        pingDue = tickIndex + 5;
      } catch (error) {
        if (!(error instanceof NotStoredError)) throw error;
        pingDue = tickIndex + 1;
      }
    }
    if (chance('missedCron')) continue;
    day.ticks++;
    if (chance('overlappingCron')) {
      ledgerRequests += 2;
      const [a, b] = await Promise.all([core.tick(time), core.tick(time)]);
      record(a, tickIndex);
      record(b, tickIndex);
    } else {
      ledgerRequests++;
      record(await core.tick(time), tickIndex);
    }
    if (chance('duplicateCron')) {
      ledgerRequests++;
      record(await core.tick(time), tickIndex);
    }
    if (tickIndex % 1000 === 0) options.progress?.(`tick ${tickIndex}/${total}`);
  }
  countDay();
  days.push(day);

  // The model: per check, the observations the ledger kept (those of ticks dropped by an eviction before they were stored are not), and the alerts they must make.
  const problems: string[] = [];
  let expectedCount = 0;
  let deliveredCount = 0;
  let lost = 0;
  let duplicated = 0;
  let outOfOrder = 0;
  let unexpected = 0;
  let combined = 0;
  for (const id of [...ids, ...flappers, 'job']) {
    const observations = (served.get(id) ?? []).filter((entry) => !dropped.has(entry.tick)).map((entry) => entry.up);
    const expected = id === 'job' ? [] : expectedAlerts(id, observations);
    for (const channel of channels) {
      expectedCount += expected.length;
      // What the channel heard, one per idempotency key, a combined recovery standing for its problem and itself.
      const byKey = new Map<string, Received>();
      for (const message of received.get(channel) ?? []) if (message.check === id) byKey.set(message.key, message);
      const heard: Alert[] = [];
      const incidents = new Map<string, number>();
      for (const message of byKey.values()) {
        const type = message.type.replace(/^check\./, '');
        if (type === 'recovered' && message.unannounced) {
          combined++;
          heard.push({ check: id, type: 'down' });
        }
        if (type === 'down' || type === 'recovered') heard.push({ check: id, type });
        else heard.push({ check: id, type: type as Alert['type'] });
        const key = `${message.incident}:${type}`;
        incidents.set(key, (incidents.get(key) ?? 0) + 1);
      }
      deliveredCount += heard.length;
      for (const count of incidents.values()) if (count > 1) duplicated += count - 1;
      // Compare the sequences: the longest common prefix, then what is missing or extra.
      let i = 0;
      while (i < expected.length && i < heard.length && expected[i]?.type === heard[i]?.type) i++;
      if (i < expected.length || i < heard.length) {
        const missing = expected.length - i;
        const extra = heard.length - i;
        const sameCounts = expected.filter((a) => a.type === 'down').length === heard.filter((a) => a.type === 'down').length && expected.length === heard.length;
        if (sameCounts) outOfOrder++;
        else if (extra > missing) unexpected += extra - missing;
        else lost += missing - extra;
        problems.push(`${id} on ${channel}: expected ${expected.map((a) => a.type[0]).join('')}, heard ${heard.map((a) => a.type[0]).join('')}`);
      }
    }
  }
  return { expected: expectedCount, delivered: deliveredCount, lost, duplicated, resentSameKey, outOfOrder, unexpected, combined, faults, days, problems: problems.slice(0, 20) };
}
