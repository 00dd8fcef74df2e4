// Dates and times as people read them, in the page's time zone (`page.timeZone`).
// Intl formatters are costly to build (~0.1 ms each) and cheap to call, so
// each zone's are built once per isolate; UTC skips Intl altogether.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

export interface Clock {
  zone: string;
  /** "22 Nov" */
  day(time: number): string;
  /** "Sun 22 Nov 2026" */
  date(time: number): string;
  /** "Sun 22 Nov, 10:02 CET" */
  dateTime(time: number): string;
  /** "10:02" */
  time(time: number): string;
  /** The zone's short name at `time`: "UTC", "CET", "GMT+5:30". */
  zoneName(time: number): string;
}

const clocks = new Map<string, Clock>();

/** The formatting functions for a zone (built once per isolate). */
export function clockFor(zone: string): Clock {
  let clock = clocks.get(zone);
  if (!clock) {
    clock = zone === 'UTC' || zone === 'Etc/UTC' ? utcClock(zone) : intlClock(zone);
    clocks.set(zone, clock);
  }
  return clock;
}

const pad = (value: number) => (value < 10 ? `0${value}` : `${value}`);

function utcClock(zone: string): Clock {
  const parts = (time: number) => new Date(time);
  return {
    zone,
    day: (time) => {
      const d = parts(time);
      return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
    },
    date: (time) => {
      const d = parts(time);
      return `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
    },
    dateTime: (time) => {
      const d = parts(time);
      return `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
    },
    time: (time) => {
      const d = parts(time);
      return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
    },
    zoneName: () => 'UTC',
  };
}

function intlClock(zone: string): Clock {
  const options = { timeZone: zone, hourCycle: 'h23' } as const;
  const full = new Intl.DateTimeFormat('en-GB', { ...options, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
  // Zone abbreviations depend on the locale's data: en-US knows "EST", en-GB "CET"; either may only say "GMT-5".
  const names = ['en-US', 'en-GB'].map((locale) => new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: 'short' }));
  const zoneNames = new Map<number, string>();
  const zoneName = (time: number) => {
    const hour = Math.floor(time / 3_600_000);
    let name = zoneNames.get(hour);
    if (name === undefined) {
      const candidates = names.map((format) => format.formatToParts(time).find((part) => part.type === 'timeZoneName')?.value ?? zone);
      name = candidates.find((candidate) => !/^(GMT|UTC)[+-]/.test(candidate)) ?? (candidates[0] as string);
      if (zoneNames.size > 1000) zoneNames.clear();
      zoneNames.set(hour, name);
    }
    return name;
  };
  const read = (time: number) => {
    const out: Record<string, string> = {};
    for (const part of full.formatToParts(time)) out[part.type] = part.value;
    return out as { weekday: string; day: string; month: string; year: string; hour: string; minute: string };
  };
  return {
    zone,
    day: (time) => {
      const p = read(time);
      return `${p.day} ${p.month}`;
    },
    date: (time) => {
      const p = read(time);
      return `${p.weekday} ${p.day} ${p.month} ${p.year}`;
    },
    dateTime: (time) => {
      const p = read(time);
      return `${p.weekday} ${p.day} ${p.month}, ${p.hour}:${p.minute} ${zoneName(time)}`;
    },
    time: (time) => {
      const p = read(time);
      return `${p.hour}:${p.minute}`;
    },
    zoneName,
  };
}

/**
 * The UTC time of a wall-clock time in `zone` ("2026-12-10T02:00" as typed
 * into a datetime-local field). Undefined when the text is not such a time.
 */
export function zonedToUtc(local: string, zone: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi] = match.map(Number) as [number, number, number, number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  if (Number.isNaN(wall)) return undefined;
  // Two passes settle the offset across a DST change (a time in the skipped hour lands after it).
  let guess = wall - offsetMs(zone, wall);
  guess = wall - offsetMs(zone, guess);
  return guess;
}

/** The zone's offset from UTC at `time`, in ms (positive east of Greenwich). */
export function offsetMs(zone: string, time: number): number {
  if (zone === 'UTC' || zone === 'Etc/UTC') return 0;
  const format = offsetFormats.get(zone) ?? new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  offsetFormats.set(zone, format);
  const p: Record<string, number> = {};
  for (const part of format.formatToParts(time)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const asUtc = Date.UTC(p.year as number, (p.month as number) - 1, p.day as number, p.hour as number, p.minute as number, p.second as number);
  return asUtc - Math.floor(time / 1000) * 1000;
}
const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** "2026-12-10T02:00" in `zone`: the value a datetime-local field shows for `time`. */
export function utcToZonedInput(time: number, zone: string): string {
  const d = new Date(time + offsetMs(zone, time));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** "just now", "3 min ago", "5 hours ago", "23 days ago", "never" */
export function ago(time: number | null, now: number): string {
  if (time === null) return 'never';
  const ms = now - time;
  if (ms < 45_000) return 'just now';
  const minutes = Math.round(ms / 60_000);
  if (minutes < 90) return `${minutes} min ago`;
  const hours = Math.round(ms / 3_600_000);
  if (hours < 48) return `${hours} hours ago`;
  return `${Math.round(ms / 86_400_000)} days ago`;
}
