// The public view of Vigil's state, shared by the status page and the JSON
// API: only public checks, only what may be shown to anyone.

import type { Checklist, Config } from '../config/types';
import { isPublicItem, taskStatus } from '../engine/checklists';
import { activeAt, activeFor, maintenanceIntervals, upcoming, type Occurrence } from '../engine/maintenance';
import { nextFire } from '../engine/schedule';
import { sloStatus } from '../engine/slo';
import type { TasksRecord } from '../store/tasks';
import type { Incident, Status } from '../engine/types';
import { dailyBars, uptime, type History, type UptimeWindow } from '../store/history';
import type { EngineState } from '../store/state';

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
  latencyMs: number | null;
  lastChecked: string | null;
  uptime: Record<UptimeWindow, number | null>;
  message: string | null;
  /** A line about the check's evidence: "Last restore test: 23 days ago", "Newest backup: 9 hours ago". */
  note: string | null;
  /** When the last backup or restore test succeeded (heartbeats and backup checks), ISO. */
  lastBackupAt?: string;
  lastRestoreTestAt?: string;
  bars: ReturnType<typeof dailyBars>;
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
  checkId: string;
  checkName: string;
  status: Incident['status'];
  startedAt: string;
  endedAt: string | null;
  durationSeconds: number;
  cause: string;
  lastMessage: string;
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
  status: Status;
  updatedAt: string | null;
  checks: CheckView[];
  incidents: { open: IncidentView[]; recent: IncidentView[] };
  maintenance: { active: MaintenanceView[]; upcoming: MaintenanceView[] };
  checklists: ChecklistView[];
}

const STATUS_RANK: Record<Status, number> = { up: 0, unknown: 1, degraded: 2, down: 3 };
export const BAR_DAYS = 90;

export function buildStatusView(config: Config, state: EngineState, history: History, now: number, tasks?: TasksRecord): StatusView {
  const publicChecks = config.checks.filter((check) => check.public);
  const names = new Map(publicChecks.map((check) => [check.id, check.name]));
  const exclude = (checkId: string, from: number, to: number) => maintenanceIntervals(config, checkId, from, to);
  const checks: CheckView[] = publicChecks.map((check) => {
    const checkState = state.checks[check.id];
    const window = activeFor(config, check.id, now);
    const status: ViewStatus = window ? 'paused' : checkState?.confirmed ? checkState.status : 'unknown';
    const view: CheckView = {
      id: check.id,
      name: check.name,
      group: check.group ?? null,
      status,
      since: checkState?.confirmed ? iso(checkState.since) : null,
      latencyMs: checkState?.latencyMs ?? null,
      lastChecked: checkState?.lastRun !== undefined ? iso(checkState.lastRun) : null,
      uptime: uptime(check.id, checkState, history, now, exclude),
      message: checkState?.message ?? null,
      note: null,
      bars: dailyBars(check.id, checkState, history, now, BAR_DAYS),
    };
    if (window) view.maintenance = { id: window.window.id, title: window.window.title, until: iso(window.end) };
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
    }
    return view;
  });
  // Checks still waiting for their first confirmed status do not colour the banner; paused ones count as up.
  const known = checks.filter((check) => check.since !== null).map((check) => (check.status === 'paused' ? 'up' : check.status));
  const overall = known.reduce<Status>((worst, status) => (STATUS_RANK[status] > STATUS_RANK[worst] ? status : worst), known.length ? 'up' : 'unknown');
  const incidents = state.incidents.filter((incident) => names.has(incident.checkId));
  const toView = (incident: Incident): IncidentView => ({
    id: incident.id,
    checkId: incident.checkId,
    checkName: names.get(incident.checkId) ?? incident.checkId,
    status: incident.status,
    startedAt: iso(incident.startedAt),
    endedAt: incident.endedAt !== undefined ? iso(incident.endedAt) : null,
    durationSeconds: Math.round(((incident.endedAt ?? now) - incident.startedAt) / 1000),
    cause: incident.cause,
    lastMessage: incident.lastMessage,
  });
  return {
    title: config.page.title,
    description: config.page.description ?? null,
    links: config.page.links,
    status: overall,
    updatedAt: state.lastTick !== undefined ? iso(state.lastTick) : null,
    checks,
    incidents: {
      open: incidents.filter((incident) => incident.endedAt === undefined).map(toView),
      recent: incidents
        .filter((incident) => incident.endedAt !== undefined)
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
