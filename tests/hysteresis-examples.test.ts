// Hysteresis in the example packs: Musicr's embedding-coverage check, run
// every minute through real ticks against a real PostgreSQL while coverage
// hovers ±2 points around its 95% threshold for 80 minutes. As the check was
// (no hysteresis) it sends 7 "degraded" alerts; as the pack writes it now
// (hysteresis(3): recover only above 97.85%) it sends 1.
// The check is the pack's own (query, thresholds, confirmations, channel); only
// its schedule (every minute), its database (a schema of this test's, through
// search_path) and its alerts' destination (the sink) are the test's.
import { reset } from 'cloudflare:test';
import { beforeEach, expect, it } from 'vitest';
import { musicr } from '../checks/examples/musicr';
import { defineConfig, discord, secret, type CheckInput } from '../src/config';
import type { AssertionInput } from '../src/assert/types';
import { config, MINUTE, received, runTick, sinkUrl, T0, unique } from './helpers';
import { adminClient, pgUrls, withSearchPath } from './helpers/pg';

beforeEach(async () => {
  await reset();
});

const SONGS = 1000;
/** Coverage each minute: 95 ± 2, a 12-minute swing, in tenths of a percent (what the query rounds to). */
const coverageAt = (minute: number) => Math.round(10 * (95 + 2 * Math.sin((2 * Math.PI * minute) / 12))) / 10;

function coverageCheck(withHysteresis: boolean): CheckInput {
  const pack = musicr(undefined, { wsProxy: pgUrls().wsProxy });
  const check = pack.checks.find((c) => c.id === 'musicr-embedding-coverage') as CheckInput;
  const expectations = (check.expect ?? []).flatMap((entry) => {
    const data = (typeof (entry as { toJSON?: unknown }).toJSON === 'function' ? (entry as { toJSON(): AssertionInput | AssertionInput[] }).toJSON() : entry) as AssertionInput | AssertionInput[];
    return Array.isArray(data) ? data : [data];
  });
  // The pack writes hysteresis on the coverage threshold: that is what this test is about.
  expect(expectations.map((assertion) => assertion.recover)).toEqual([97.85, 82.4]);
  const expect_ = withHysteresis ? expectations : expectations.map(({ recover: _recover, ...rest }) => rest);
  return { ...check, every: '1m', expect: expect_ } as CheckInput;
}

async function degradedAlerts(withHysteresis: boolean): Promise<number> {
  const schema = unique('hover').replace(/-/g, '_');
  const db = await adminClient();
  try {
    await db.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.songs (id int PRIMARY KEY, embedding_vector real[])`);
    await db.query(`INSERT INTO ${schema}.songs (id) SELECT generate_series(1, ${SONGS})`);
    const sink = unique('musicr');
    const cfg = config(defineConfig({ channels: { team: discord({ webhookUrl: secret('DISCORD_WEBHOOK_URL') }) }, checks: [coverageCheck(withHysteresis)] }));
    const secrets = { DATABASE_URL: withSearchPath(pgUrls().primary, schema), DISCORD_WEBHOOK_URL: sinkUrl(`/discord/${sink}`) };
    for (let minute = 0; minute < 80; minute++) {
      const withEmbeddings = Math.round((coverageAt(minute) / 100) * SONGS);
      await db.query(`UPDATE ${schema}.songs SET embedding_vector = CASE WHEN id <= $1 THEN ARRAY[1]::real[] END`, [withEmbeddings]);
      await runTick(cfg, T0 + minute * MINUTE, { secrets });
    }
    const alerts = (await received(sink)).map((record) => (JSON.parse(record.body) as { embeds: Array<{ title?: string }> }).embeds[0]?.title ?? '');
    return alerts.filter((title) => /is degraded/.test(title)).length;
  } finally {
    await db.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
    await db.end();
  }
}

it('coverage hovering ±2 points around 95% for 80 minutes: 7 degraded alerts without hysteresis, 1 with the pack\'s hysteresis(3)', { timeout: 240_000 }, async () => {
  expect(Array.from({ length: 80 }, (_, minute) => coverageAt(minute)).every((value) => value >= 93 && value <= 97)).toBe(true);
  expect(await degradedAlerts(false)).toBe(7);
  await reset();
  expect(await degradedAlerts(true)).toBe(1);
});
