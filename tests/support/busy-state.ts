// A busy 90 days for N public checks, built as the ledger would hold it:
// daily roll-ups with some downtime, degradation and maintenance, latency per
// day and per hour, incidents with timelines (detected and written by
// people), heartbeats and a backup check, maintenance people scheduled. The
// page tests (size, contrast) and the page benchmark (bench/page.ts) render
// it. Deterministic: the same n and now give the same state.

import { backups, heartbeat, http, secret, status } from '../../src/config';
import type { ConfigInput } from '../../src/config';
import { DAY_MS, HOUR_MS, utcDay, type CheckState, type EngineState, type Incident } from '../../src/model/state';

const GROUPS = ['Website', 'API', 'Payments', 'Data', 'Messaging', 'Search', 'Internal tools', 'Jobs'];

/** A small seeded PRNG (mulberry32): the same fixture on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** N public checks in eight groups: HTTP checks, two heartbeats (a job, a backup) and a backup-objects check. */
export function busyConfig(n: number): ConfigInput {
  const checks: ConfigInput['checks'] = [];
  for (let i = 0; i < n; i++) {
    const group = GROUPS[i % GROUPS.length] as string;
    if (i === 5) checks.push(heartbeat({ id: 'nightly-export', name: 'Nightly export', group, token: secret('EXPORT_TOKEN'), schedule: '0 3 * * *' }));
    else if (i === 13) checks.push(heartbeat({ id: 'db-backup', name: 'Database backup', group, token: secret('BACKUP_TOKEN'), period: '1d', purpose: 'backup' }));
    else if (i === 21) checks.push(backups({ id: 'backup-objects', name: 'Backup objects', group, r2: 'BACKUPS', prefix: 'db/', maxAge: '25h' }));
    else checks.push(http({ id: `service-${i + 1}`, name: `${group} service ${i + 1}`, group, url: `https://service-${i + 1}.example.com/health`, expect: [status(200)] }));
  }
  return { page: { title: 'Acme status', description: 'Production services of Acme, checked every minute.', links: [{ label: 'Support', url: 'https://acme.example/support' }] }, checks };
}

/** The ledger's state after 90 busy days ending at `now` (check ids as in busyConfig(n)). */
export function busyState(input: ConfigInput, now: number): EngineState {
  const next = random(42);
  const state: EngineState = { checks: {}, incidents: [], outbox: [], delivered: [], failed: [], history: {}, pings: {}, tasks: {}, maintenance: [], seq: 1, lastTick: now - 60_000 };
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const ids = input.checks.map((check) => (check as { id: string }).id);
  ids.forEach((id, index) => {
    const base = 60 + Math.round(next() * 240);
    // Every 9th check was added 20 days ago: its uptime says "since".
    const firstRun = index % 9 === 8 ? today - 20 * DAY_MS + 3 * HOUR_MS : today - 120 * DAY_MS;
    for (let back = 89; back >= 1; back--) {
      const dayStart = today - back * DAY_MS;
      if (dayStart + DAY_MS <= firstRun) continue;
      const roll = next();
      const down = roll < 0.03 ? Math.round(60 + next() * 3000) : 0;
      const degraded = roll > 0.95 ? Math.round(300 + next() * 7200) : 0;
      const maintenance = roll > 0.985 ? 3600 : 0;
      const watched = dayStart < firstRun ? Math.round((dayStart + DAY_MS - firstRun) / 1000) : 86_400;
      (state.history[utcDay(dayStart)] ??= {})[id] = [watched - down - degraded - maintenance, degraded, down, 0, Math.round(base * (0.8 + next() * 0.5)), maintenance];
    }
    const problem = index === 2 ? 'down' : index === 9 ? 'degraded' : undefined;
    const since = problem ? now - 25 * 60_000 : today - 3 * DAY_MS;
    const checkState: CheckState = {
      status: problem ?? 'up',
      since,
      confirmed: true,
      firstRun,
      lastRun: now - 60_000,
      latencyMs: base,
      message: problem === 'down' ? 'status = 503, expected 200' : problem === 'degraded' ? 'latency = 1840 ms, expected < 1000 ms' : 'all assertions passed',
      changes: problem ? [[today - 3 * DAY_MS, 'up'], [since, problem]] : [[since, 'up']],
      day: { date: utcDay(now), latencySum: base * 600, runs: 600 },
      hours: Array.from({ length: 48 }, (_, h) => [Math.floor(now / HOUR_MS) * HOUR_MS - (47 - h) * HOUR_MS, Math.round(base * (0.7 + next() * 0.8)) * 60, 60] as [number, number, number]),
    };
    // One check has a failure seen once, not confirmed yet.
    if (index === 17) checkState.streak = { status: 'down', count: 1, since: now - 60_000 };
    const kind = (input.checks[index] as { kind: string }).kind;
    if (kind === 'heartbeat') {
      delete checkState.latencyMs;
      checkState.facts = { purpose: id === 'db-backup' ? 'backup' : 'job', last_ping_at: new Date(now - 5 * HOUR_MS).toISOString(), last_success_at: new Date(now - 5 * HOUR_MS).toISOString() };
    }
    if (kind === 'backups') checkState.facts = { last_backup_at: new Date(now - 9 * HOUR_MS).toISOString() };
    state.checks[id] = checkState;
  });
  // Incidents: ~40 over 90 days, a few written by people, each with a timeline.
  for (let i = 0; i < 40; i++) {
    const id = ids[Math.floor(next() * ids.length)] as string;
    const startedAt = today - Math.floor(next() * 88 + 1) * DAY_MS + Math.floor(next() * 20) * HOUR_MS;
    const endedAt = startedAt + Math.round(5 + next() * 120) * 60_000;
    const manual = i % 8 === 0;
    const incident: Incident = manual
      ? { id: `manual-${i}`, source: 'manual', title: `Elevated error rates for ${id}`, status: 'degraded', impact: 'minor', components: [id], startedAt, endedAt, cause: 'Reports of errors', lastMessage: 'Resolved.' }
      : { id: `${id}-${startedAt.toString(36)}`, checkId: id, source: 'detected', status: next() < 0.5 ? 'down' : 'degraded', startedAt, endedAt, cause: 'status = 502, expected 200', lastMessage: 'status = 502, expected 200' };
    incident.updates = [
      { id: `${incident.id}.1`, at: startedAt, state: 'investigating', text: manual ? 'We are looking into reports of errors.' : `Vigil detected that ${id} is down: status = 502, expected 200`, by: manual ? 'alice' : 'vigil' },
      { id: `${incident.id}.2`, at: startedAt + 10 * 60_000, state: 'identified', text: 'A bad deploy; rolling back.', by: 'alice' },
      { id: `${incident.id}.3`, at: endedAt, state: 'resolved', text: manual ? 'Resolved.' : `${id} recovered.`, by: manual ? 'alice' : 'vigil' },
    ];
    state.incidents.push(incident);
  }
  // The open ones: the down and degraded checks, and one people declared.
  for (const index of [2, 9]) {
    const id = ids[index] as string;
    const checkState = state.checks[id] as CheckState;
    state.incidents.push({
      id: `${id}-open`,
      checkId: id,
      source: 'detected',
      status: checkState.status === 'down' ? 'down' : 'degraded',
      startedAt: checkState.since,
      cause: checkState.message ?? '',
      lastMessage: checkState.message ?? '',
      updates: [{ id: `${id}-open.1`, at: checkState.since, state: 'investigating', text: `Vigil detected a problem: ${checkState.message}`, by: 'vigil' }],
    });
  }
  state.incidents.push({
    id: 'manual-open',
    source: 'manual',
    title: 'Delayed e-mail notifications',
    status: 'degraded',
    impact: 'minor',
    components: [ids[4] as string],
    startedAt: now - 2 * HOUR_MS,
    cause: 'Our mail provider reports delays.',
    lastMessage: 'Our mail provider reports delays.',
    updates: [
      { id: 'manual-open.1', at: now - 2 * HOUR_MS, state: 'investigating', text: 'Our mail provider reports delays.', by: 'alice' },
      { id: 'manual-open.2', at: now - HOUR_MS, state: 'monitoring', text: 'The provider has mitigated; we are watching the queue drain.', by: 'alice' },
    ],
  });
  state.maintenance.push({
    id: 'maint-upgrade',
    title: 'Database upgrade',
    description: 'PostgreSQL 16 to 17; writes pause for up to 5 minutes.',
    checks: [ids[3] as string, ids[11] as string],
    start: today + 2 * DAY_MS + 2 * HOUR_MS,
    end: today + 2 * DAY_MS + 3 * HOUR_MS,
    updates: [{ id: 'maint-upgrade.1', at: now - DAY_MS, state: 'monitoring', maintenanceState: 'scheduled', text: 'PostgreSQL 16 to 17; writes pause for up to 5 minutes.', by: 'alice' }],
    createdBy: 'alice',
  });
  return state;
}
