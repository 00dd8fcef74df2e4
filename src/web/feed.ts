// /feed.atom: incidents and maintenance as an Atom feed (RFC 4287), newest
// first, so people can follow the page in a feed reader, Slack's RSS app or
// anything else that polls. Each entry's id is its permalink (stable), its
// `updated` the time of its last update, its content the whole timeline.

import { maintenanceStatus, type IncidentView, type MaintenanceView } from '../store/read-model';
import { escapeHtml } from './html';
import { STATE_WORDS } from './layout';
import type { Clock } from './time';

/** Entries in the feed (readers poll; 90 days of incidents can be many). */
export const FEED_ENTRIES = 50;

export interface FeedInput {
  title: string;
  /** The page's public address, ending in "/". */
  pageUrl: string;
  incidents: IncidentView[];
  maintenance: MaintenanceView[];
  /** When the read model was last published (the feed's own `updated` when it has no entry). */
  publishedAt: number;
  now: number;
  clock: Clock;
}

interface Entry {
  id: string;
  title: string;
  updated: string;
  published: string;
  link: string;
  /** XHTML-free HTML, escaped once more by the XML writer. */
  html: string;
  categories: string[];
}

const IMPACT_TITLE: Record<string, string> = { none: '', minor: 'Minor', major: 'Major', critical: 'Critical' };

export function atomFeed(input: FeedInput): string {
  const { pageUrl, clock } = input;
  const url = (path: string) => new URL(path, pageUrl).toString();
  const entries: Entry[] = [];
  for (const incident of input.incidents) {
    const link = url(`incidents/${encodeURIComponent(incident.id)}`);
    const status = STATE_WORDS[incident.state] ?? incident.state;
    const impact = IMPACT_TITLE[incident.impact];
    entries.push({
      id: link,
      title: `[${status}] ${incident.title}`,
      updated: incident.updatedAt,
      published: incident.startedAt,
      link,
      html:
        `<p>${escapeHtml(impact ? `${impact} impact` : 'Incident')}${incident.components.length > 0 ? ` · ${escapeHtml(incident.components.join(', '))}` : ''}</p>` +
        [...incident.updates]
          .reverse()
          .map((update) => `<p><strong>${escapeHtml(STATE_WORDS[update.state] ?? update.state)}</strong> (${escapeHtml(clock.dateTime(Date.parse(update.at)))}): ${escapeHtml(update.text)}</p>`)
          .join(''),
      categories: ['incident', incident.state, incident.impact],
    });
  }
  for (const window of input.maintenance) {
    const link = url(`maintenance/${encodeURIComponent(window.id)}`);
    const status = maintenanceStatus(window, input.now);
    const updates = window.updates.map((update) => update.at);
    const changes = [window.createdAt, ...updates, ...(status === 'completed' ? [window.cancelledAt ?? window.end] : []), ...(status !== 'scheduled' ? [window.start] : [])].filter((at) => Date.parse(at) <= input.now);
    entries.push({
      id: link,
      title: `[Maintenance: ${STATE_WORDS[status] ?? status}] ${window.title}`,
      updated: changes.sort().at(-1) ?? window.createdAt,
      published: window.createdAt,
      link,
      html:
        `<p>${escapeHtml(`${clock.dateTime(Date.parse(window.start))} – ${clock.dateTime(Date.parse(window.end))}`)} · ${escapeHtml(window.checks ? window.checks.join(', ') : 'all services')}</p>` +
        (window.description ? `<p>${escapeHtml(window.description)}</p>` : '') +
        [...window.updates]
          .reverse()
          .map((update) => `<p><strong>${escapeHtml(STATE_WORDS[update.status] ?? update.status)}</strong> (${escapeHtml(clock.dateTime(Date.parse(update.at)))}): ${escapeHtml(update.text)}</p>`)
          .join(''),
      categories: ['maintenance', status],
    });
  }
  entries.sort((a, b) => Date.parse(b.updated) - Date.parse(a.updated));
  const shown = entries.slice(0, FEED_ENTRIES);
  const updated = shown[0]?.updated ?? new Date(input.publishedAt).toISOString();
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `<id>${escapeHtml(url('feed.atom'))}</id>`,
    `<title>${escapeHtml(`${input.title}: incidents and maintenance`)}</title>`,
    `<updated>${updated}</updated>`,
    `<link rel="self" type="application/atom+xml" href="${escapeHtml(url('feed.atom'))}"/>`,
    `<link rel="alternate" type="text/html" href="${escapeHtml(pageUrl)}"/>`,
    `<author><name>${escapeHtml(input.title)}</name><uri>${escapeHtml(pageUrl)}</uri></author>`,
    '<generator>Vigil</generator>',
  ];
  for (const entry of shown) {
    lines.push(
      '<entry>',
      `<id>${escapeHtml(entry.id)}</id>`,
      `<title>${escapeHtml(entry.title)}</title>`,
      `<updated>${entry.updated}</updated>`,
      `<published>${entry.published}</published>`,
      `<link rel="alternate" type="text/html" href="${escapeHtml(entry.link)}"/>`,
      ...entry.categories.map((term) => `<category term="${escapeHtml(term)}"/>`),
      `<content type="html">${escapeHtml(entry.html)}</content>`,
      '</entry>',
    );
  }
  lines.push('</feed>');
  return lines.join('\n');
}
