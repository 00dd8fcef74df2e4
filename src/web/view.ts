// The public view of Vigil's state, shared by the status page and the JSON
// API: only public checks, only what may be shown to anyone.

import type { Config } from '../config/types';
import type { Incident, Status } from '../engine/types';
import { dailyBars, uptime, type History, type UptimeWindow } from '../store/history';
import type { EngineState } from '../store/state';

export interface CheckView {
  id: string;
  name: string;
  group: string | null;
  status: Status;
  /** ISO time the status began, or null before the first result. */
  since: string | null;
  latencyMs: number | null;
  lastChecked: string | null;
  uptime: Record<UptimeWindow, number | null>;
  message: string | null;
  bars: ReturnType<typeof dailyBars>;
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

export interface StatusView {
  title: string;
  description: string | null;
  links: Config['page']['links'];
  status: Status;
  updatedAt: string | null;
  checks: CheckView[];
  incidents: { open: IncidentView[]; recent: IncidentView[] };
}

const STATUS_RANK: Record<Status, number> = { up: 0, unknown: 1, degraded: 2, down: 3 };
export const BAR_DAYS = 90;

export function buildStatusView(config: Config, state: EngineState, history: History, now: number): StatusView {
  const publicChecks = config.checks.filter((check) => check.public);
  const names = new Map(publicChecks.map((check) => [check.id, check.name]));
  const checks: CheckView[] = publicChecks.map((check) => {
    const checkState = state.checks[check.id];
    const status: Status = checkState?.confirmed ? checkState.status : 'unknown';
    return {
      id: check.id,
      name: check.name,
      group: check.group ?? null,
      status,
      since: checkState?.confirmed ? iso(checkState.since) : null,
      latencyMs: checkState?.latencyMs ?? null,
      lastChecked: checkState?.lastRun !== undefined ? iso(checkState.lastRun) : null,
      uptime: uptime(check.id, checkState, history, now),
      message: checkState?.message ?? null,
      bars: dailyBars(check.id, checkState, history, now, BAR_DAYS),
    };
  });
  // Checks still waiting for their first confirmed status do not colour the banner.
  const known = checks.filter((check) => check.since !== null);
  const overall = known.reduce<Status>((worst, check) => (STATUS_RANK[check.status] > STATUS_RANK[worst] ? check.status : worst), known.length ? 'up' : 'unknown');
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
  };
}

function iso(time: number): string {
  return new Date(time).toISOString();
}
