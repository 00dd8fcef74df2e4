// Comparing with the past, through real ticks: database growth against the
// size 7 days ago (R11), a metric against an hour ago and against its 24-hour
// median, a latency spike against its median, and pasts of 0.
import { beforeEach, describe, expect, it } from 'vitest';
import { gauge, http, json, latency, metrics, pg, secret, value } from '../src/config';
import { SAMPLES_PER_WINDOW } from '../src/assert/trend';
import type { Config } from '../src/config/types';
import type { EngineState } from '../src/store/state';
import { config, ledgerState, MINUTE, program, reset, runTick, T0, targetUrl, unique } from './helpers';
import { admin, pgUrls, viaLocalNeon } from './helpers/pg';

beforeEach(async () => {
  await reset();
});

const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const state = () => ledgerState();
/** One tick, then the check's state as the engine holds it (ticks write KV only on changes and flushes). */
const tickAt = async (cfg: Config, time: number, id: string) => {
  await runTick(cfg, time);
  return (await ledgerState(cfg)).checks[id];
};
/** A gauge the metrics server exposes, set by the test. */
const CONNECTIONS = { connections: gauge('websocket_connections') };
const connections = async (app: string, count: number) => {
  const response = await fetch(targetUrl(`/__metrics/${app}`), { method: 'POST', body: JSON.stringify({ connections: count }) });
  expect(response.status).toBe(204);
};
/** The one trended value's sample set. */
const pointsOf = (check: EngineState['checks'][string] | undefined) => Object.values(check?.samples ?? {})[0]?.points ?? [];

describe('trends', () => {
  it('databaseSize growth (R11): pending without history, then compared with 7 days ago', async () => {
    const db = `vigil_growth_${Math.random().toString(36).slice(2, 8)}`;
    await admin(`CREATE DATABASE ${db}`);
    const url = pgUrls().primary.replace(/\/[^/]+$/, `/${db}`);
    const cfg = config({ checks: [viaLocalNeon(pg.databaseSize({ id: 'size', connection: secret('GROWTH_URL'), every: '1h', growth: { window: '7d', pct: 20 } }))] });
    const secrets = { GROWTH_URL: url };
    try {
      await runTick(cfg, T0, { secrets });
      let s = await state();
      expect(s.checks.size?.status).toBe('up');
      expect(s.checks.size?.message).toBe('database size: change over 7d: not enough history yet');
      for (let day = 1; day <= 6; day++) await runTick(cfg, T0 + day * DAY, { secrets });
      expect((await state()).checks.size?.status).toBe('up');

      // Grow the database by several megabytes, then look again a week after the first sample.
      await admin('CREATE TABLE blob AS SELECT g AS id, repeat(md5(g::text), 40) AS payload FROM generate_series(1, 8000) g', [], url);
      await runTick(cfg, T0 + 7 * DAY, { secrets });
      await runTick(cfg, T0 + 7 * DAY + 60 * MINUTE, { secrets });
      s = await state();
      expect(s.checks.size?.status).toBe('down');
      expect(s.checks.size?.message).toMatch(/^database size: change over 7d = [\d.]+%, expected < 20%$/);
      // Eight more days, a tick every 3 hours (the 7-day window keeps one sample per 3.5 h):
      // the sample set has filled its window and stays within its cap.
      for (let time = T0 + 7 * DAY + 3 * HOUR; time <= T0 + 15 * DAY; time += 3 * HOUR) await runTick(cfg, time, { secrets });
      const points = pointsOf((await ledgerState(cfg)).checks.size);
      expect(points.length).toBeGreaterThanOrEqual(SAMPLES_PER_WINDOW);
      expect(points.length).toBeLessThanOrEqual(SAMPLES_PER_WINDOW + 3);
      expect(points[0]?.[0]).toBeGreaterThanOrEqual(T0 + 8 * DAY - 7 * HOUR);
    } finally {
      await admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    }
  });

  it('changePct of a metric over 1h: pending, 0%, then +30% fails; the samples stay within their cap', async () => {
    const app = unique('ws');
    const cfg = config({ checks: [metrics({ id: 'ws', url: targetUrl(`/metrics/${app}`), values: CONNECTIONS, expect: [value('connections').label('connections').changePct('1h').below(20)], confirmations: { down: 1, up: 1 } })] });
    await connections(app, 100);
    let check;
    for (let minute = 0; minute <= 60; minute++) {
      check = await tickAt(cfg, T0 + minute * MINUTE, 'ws');
      if (minute === 30) expect(check?.message).toBe('connections: change over 1h: not enough history yet');
    }
    expect(check?.message).toBe('connections: change over 1h = 0%');
    await connections(app, 130);
    for (let minute = 61; minute <= 80; minute++) {
      check = await tickAt(cfg, T0 + minute * MINUTE, 'ws');
      expect(check?.message).toBe('connections: change over 1h = 30%, expected < 20%');
    }
    expect(check?.status).toBe('down');
    // 81 ticks a minute apart, one sample per 75 s bucket: the window is full and capped.
    const points = pointsOf(check);
    expect(points.length).toBeGreaterThanOrEqual(SAMPLES_PER_WINDOW);
    expect(points.length).toBeLessThanOrEqual(SAMPLES_PER_WINDOW + 3);
  });

  it('changePct of a JSON value from an HTTP check (R07: heap growth)', async () => {
    const target = unique('heap');
    const cfg = config({ checks: [http({ id: 'heap', url: targetUrl(`/p/${target}`), expect: [json('$.memory.heapUsed').label('heap').changePct('1h').below(20)], confirmations: { down: 1, up: 1 } })] });
    await program(target, { json: { memory: { heapUsed: 180_000_000 } } });
    let check;
    for (let minute = 0; minute <= 60; minute += 5) check = await tickAt(cfg, T0 + minute * MINUTE, 'heap');
    expect(check?.message).toBe('heap: change over 1h = 0%, status = 200');
    await program(target, { json: { memory: { heapUsed: 270_000_000 } } });
    check = await tickAt(cfg, T0 + 65 * MINUTE, 'heap');
    expect(check?.message).toBe('heap: change over 1h = 50%, expected < 20%');
    expect(check?.status).toBe('down');
  });

  it('vsMedian over 24h: the median of the last 24 hours only, from at least 6 samples', async () => {
    const app = unique('ws');
    const cfg = config({ checks: [metrics({ id: 'ws', url: targetUrl(`/metrics/${app}`), values: CONNECTIONS, expect: [value('connections').vsMedian('24h').below(3)], confirmations: { down: 1, up: 1 } })] });
    // A backlog a day ago (older than the window by the time it matters)...
    await connections(app, 1000);
    await tickAt(cfg, T0, 'ws');
    // ...then six samples, one per 30-minute bucket: 10, 10, 10, 20, 20, 20 (median 15).
    for (const [i, count] of [10, 10, 10, 20, 20, 20].entries()) {
      await connections(app, count);
      // A later tick in the same bucket replaces the earlier one: the 500 is not a sample.
      if (i === 5) {
        await connections(app, 500);
        await tickAt(cfg, T0 + 20 * HOUR + i * 30 * MINUTE - 10 * MINUTE, 'ws');
        await connections(app, count);
      }
      const check = await tickAt(cfg, T0 + 20 * HOUR + i * 30 * MINUTE, 'ws');
      if (i === 4) expect(check?.message).toBe('connections ÷ its 1d median: not enough history yet');
    }
    await connections(app, 60);
    const check = await tickAt(cfg, T0 + 24 * HOUR + 30 * MINUTE, 'ws');
    // 60 ÷ 15 = 4. With the 1000 from 24.5 h ago the median would be 20 (3×, passing); with the 500, 20 too.
    expect(check?.message).toBe('connections ÷ its 1d median = 4, expected < 3');
    expect(check?.status).toBe('down');
  });

  it('a past of 0 is compared too: 0 → 0 is no change, 0 → 3 an infinite rise (not "not enough history" forever)', async () => {
    const app = unique('ws');
    const cfg = config({
      checks: [
        metrics({
          id: 'ws',
          url: targetUrl(`/metrics/${app}`),
          values: CONNECTIONS,
          expect: [value('connections').label('connections').changePct('1h').below(50), value('connections').vsMedian('1h').below(3)],
          confirmations: { down: 1, up: 1 },
        }),
      ],
    });
    await connections(app, 0);
    let check;
    for (let minute = 0; minute <= 110; minute += 10) check = await tickAt(cfg, T0 + minute * MINUTE, 'ws');
    expect(check?.message).toBe('connections: change over 1h = 0%, connections ÷ its 1h median = 1');
    expect(check?.status).toBe('up');
    await connections(app, 3);
    check = await tickAt(cfg, T0 + 120 * MINUTE, 'ws');
    expect(check?.message).toBe('connections: change over 1h = Infinity%, expected < 50%; connections ÷ its 1h median = Infinity, expected < 3');
    expect(check?.status).toBe('down');
  });

  it('latency against its 1-hour median: a spike is caught, a steady slow service is not', async () => {
    const target = unique('spiky');
    const cfg = config({ checks: [http({ id: 'api', url: targetUrl(`/p/${target}`), expect: [latency().vsMedian('1h').below({ warn: 4 })], confirmations: { down: 1 } })] });
    await program(target, { json: { ok: true }, delayMs: 60 });
    for (let minute = 0; minute < 10; minute++) await runTick(cfg, T0 + minute * MINUTE);
    expect((await state()).checks.api?.status).toBe('up');
    await program(target, { json: { ok: true }, delayMs: 600 });
    await runTick(cfg, T0 + 10 * MINUTE);
    const s = await state();
    expect(s.checks.api?.status).toBe('degraded');
    expect(s.checks.api?.message).toMatch(/^latency ÷ its 1h median = [\d.]+, expected < 4$/);
  });
});
