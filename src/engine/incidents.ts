// Incidents open when a check becomes down or degraded and close when it is up
// again; each confirmed transition worth telling people about becomes an event.

import type { Judgement } from '../assert/judge';
import { formatDuration } from '../config/duration';
import type { Check } from '../config/types';
import type { IncidentUpdate } from '../model/state';
import { severityOfStatus } from './routing';
import type { Transition } from './state-machine';
import type { AlertEvent, AlertType, Incident } from './types';

/** Closed incidents shown as "recent" on the page. */
export const RECENT_INCIDENTS_MS = 14 * 24 * 3_600_000;
/** Closed incidents kept for the incident history (the page's history covers 90 days). */
export const KEPT_INCIDENTS_MS = 90 * 24 * 3_600_000;
export const MAX_CLOSED_INCIDENTS = 500;

/** The open incident Vigil detected for a check (incidents people write are not tied to one check's state). */
export function openIncident(incidents: readonly Incident[], checkId: string): Incident | undefined {
  return incidents.find((incident) => incident.checkId === checkId && incident.endedAt === undefined && incident.source !== 'manual');
}

/** Adds an entry to an incident's timeline (ids are unique within the incident). */
export function addUpdate(incident: Incident, update: Omit<IncidentUpdate, 'id'>): IncidentUpdate {
  const updates = (incident.updates ??= []);
  const entry: IncidentUpdate = { id: `${incident.id}.${updates.length + 1}`, ...update };
  updates.push(entry);
  return entry;
}

/**
 * Updates `incidents` for a transition and returns the event to send, if any.
 * `now` is the tick's scheduled time: it makes event ids deterministic.
 */
export function applyTransition(
  incidents: Incident[],
  check: Check,
  transition: Transition,
  judgement: Judgement,
  now: number,
  regions?: { failing: string[]; passing: string[] },
): AlertEvent | undefined {
  const open = openIncident(incidents, check.id);
  let incident = open;
  if (transition.to === 'down' || transition.to === 'degraded') {
    if (!incident) {
      incident = {
        id: `${check.id}-${transition.since.toString(36)}`,
        checkId: check.id,
        source: 'detected',
        status: transition.to,
        startedAt: transition.since,
        cause: judgement.message,
        lastMessage: judgement.message,
      };
      if (regions) incident.regions = regions.failing;
      addUpdate(incident, { at: now, state: 'investigating', text: `Vigil detected that ${check.name} is ${transition.to}: ${judgement.message}`, by: 'vigil' });
      incidents.push(incident);
    } else {
      if (transition.to === 'down' && incident.status !== 'down') {
        incident.status = 'down';
        addUpdate(incident, { at: now, state: incident.updates?.at(-1)?.state ?? 'investigating', text: `${check.name} is now down: ${judgement.message}`, by: 'vigil' });
      }
      incident.lastMessage = judgement.message;
    }
  } else if (transition.to === 'up' && incident) {
    incident.endedAt = transition.since;
    addUpdate(incident, { at: now, state: 'resolved', text: `${check.name} recovered after ${formatDuration(transition.since - incident.startedAt)}.`, by: 'vigil' });
  }

  const type = eventType(transition, Boolean(open));
  if (!type) return undefined;
  const event: AlertEvent = {
    id: `${check.id}:${type}:${now}`,
    type,
    at: now,
    check: { id: check.id, name: check.name, ...(check.group ? { group: check.group } : {}) },
    status: transition.to,
    previous: transition.from,
    severity: type === 'recovered' ? severityOfStatus(incident?.status ?? 'degraded') : severityOfStatus(transition.to),
    since: transition.since,
    summary: judgement.message,
    details: judgement.failures.map((failure) => failure.message),
  };
  if (incident) {
    event.incident = { id: incident.id, startedAt: incident.startedAt };
    if (incident.endedAt !== undefined) event.incident.endedAt = incident.endedAt;
  }
  if (regions) event.regions = regions;
  if (check.runbook) event.runbook = check.runbook;
  if (check.fix && type !== 'recovered') event.fix = check.fix;
  return event;
}

function eventType(transition: Transition, hadIncident: boolean): AlertType | undefined {
  switch (transition.to) {
    case 'down':
      return 'down';
    case 'degraded':
      return 'degraded';
    case 'up':
      return hadIncident ? 'recovered' : undefined;
    case 'unknown':
      return transition.initial ? undefined : 'unknown';
  }
}

/** Keeps open incidents and the closed ones of the last 90 days (at most MAX_CLOSED_INCIDENTS). */
export function pruneIncidents(incidents: Incident[], now: number): Incident[] {
  let closed = 0;
  for (const incident of incidents) if (incident.endedAt !== undefined) closed++;
  const oldEnough = (incident: Incident) => incident.endedAt !== undefined && now - incident.endedAt >= KEPT_INCIDENTS_MS;
  if (closed <= MAX_CLOSED_INCIDENTS && !incidents.some(oldEnough)) return incidents;
  const kept = new Set(
    incidents
      .filter((incident) => incident.endedAt !== undefined && !oldEnough(incident))
      .sort((a, b) => (a.endedAt as number) - (b.endedAt as number))
      .slice(-MAX_CLOSED_INCIDENTS),
  );
  return incidents.filter((incident) => incident.endedAt === undefined || kept.has(incident));
}
