// Incidents open when a check becomes down or degraded and close when it is up
// again; each confirmed transition worth telling people about becomes an event.

import type { Judgement } from '../assert/judge';
import type { Check } from '../config/types';
import { severityOfStatus } from './routing';
import type { Transition } from './state-machine';
import type { AlertEvent, AlertType, Incident } from './types';

/** Closed incidents shown as "recent" and kept in state. */
export const RECENT_INCIDENTS_MS = 14 * 24 * 3_600_000;
export const MAX_CLOSED_INCIDENTS = 100;

export function openIncident(incidents: readonly Incident[], checkId: string): Incident | undefined {
  return incidents.find((incident) => incident.checkId === checkId && incident.endedAt === undefined);
}

/**
 * Updates `incidents` for a transition and returns the event to send, if any.
 * `now` is the tick's scheduled time: it makes event ids deterministic.
 */
export function applyTransition(incidents: Incident[], check: Check, transition: Transition, judgement: Judgement, now: number): AlertEvent | undefined {
  const open = openIncident(incidents, check.id);
  let incident = open;
  if (transition.to === 'down' || transition.to === 'degraded') {
    if (!incident) {
      incident = {
        id: `${check.id}-${transition.since.toString(36)}`,
        checkId: check.id,
        status: transition.to,
        startedAt: transition.since,
        cause: judgement.message,
        lastMessage: judgement.message,
      };
      incidents.push(incident);
    } else {
      if (transition.to === 'down') incident.status = 'down';
      incident.lastMessage = judgement.message;
    }
  } else if (transition.to === 'up' && incident) {
    incident.endedAt = transition.since;
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

/** Keeps open incidents and the most recent closed ones. */
export function pruneIncidents(incidents: Incident[], now: number): Incident[] {
  const closed = incidents
    .filter((incident) => incident.endedAt !== undefined && now - incident.endedAt < RECENT_INCIDENTS_MS)
    .slice(-MAX_CLOSED_INCIDENTS);
  return incidents.filter((incident) => incident.endedAt === undefined || closed.includes(incident));
}
