// The read model: the public view of Vigil's state that the ledger publishes
// to Workers KV and every public route reads (the page, /api/status, badges,
// the Statuspage routes, /health), so public traffic never wakes the ledger.
// Only public checks, only what may be shown to anyone. docs/storage.md lists
// the keys and when they are written.

import type { Checklist, Config } from '../config/types';
import { isPublicItem, taskStatus } from '../engine/checklists';
import { activeAt, activeFor, covers, mergeIntervals, occurrences, upcoming, type Occurrence } from '../engine/maintenance';
import { nextFire } from '../engine/schedule';
import { sloStatus } from '../engine/slo';
import { kinds } from '../kinds';
import { DAY_MS, HOUR_MS, utcDay, type EngineState, type Impact, type Incident, type IncidentState, type IncidentUpdate, type ScheduledMaintenance, type Status } from '../model/state';
import { dailyBars, uptime, type BarStatus, type DayBar, type UptimeWindow } from './history';
import type { KV } from './kv';
import type { TasksRecord } from './tasks';

/** The KV keys of the read model (docs/storage.md). */
export const READ_MODEL_KEYS = { status: 'status', incidents: 'incidents' } as const;
/** 2: compact day bars (`days`), headline, maintenance timelines and ids. A reader ignores other versions. */
export const READ_MODEL_VERSION = 2;

/** `paused`: the check is in a maintenance window (it still runs; it does not alert). */
export type ViewStatus = Status | 'paused';

export interface CheckView {
  id: string;
  name: string;
  group: string | null;
  status: ViewStatus;
  /**
   * The maintenance the check is in, if any: a window (with its end), or the
   * target's own word (a vendor's status page says so; `until` null, `vendor` true).
   */
  maintenance?: { id: string; title: string; until: string | null; vendor?: true };
  /** ISO time the status began, or null before the first result. */
  since: string | null;
  /**
   * A problem seen but not confirmed yet (confirmations, `for`): the check
   * shows its confirmed status with this beside it, never a plain "up".
   */
  checking: { status: Status; since: string; message: string } | null;
  /** Null for kinds whose latency means nothing to a reader (heartbeats: the time to read the ledger; backups: listing a bucket). */
  latencyMs: number | null;
  /** What such a row shows instead: when the last ping, backup or restore test came (ISO), or null when none has. */
  evidence: { label: EvidenceLabel; at: string | null } | null;
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
  /** The last 90 UTC days, oldest first (compact: the page reads this on every uncached view). */
  days: DaysView;
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

export type EvidenceLabel = 'Last ping' | 'Last success' | 'Last backup' | 'Last restore test';

/** Letters of `DaysView.status`. */
export const DAY_STATUS = { u: 'up', g: 'degraded', d: 'down', m: 'maintenance', k: 'unknown', n: 'none' } as const satisfies Record<string, BarStatus>;
export type DayLetter = keyof typeof DAY_STATUS;
const LETTER: Record<BarStatus, DayLetter> = { up: 'u', degraded: 'g', down: 'd', maintenance: 'm', unknown: 'k', none: 'n' };

/**
 * A check's 90 days in a few hundred bytes: 50 checks × 90 day objects were
 * ~450 KB of JSON to parse per view. `dayAt(days, i)` expands one day.
 */
export interface DaysView {
  /** The UTC day of index 0 (the oldest). */
  from: string;
  /** One letter per day (DAY_STATUS): the day's worst status, "m" when maintenance was all, "n" before Vigil watched. */
  status: string;
  /** Seconds [down, degraded, maintenance], by day index, for days with any. */
  seconds: Record<string, [number, number, number]>;
  /** Average latency (ms) per day, null when no run reached the target. */
  latencyMs: Array<number | null>;
}

/** One day of `days`, expanded: the bar history computed it. */
export type DayView = DayBar;

/** Day `index` of `days`, expanded. */
export function dayAt(days: DaysView, index: number): DayView {
  const [down, degraded, maintenance] = days.seconds[index] ?? [0, 0, 0];
  return {
    day: utcDay(Date.parse(days.from) + index * DAY_MS),
    status: DAY_STATUS[(days.status[index] ?? 'n') as DayLetter],
    downSeconds: down,
    degradedSeconds: degraded,
    maintenanceSeconds: maintenance,
    latencyMs: days.latencyMs[index] ?? null,
  };
}

function compactDays(bars: DayBar[]): DaysView {
  const seconds: DaysView['seconds'] = {};
  let status = '';
  bars.forEach((bar, index) => {
    status += LETTER[bar.status];
    if (bar.downSeconds || bar.degradedSeconds || bar.maintenanceSeconds) seconds[index] = [bar.downSeconds, bar.degradedSeconds, bar.maintenanceSeconds];
  });
  return { from: bars[0]?.day ?? '', status, seconds, latencyMs: bars.map((bar) => bar.latencyMs) };
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
  /** Where its timeline stands: the last update's state (Statuspage's incident status). */
  state: IncidentState;
  impact: NonNullable<Incident['impact']>;
  /** Public checks it affects (names), and their ids in the same order. */
  components: string[];
  componentIds: string[];
  startedAt: string;
  endedAt: string | null;
  /** The last entry of its timeline (or its start). */
  updatedAt: string;
  durationSeconds: number;
  cause: string;
  lastMessage: string;
  /** The timeline, oldest first. */
  updates: Array<Omit<IncidentUpdate, 'at'> & { at: string }>;
  /** Regions that saw it (checks with `regions`). */
  regions: string[] | null;
  acknowledged: { by: string; at: string } | null;
}

/** Where a maintenance window stands, as Statuspage names it. */
export type MaintenanceStatus = 'scheduled' | 'in_progress' | 'verifying' | 'completed';

export interface MaintenanceView {
  /** The window's id; an occurrence of a recurring window is `<id>@<start ms>`. */
  id: string;
  /** `config`: a window written in checks/; `scheduled`: one people scheduled through the admin API. */
  source: 'config' | 'scheduled';
  title: string;
  description: string | null;
  start: string;
  /** The planned end. */
  end: string;
  /** When it was completed early or called off. */
  cancelledAt: string | null;
  createdAt: string;
  /** Names of the public checks it covers, and their ids; null for every check. */
  checks: string[] | null;
  checkIds: string[] | null;
  /** Its timeline (maintenance scheduled through the admin API), oldest first. */
  updates: Array<{ id: string; at: string; status: MaintenanceStatus; text: string }>;
}

/** Where a maintenance window stands at `now`: its times, and a "verifying" its timeline says. */
export function maintenanceStatus(window: MaintenanceView, now: number): MaintenanceStatus {
  if (window.cancelledAt !== null || now >= Date.parse(window.end)) return 'completed';
  if (now < Date.parse(window.start)) return 'scheduled';
  return window.updates.at(-1)?.status === 'verifying' ? 'verifying' : 'in_progress';
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

/**
 * What the banner says, decided once here so the page, /api/status and the
 * Statuspage routes agree. `checking`: a problem seen but not confirmed yet;
 * `maintenance`: nothing wrong, some checks in maintenance.
 */
export interface Headline {
  state: Status | 'checking' | 'maintenance';
  text: string;
  /** A second line: what the banner leaves out ("2 checks have no result yet"). */
  detail: string | null;
}

export interface StatusView {
  title: string;
  description: string | null;
  links: Config['page']['links'];
  /** The worst confirmed status of the public checks; unknown while none has one. */
  status: Status;
  headline: Headline;
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
 * Kinds whose latency says nothing to a reader: a heartbeat's is the time to
 * read the ledger, a backup check's the time to list a bucket. Their rows show
 * `evidence` (the last ping, backup or restore test) instead.
 */
const NO_LATENCY_KINDS: ReadonlySet<string> = new Set(['backups']);

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
    const vendorMaintenance = window ? undefined : checkState?.vendorMaintenance;
    const status: ViewStatus = window || (vendorMaintenance && checkState?.status === 'up') ? 'paused' : checkState?.confirmed ? checkState.status : 'unknown';
    const problem = checkState?.streak && checkState.streak.status !== checkState.status ? checkState.streak : undefined;
    const noLatency = kinds[check.kind].local === true || NO_LATENCY_KINDS.has(check.kind);
    const view: CheckView = {
      id: check.id,
      name: check.name,
      group: check.group ?? null,
      status,
      since: checkState?.confirmed ? iso(checkState.since) : null,
      checking: problem && !window ? { status: problem.status, since: iso(problem.since), message: checkState?.message ?? '' } : null,
      latencyMs: noLatency ? null : (checkState?.latencyMs ?? null),
      evidence: null,
      lastChecked: checkState?.lastRun !== undefined ? iso(checkState.lastRun) : null,
      watchedSince: checkState?.firstRun !== undefined ? iso(checkState.firstRun) : (checkState?.changes[0] ? iso(checkState.changes[0][0]) : null),
      uptime: uptime(check.id, checkState, state.history, now, exclude),
      message: checkState?.message ?? null,
      note: null,
      days: compactDays(dailyBars(check.id, checkState, state.history, now, BAR_DAYS, exclude)),
      latency24h: noLatency ? [] : hourlyLatency(checkState?.hours, now),
    };
    if (window) view.maintenance = { id: window.window.id, title: window.window.title, until: iso(window.end) };
    else if (vendorMaintenance && status === 'paused') view.maintenance = { id: `${check.id}:vendor`, title: vendorMaintenance.title, until: null, vendor: true };
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
      view.evidence = { label: 'Last restore test', at: lastSuccess ?? null };
      view.note = lastSuccess ? `Last restore test: ${ago(lastSuccess, now)}` : 'No restore test recorded yet';
      if (lastSuccess) view.lastRestoreTestAt = lastSuccess;
    } else if (facts.purpose === 'backup' || lastBackup || check.kind === 'backups') {
      const at = lastBackup ?? lastSuccess;
      view.evidence = { label: 'Last backup', at: at ?? null };
      view.note = at ? `Last backup: ${ago(at, now)}` : 'No backup recorded yet';
      if (at) view.lastBackupAt = at;
    } else if (typeof facts.last_ping_at === 'string') {
      view.evidence = lastSuccess ? { label: 'Last success', at: lastSuccess } : { label: 'Last ping', at: facts.last_ping_at };
      view.note = lastSuccess ? `Last success: ${ago(lastSuccess, now)}` : `Last ping: ${ago(facts.last_ping_at, now)}`;
    } else if (kinds[check.kind].local) {
      view.evidence = { label: 'Last ping', at: null };
    }
    return view;
  });
  // The banner is the worst confirmed status; checks in maintenance count as up,
  // checks waiting for their first result do not count (they are counted apart).
  const known = checks.filter((check) => check.since !== null || check.status === 'paused').map((check) => (check.status === 'paused' ? 'up' : check.status));
  const overall = known.reduce<Status>((worst, status) => (STATUS_RANK[status] > STATUS_RANK[worst] ? status : worst), known.length ? 'up' : 'unknown');
  const incidents = state.incidents.filter((incident) => isPublicIncident(incident, names));
  const toView = (incident: Incident): IncidentView => incidentView(incident, names, now);
  const scheduled = new Map(state.maintenance.map((entry) => [entry.id, entry]));
  const windowView = (occurrence: Occurrence) => maintenanceView(occurrence, names, scheduled.get(occurrence.window.id), now);
  return {
    title: config.page.title,
    description: config.page.description ?? null,
    links: config.page.links,
    status: overall,
    headline: headline(checks, overall, incidents.filter((incident) => incident.endedAt === undefined && incident.source === 'manual')),
    checking: checks.filter((check) => check.checking !== null).length,
    noData: checks.filter((check) => check.since === null && check.status !== 'paused' && check.checking === null).length,
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
      active: activeAt(config, now).map(windowView).filter((view): view is MaintenanceView => view !== undefined),
      upcoming: upcoming(config, now).map(windowView).filter((view): view is MaintenanceView => view !== undefined),
    },
    checklists: config.checklists.filter((checklist) => checklist.public).map((checklist) => checklistView(checklist, config, state, tasks, now)),
  };
}

const IMPACT_RANK: Record<Impact, number> = { none: 0, minor: 1, major: 2, critical: 3 };

/**
 * The banner's words. Checks in maintenance and checks without a result yet
 * never turn it red or green on their own; an open incident people declared
 * (impact minor or worse) counts like a check in that state.
 */
function headline(checks: CheckView[], overall: Status, declared: Incident[]): Headline {
  const names = (list: CheckView[]) => (list.length <= 2 ? list.map((check) => check.name).join(' and ') : `${list.length} checks`);
  const checking = checks.filter((check) => check.checking !== null);
  const waiting = checks.filter((check) => check.since === null && check.status !== 'paused' && check.checking === null);
  const paused = checks.filter((check) => check.status === 'paused');
  const unknown = checks.filter((check) => check.since !== null && check.status === 'unknown');
  const worstDeclared = [...declared].sort((a, b) => IMPACT_RANK[b.impact ?? 'minor'] - IMPACT_RANK[a.impact ?? 'minor'])[0];
  const declaredState = worstDeclared ? ({ none: undefined, minor: 'degraded', major: 'down', critical: 'down' } as const)[worstDeclared.impact ?? 'minor'] : undefined;
  const details: string[] = [];
  if (checking.length > 0) details.push(`Checking a possible problem with ${names(checking)}.`);
  if (waiting.length > 0 && waiting.length < checks.length) details.push(`${waiting.length === 1 ? '1 check has' : `${waiting.length} checks have`} no result yet.`);
  if (paused.length > 0) details.push(`${names(paused)} ${paused.length === 1 ? 'is' : 'are'} in maintenance.`);
  if (unknown.length > 0) details.push(`${names(unknown)} could not be checked.`);
  const detail = (...exclude: Array<string | undefined>) => details.filter((line) => !exclude.includes(line)).join(' ') || null;
  if (checks.length === 0 && !worstDeclared) return { state: 'unknown', text: 'No public checks', detail: null };
  if (overall === 'down') {
    const down = checks.filter((check) => check.status === 'down');
    return { state: 'down', text: down.length === checks.length ? 'Major outage' : down.length === 1 ? `${down[0]?.name} is down` : 'Some systems are down', detail: detail() };
  }
  if (declaredState === 'down' && worstDeclared) return { state: 'down', text: worstDeclared.title ?? 'Major incident', detail: detail() };
  if (overall === 'degraded') {
    const degraded = checks.filter((check) => check.status === 'degraded');
    return { state: 'degraded', text: degraded.length === 1 ? `${degraded[0]?.name} is degraded` : 'Some systems are degraded', detail: detail() };
  }
  if (declaredState === 'degraded' && worstDeclared) return { state: 'degraded', text: worstDeclared.title ?? 'Minor incident', detail: detail() };
  if (checking.length > 0) {
    const first = details[0];
    return { state: 'checking', text: first?.slice(0, -1) ?? 'Checking', detail: detail(first) };
  }
  if (unknown.length > 0) {
    const line = details.find((text) => text.endsWith('could not be checked.'));
    return { state: 'unknown', text: unknown.length === 1 ? `${unknown[0]?.name} could not be checked` : 'Some checks could not be checked', detail: detail(line) };
  }
  if (paused.length > 0) {
    const line = details.find((text) => text.endsWith('in maintenance.'));
    return { state: 'maintenance', text: paused.length === checks.length ? 'Maintenance in progress' : 'Maintenance in progress; everything else is operational', detail: detail(line) };
  }
  if (waiting.length === checks.length) return { state: 'unknown', text: 'Waiting for the first results', detail: null };
  return { state: 'up', text: waiting.length > 0 ? 'All checked systems operational' : 'All systems operational', detail: detail() };
}

/** Whether the public may see an incident: it is about a public check, or names one, or names none (the whole service). */
export function isPublicIncident(incident: Incident, names: Map<string, string>): boolean {
  if (incident.checkId !== undefined) return names.has(incident.checkId);
  const components = incident.components ?? [];
  return components.length === 0 || components.some((id) => names.has(id));
}

/** Closed incidents on the page and /api/status (the incident history has 90 days). */
const RECENT_MS = 14 * DAY_MS;

/** One incident as the public sees it: only public components. */
export function incidentView(incident: Incident, names: Map<string, string>, now: number): IncidentView {
  const componentIds = incident.checkId !== undefined ? [incident.checkId] : (incident.components ?? []).filter((id) => names.has(id));
  const components = componentIds.map((id) => names.get(id) ?? id);
  const checkName = components.join(', ');
  const last = incident.updates?.at(-1);
  return {
    id: incident.id,
    checkId: incident.checkId ?? null,
    checkName,
    source: incident.source ?? 'detected',
    title: incident.title ?? `${checkName} ${incident.status === 'down' ? 'outage' : 'degraded'}`,
    status: incident.status,
    state: incident.endedAt !== undefined ? 'resolved' : (last?.state ?? 'investigating'),
    impact: incident.impact ?? (incident.status === 'down' ? 'major' : 'minor'),
    components,
    componentIds,
    startedAt: iso(incident.startedAt),
    endedAt: incident.endedAt !== undefined ? iso(incident.endedAt) : null,
    updatedAt: iso(Math.max(last?.at ?? incident.startedAt, incident.endedAt ?? 0)),
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
    return mergeIntervals(out.sort((a, b) => a[0] - b[0]));
  };
}

/** A window as the public sees it: only its public checks; none at all when it covers only private ones. */
function maintenanceView(occurrence: Occurrence, names: Map<string, string>, scheduled: ScheduledMaintenance | undefined, now: number): MaintenanceView | undefined {
  const { window } = occurrence;
  if (scheduled) return scheduledMaintenanceView(scheduled, names, now);
  const checkIds = window.checks === 'all' ? null : window.checks.filter((id) => names.has(id));
  if (checkIds && checkIds.length === 0) return undefined;
  const recurring = window.cron !== undefined;
  return {
    id: recurring ? `${window.id}@${occurrence.start}` : window.id,
    source: 'config',
    title: window.title,
    description: window.description ?? null,
    start: iso(occurrence.start),
    end: iso(occurrence.end),
    cancelledAt: null,
    // A window written in code is announced `announce` before it starts.
    createdAt: iso(Math.min(now, occurrence.start - window.announceMs)),
    checks: checkIds ? checkIds.map((id) => names.get(id) as string) : null,
    checkIds,
    updates: [],
  };
}

/** Maintenance people scheduled, as the public sees it (undefined when it covers only private checks). */
function scheduledMaintenanceView(entry: ScheduledMaintenance, names: Map<string, string>, _now: number): MaintenanceView | undefined {
  const checkIds = entry.checks === 'all' ? null : entry.checks.filter((id) => names.has(id));
  if (checkIds && checkIds.length === 0) return undefined;
  return {
    id: entry.id,
    source: 'scheduled',
    title: entry.title,
    description: entry.description ?? null,
    start: iso(entry.start),
    end: iso(entry.end),
    cancelledAt: entry.cancelledAt !== undefined ? iso(entry.cancelledAt) : null,
    createdAt: iso(entry.updates[0]?.at ?? entry.start),
    checks: checkIds ? checkIds.map((id) => names.get(id) as string) : null,
    checkIds,
    updates: entry.updates.map((update) => ({ id: update.id, at: iso(update.at), status: update.maintenanceState ?? (update.state === 'resolved' ? 'completed' : 'in_progress'), text: update.text })),
  };
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

/** What the ledger publishes under READ_MODEL_KEYS.incidents: 90 days of incidents with their timelines, newest first, and the maintenance people scheduled. */
export interface PublishedIncidents {
  v: typeof READ_MODEL_VERSION;
  publishedAt: number;
  incidents: IncidentView[];
  /** Maintenance scheduled through the admin API (past ones too, as long as the ledger keeps them), newest first. */
  maintenance: MaintenanceView[];
}

/** The incident history document (READ_MODEL_KEYS.incidents): public incidents, newest first, and scheduled maintenance. */
export function buildIncidentsDocument(config: Config, state: EngineState, now: number): PublishedIncidents {
  const names = new Map(config.checks.filter((check) => check.public).map((check) => [check.id, check.name]));
  return {
    v: READ_MODEL_VERSION,
    publishedAt: now,
    incidents: state.incidents
      .filter((incident) => isPublicIncident(incident, names))
      .sort((a, b) => b.startedAt - a.startedAt)
      .map((incident) => incidentView(incident, names, now)),
    maintenance: [...state.maintenance]
      .sort((a, b) => b.start - a.start)
      .map((entry) => scheduledMaintenanceView(entry, names, now))
      .filter((view): view is MaintenanceView => view !== undefined),
  };
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
