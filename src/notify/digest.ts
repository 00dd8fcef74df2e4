// A checklist's digest: the channel-neutral data (kept in the outbox) and its
// text. Each channel renders it in its own format (slack.ts, discord.ts ...).

import { formatDuration } from '../config/duration';
import type { AlertEvent, Digest, DigestItem, ItemState, Status } from '../model/state';

export type { Digest, DigestItem, ItemState };
import { clip, isoMinute } from './message';

export const PROBLEM_STATES: ReadonlySet<ItemState> = new Set(['failing', 'overdue', 'warning', 'unknown']);

const MARK: Record<ItemState, string> = {
  failing: '🔴',
  warning: '🟠',
  unknown: '⚪',
  overdue: '⏰',
  paused: '🔧',
  due: '🗓️',
  done: '✅',
  ok: '✅',
};

export interface DigestMessage {
  digest: Digest;
  /** `Daily checklist — 14/15 OK` */
  title: string;
  /** Items that need someone, one line each: `🔴 API health — status = 503, expected 200`. */
  problems: string[];
  /** Passing items compacted: `API, Web app, Database (3)` and due/done tasks on their own lines. */
  passing: string;
  others: string[];
  incidents: string[];
  held: string[];
  links: Array<{ label: string; url: string }>;
  /** The whole digest as plain text (fallbacks, webhooks, logs). */
  text: string;
}

export function itemLine(item: DigestItem): string {
  const owner = item.owner ? ` (${item.owner})` : '';
  return `${MARK[item.state]} ${item.name}${owner}${item.detail ? ` — ${item.detail}` : ''}`;
}

export function digestMessage(digest: Digest, pageUrl?: string): DigestMessage {
  const { ok, total } = digest;
  const title = `${digest.checklist.name} — ${ok === total ? `all ${total} OK` : `${ok}/${total} OK`}`;
  const problems = digest.items.filter((item) => PROBLEM_STATES.has(item.state)).map(itemLine);
  const passingChecks = digest.items.filter((item) => item.state === 'ok' && item.kind === 'check').map((item) => item.name);
  const passing = passingChecks.length ? `${passingChecks.join(', ')}` : '';
  const others = digest.items.filter((item) => !PROBLEM_STATES.has(item.state) && !(item.state === 'ok' && item.kind === 'check')).map(itemLine);
  const incidents = digest.incidents.map((incident) =>
    incident.endedAt !== undefined
      ? `${incident.check} was ${incident.status} for ${formatDuration(incident.endedAt - incident.startedAt)} from ${isoMinute(incident.startedAt)}: ${clip(incident.cause, 200)}`
      : `${incident.check} is ${incident.status} since ${isoMinute(incident.startedAt)}: ${clip(incident.cause, 200)}`,
  );
  const held = digest.held.map((alert) => `${isoMinute(alert.at)} ${alert.title}: ${clip(alert.summary, 200)}`);
  const links = pageUrl ? [{ label: 'Status page', url: pageUrl }] : [];

  const lines = [title];
  if (problems.length) lines.push('', 'Needs attention:', ...problems);
  if (passing) lines.push('', `OK: ${passing}`);
  if (others.length) lines.push('', ...others);
  if (incidents.length) lines.push('', 'Since the last run:', ...incidents);
  if (held.length) lines.push('', 'Held during quiet hours:', ...held);
  lines.push('', `Run ${isoMinute(digest.runAt)}`);
  for (const link of links) lines.push(`${link.label}: ${link.url}`);
  return { digest, title, problems, passing, others, incidents, held, links, text: lines.join('\n') };
}

/** What a held alert looks like inside a digest. */
export function heldLine(event: AlertEvent, title: string): Digest['held'][number] {
  return { title, summary: event.summary, at: event.at };
}
