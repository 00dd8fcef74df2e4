// The channel-neutral text of an alert: what was observed and expected, since
// when, and what to do. Each channel renders this in its own format.

import { formatDuration } from '../config/duration';
import type { AlertEvent, OutboxEntry, Status } from '../model/state';

export interface AlertMessage {
  event: AlertEvent;
  /** `API health is down` (no emoji; channels add their own). */
  title: string;
  /** The observed-vs-expected line. */
  summary: string;
  /** Further failing assertions, if more than one. */
  details: string[];
  facts: Array<{ label: string; value: string; time?: number }>;
  fix?: string;
  /** The check's report (a job's last output ...), cut to REPORT_MAX characters. */
  report?: string;
  links: Array<{ label: string; url: string }>;
  /** When the channel's quiet hours held it back, if they did. */
  heldSince?: number;
  /** A recovery that replaced its problem alert before that could be delivered: what the problem was. */
  unannounced?: NonNullable<OutboxEntry['unannounced']>;
  /** One plain-text rendition, for fallbacks and logs. */
  text: string;
}

/** A report in an alert is cut to this many characters (every channel has room for it). */
export const REPORT_MAX = 1500;

export const STATUS_EMOJI: Record<Status | 'recovered', string> = {
  down: '🔴',
  degraded: '🟠',
  up: '🟢',
  recovered: '✅',
  unknown: '⚪',
};

/** The emoji an alert's title starts with. */
export function alertEmoji(event: AlertEvent): string {
  if (event.type === 'recovered' || event.type === 'burn-ended') return STATUS_EMOJI.recovered;
  if (event.type === 'burn') return '🔥';
  return STATUS_EMOJI[event.status];
}

/** The status whose colour an alert takes (green for good news). */
export function alertColor(event: AlertEvent): Status {
  return event.type === 'recovered' || event.type === 'burn-ended' ? 'up' : event.status;
}

function alertTitle(event: AlertEvent, outage: number | undefined, unannounced?: OutboxEntry['unannounced']): string {
  const name = event.check.name;
  if (event.type === 'recovered' && unannounced) return `${name} was ${unannounced.status}${outage !== undefined ? ` for ${formatDuration(outage)}` : ''} and has recovered`;
  switch (event.type) {
    case 'down':
      return `${name} is down`;
    case 'degraded':
      return `${name} is degraded`;
    case 'recovered':
      return `${name} recovered${outage !== undefined ? ` after ${formatDuration(outage)}` : ''}`;
    case 'unknown':
      return `${name} cannot be checked`;
    case 'reminder':
      return `${name} is still ${event.status} after ${formatDuration(event.at - event.since)}`;
    case 'escalation':
      return `${name} is still ${event.status} after ${formatDuration(event.at - event.since)} and nobody has acknowledged it`;
    case 'burn':
      return `${name}: error budget burning ${event.slo?.level === 'fast' ? 'fast' : 'steadily'}`;
    case 'burn-ended':
      return `${name}: error budget burn stopped`;
  }
}

/**
 * Builds the message for an alert event; `pageUrl` links the status page;
 * `heldSince` says the channel's quiet hours held it back since then;
 * `unannounced` is the problem alert a recovery replaced before it could be
 * delivered (the message then says both).
 */
export function alertMessage(event: AlertEvent, pageUrl?: string, heldSince?: number, unannounced?: OutboxEntry['unannounced'], ackUrl?: string): AlertMessage {
  const outage = event.incident ? (event.incident.endedAt ?? event.at) - event.incident.startedAt : undefined;
  const title = alertTitle(event, outage, unannounced);
  const facts: AlertMessage['facts'] = [];
  if (event.slo) {
    const { slo } = event;
    facts.push({ label: 'SLO', value: `${slo.objective}% over ${slo.windowDays} days` });
    if (slo.budgetRemaining !== null) facts.push({ label: 'Budget left', value: `${slo.budgetRemaining}%` });
    if (slo.availability !== null) facts.push({ label: 'Availability', value: `${slo.availability}%` });
    facts.push({ label: `Burn rate ${slo.burnRate.longWindow}`, value: `${slo.burnRate.long}×` });
    facts.push({ label: `Burn rate ${slo.burnRate.shortWindow}`, value: `${slo.burnRate.short}×` });
    if (event.type === 'burn') facts.push({ label: 'Burning since', value: isoMinute(event.since), time: event.since });
  } else if (event.type === 'recovered') {
    if (event.incident) facts.push({ label: unannounced ? `${capitalize(unannounced.status)} from` : 'Down since', value: isoMinute(event.incident.startedAt), time: event.incident.startedAt });
    if (event.incident?.endedAt !== undefined && unannounced) facts.push({ label: 'Recovered at', value: isoMinute(event.incident.endedAt), time: event.incident.endedAt });
    if (outage !== undefined) facts.push({ label: 'Outage', value: formatDuration(outage) });
  } else {
    facts.push({ label: 'Since', value: isoMinute(event.since), time: event.since });
    if (event.escalation) facts.push({ label: 'Escalation', value: `step ${event.escalation.step}, unacknowledged after ${formatDuration(event.escalation.after)}` });
    facts.push({ label: 'Was', value: event.previous === 'unknown' ? 'no data' : event.previous });
  }
  if (event.regions && event.regions.failing.length > 0) facts.push({ label: 'Regions', value: `${event.regions.failing.join(', ')} failing${event.regions.passing.length ? `; ${event.regions.passing.join(', ')} up` : ''}` });
  facts.push({ label: 'Check', value: event.check.id });
  if (event.check.group) facts.push({ label: 'Group', value: event.check.group });
  if (heldSince !== undefined) facts.push({ label: 'Held (quiet hours) since', value: isoMinute(heldSince), time: heldSince });

  const links: AlertMessage['links'] = [];
  if (event.runbook) links.push({ label: 'Runbook', url: event.runbook });
  if (ackUrl) links.push({ label: 'Acknowledge', url: ackUrl });
  if (pageUrl) links.push({ label: 'Status page', url: pageUrl });

  const details = [
    // A recovery that arrived before its problem alert could be delivered says what the problem was.
    ...(unannounced ? [`The ${unannounced.status} alert was not delivered before the recovery: ${unannounced.summary}`] : []),
    ...(event.details.length > 1 ? event.details : []),
    // Dependents that failed with this check: one message instead of one each.
    ...(event.affected ?? []).map((other) => `${event.type === 'recovered' ? 'Also affected while it was down' : 'Also affected'}: ${other.name} (${other.summary})`),
  ];
  const lines = [`${title}: ${event.summary}`, ...details.map((d) => `- ${d}`)];
  lines.push(facts.map((fact) => `${fact.label}: ${fact.value}`).join(' · '));
  if (event.fix) lines.push(`Fix: ${event.fix}`);
  const report = event.report?.length ? clip(event.report.join('\n'), REPORT_MAX) : undefined;
  if (report) lines.push('Report:', report);
  for (const link of links) lines.push(`${link.label}: ${link.url}`);

  const message: AlertMessage = { event, title, summary: event.summary, details, facts, links, text: lines.join('\n') };
  if (event.fix) message.fix = event.fix;
  if (report) message.report = report;
  if (heldSince !== undefined) message.heldSince = heldSince;
  if (unannounced) message.unannounced = unannounced;
  return message;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `2026-11-22 10:02 UTC` */
export function isoMinute(time: number): string {
  return `${new Date(time).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

// Whole user-perceived characters: a cut inside an emoji (a surrogate pair, a
// skin tone, a flag) would leave half of it, which platforms reject or show as �.
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Cuts text to at most `max` UTF-16 code units (what JavaScript's length and
 * the platforms' limits count), marking the cut, without splitting a grapheme:
 * `clip('ab👍🏽cd', 5)` gives `ab…`.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = 0;
  for (const { segment, index } of graphemes.segment(text)) {
    if (index + segment.length > max - 1) break;
    end = index + segment.length;
  }
  return `${text.slice(0, end)}…`;
}

/** Cuts text to at most `maxBytes` of UTF-8 (ntfy counts bytes), on a grapheme boundary, marking the cut. */
export function clipBytes(text: string, maxBytes: number): string {
  const size = (value: string) => new TextEncoder().encode(value).length;
  if (size(text) <= maxBytes) return text;
  // Each UTF-16 code unit is at most 3 bytes of UTF-8; search the longest cut that fits.
  let low = 0;
  let high = Math.min(text.length, maxBytes);
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (size(clip(text, middle)) <= maxBytes) low = middle;
    else high = middle - 1;
  }
  return clip(text, Math.max(1, low));
}
