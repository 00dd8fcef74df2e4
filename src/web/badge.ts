// Status and uptime badges (/badge/<id>.svg) for READMEs and dashboards, in
// shields.io's flat style and sized as shields.io's badge-maker sizes them:
// the text is measured with its Verdana 11px width table (anafanafo's data,
// read by char-width-table-consumer, as badge-maker does). badge-maker itself
// bundles all four of anafanafo's tables (+288 KiB gzipped); this needs one.
// Public checks only; text is escaped.
// The reference brings the module's declaration wherever this file is compiled
// (a project's tsc sees Vigil's sources through node_modules, not src/types/).
/// <reference path="../types/char-width-table-consumer.d.ts" />

import { createConsumer } from 'char-width-table-consumer';
import verdana11 from 'anafanafo/data/verdana-11px-normal.json';
import type { UptimeWindow } from '../store/history';
import type { CheckView, ViewStatus } from '../store/read-model';

const COLOR: Record<ViewStatus, string> = { up: '#30a46c', degraded: '#f5a524', down: '#e5484d', unknown: '#8b8d98', paused: '#3e63dd' };
const WORD: Record<ViewStatus, string> = { up: 'up', degraded: 'degraded', down: 'down', unknown: 'no data', paused: 'maintenance' };
/** badge-maker's padding on each side of a text, in px. */
const HORIZONTAL_PADDING = 5;

const verdana = createConsumer(verdana11);

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

/**
 * The width badge-maker gives a text, in px: the Verdana 11px advance, cut to
 * a whole pixel and rounded up to an odd one (so the centred text sits on the
 * pixel grid). Characters the table lacks count as an "m".
 */
export function textWidth(text: string): number {
  const width = Math.trunc(verdana.widthOf(text));
  return width % 2 === 0 ? width + 1 : width;
}

function badge(label: string, message: string, color: string): string {
  const labelWidth = textWidth(label);
  const messageWidth = textWidth(message);
  const left = labelWidth + 2 * HORIZONTAL_PADDING;
  const right = messageWidth + 2 * HORIZONTAL_PADDING;
  const width = left + right;
  // Where badge-maker puts each text: its box's start (1 px in for the label, 1 px back for the message), the padding, half its width.
  const text = (value: string, start: number, length: number) => {
    const x = start + HORIZONTAL_PADDING + length / 2;
    const attrs = `x="${x}" textLength="${length}" lengthAdjust="spacing"`;
    return `<text ${attrs} y="15" fill="#010101" fill-opacity=".3">${escapeXml(value)}</text><text ${attrs} y="14">${escapeXml(value)}</text>`;
  };
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${escapeXml(`${label}: ${message}`)}">`,
    `<title>${escapeXml(`${label}: ${message}`)}</title>`,
    `<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>`,
    `<clipPath id="r"><rect width="${width}" height="20" rx="3" fill="#fff"/></clipPath>`,
    `<g clip-path="url(#r)"><rect width="${left}" height="20" fill="#555"/><rect x="${left}" width="${right}" height="20" fill="${color}"/><rect width="${width}" height="20" fill="url(#s)"/></g>`,
    `<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">${text(label, 1, labelWidth)}${text(message, left - 1, messageWidth)}</g>`,
    '</svg>',
  ].join('');
}

function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[char] as string);
}
