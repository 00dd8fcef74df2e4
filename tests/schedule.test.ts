// Which checks are due: every-N-minute checks spread by a stable offset, cron
// checks in their time zone (across a DST change), new and deferred checks.
import { describe, expect, it } from 'vitest';
import { http } from '../src/config';
import type { Check } from '../src/config/types';
import { dueChecks, firesBetween, nextFire, offsetFor } from '../src/engine/schedule';
import type { CheckState } from '../src/engine/types';
import { config, MINUTE } from './helpers';

const url = 'https://example.com/health';
const check = (extra: Record<string, unknown>): Check => config({ checks: [http({ id: 'c', url, ...extra })] }).checks[0]!;
const ran = (time: number): CheckState => ({ status: 'up', since: 0, confirmed: true, lastRun: time, changes: [] });

/** The minutes of `from..to` (UTC ms) at which `schedule` fires, ticking every minute. */
function fires(c: Check, from: number, to: number): number[] {
  const out: number[] = [];
  for (let t = from; t <= to; t += MINUTE) if (firesBetween(c.schedule, c.id, t - MINUTE, t)) out.push(t);
  return out;
}

describe('every', () => {
  it('a 1-minute check runs every tick', () => {
    const start = Date.UTC(2026, 10, 22, 10, 0);
    expect(fires(check({ every: '1m' }), start, start + 9 * MINUTE)).toHaveLength(10);
  });

  it('a 5-minute check runs once every 5 ticks, at a stable per-check offset', () => {
    const c = check({ every: '5m' });
    const start = Date.UTC(2026, 10, 22, 10, 0);
    const times = fires(c, start, start + 59 * MINUTE);
    expect(times).toHaveLength(12);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBe(5 * MINUTE);
    expect(((times[0]! - start) / MINUTE) % 5).toBe(offsetFor('c', 5 * MINUTE) / MINUTE);
    expect(nextFire(c.schedule, c.id, times[0]!)).toBe(times[1]);
  });

  it('spreads many 5-minute checks over the five minutes', () => {
    const offsets = new Set(Array.from({ length: 50 }, (_, i) => offsetFor(`check-${i}`, 5 * MINUTE)));
    expect(offsets.size).toBe(5);
  });

  it('after missed ticks a check runs once, not once per missed interval', () => {
    const c = check({ every: '5m' });
    const start = Date.UTC(2026, 10, 22, 10, 0);
    expect(firesBetween(c.schedule, c.id, start, start + 3 * 60 * MINUTE)).toBe(true);
    const due = dueChecks([c], start + 3 * 60 * MINUTE, start, { c: ran(start) });
    expect(due).toHaveLength(1);
  });
});

describe('cron with a time zone', () => {
  const mondays = check({ cron: '0 9 * * 1', tz: 'Europe/Berlin' });

  it('fires at 09:00 Berlin time: 08:00 UTC in winter, 07:00 UTC in summer', () => {
    const winterMonday = Date.UTC(2026, 10, 23, 0, 0); // Mon 23 Nov 2026
    expect(fires(mondays, winterMonday, winterMonday + 24 * 60 * MINUTE)).toEqual([Date.UTC(2026, 10, 23, 8, 0)]);
    const summerMonday = Date.UTC(2026, 5, 22, 0, 0); // Mon 22 Jun 2026
    expect(fires(mondays, summerMonday, summerMonday + 24 * 60 * MINUTE)).toEqual([Date.UTC(2026, 5, 22, 7, 0)]);
  });

  it('follows a DST change (Europe/Berlin springs forward on 29 March 2026)', () => {
    const daily = check({ cron: '0 9 * * *', tz: 'Europe/Berlin' });
    const from = Date.UTC(2026, 2, 28, 0, 0);
    expect(fires(daily, from, from + 2 * 24 * 60 * MINUTE - MINUTE)).toEqual([Date.UTC(2026, 2, 28, 8, 0), Date.UTC(2026, 2, 29, 7, 0)]);
    // A time that does not exist that night (02:30) still runs once.
    const night = check({ cron: '30 2 * * *', tz: 'Europe/Berlin' });
    expect(fires(night, Date.UTC(2026, 2, 29, 0, 0), Date.UTC(2026, 2, 29, 23, 59))).toHaveLength(1);
  });

  it('the first Monday of a quarter', () => {
    const quarterly = check({ cron: '0 9 * 1,4,7,10 1#1', tz: 'UTC' });
    const runs: number[] = [];
    for (let t = nextFire(quarterly.schedule, 'c', Date.UTC(2026, 0, 1)); t !== undefined && t < Date.UTC(2027, 0, 1); t = nextFire(quarterly.schedule, 'c', t)) runs.push(t);
    expect(runs.map((t) => new Date(t).toISOString().slice(0, 16))).toEqual(['2026-01-05T09:00', '2026-04-06T09:00', '2026-07-06T09:00', '2026-10-05T09:00']);
    for (const t of runs) {
      expect(firesBetween(quarterly.schedule, 'c', t - MINUTE, t)).toBe(true);
      expect(firesBetween(quarterly.schedule, 'c', t, t + MINUTE)).toBe(false);
    }
  });
});

describe('dueChecks', () => {
  const a = check({ every: '1h' });
  const b = { ...check({ every: '1h' }), id: 'b' };
  const now = Date.UTC(2026, 10, 22, 10, 7);

  it('runs checks that never ran at once', () => {
    expect(dueChecks([a, b], now, now - MINUTE, {}).map((c) => c.id)).toEqual(['c', 'b']);
  });

  it('runs deferred checks on the next tick, oldest result first', () => {
    const states = { c: ran(now - 50 * MINUTE), b: ran(now - 55 * MINUTE) };
    expect(dueChecks([a, b], now, now - MINUTE, states, ['c', 'b']).map((c) => c.id)).toEqual(['b', 'c']);
  });
});
