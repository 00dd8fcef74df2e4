// Status and uptime badges (/badge/<id>.svg) for READMEs and dashboards, in the
// flat style shields.io made familiar. Public checks only; text is escaped.

import type { UptimeWindow } from '../store/history';
import type { CheckView, ViewStatus } from '../store/read-model';

const COLOR: Record<ViewStatus, string> = { up: '#30a46c', degraded: '#f5a524', down: '#e5484d', unknown: '#8b8d98', paused: '#3e63dd' };
const WORD: Record<ViewStatus, string> = { up: 'up', degraded: 'degraded', down: 'down', unknown: 'no data', paused: 'maintenance' };
/** Average advance of an 11px Verdana glyph, in px: close enough to size the boxes. */
const CHAR_WIDTH = 6.5;
const PADDING = 10;

/** `statusBadge(check)`: "API | up"; `uptimeBadge(check, '30d')`: "API 30d | 99.95%". */
export function statusBadge(check: CheckView): string {
  return badge(check.name, WORD[check.status], COLOR[check.status]);
}

export function uptimeBadge(check: CheckView, window: UptimeWindow): string {
  const value = check.uptime[window];
  if (value === null) return badge(`${check.name} ${window}`, 'no data', COLOR.unknown);
  const color = value >= 99.9 ? COLOR.up : value >= 99 ? COLOR.degraded : COLOR.down;
  return badge(`${check.name} ${window}`, `${value}%`, color);
}

function badge(label: string, message: string, color: string): string {
  const left = Math.round(label.length * CHAR_WIDTH + PADDING);
  const right = Math.round(message.length * CHAR_WIDTH + PADDING);
  const width = left + right;
  const text = (value: string, x: number) =>
    `<text x="${x}" y="15" fill="#010101" fill-opacity=".3">${escapeXml(value)}</text><text x="${x}" y="14">${escapeXml(value)}</text>`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${escapeXml(`${label}: ${message}`)}">`,
    `<title>${escapeXml(`${label}: ${message}`)}</title>`,
    `<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>`,
    `<clipPath id="r"><rect width="${width}" height="20" rx="3" fill="#fff"/></clipPath>`,
    `<g clip-path="url(#r)"><rect width="${left}" height="20" fill="#555"/><rect x="${left}" width="${right}" height="20" fill="${color}"/><rect width="${width}" height="20" fill="url(#s)"/></g>`,
    `<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">${text(label, left / 2)}${text(message, left + right / 2)}</g>`,
    '</svg>',
  ].join('');
}

function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[char] as string);
}
