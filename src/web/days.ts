// The 90 day bars of a check and the words for each day. The bars are a
// picture (aria-hidden); the same facts are in words in the day details the
// bars open (a <details>: touch, keyboard and screen readers, no script).

import { formatDuration } from '../config/duration';
import { DAY_MS } from '../model/state';
import { dayAt, type DaysView, type DayView } from '../store/read-model';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** The bars, oldest first: one <i> per day whose class is the day's letter (stylesheet: .bars .u, .g, .d, .m, .k, .n). */
export function barStrip(days: DaysView): string {
  let html = '<span class="bars" aria-hidden="true">';
  for (let i = 0; i < days.status.length; i++) html += `<i class="${LETTERS.has(days.status[i] as string) ? days.status[i] : 'n'}"></i>`;
  return `${html}</span>`;
}
const LETTERS = new Set(['u', 'g', 'd', 'm', 'k', 'n']);

/** "Sun 22 Nov" for a UTC day "2026-11-22" (the bars are UTC days). */
export function dayLabel(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  return `${WEEKDAYS[date.getUTCDay()]} ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]}`;
}

/** "22 Nov" for the day `back` days before the last of `days`. */
export function shortDayLabel(days: DaysView, index: number): string {
  const date = new Date(Date.parse(days.from) + index * DAY_MS);
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]}`;
}

/** Days with something to say (downtime, degradation, maintenance, no verdict), newest first. */
export function notableDays(days: DaysView): DayView[] {
  const out: DayView[] = [];
  for (let i = days.status.length - 1; i >= 0; i--) {
    const letter = days.status[i];
    if (letter !== 'u' && letter !== 'n') out.push(dayAt(days, i));
  }
  return out;
}

/** Days Vigil watched the check (not "n"). */
export function watchedDays(days: DaysView): number {
  let count = 0;
  for (const letter of days.status) if (letter !== 'n') count++;
  return count;
}

/** What happened on a day, in words: "Down 3m · degraded 12m · avg 142 ms". */
export function dayWords(day: DayView): string {
  const parts: string[] = [];
  if (day.downSeconds > 0) parts.push(`down ${formatDuration(day.downSeconds * 1000)}`);
  if (day.degradedSeconds > 0) parts.push(`degraded ${formatDuration(day.degradedSeconds * 1000)}`);
  if (day.maintenanceSeconds > 0) parts.push(`maintenance ${formatDuration(day.maintenanceSeconds * 1000)}`);
  if (parts.length === 0) parts.push(day.status === 'unknown' ? 'could not be checked' : day.status === 'none' ? 'not watched' : 'no downtime');
  if (day.latencyMs !== null) parts.push(`avg ${day.latencyMs} ms`);
  const text = parts.join(' · ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
