// Comparing with the past, through real ticks: database growth against the
// size 7 days ago (R11), and a latency spike against its median.
import { reset } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import { http, latency, pg, secret } from '../src/config';
import { SAMPLES_PER_WINDOW } from '../src/assert/trend';
import type { EngineState } from '../src/store/state';
import { KEYS } from '../src/store/kv';
import { config, MINUTE, program, runTick, T0, targetUrl, testKV, unique } from './helpers';
import { admin, pgUrls, viaLocalNeon } from './helpers/pg';

beforeEach(async () => {
  await reset();
});

const DAY = 24 * 60 * MINUTE;
const state = async () => JSON.parse((await testKV().get(KEYS.state)) ?? '{}') as EngineState;

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
      const samples = Object.values(s.checks.size?.samples ?? {})[0];
      expect(samples?.points.length).toBeLessThanOrEqual(SAMPLES_PER_WINDOW + 3);
    } finally {
      await admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    }
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
