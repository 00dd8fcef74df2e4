// The read model: the public view of Vigil's state that the ledger publishes
// to Workers KV and every public route reads (the page, /api/status, badges,
// the Statuspage routes, /health), so public traffic never wakes the ledger.
// Only public checks, only what may be shown to anyone. docs/storage.md lists
// the keys and when they are written.

import type { Checklist, Config } from '../config/types';
import { isPublicItem, taskStatus } from '../engine/checklists';
import { activeAt, activeFor, covers, occurrences, upcoming, type Occurrence } from '../engine/maintenance';
import { nextFire } from '../engine/schedule';
import { sloStatus } from '../engine/slo';
import { kinds } from '../kinds';
import { DAY_MS, HOUR_MS, type EngineState, type Incident, type IncidentUpdate, type Status } from '../model/state';
import { dailyBars, uptime, type DayBar, type UptimeWindow } from './history';
import type { KV } from './kv';
import type { TasksRecord } from './tasks';

/** The KV keys of the read model (docs/storage.md). */
export const READ_MODEL_KEYS = { status: 'status', incidents: 'incidents' } as const;
export const READ_MODEL_VERSION = 1;

/** `paused`: the check is in a maintenance window (it still runs; it does not alert). */
export type ViewStatus = Status | 'paused';

export interface CheckView {
  id: string;
  name: string;
  group: string | null;
  status: ViewStatus;
  /** The maintenance window the check is in, if any. */
  maintenance?: { id: string; title: string; until: string };
  /** ISO time the status began, or null before the first result. */
  since: string | null;
  /**
   * A problem seen but not confirmed yet (confirmations, `for`): the check
   * shows its confirmed status with this beside it, never a plain "up".
   */
  checking: { status: Status; since: string; message: string } | null;
  /** Null for kinds whose latency means nothing to a reader (heartbeats: the time to read the ledger). */
  latencyMs: number | null;
  lastChecked: string | null;
  /** When Vigil first ran the check: uptime covers only the time since. */
  watchedSince: string | null;
  uptime: Record<UptimeWindow, number | null>;
  /** What the last run said (with `checking`, what the unconfirmed problem is). */
  message: string | null;
  /** A line about the check's evidence: "Last restore test: 23 days ago", "Newest backup: 9 hours ago". */
  note: string | null;
  /** When the last backup or restore test succeeded (heartbeats and backup checks), ISO. */
  lastBackupAt?: string;
  lastRestoreTestAt?: string;
  bars: DayBar[];
  /** Average latency per hour over the last 24 hours, oldest first (null: no run reached the target that hour). */
  latency24h: Array<number | null>;
  /** Each region's last word, for checks that run in several. */
  regions?: Array<{ region: string; status: Status; message: string; latencyMs: number }>;
  /** The availability objective and its error budget, when the check declares one. */
  slo?: SloView;
}

export interface SloView {
  objective: number;
  window: string;
  /** Percent good probes over the window so far. */
  availability: number | null;
  /** Percent of the error budget left; negative once overspent. */
  errorBudgetRemaining: number | null;
  /** Days of the window with data. */
  daysObserved: number;
  /** 'fast' or 'slow' while a burn-rate alert is in force. */
  burning: 'fast' | 'slow' | null;
  burnRate: { '1h': number | null; '6h': number | null };
}

export interface IncidentView {
  id: string;
  /** The check a detected incident is about; null for one people wrote about several components. */
  checkId: string | null;
  checkName: string;
  /** `detected` by Vigil, or `manual`: written by people through the admin API. */
  source: 'detected' | 'manual';
  title: string;
  status: Incident['status'];
  impact: NonNullable<Incident['impact']>;
  /** Public checks it affects (names). */
  components: string[];
  startedAt: string;
  endedAt: string | null;
  durationSeconds: number;
  cause: string;
  lastMessage: string;
  /** The timeline, oldest first. */
  updates: Array<Omit<IncidentUpdate, 'at'> & { at: string }>;
  /** Regions that saw it (checks with `regions`). */
  regions: string[] | null;
  acknowledged: { by: string; at: string } | null;
}

export interface MaintenanceView {
  id: string;
  title: string;
  description: string | null;
  start: string;
  end: string;
  /** Names of the public checks it covers; null for every check. */
  checks: string[] | null;
}

export interface ChecklistView {
  id: string;
  name: string;
  description: string | null;
  /** The cron and its time zone: "0 9 * * * Europe/Berlin". */
  schedule: string;
  nextRun: string | null;
  lastRun: string | null;
  /** Public items OK at the last run, of `total` public items (private ones are in the digest only). */
  ok: number | null;
  total: number | null;
  /** Public items that were not OK at the last run. */
  problems: Array<{ id: string; name: string; state: string; detail: string }>;
  /** Public manual tasks, as they stand now; `dueAt` is the run by which the current (or next) occurrence must be done. */
  tasks: Array<{ id: string; text: string; state: 'overdue' | 'due' | 'done'; dueAt: string; lastDoneAt: string | null }>;
}

export interface StatusView {
  title: string;
  description: string | null;
  links: Config['page']['links'];
  /** The worst confirmed status of the public checks; unknown while none has one. */
  status: Status;
  /** Public checks with a problem seen but not yet confirmed, and checks with no result yet. */
  checking: number;
  noData: number;
  updatedAt: string | null;
  checks: CheckView[];
  incidents: { open: IncidentView[]; recent: IncidentView[] };
  maintenance: { active: MaintenanceView[]; upcoming: MaintenanceView[] };
  checklists: ChecklistView[];
}

const STATUS_RANK: Record<Status, number> = { up: 0, unknown: 1, degraded: 2, down: 3 };
export const BAR_DAYS = 90;

/**
 * The public view at `now`. `config` is the effective one (maintenance
 * scheduled through the admin API included). Maintenance intervals are
 * computed once for the 90 days the bars and uptime cover.
 */
export function buildStatusView(config: Config, state: EngineState, now: number, tasks: TasksRecord = { done: state.tasks }): StatusView {
  const publicChecks = config.checks.filter((check) => check.public);
  const names = new Map(publicChecks.map((check) => [check.id, check.name]));
  const exclude = maintenanceExclusions(config, now - (BAR_DAYS + 1) * DAY_MS, now);
  const checks: CheckView[] = publicChecks.map((check) => {
    const checkState = state.checks[check.id];
    const window = activeFor(config, check.id, now);
    const status: ViewStatus = window ? 'paused' : checkState?.confirmed ? checkState.status : 'unknown';
    const problem = checkState?.streak && checkState.streak.status !== checkState.status ? checkState.streak : undefined;
    const view: CheckView = {
      id: check.id,
      name: check.name,
      group: check.group ?? null,
      status,
      since: checkState?.confirmed ? iso(checkState.since) : null,
      checking: problem && !window ? { status: problem.status, since: iso(problem.since), message: checkState?.message ?? '' } : null,
      latencyMs: kinds[check.kind].local ? null : (checkState?.latencyMs ?? null),
      lastChecked: checkState?.lastRun !== undefined ? iso(checkState.lastRun) : null,
      watchedSince: checkState?.firstRun !== undefined ? iso(checkState.firstRun) : (checkState?.changes[0] ? iso(checkState.changes[0][0]) : null),
      uptime: uptime(check.id, checkState, state.history, now, exclude),
      message: checkState?.message ?? null,
      note: null,
      bars: dailyBars(check.id, checkState, state.history, now, BAR_DAYS, exclude),
      latency24h: kinds[check.kind].local ? [] : hourlyLatency(checkState?.hours, now),
    };
    if (window) view.maintenance = { id: window.window.id, title: window.window.title, until: iso(window.end) };
    if (checkState?.regions && check.regions) {
      view.regions = check.regions.flatMap((region) => {
        const seen = checkState.regions?.[region];
        return seen ? [{ region, status: seen.status, message: seen.message, latencyMs: seen.latencyMs }] : [];
      });
    }
    if (check.slo) {
      const slo = sloStatus(checkState?.sli, check.slo, now);
      view.slo = {
        objective: check.slo.objective,
        window: `${check.slo.windowDays}d`,
        availability: slo.availability,
        errorBudgetRemaining: slo.budgetRemaining,
        daysObserved: slo.daysObserved,
        burning: slo.burning,
        burnRate: slo.burnRates,
      };
    }
    const facts = checkState?.facts ?? {};
    const lastSuccess = typeof facts.last_success_at === 'string' ? facts.last_success_at : undefined;
    const lastBackup = typeof facts.last_backup_at === 'string' ? facts.last_backup_at : undefined;
    if (facts.purpose === 'restore-drill') {
      view.note = lastSuccess ? `Last restore test: ${ago(lastSuccess, now)}` : 'No restore test recorded yet';
      if (lastSuccess) view.lastRestoreTestAt = lastSuccess;
    } else if (facts.purpose === 'backup' || lastBackup) {
      const at = lastBackup ?? lastSuccess;
      view.note = at ? `Last backup: ${ago(at, now)}` : 'No backup recorded yet';
      if (at) view.lastBackupAt = at;
    } else if (typeof facts.last_ping_at === 'string') {
      view.note = lastSuccess ? `Last success: ${ago(lastSuccess, now)}` : `Last ping: ${ago(facts.last_ping_at, now)}`;
    }
    return view;
  });
  // The banner is the worst confirmed status; checks in maintenance count as up,
  // checks waiting for their first result do not count (they are counted apart).
  const known = checks.filter((check) => check.since !== null || check.status === 'paused').map((check) => (check.status === 'paused' ? 'up' : check.status));
  const overall = known.reduce<Status>((worst, status) => (STATUS_RANK[status] > STATUS_RANK[worst] ? status : worst), known.length ? 'up' : 'unknown');
  const shown = (incident: Incident) => (incident.checkId !== undefined ? names.has(incident.checkId) : (incident.components ?? []).some((id) => names.has(id)) || (incident.components ?? []).length === 0);
  const incidents = state.incidents.filter(shown);
  const toView = (incident: Incident): IncidentView => incidentView(incident, names, now);
  return {
    title: config.page.title,
    description: config.page.description ?? null,
    links: config.page.links,
    status: overall,
    checking: checks.filter((check) => check.checking !== null).length,
    noData: checks.filter((check) => check.since === null && check.status !== 'paused').length,
    updatedAt: state.lastTick !== undefined ? iso(state.lastTick) : null,
    checks,
    incidents: {
      open: incidents.filter((incident) => incident.endedAt === undefined).map(toView),
      recent: incidents
        .filter((incident) => incident.endedAt !== undefined && now - incident.endedAt < RECENT_MS)
        .sort((a, b) => b.startedAt - a.startedAt)
        .map(toView),
    },
    maintenance: {
      active: activeAt(config, now).map((occurrence) => maintenanceView(occurrence, names)).filter((view): view is MaintenanceView => view !== undefined),
      upcoming: upcoming(config, now).map((occurrence) => maintenanceView(occurrence, names)).filter((view): view is MaintenanceView => view !== undefined),
    },
    checklists: config.checklists.filter((checklist) => checklist.public).map((checklist) => checklistView(checklist, config, state, tasks, now)),
  };
}

/** Closed incidents on the page and /api/status (the incident history has 90 days). */
const RECENT_MS = 14 * DAY_MS;

/** One incident as the public sees it: only public components. */
export function incidentView(incident: Incident, names: Map<string, string>, now: number): IncidentView {
  const components = incident.checkId !== undefined ? [names.get(incident.checkId) ?? incident.checkId] : (incident.components ?? []).filter((id) => names.has(id)).map((id) => names.get(id) as string);
  const checkName = incident.checkId !== undefined ? (names.get(incident.checkId) ?? incident.checkId) : components.join(', ');
  return {
    id: incident.id,
    checkId: incident.checkId ?? null,
    checkName,
    source: incident.source ?? 'detected',
    title: incident.title ?? `${checkName} ${incident.status === 'down' ? 'outage' : 'degraded'}`,
    status: incident.status,
    impact: incident.impact ?? (incident.status === 'down' ? 'major' : 'minor'),
    components,
    startedAt: iso(incident.startedAt),
    endedAt: incident.endedAt !== undefined ? iso(incident.endedAt) : null,
    durationSeconds: Math.round(((incident.endedAt ?? now) - incident.startedAt) / 1000),
    cause: incident.cause,
    lastMessage: incident.lastMessage,
    updates: (incident.updates ?? []).map((update) => ({ ...update, at: iso(update.at) })),
    regions: incident.regions ?? null,
    acknowledged: incident.acknowledged ? { by: incident.acknowledged.by, at: iso(incident.acknowledged.at) } : null,
  };
}

/** The last 24 hours' average latency per hour, oldest first. */
function hourlyLatency(hours: Array<[number, number, number]> | undefined, now: number): Array<number | null> {
  const current = Math.floor(now / HOUR_MS) * HOUR_MS;
  const byHour = new Map((hours ?? []).map(([hour, sum, runs]) => [hour, runs > 0 ? Math.round(sum / runs) : null]));
  return Array.from({ length: 24 }, (_, i) => byHour.get(current - (23 - i) * HOUR_MS) ?? null);
}

/** Maintenance intervals per check over [from, to), computed once per window (croner is slow; 50 checks × 5 lookups would add up). */
function maintenanceExclusions(config: Config, from: number, to: number) {
  const spans = config.maintenance.map((window) => ({ window, spans: occurrences(window, from, to).map(({ start, end }) => [start, end] as [number, number]) }));
  return (checkId: string, lo: number, hi: number): Array<[number, number]> => {
    const out: Array<[number, number]> = [];
    for (const { window, spans: list } of spans) {
      if (!covers(window, checkId)) continue;
      for (const [start, end] of list) if (start < hi && end > lo) out.push([Math.max(start, lo), Math.min(end, hi)]);
    }
    out.sort((a, b) => a[0] - b[0]);
    const merged: Array<[number, number]> = [];
    for (const span of out) {
      const last = merged[merged.length - 1];
      if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
      else merged.push(span);
    }
    return merged;
  };
}

/** A window as the public sees it: only its public checks; none at all when it covers only private ones. */
function maintenanceView(occurrence: Occurrence, names: Map<string, string>): MaintenanceView | undefined {
  const { window } = occurrence;
  const checks = window.checks === 'all' ? null : window.checks.filter((id) => names.has(id)).map((id) => names.get(id) as string);
  if (checks && checks.length === 0) return undefined;
  return { id: window.id, title: window.title, description: window.description ?? null, start: iso(occurrence.start), end: iso(occurrence.end), checks };
}

function checklistView(checklist: Checklist, config: Config, state: EngineState, tasks: TasksRecord | undefined, now: number): ChecklistView {
  const last = state.checklists?.[checklist.id];
  // Matched by kind and id: a private task may share its id with a public check elsewhere in the config.
  const shown = new Set(checklist.items.filter((item) => isPublicItem(item, config)).map((item) => `${item.type} ${item.id}`));
  const next = nextFire(checklist.schedule, checklist.id, now);
  return {
    id: checklist.id,
    name: checklist.name,
    description: checklist.description ?? null,
    schedule: `${checklist.schedule.cron} ${checklist.schedule.tz}`,
    nextRun: next !== undefined ? iso(next) : null,
    lastRun: last ? iso(last.lastRun) : null,
    ok: last?.ok ?? null,
    total: last?.total ?? null,
    problems: (last?.problems ?? []).filter((problem) => shown.has(`${problem.kind} ${problem.id}`)).map(({ id, name, state: itemState, detail }) => ({ id, name, state: itemState, detail })),
    tasks: tasks
      ? checklist.items
          .filter((item): item is Extract<typeof item, { type: 'task' }> => item.type === 'task' && item.public)
          .map((task) => {
            const status = taskStatus(task, checklist, state, tasks, now);
            return { id: task.id, text: task.text, state: status.state, dueAt: iso(status.dueAt), lastDoneAt: status.last ? iso(status.last.at) : null };
          })
      : [],
  };
}

function iso(time: number): string {
  return new Date(time).toISOString();
}

/** "23 days ago", "9 hours ago", "5 minutes ago" */
export function ago(isoTime: string, now: number): string {
  const ms = Math.max(0, now - Date.parse(isoTime));
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 90) return `${minutes} minute${minutes === 1 ? '' : 's'} ago`;
  const hours = Math.round(ms / 3_600_000);
  if (hours < 48) return `${hours} hours ago`;
  return `${Math.round(ms / 86_400_000)} days ago`;
}

/** What the ledger publishes under READ_MODEL_KEYS.status. */
export interface PublishedStatus {
  v: typeof READ_MODEL_VERSION;
  publishedAt: number;
  /** The scheduled time of the last tick (for /health). */
  lastTick: number | null;
  view: StatusView;
  /** Vigil's own health, for /health. */
  health: {
    outbox: number;
    failedDeliveries: Array<{ channel: string; at: string; error: string }>;
    kvWritesToday: number;
    kvWritesPerDay: number;
  };
}

/** What the ledger publishes under READ_MODEL_KEYS.incidents: 90 days of incidents with their timelines. */
export interface PublishedIncidents {
  v: typeof READ_MODEL_VERSION;
  publishedAt: number;
  incidents: IncidentView[];
}

/** Reads a published document; undefined before the first publish (or when it cannot be read). */
export async function readPublished<T extends { v: number }>(kv: KV, key: string): Promise<T | undefined> {
  const raw = await kv.get(key);
  if (!raw) return undefined;
  try {
    const parsed = JSON.parse(raw) as T;
    return parsed.v === READ_MODEL_VERSION ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The view before the ledger has published anything: every check waiting for its first result. */
export function emptyView(config: Config, now: number): StatusView {
  return buildStatusView(config, { checks: {}, incidents: [], outbox: [], delivered: [], failed: [], history: {}, pings: {}, tasks: {}, maintenance: [], seq: 1 }, now);
}
