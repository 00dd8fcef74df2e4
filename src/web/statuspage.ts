// Atlassian Statuspage's public API, v2 (status, summary, components,
// incidents, incidents/unresolved, scheduled-maintenances and its upcoming
// and active lists), so aggregators, chat bots, Nagios plugins and
// Atlassian's own status widget read Vigil as they read a Statuspage page.
// Built from the read model: private checks never appear. Field names,
// types and enums follow the API's documentation (developer.statuspage.io,
// "Status API"; every page serves it at /api/v2); docs/status-page.md maps
// Vigil's states onto them.

import type { PageSettings } from '../config/types';
import type { CheckView, IncidentView, MaintenanceStatus, MaintenanceView, StatusView, ViewStatus } from '../store/read-model';
import { maintenanceStatus } from '../store/read-model';

/** Vigil serves one page; Statuspage clients expect an id for it. */
export const PAGE_ID = 'vigil';
/** incidents.json and scheduled-maintenances.json list "the 50 most recent". */
export const RECENT_LIMIT = 50;

export type ComponentStatus = 'operational' | 'degraded_performance' | 'partial_outage' | 'major_outage' | 'under_maintenance';
export type Indicator = 'none' | 'minor' | 'major' | 'critical' | 'maintenance';
export type IncidentStatus = 'investigating' | 'identified' | 'monitoring' | 'resolved' | 'postmortem';

// `unknown` is Vigil not being able to judge (a missing secret, no result yet),
// not the service failing: it is not reported as an outage.
const COMPONENT_STATUS: Record<ViewStatus, ComponentStatus> = {
  up: 'operational',
  unknown: 'operational',
  degraded: 'degraded_performance',
  down: 'major_outage',
  paused: 'under_maintenance',
};
const COMPONENT_RANK: Record<ComponentStatus, number> = { operational: 0, under_maintenance: 1, degraded_performance: 2, partial_outage: 3, major_outage: 4 };
/** The component status an incident people declared stands for (Statuspage's own pairing of impact and component status). */
const IMPACT_STATUS: Record<IncidentView['impact'], ComponentStatus> = { none: 'operational', minor: 'degraded_performance', major: 'partial_outage', critical: 'major_outage' };
const INDICATOR_RANK: Record<Indicator, number> = { none: 0, maintenance: 1, minor: 2, major: 3, critical: 4 };
const DESCRIPTION: Record<Indicator, string> = {
  none: 'All Systems Operational',
  maintenance: 'Service Under Maintenance',
  minor: 'Partially Degraded Service',
  major: 'Partial System Outage',
  critical: 'Major System Outage',
};

export interface SpPage {
  id: string;
  name: string;
  url: string;
  time_zone: string;
  updated_at: string;
}

export interface SpComponent {
  id: string;
  name: string;
  status: ComponentStatus;
  created_at: string;
  updated_at: string;
  position: number;
  description: string | null;
  showcase: boolean;
  start_date: string | null;
  group_id: string | null;
  page_id: string;
  group: boolean;
  only_show_if_degraded: boolean;
  /** Groups only: the ids of their components. */
  components?: string[];
}

export interface SpUpdate {
  id: string;
  status: IncidentStatus | MaintenanceStatus;
  body: string;
  incident_id: string;
  created_at: string;
  updated_at: string;
  display_at: string;
  affected_components: Array<{ code: string; name: string; old_status: ComponentStatus; new_status: ComponentStatus }> | null;
  deliver_notifications: boolean;
  custom_tweet: string | null;
  tweet_id: string | null;
}

export interface SpIncident {
  id: string;
  name: string;
  status: IncidentStatus | MaintenanceStatus;
  created_at: string;
  updated_at: string;
  monitoring_at: string | null;
  resolved_at: string | null;
  impact: 'none' | 'minor' | 'major' | 'critical' | 'maintenance';
  shortlink: string;
  started_at: string;
  page_id: string;
  incident_updates: SpUpdate[];
  components: SpComponent[];
}

export interface SpMaintenance extends SpIncident {
  scheduled_for: string;
  scheduled_until: string;
}

/** What the Statuspage routes are built from: the status view, and the 90-day history when a route needs it. */
export interface StatuspageSource {
  view: StatusView;
  page: PageSettings;
  /** The page's public address, ending in "/". */
  pageUrl: string;
  now: number;
  /** Incidents of the last 90 days and maintenance people scheduled (the incidents document), newest first. */
  history?: { incidents: IncidentView[]; maintenance: MaintenanceView[] };
}

export function statuspagePage(source: StatuspageSource): SpPage {
  return { id: PAGE_ID, name: source.view.title, url: source.pageUrl, time_zone: timeZoneName(source.page.timeZone), updated_at: source.view.updatedAt ?? new Date(0).toISOString() };
}

/** Statuspage writes UTC as "Etc/UTC". */
function timeZoneName(zone: string): string {
  return zone === 'UTC' ? 'Etc/UTC' : zone;
}

/**
 * The components, in page order: each group (`group: true`, listing its
 * components' ids) before its members (whose `group_id` names it).
 */
export function statuspageComponents(source: StatuspageSource): SpComponent[] {
  const updated = source.view.updatedAt ?? new Date(0).toISOString();
  const out: SpComponent[] = [];
  const groups = new Map<string, SpComponent>();
  let position = 0;
  for (const check of source.view.checks) {
    let group: SpComponent | undefined;
    if (check.group !== null) {
      group = groups.get(check.group);
      if (!group) {
        group = {
          id: groupId(check.group),
          name: check.group,
          status: 'operational',
          created_at: updated,
          updated_at: updated,
          position: ++position,
          description: null,
          showcase: false,
          start_date: null,
          group_id: null,
          page_id: PAGE_ID,
          group: true,
          only_show_if_degraded: false,
          components: [],
        };
        groups.set(check.group, group);
        out.push(group);
      }
    }
    const entry = component(check, ++position, group?.id ?? null, updated);
    if (group) {
      group.components?.push(entry.id);
      if (COMPONENT_RANK[entry.status] > COMPONENT_RANK[group.status]) group.status = entry.status;
      if (entry.updated_at > group.updated_at) group.updated_at = entry.updated_at;
    }
    out.push(entry);
  }
  return out;
}

/** A group's component id: "group-" and its name in lower case, letters and digits. */
export function groupId(name: string): string {
  return `group-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'unnamed'}`;
}

function component(check: CheckView, position: number, group: string | null, updated: string): SpComponent {
  return {
    id: check.id,
    name: check.name,
    status: COMPONENT_STATUS[check.status],
    created_at: check.watchedSince ?? updated,
    updated_at: check.lastChecked ?? updated,
    position,
    description: check.since === null ? (check.checking ? `Checking: ${check.checking.message}` : 'No result yet') : check.status === 'up' ? null : check.message,
    showcase: true,
    start_date: check.watchedSince ? check.watchedSince.slice(0, 10) : null,
    group_id: group,
    page_id: PAGE_ID,
    group: false,
    only_show_if_degraded: false,
  };
}

/** The page's indicator: the worst of the components and of the incidents people declared, with Statuspage's wording. */
export function statuspageIndicator(source: StatuspageSource, components = statuspageComponents(source)): { indicator: Indicator; description: string } {
  const statuses = components.filter((entry) => !entry.group).map((entry) => entry.status);
  let indicator: Indicator = 'none';
  const raise = (next: Indicator) => {
    if (INDICATOR_RANK[next] > INDICATOR_RANK[indicator]) indicator = next;
  };
  if (statuses.includes('major_outage')) raise(statuses.every((status) => status === 'major_outage') ? 'critical' : 'major');
  if (statuses.includes('partial_outage')) raise('major');
  if (statuses.includes('degraded_performance')) raise('minor');
  if (statuses.includes('under_maintenance') || source.view.maintenance.active.length > 0) raise('maintenance');
  for (const incident of source.view.incidents.open) if (incident.source === 'manual' && incident.impact !== 'none') raise(incident.impact);
  return { indicator, description: DESCRIPTION[indicator] };
}

export function statuspageStatus(source: StatuspageSource) {
  return { page: statuspagePage(source), status: statuspageIndicator(source) };
}

export function statuspageSummary(source: StatuspageSource) {
  const components = statuspageComponents(source);
  return {
    page: statuspagePage(source),
    components,
    incidents: source.view.incidents.open.map((incident) => toIncident(incident, components, source.pageUrl)),
    scheduled_maintenances: [...source.view.maintenance.active, ...source.view.maintenance.upcoming].map((window) => toMaintenance(window, components, source)),
    status: statuspageIndicator(source, components),
  };
}

export function statuspageComponentList(source: StatuspageSource) {
  return { page: statuspagePage(source), components: statuspageComponents(source) };
}

/** The 50 most recent incidents (unresolved and resolved); `unresolved` keeps the investigating, identified and monitoring ones. */
export function statuspageIncidents(source: StatuspageSource, which: 'all' | 'unresolved') {
  const components = statuspageComponents(source);
  const incidents = which === 'unresolved' ? source.view.incidents.open : mergeById(source.view.incidents.open, source.history?.incidents ?? source.view.incidents.recent).sort(byNewest((incident) => incident.startedAt)).slice(0, RECENT_LIMIT);
  return { page: statuspagePage(source), incidents: incidents.map((incident) => toIncident(incident, components, source.pageUrl)) };
}

/** All recent maintenance (50 most recent), or only the upcoming ("scheduled") or active ("in_progress", "verifying") ones. */
export function statuspageMaintenances(source: StatuspageSource, which: 'all' | 'upcoming' | 'active') {
  const components = statuspageComponents(source);
  const windows = mergeById([...source.view.maintenance.active, ...source.view.maintenance.upcoming], source.history?.maintenance ?? []);
  const wanted = windows.filter((window) => {
    const status = maintenanceStatus(window, source.now);
    if (which === 'upcoming') return status === 'scheduled';
    if (which === 'active') return status === 'in_progress' || status === 'verifying';
    return true;
  });
  const sorted = wanted.sort(byNewest((window) => window.start));
  return { page: statuspagePage(source), scheduled_maintenances: (which === 'all' ? sorted.slice(0, RECENT_LIMIT) : sorted).map((window) => toMaintenance(window, components, source)) };
}

function mergeById<T extends { id: string }>(first: T[], second: T[]): T[] {
  const seen = new Set(first.map((entry) => entry.id));
  return [...first, ...second.filter((entry) => !seen.has(entry.id))];
}

function byNewest<T>(at: (entry: T) => string) {
  return (a: T, b: T) => Date.parse(at(b)) - Date.parse(at(a));
}

function permalink(pageUrl: string, path: string): string {
  return new URL(path, pageUrl).toString();
}

function toIncident(incident: IncidentView, components: SpComponent[], pageUrl: string): SpIncident {
  const affected = components.filter((entry) => !entry.group && incident.componentIds.includes(entry.id));
  const declared: ComponentStatus = incident.source === 'manual' ? IMPACT_STATUS[incident.impact] : incident.status === 'down' ? 'major_outage' : 'degraded_performance';
  const updates: SpUpdate[] = incident.updates.map((update, index) => ({
    id: update.id,
    status: update.state,
    body: update.text,
    incident_id: incident.id,
    created_at: update.at,
    updated_at: update.at,
    display_at: update.at,
    affected_components:
      index === 0 && affected.length > 0 ? affected.map((entry) => ({ code: entry.id, name: entry.name, old_status: 'operational' as const, new_status: declared })) : index === 0 ? [] : null,
    deliver_notifications: true,
    custom_tweet: null,
    tweet_id: null,
  }));
  if (updates.length === 0) {
    // An incident from before timelines existed: its start is its one update.
    updates.push({ id: `${incident.id}.1`, status: incident.state, body: incident.lastMessage, incident_id: incident.id, created_at: incident.startedAt, updated_at: incident.startedAt, display_at: incident.startedAt, affected_components: [], deliver_notifications: true, custom_tweet: null, tweet_id: null });
  }
  const monitoring = incident.updates.find((update) => update.state === 'monitoring');
  return {
    id: incident.id,
    name: incident.title,
    status: incident.state,
    created_at: incident.startedAt,
    updated_at: incident.updatedAt,
    monitoring_at: monitoring?.at ?? null,
    resolved_at: incident.endedAt,
    impact: incident.impact,
    shortlink: permalink(pageUrl, `incidents/${encodeURIComponent(incident.id)}`),
    started_at: incident.startedAt,
    page_id: PAGE_ID,
    // Statuspage lists updates newest first.
    incident_updates: updates.reverse(),
    components: affected,
  };
}

function toMaintenance(window: MaintenanceView, components: SpComponent[], source: StatuspageSource): SpMaintenance {
  const status = maintenanceStatus(window, source.now);
  const covered = components.filter((entry) => !entry.group && (window.checkIds === null || window.checkIds.includes(entry.id)));
  const updates: SpUpdate[] = window.updates.map((update, index) => ({
    id: update.id,
    status: update.status,
    body: update.text,
    incident_id: window.id,
    created_at: update.at,
    updated_at: update.at,
    display_at: update.at,
    affected_components: index === 0 ? covered.map((entry) => ({ code: entry.id, name: entry.name, old_status: 'operational' as const, new_status: 'under_maintenance' as const })) : null,
    deliver_notifications: true,
    custom_tweet: null,
    tweet_id: null,
  }));
  if (updates.length === 0) {
    // A window written in code has no timeline: its announcement is its one update.
    updates.push({
      id: `${window.id}.1`,
      status: 'scheduled',
      body: window.description ?? window.title,
      incident_id: window.id,
      created_at: window.createdAt,
      updated_at: window.createdAt,
      display_at: window.createdAt,
      affected_components: covered.map((entry) => ({ code: entry.id, name: entry.name, old_status: 'operational', new_status: 'under_maintenance' })),
      deliver_notifications: false,
      custom_tweet: null,
      tweet_id: null,
    });
  }
  const resolvedAt = status === 'completed' ? (window.cancelledAt ?? window.end) : null;
  const updatedAt = [window.createdAt, ...window.updates.map((update) => update.at), ...(resolvedAt ? [resolvedAt] : [])].sort().at(-1) as string;
  return {
    id: window.id,
    name: window.title,
    status,
    created_at: window.createdAt,
    updated_at: updatedAt,
    monitoring_at: null,
    resolved_at: resolvedAt,
    impact: 'maintenance',
    shortlink: permalink(source.pageUrl, `maintenance/${encodeURIComponent(window.id)}`),
    started_at: window.start,
    page_id: PAGE_ID,
    incident_updates: updates.reverse(),
    components: covered,
    scheduled_for: window.start,
    scheduled_until: window.end,
  };
}
