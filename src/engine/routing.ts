// Who hears about an alert, and when: a channel takes the severities it is
// configured for, and only inside its hours (in its time zone); an alert that
// arrives outside them waits in the outbox until the window opens (or is
// folded into the next digest for that channel). Nothing is dropped.

import type { Check, Config, Hours, Severity } from '../config/types';
import { cronFor } from './schedule';
import type { AlertEvent, Status } from './types';

/** The severity of a problem status: down is critical, degraded and unknown are warnings. */
export function severityOfStatus(status: Status): Severity {
  return status === 'down' ? 'critical' : 'warning';
}

/**
 * The channels an event goes to: the check's channels that take its severity.
 * Good news (recovered, burn ended) goes to the channels that heard the bad
 * news, whatever their severities.
 */
export function channelsFor(event: AlertEvent, check: Check, config: Config, heard?: readonly string[]): string[] {
  // Good news goes to every channel that heard the bad news (escalation steps included).
  if ((event.type === 'recovered' || event.type === 'burn-ended') && heard) return heard.filter((name) => name in config.channels);
  const names = check.notify.filter((name) => name in config.channels);
  return names.filter((name) => config.channels[name]?.routing.severities.includes(event.severity));
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Weekday (0 = Sunday) and minutes since midnight at `time` in `tz`. */
function localClock(time: number, tz: string): { day: number; minutes: number } {
  let format = formatters.get(tz);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: tz, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(tz, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(time)).map((part) => [part.type, part.value]));
  return { day: WEEKDAYS.indexOf(parts.weekday ?? 'Sun'), minutes: Number(parts.hour) * 60 + Number(parts.minute) };
}

/** True when `time` is inside the weekly window. */
export function insideHours(hours: Hours, time: number): boolean {
  const { day, minutes } = localClock(time, hours.tz);
  if (hours.from < hours.to) return hours.days.includes(day) && minutes >= hours.from && minutes < hours.to;
  // Overnight (22:00–06:00): the evening part belongs to its day, the morning part to the day before.
  return (hours.days.includes(day) && minutes >= hours.from) || (hours.days.includes((day + 6) % 7) && minutes < hours.to);
}

/** When a channel with these hours may next be sent to: `time` itself when inside, else the next opening. */
export function nextOpening(hours: Hours | undefined, time: number): number {
  if (!hours || insideHours(hours, time)) return time;
  const cron = cronFor(`${hours.from % 60} ${Math.floor(hours.from / 60)} * * ${hours.days.join(',')}`, hours.tz);
  return cron.nextRun(new Date(time))?.getTime() ?? time;
}
