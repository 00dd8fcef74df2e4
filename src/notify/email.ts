// What every email channel sends (resend.ts, postmark.ts, sendgrid.ts,
// mailgun.ts, cloudflare-email.ts): the options they share, a subject that
// states check, status and time, a plain-text body and a simple HTML body.
// Each provider module only puts these into its API's request.

import * as z from 'zod';
import type { DigestMessage } from './digest';
import { alertColor, alertEmoji, clip, isoMinute, type AlertMessage } from './message';
import { DISCORD_COLORS } from './discord';

/** Resend and Postmark take at most 50 recipients per message; a team list fits well inside. */
export const RECIPIENTS_MAX = 50;
/** RFC 5322 allows 998 characters per header line; mail clients show far fewer. */
const SUBJECT_MAX = 200;
export const DEFAULT_SUBJECT_PREFIX = '[Vigil]';
/** Sent with every email: the delivery id, the same on every retry (a filter or a script can deduplicate on it). */
export const DELIVERY_HEADER = 'X-Vigil-Delivery';

const ADDRESS = /^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+\.[^\s@<>()[\],;:"]+$/;
/** `ops@acme.dev` or `Vigil <vigil@acme.dev>` */
const MAILBOX = /^(?:[^<>\r\n]*<\s*([^<>\s]+)\s*>|([^<>\s]+))$/;

/** The bare address of `Name <address>` or `address`. */
export function addressOf(mailbox: string): string {
  const match = MAILBOX.exec(mailbox.trim());
  return (match?.[1] ?? match?.[2] ?? mailbox).trim();
}

/** The display name of `Name <address>`, if any. */
export function nameOf(mailbox: string): string | undefined {
  const match = /^([^<>]*)</.exec(mailbox.trim());
  const name = match?.[1]?.trim().replace(/^"(.*)"$/, '$1');
  return name || undefined;
}

const mailbox = z.string().refine((text) => MAILBOX.test(text.trim()) && ADDRESS.test(addressOf(text)), 'expected an email address such as "ops@acme.dev" or "Vigil <vigil@acme.dev>"');

/** The options every email channel has. */
export const emailShape = {
  /** The sender, on a domain the provider has verified: "Vigil <vigil@acme.dev>". */
  from: mailbox,
  /** One address or a list (at most 50). */
  to: z
    .union([mailbox, z.array(mailbox).min(1).max(RECIPIENTS_MAX)], { error: `expected an address ("ops@acme.dev") or a list of 1 to ${RECIPIENTS_MAX} addresses` })
    .transform((to) => (Array.isArray(to) ? to : [to])),
  /** Where replies go. */
  replyTo: mailbox.optional(),
  /** Put before every subject, e.g. "[Vigil]" (default) or "[Acme prod]". */
  subjectPrefix: z.string().max(50).default(DEFAULT_SUBJECT_PREFIX),
};

/** One email: what every provider sends, in its own request format. */
export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

/** `[Vigil] API is down — 2026-11-22 10:02 UTC` */
export function alertSubject(message: AlertMessage, prefix: string): string {
  return clip(oneLine(`${prefix} ${message.title} — ${isoMinute(message.event.at)}`), SUBJECT_MAX);
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const hex = (color: number) => `#${color.toString(16).padStart(6, '0')}`;
const FONT = 'font-family:-apple-system,BlinkMacSystemFont,Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;line-height:1.5;color:#1c2024';
const MUTED = 'color:#60646c;font-size:12px';

function page(body: string[]): string {
  return ['<!doctype html>', '<html><body style="margin:0;padding:16px;' + FONT + '">', ...body, '</body></html>'].join('\n');
}

function linksHtml(links: Array<{ label: string; url: string }>): string {
  return links.map((link) => `<a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a>`).join(' · ');
}

/** The alert as an email: the plain text every channel shares, and a simple HTML rendition of the same fields. */
export function alertEmail(message: AlertMessage, prefix: string, deliveryId: string): EmailContent {
  const color = hex(DISCORD_COLORS[alertColor(message.event)]);
  const html = [`<h2 style="margin:0 0 8px;font-size:18px;color:${color}">${alertEmoji(message.event)} ${escapeHtml(message.title)}</h2>`, `<p style="margin:0 0 8px">${escapeHtml(message.summary)}</p>`];
  if (message.details.length > 0) html.push(`<ul style="margin:0 0 8px;padding-left:20px">${message.details.map((detail) => `<li>${escapeHtml(detail)}</li>`).join('')}</ul>`);
  html.push(
    `<table cellpadding="0" cellspacing="0" style="margin:0 0 8px">${message.facts
      .map((fact) => `<tr><td style="padding:2px 12px 2px 0;${MUTED}">${escapeHtml(fact.label)}</td><td style="padding:2px 0">${escapeHtml(fact.value)}</td></tr>`)
      .join('')}</table>`,
  );
  if (message.fix) html.push(`<p style="margin:0 0 8px"><b>Fix:</b> ${escapeHtml(message.fix)}</p>`);
  if (message.report) html.push(`<pre style="margin:0 0 8px;padding:8px;background:#f0f0f3;white-space:pre-wrap;font-size:12px">${escapeHtml(message.report)}</pre>`);
  if (message.links.length > 0) html.push(`<p style="margin:0 0 8px">${linksHtml(message.links)}</p>`);
  html.push(`<p style="margin:16px 0 0;${MUTED}">Sent by Vigil · ${escapeHtml(deliveryId)}</p>`);
  return { subject: alertSubject(message, prefix), text: `${message.text}\n\n-- \nSent by Vigil · ${deliveryId}`, html: page(html) };
}

/** `[Vigil] Daily checklist — 1/3 OK — 2026-11-22 10:00 UTC` */
export function digestSubject(message: DigestMessage, prefix: string): string {
  return clip(oneLine(`${prefix} ${message.title} — ${isoMinute(message.digest.runAt)}`), SUBJECT_MAX);
}

/** A checklist digest as an email: every line (email has room for all of them). */
export function digestEmail(message: DigestMessage, prefix: string, deliveryId: string): EmailContent {
  const html = [`<h2 style="margin:0 0 8px;font-size:18px">📋 ${escapeHtml(message.title)}</h2>`];
  const section = (heading: string, lines: string[]) => {
    if (lines.length) html.push(`<h3 style="margin:12px 0 4px;font-size:14px">${escapeHtml(heading)}</h3>`, `<div>${lines.map(escapeHtml).join('<br>')}</div>`);
  };
  section('Needs attention', message.problems);
  if (message.passing) section('OK', [message.passing]);
  section('Tasks', message.others);
  section('Since the last run', message.incidents);
  section('Held during quiet hours', message.held);
  html.push(`<p style="margin:12px 0 0;${MUTED}">Run ${escapeHtml(isoMinute(message.digest.runAt))}${message.links.length ? ` · ${linksHtml(message.links)}` : ''}</p>`);
  html.push(`<p style="margin:16px 0 0;${MUTED}">Sent by Vigil · ${escapeHtml(deliveryId)}</p>`);
  return { subject: digestSubject(message, prefix), text: `${message.text}\n\n-- \nSent by Vigil · ${deliveryId}`, html: page(html) };
}
