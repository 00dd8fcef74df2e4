// What people change through the admin API, as operations the ledger applies
// one at a time (with the ticks), commits and publishes: incidents written by
// people and their updates, updates to detected incidents, acknowledgements,
// and scheduled maintenance. Each operation checks its input and says what is
// wrong in a sentence; none trusts the caller beyond the token it passed.

import type { Config } from '../config/types';
import { addUpdate } from '../engine/incidents';
import type { EngineState, Impact, Incident, IncidentState, IncidentUpdate, ScheduledMaintenance } from '../model/state';

export const INCIDENT_STATES: readonly IncidentState[] = ['investigating', 'identified', 'monitoring', 'resolved'];
export const IMPACTS: readonly Impact[] = ['none', 'minor', 'major', 'critical'];
/** Maintenance timeline states, as Statuspage names them. */
export const MAINTENANCE_STATES = ['scheduled', 'in_progress', 'verifying', 'completed'] as const;

const TITLE_MAX = 200;
const TEXT_MAX = 5000;
const BY_MAX = 60;

export type AdminOperation =
  | { op: 'createIncident'; title: string; text: string; state?: IncidentState; impact?: Impact; components?: string[]; by: string }
  | { op: 'updateIncident'; id: string; text: string; state?: IncidentState; impact?: Impact; components?: string[]; title?: string; by: string }
  | { op: 'acknowledge'; id: string; by: string }
  | { op: 'scheduleMaintenance'; title: string; description?: string; start: number; end: number; checks?: string[] | 'all'; by: string }
  | { op: 'updateMaintenance'; id: string; text: string; state?: (typeof MAINTENANCE_STATES)[number]; by: string }
  | { op: 'cancelMaintenance'; id: string; by: string; text?: string };

export type AdminResult = { ok: true; incident?: Incident; maintenance?: ScheduledMaintenance } | { ok: false; status: 400 | 404 | 409; error: string };

function fail(status: 400 | 404 | 409, error: string): AdminResult {
  return { ok: false, status, error };
}

/** Applies one operation to the state at `now` (mutating it). */
export function applyAdmin(state: EngineState, config: Config, operation: AdminOperation, now: number): AdminResult {
  const by = operation.by.trim();
  if (!by || by.length > BY_MAX) return fail(400, `"by" must be a name of 1 to ${BY_MAX} characters`);
  const { incidents, maintenance } = state;
  const checkIds = new Set(config.checks.map((check) => check.id));
  const badComponents = (components: string[] | undefined) => (components ?? []).filter((id) => !checkIds.has(id));
  switch (operation.op) {
    case 'createIncident': {
      const problem = textProblem(operation.title, 'title', TITLE_MAX) ?? textProblem(operation.text, 'text', TEXT_MAX) ?? enumProblem(operation.state, INCIDENT_STATES, 'state') ?? enumProblem(operation.impact, IMPACTS, 'impact');
      if (problem) return fail(400, problem);
      const unknown = badComponents(operation.components);
      if (unknown.length > 0) return fail(400, `unknown components (check ids): ${unknown.join(', ')}`);
      const phase = operation.state ?? 'investigating';
      const impact = operation.impact ?? 'minor';
      const incident: Incident = {
        id: `manual-${now.toString(36)}-${Math.floor(Math.random() * 36 ** 4).toString(36)}`,
        source: 'manual',
        title: operation.title.trim(),
        status: impact === 'major' || impact === 'critical' ? 'down' : 'degraded',
        components: operation.components ?? [],
        impact,
        startedAt: now,
        cause: operation.text.trim(),
        lastMessage: operation.text.trim(),
      };
      addUpdate(incident, { at: now, state: phase, text: operation.text.trim(), by });
      if (phase === 'resolved') incident.endedAt = now;
      incidents.push(incident);
      return { ok: true, incident };
    }
    case 'updateIncident': {
      const incident = incidents.find((candidate) => candidate.id === operation.id);
      if (!incident) return fail(404, `no incident "${operation.id}"`);
      const problem = textProblem(operation.text, 'text', TEXT_MAX) ?? enumProblem(operation.state, INCIDENT_STATES, 'state') ?? enumProblem(operation.impact, IMPACTS, 'impact') ?? (operation.title !== undefined ? textProblem(operation.title, 'title', TITLE_MAX) : undefined);
      if (problem) return fail(400, problem);
      const unknown = badComponents(operation.components);
      if (unknown.length > 0) return fail(400, `unknown components (check ids): ${unknown.join(', ')}`);
      const last = incident.updates?.at(-1)?.state ?? 'investigating';
      const next = operation.state ?? last;
      // A detected incident ends when its check recovers; people may say "resolved" only for their own.
      if (next === 'resolved' && incident.source !== 'manual' && incident.endedAt === undefined) {
        return fail(409, `incident "${incident.id}" is open because ${incident.checkId ?? 'its check'} is still failing; it resolves when the check recovers (post "monitoring" meanwhile)`);
      }
      if (operation.title !== undefined) incident.title = operation.title.trim();
      if (operation.impact) incident.impact = operation.impact;
      if (operation.components && incident.source === 'manual') incident.components = operation.components;
      addUpdate(incident, { at: now, state: next, text: operation.text.trim(), by });
      incident.lastMessage = operation.text.trim();
      if (incident.source === 'manual') {
        if (next === 'resolved' && incident.endedAt === undefined) incident.endedAt = now;
        if (next !== 'resolved' && incident.endedAt !== undefined) delete incident.endedAt;
        if (operation.impact) incident.status = operation.impact === 'major' || operation.impact === 'critical' ? 'down' : 'degraded';
      }
      return { ok: true, incident };
    }
    case 'acknowledge': {
      const incident = incidents.find((candidate) => candidate.id === operation.id);
      if (!incident) return fail(404, `no incident "${operation.id}"`);
      if (incident.endedAt !== undefined) return fail(409, `incident "${incident.id}" is already resolved`);
      if (!incident.acknowledged) {
        incident.acknowledged = { by, at: now };
        // Reminders and escalations not sent yet are moot: nobody needs to be woken any more.
        state.outbox = state.outbox.filter((entry) => !(entry.event?.incident?.id === incident.id && (entry.event.type === 'reminder' || entry.event.type === 'escalation')));
        addUpdate(incident, { at: now, state: incident.updates?.at(-1)?.state === 'investigating' ? 'identified' : (incident.updates?.at(-1)?.state ?? 'identified'), text: `Acknowledged by ${by}.`, by });
      }
      return { ok: true, incident };
    }
    case 'scheduleMaintenance': {
      const problem = textProblem(operation.title, 'title', TITLE_MAX) ?? (operation.description !== undefined ? textProblem(operation.description, 'description', TEXT_MAX) : undefined);
      if (problem) return fail(400, problem);
      if (!Number.isFinite(operation.start) || !Number.isFinite(operation.end)) return fail(400, 'start and end must be times (ISO 8601 with an offset, such as "2026-12-10T02:00:00Z")');
      if (operation.end <= operation.start) return fail(400, 'end must be after start');
      if (operation.end <= now) return fail(400, 'the window has already ended');
      const checks = operation.checks ?? 'all';
      if (checks !== 'all') {
        const unknown = badComponents(checks);
        if (unknown.length > 0) return fail(400, `unknown checks: ${unknown.join(', ')}`);
        if (checks.length === 0) return fail(400, 'checks must name at least one check, or be "all"');
      }
      const entry: ScheduledMaintenance = {
        id: `maint-${now.toString(36)}-${Math.floor(Math.random() * 36 ** 4).toString(36)}`,
        title: operation.title.trim(),
        checks,
        start: operation.start,
        end: operation.end,
        updates: [],
        createdBy: by,
      };
      if (operation.description) entry.description = operation.description.trim();
      entry.updates.push(maintenanceUpdate(entry, now, 'scheduled', operation.description?.trim() || `Scheduled: ${entry.title}.`, by));
      maintenance.push(entry);
      return { ok: true, maintenance: entry };
    }
    case 'updateMaintenance': {
      const entry = maintenance.find((candidate) => candidate.id === operation.id);
      if (!entry) return fail(404, `no maintenance "${operation.id}"`);
      const problem = textProblem(operation.text, 'text', TEXT_MAX) ?? enumProblem(operation.state, MAINTENANCE_STATES, 'state');
      if (problem) return fail(400, problem);
      const state = operation.state ?? maintenanceState(entry, now);
      entry.updates.push(maintenanceUpdate(entry, now, state, operation.text.trim(), by));
      // Completed early: the window ends now, and checks alert again.
      if (state === 'completed' && entry.end > now) entry.cancelledAt = now;
      return { ok: true, maintenance: entry };
    }
    case 'cancelMaintenance': {
      const entry = maintenance.find((candidate) => candidate.id === operation.id);
      if (!entry) return fail(404, `no maintenance "${operation.id}"`);
      if (entry.cancelledAt !== undefined || entry.end <= now) return fail(409, `maintenance "${entry.id}" is already over`);
      entry.cancelledAt = now;
      entry.updates.push(maintenanceUpdate(entry, now, 'completed', operation.text?.trim() || (entry.start > now ? 'Cancelled.' : 'Completed early.'), by));
      return { ok: true, maintenance: entry };
    }
  }
}

function textProblem(value: unknown, field: string, max: number): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return `"${field}" is required`;
  return value.length > max ? `"${field}" must be at most ${max} characters` : undefined;
}

function enumProblem<T extends string>(value: T | undefined, allowed: readonly T[], field: string): string | undefined {
  return value === undefined || allowed.includes(value) ? undefined : `"${field}" must be one of ${allowed.join(', ')}`;
}

/** Where a maintenance window stands at `now`, as its timeline says it. */
export function maintenanceState(entry: ScheduledMaintenance, now: number): (typeof MAINTENANCE_STATES)[number] {
  if (entry.cancelledAt !== undefined || now >= entry.end) return 'completed';
  return now >= entry.start ? 'in_progress' : 'scheduled';
}

function maintenanceUpdate(entry: ScheduledMaintenance, at: number, state: (typeof MAINTENANCE_STATES)[number], text: string, by: string): IncidentUpdate {
  // Maintenance updates reuse the incident timeline's shape; their own state is kept beside it.
  return { id: `${entry.id}.${entry.updates.length + 1}`, at, state: state === 'completed' ? 'resolved' : 'monitoring', maintenanceState: state, text, by };
}
