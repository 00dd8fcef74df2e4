// From events to outbox entries, for every alert whatever its source:
//   - maintenance: a check in a window (or depending on one in a window)
//     does not alert; it still runs, and when the window ends whatever
//     changed meanwhile is told once (never silently dropped);
//   - dependencies: while a check's dependency is down, its alerts fold into
//     the dependency's alert ("Also affected: ...") instead of one message each;
//   - reminders: `renotify` repeats a down/degraded alert every so often;
//   - routing: each channel takes the severities it is configured for, inside
//     its hours; outside them the entry waits in the outbox for the opening.

import type { Check, Config } from '../config/types';
import type { EngineState } from '../model/state';
import { enqueue } from '../notify/outbox';
import { openIncident } from './incidents';
import { activeFor } from './maintenance';
import { severityOfStatus, channelsFor, nextOpening } from './routing';
import type { AlertEvent, CheckState, Incident, Status } from './types';

const PROBLEMS: ReadonlySet<Status> = new Set(['down', 'degraded', 'unknown']);

/** The config's checks by id, built once per config (dispatch looks checks up for every check it visits). */
const checksById = new WeakMap<Config, Map<string, Check>>();
function byIdOf(config: Config): Map<string, Check> {
  let byId = checksById.get(config);
  if (!byId) checksById.set(config, (byId = new Map(config.checks.map((check) => [check.id, check]))));
  return byId;
}

/** Why a check's alerts are held back at `now`, if they are. */
export function muteReason(check: Check, config: Config, state: EngineState, now: number): CheckState['muted'] {
  const byId = byIdOf(config);
  const seen = new Set<string>();
  let dependencyDown = false;
  const walk = (current: Check, depth: number): boolean => {
    if (activeFor(config, current.id, now)) return true;
    for (const id of current.dependsOn) {
      if (seen.has(id)) continue;
      seen.add(id);
      const dependency = byId.get(id);
      if (!dependency) continue;
      const dependencyState = state.checks[id];
      if (dependencyState && (dependencyState.status === 'down' || dependencyState.streak?.status === 'down')) dependencyDown = true;
      if (walk(dependency, depth + 1)) return true;
    }
    return false;
  };
  if (walk(check, 0)) return 'maintenance';
  return dependencyDown ? 'dependency' : undefined;
}

/** The first dependency (transitively, nearest first) that is down or about to be. */
function failingDependency(check: Check, config: Config, state: EngineState): Check | undefined {
  const byId = byIdOf(config);
  const queue = [...check.dependsOn];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const id = queue.shift() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    const dependencyState = state.checks[id];
    if (dependencyState && (dependencyState.status === 'down' || dependencyState.streak?.status === 'down')) return byId.get(id);
    queue.push(...(byId.get(id)?.dependsOn ?? []));
  }
  return undefined;
}

function lastIncident(state: EngineState, checkId: string): Incident | undefined {
  for (let i = state.incidents.length - 1; i >= 0; i--) {
    const incident = state.incidents[i] as Incident;
    if (incident.checkId === checkId && incident.source !== 'manual') return incident;
  }
  return undefined;
}

function eventFor(check: Check, checkState: CheckState, incident: Incident | undefined, type: AlertEvent['type'], now: number): AlertEvent {
  const status = type === 'recovered' ? 'up' : checkState.status;
  const event: AlertEvent = {
    id: `${check.id}:${type}:${now}`,
    type,
    at: now,
    check: { id: check.id, name: check.name, ...(check.group ? { group: check.group } : {}) },
    status,
    previous: type === 'recovered' ? (checkState.alerted ?? 'down') : type === 'reminder' ? checkState.status : (checkState.alerted ?? 'up'),
    severity: severityOfStatus(type === 'recovered' ? (incident?.status ?? checkState.alerted ?? 'down') : checkState.status),
    since: type === 'reminder' && incident ? incident.startedAt : checkState.since,
    summary: checkState.message ?? status,
    details: [],
  };
  if (incident) {
    event.incident = { id: incident.id, startedAt: incident.startedAt };
    if (incident.endedAt !== undefined) event.incident.endedAt = incident.endedAt;
  }
  if (check.runbook) event.runbook = check.runbook;
  if (check.fix && type !== 'recovered') event.fix = check.fix;
  if (checkState.report?.length && type !== 'recovered') event.report = checkState.report;
  return event;
}

/**
 * Turns this tick's events into outbox entries; returns how many events were
 * queued (for one channel or more). `produced` are the events the checks' results made (status changes,
 * SLO burns); reminders and what a lifted mute owes are added here.
 */
export function dispatch(state: EngineState, config: Config, produced: AlertEvent[], now: number): number {
  const checks = byIdOf(config);
  const events = [...produced];
  const touched = new Set(produced.map((event) => event.check.id));

  /** Checks whose mute ended this tick (their own events may still owe nothing to anyone). */
  const unmuted = new Set<string>();
  for (const check of config.checks) {
    const checkState = state.checks[check.id];
    if (!checkState?.confirmed) continue;
    const reason = muteReason(check, config, state, now);
    if (reason) {
      checkState.muted = reason;
      continue;
    }
    if (checkState.muted) {
      // The mute is over: tell what changed meanwhile, once.
      delete checkState.muted;
      unmuted.add(check.id);
      if (touched.has(check.id)) continue;
      if (PROBLEMS.has(checkState.status) && checkState.alerted !== checkState.status) {
        events.push(eventFor(check, checkState, openIncidentOf(state, check.id), checkState.status as AlertEvent['type'], now));
      } else if (checkState.status === 'up' && checkState.alerted) {
        events.push(eventFor(check, checkState, lastIncident(state, check.id), 'recovered', now));
      }
      continue;
    }
    // Reminders and escalations while a problem the channels heard of lasts and nobody has acknowledged it.
    const incident = openIncidentOf(state, check.id);
    if (!incident || incident.acknowledged || !checkState.alerted || !PROBLEMS.has(checkState.status)) continue;
    if (check.renotifyMs && !touched.has(check.id) && now - (incident.lastNotifiedAt ?? incident.startedAt) >= check.renotifyMs) {
      events.push(eventFor(check, checkState, incident, 'reminder', now));
    }
    check.escalate?.forEach((step, index) => {
      if (incident.escalated?.includes(index) || now - incident.startedAt < step.afterMs) return;
      (incident.escalated ??= []).push(index);
      const event = eventFor(check, checkState, incident, 'escalation', now);
      event.id = `${check.id}:escalation-${index + 1}:${now}`;
      event.escalation = { step: index + 1, after: step.afterMs };
      event.since = incident.startedAt;
      events.push(event);
    });
  }

  // Dependencies first, so their alerts exist when dependents fold into them.
  events.sort((a, b) => depth(checks.get(a.check.id), checks) - depth(checks.get(b.check.id), checks));
  const outgoing: AlertEvent[] = [];
  for (const event of events) {
    const check = checks.get(event.check.id);
    const checkState = state.checks[event.check.id];
    if (!check || !checkState) continue;
    const reason = muteReason(check, config, state, now);
    const isProblem = event.type !== 'recovered' && event.type !== 'burn-ended';
    if (reason === 'maintenance') {
      checkState.muted = 'maintenance';
      continue;
    }
    if (reason === 'dependency' && isProblem && event.type !== 'burn') {
      // Fold into the alert that is actually sent: up the chain past dependencies that are folded themselves.
      let dependency = failingDependency(check, config, state);
      for (let hops = 0; dependency && state.checks[dependency.id]?.muted === 'dependency' && hops < config.checks.length; hops++) {
        dependency = failingDependency(dependency, config, state) ?? dependency;
        if (state.checks[dependency.id]?.muted !== 'dependency') break;
      }
      const host = outgoing.find((other) => other.check.id === dependency?.id && (other.type === 'down' || other.type === 'reminder'));
      if (host) (host.affected ??= []).push({ id: check.id, name: check.name, summary: event.summary });
      const dependencyIncident = dependency ? openIncidentOf(state, dependency.id) : undefined;
      if (dependencyIncident && !dependencyIncident.affected?.includes(check.id)) (dependencyIncident.affected ??= []).push(check.id);
      checkState.muted = 'dependency';
      continue;
    }
    // Good news only for bad news someone heard.
    if (event.type === 'recovered' && (checkState.muted || unmuted.has(check.id)) && !checkState.alerted) continue;
    outgoing.push(event);
  }

  let added = 0;
  for (const event of outgoing) {
    const check = checks.get(event.check.id) as Check;
    const checkState = state.checks[event.check.id] as CheckState;
    const incident = event.incident ? state.incidents.find((candidate) => candidate.id === event.incident?.id) : undefined;
    if (event.type === 'recovered' && incident?.affected?.length) {
      event.affected = incident.affected.map((id) => ({ id, name: checks.get(id)?.name ?? id, summary: `${state.checks[id]?.status ?? 'unknown'} now` }));
    }
    // An escalation goes to its step's channels (inside their hours), whatever severities they take.
    const step = event.escalation ? check.escalate?.[event.escalation.step - 1] : undefined;
    const names = step ? step.notify.filter((name) => name in config.channels) : channelsFor(event, check, config, event.type === 'recovered' ? incident?.notified : undefined);
    if (enqueue(state, event, names, now, (channel) => nextOpening(config.channels[channel]?.routing.hours, now)) > 0) added++;
    if (PROBLEMS.has(event.status) && event.type !== 'burn' && event.type !== 'burn-ended') {
      checkState.alerted = event.status;
      if (incident) {
        incident.notified = [...new Set([...(incident.notified ?? []), ...names])];
        incident.lastNotifiedAt = now;
      }
    } else if (event.type === 'recovered') {
      delete checkState.alerted;
    }
  }
  return added;
}

function openIncidentOf(state: EngineState, checkId: string): Incident | undefined {
  return openIncident(state.incidents, checkId);
}

/** How deep a check sits in the dependency graph (0: depends on nothing). */
function depth(check: Check | undefined, checks: Map<string, Check>, seen = new Set<string>()): number {
  if (!check || check.dependsOn.length === 0 || seen.has(check.id)) return 0;
  seen.add(check.id);
  return 1 + Math.max(...check.dependsOn.map((id) => depth(checks.get(id), checks, seen)));
}
