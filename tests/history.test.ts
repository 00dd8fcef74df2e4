// Uptime from status-change timelines and daily roll-ups: exact numbers,
// one history row per day, and the page's 90 daily bars.
import { beforeEach, describe, expect, it } from 'vitest';
import { http, status } from '../src/config';
import type { Status } from '../src/engine/types';
import { dailyBars, rollUpFinishedDays, timeByStatus, uptime, type History } from '../src/store/history';
import { emptyState, utcDay } from '../src/store/state';
import { config, ledger, ledgerState, MINUTE, program, reset, runTick, targetUrl, unique } from './helpers';

beforeEach(async () => {
  await reset();
});

const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const day0 = Date.UTC(2026, 10, 20); // 20 Nov 2026 00:00 UTC

describe('timeByStatus', () => {
  it('integrates a timeline over a window, leaving out unobserved time', () => {
    const changes: Array<[number, Status]> = [
      [day0 + HOUR, 'up'],
      [day0 + 10 * HOUR, 'down'],
      [day0 + 10 * HOUR + 30 * MINUTE, 'degraded'],
      [day0 + 11 * HOUR, 'up'],
    ];
    expect(timeByStatus(changes, day0, day0 + DAY)).toEqual({ up: 22 * HOUR, degraded: 30 * MINUTE, down: 30 * MINUTE, unknown: 0, maintenance: 0 });
    expect(timeByStatus(changes, day0 + 10 * HOUR + 15 * MINUTE, day0 + 10 * HOUR + 45 * MINUTE)).toEqual({ up: 0, degraded: 15 * MINUTE, down: 15 * MINUTE, unknown: 0, maintenance: 0 });
    // Maintenance is its own time: neither up nor down.
    expect(timeByStatus(changes, day0, day0 + DAY, [[day0 + 10 * HOUR, day0 + 11 * HOUR]])).toEqual({ up: 22 * HOUR, degraded: 0, down: 0, unknown: 0, maintenance: HOUR });
  });
});

describe('uptime', () => {
  it('combines full days from roll-ups with today from the timeline', () => {
    const history: History = {};
    for (let back = 1; back <= 6; back++) {
      const date = new Date(day0 + 2 * DAY - back * DAY).toISOString().slice(0, 10);
      history[date] = { api: back === 3 ? [DAY / 1000 - 864, 0, 864, 0, 120] : [DAY / 1000, 0, 0, 0, 110] }; // one day with 1% down
    }
    const now = day0 + 2 * DAY + 12 * HOUR; // noon "today"
    const state = { status: 'up' as Status, since: 0, changes: [[day0 + 2 * DAY - 30 * DAY, 'up'], [now - HOUR, 'down']] as Array<[number, Status]> };
    const result = uptime('api', state, history, now);
    // 24 h: 23 h up, 1 h down.
    expect(result['1d']).toBe(Math.floor((23 / 24) * 100_000) / 1000);
    // 7 d: six roll-up days (one 1% down) plus today's 12 h (1 h down).
    const good = 5 * DAY + (DAY - 864_000) + 11 * HOUR;
    const total = 6 * DAY + 12 * HOUR;
    expect(result['7d']).toBe(Math.floor((good / total) * 100_000) / 1000);
    expect(result['90d']).toBe(result['7d']); // no older roll-ups
  });

  it('is null when nothing was observed', () => {
    expect(uptime('api', undefined, {}, day0)).toEqual({ '1d': null, '7d': null, '30d': null, '90d': null });
  });

  it('gives one bar per day, worst status first', () => {
    const history: History = { '2026-11-20': { api: [80_000, 0, 6_400, 0, 100] } };
    const state = { status: 'up' as Status, since: 0, changes: [[day0 + DAY, 'up'], [day0 + DAY + HOUR, 'degraded'], [day0 + DAY + 2 * HOUR, 'up']] as Array<[number, Status]> };
    const bars = dailyBars('api', state, history, day0 + 2 * DAY + HOUR, 4);
    expect(bars.map((bar) => [bar.day, bar.status])).toEqual([
      ['2026-11-19', 'none'],
      ['2026-11-20', 'down'],
      ['2026-11-21', 'degraded'],
      ['2026-11-22', 'up'],
    ]);
    expect(bars[1]?.downSeconds).toBe(6_400);
  });
});

describe('daily roll-ups', () => {
  it('roll up finished days once, with exact seconds per status and the average latency', async () => {
    const cfg = config({ checks: [http({ id: 'api', url: 'https://example.com' })] });
    const state = emptyState();
    state.checks.api = {
      status: 'up',
      since: day0,
      confirmed: true,
      changes: [
        [day0 + 6 * HOUR, 'up'],
        [day0 + 12 * HOUR, 'down'],
        [day0 + 13 * HOUR, 'up'],
      ],
      day: { date: '2026-11-20', latencySum: 1500, runs: 10 },
    };
    state.rolledUp = '2026-11-19';
    const now = day0 + DAY + 5 * MINUTE;
    expect(rollUpFinishedDays(state, cfg, now)).toEqual(['2026-11-20']);
    expect(state.rolledUp).toBe('2026-11-20');
    expect(state.history['2026-11-20']).toEqual({ api: [17 * 3600, 0, 3600, 0, 150, 0] });
    expect(rollUpFinishedDays(state, cfg, now + HOUR)).toEqual([]);
  });

  it('the first tick of a UTC day writes the day\'s history row once', async () => {
    const target = unique('rollup');
    await program(target, { json: { status: 'ok' } });
    const cfg = config({ checks: [http({ id: 'api', url: targetUrl(`/p/${target}`), expect: [status(200)] })] });
    const start = day0 + DAY - 3 * MINUTE; // 23:57
    const rolled: Array<string[] | undefined> = [];
    let beforeMidnight: { latencySum: number; runs: number } | undefined;
    for (let minute = 0; minute < 6; minute++) {
      rolled.push((await runTick(cfg, start + minute * MINUTE)).rolledUp);
      if (minute === 2) beforeMidnight = (await ledgerState(cfg)).checks.api?.day;
    }
    // 00:00 rolls the finished day up (one history row); no other tick does.
    expect(rolled).toEqual([undefined, undefined, undefined, ['2026-11-20'], undefined, undefined]);
    // Stored: read back after an eviction.
    ledger(cfg).evict();
    const { history } = await ledgerState(cfg);
    expect(Object.keys(history)).toEqual(['2026-11-20']);
    expect(history['2026-11-20']?.api?.[0]).toBe(180);
    // The average latency of 23:57–23:59, though 00:00's result started a new day before the roll-up.
    expect(beforeMidnight?.runs).toBe(3);
    expect(history['2026-11-20']?.api?.[4]).toBe(Math.round((beforeMidnight?.latencySum ?? NaN) / 3));
    // Rolled up, the finished day's totals are dropped from the state.
    expect((await ledgerState(cfg)).checks.api?.lastDay).toBeUndefined();
  });

  it('utcDay is exact for every day from 1970 to 2200 (it avoids Date for speed)', () => {
    for (let time = 0; time < Date.UTC(2200, 0, 1); time += DAY + 7 * HOUR) expect(utcDay(time)).toBe(new Date(time).toISOString().slice(0, 10));
  });
});
