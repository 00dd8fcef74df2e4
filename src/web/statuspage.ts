// Atlassian Statuspage-compatible JSON (/api/v2/status.json and
// /api/v2/summary.json), so status aggregators, chat bots and other tools that
// read Statuspage pages can read Vigil's too. Built from the public view:
// private checks never appear.
// Format: https://developer.statuspage.io (public "Status API", v2).

import type { CheckView, IncidentView, MaintenanceView, StatusView, ViewStatus } from '../store/read-model';

/** Vigil has one page; Statuspage clients expect an id for it. */
const PAGE_ID = 'vigil';

type ComponentStatus = 'operational' | 'degraded_performance' | 'partial_outage' | 'major_outage' | 'under_maintenance';
type Indicator = 'none' | 'minor' | 'major' | 'critical' | 'maintenance';

// `unknown` is Vigil not being able to judge (a missing secret, no result yet),
// not the service failing: it is not reported as an outage.
const COMPONENT_STATUS: Record<ViewStatus, ComponentStatus> = {
  up: 'operational',
  unknown: 'operational',
  degraded: 'degraded_performance',
  down: 'major_outage',
  paused: 'under_maintenance',
};

export interface StatuspageStatus {
  page: { id: string; name: string; url: string; time_zone: string; updated_at: string };
  status: { indicator: Indicator; description: string };
}

export function statuspageStatus(view: StatusView, pageUrl: string): StatuspageStatus {
  return { page: page(view, pageUrl), status: indicator(view) };
}

export function statuspageSummary(view: StatusView, pageUrl: string) {
  const updated = view.updatedAt ?? new Date(0).toISOString();
  const components = view.checks.map((check, position) => component(check, position + 1, updated));
  const byName = new Map(components.map((entry) => [entry.name, entry]));
  return {
    page: page(view, pageUrl),
    components,
    incidents: view.incidents.open.map((incident) => toIncident(incident, components.filter((entry) => entry.id === incident.checkId), pageUrl)),
    scheduled_maintenances: [
      ...view.maintenance.active.map((window) => toMaintenance(window, 'in_progress', byName, pageUrl)),
      ...view.maintenance.upcoming.map((window) => toMaintenance(window, 'scheduled', byName, pageUrl)),
    ],
    status: indicator(view),
  };
}

function page(view: StatusView, pageUrl: string): StatuspageStatus['page'] {
  return { id: PAGE_ID, name: view.title, url: pageUrl, time_zone: 'Etc/UTC', updated_at: view.updatedAt ?? new Date(0).toISOString() };
}

/** The page's indicator and description, with Statuspage's wording. */
function indicator(view: StatusView): StatuspageStatus['status'] {
  const statuses = view.checks.map((check) => COMPONENT_STATUS[check.status]);
  if (statuses.includes('major_outage')) {
    return statuses.every((status) => status === 'major_outage') ? { indicator: 'critical', description: 'Major System Outage' } : { indicator: 'major', description: 'Partial System Outage' };
  }
  if (statuses.includes('degraded_performance')) return { indicator: 'minor', description: 'Partially Degraded Service' };
  if (view.maintenance.active.length > 0) return { indicator: 'maintenance', description: 'Service Under Maintenance' };
  return { indicator: 'none', description: 'All Systems Operational' };
}

function component(check: CheckView, position: number, updated: string) {
  return {
    id: check.id,
    name: check.name,
    status: COMPONENT_STATUS[check.status],
    created_at: check.since ?? updated,
    updated_at: check.lastChecked ?? updated,
    position,
    description: check.message,
    showcase: true,
    start_date: null,
    group_id: null,
    page_id: PAGE_ID,
    group: false,
    only_show_if_degraded: false,
  };
}

function toIncident(incident: IncidentView, components: ReturnType<typeof component>[], pageUrl: string) {
  const update = {
    id: `${incident.id}-1`,
    status: 'investigating',
    body: incident.lastMessage,
    incident_id: incident.id,
    created_at: incident.startedAt,
    updated_at: incident.startedAt,
    display_at: incident.startedAt,
    affected_components: components.map((entry) => ({ code: entry.id, name: entry.name, old_status: 'operational', new_status: entry.status })),
    deliver_notifications: true,
  };
  return {
    id: incident.id,
    name: `${incident.checkName} is ${incident.status}`,
    status: 'investigating',
    created_at: incident.startedAt,
    updated_at: incident.startedAt,
    monitoring_at: null,
    resolved_at: null,
    impact: incident.status === 'down' ? 'major' : 'minor',
    shortlink: pageUrl,
    started_at: incident.startedAt,
    page_id: PAGE_ID,
    incident_updates: [update],
    components,
  };
}

function toMaintenance(window: MaintenanceView, status: 'scheduled' | 'in_progress', byName: Map<string, ReturnType<typeof component>>, pageUrl: string) {
  const components = window.checks === null ? [...byName.values()] : window.checks.flatMap((name) => byName.get(name) ?? []);
  return {
    id: window.id,
    name: window.title,
    status,
    created_at: window.start,
    updated_at: window.start,
    monitoring_at: null,
    resolved_at: null,
    impact: 'maintenance',
    shortlink: pageUrl,
    started_at: window.start,
    page_id: PAGE_ID,
    incident_updates: window.description
      ? [{ id: `${window.id}-1`, status, body: window.description, incident_id: window.id, created_at: window.start, updated_at: window.start, display_at: window.start, affected_components: [], deliver_notifications: false }]
      : [],
    components,
    scheduled_for: window.start,
    scheduled_until: window.end,
  };
}
