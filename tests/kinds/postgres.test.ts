// The postgres kind and every recipe against real PostgreSQL servers, through
// @neondatabase/serverless over the local WebSocket proxy and the HTTP /sql
// endpoint. Failing cases make the condition true (connections, long
// transactions, paused replication ...), not just tighten a threshold.
import { neon } from '@neondatabase/serverless';
import { describe, expect, it } from 'vitest';
import { musicr } from '../../checks/examples/musicr';
import { column, eachRow, firstValue, percentOf, pg, postgres, rowCount, secret } from '../../src/config';
import type { EngineState } from '../../src/store/state';
import { config, control, ledgerState, reset, runTick, sleep, T0, unique } from '../helpers';
import { admin, adminClient, noStatsUrl, observeKindOnly, pgSecrets, pgUrls, viaLocalNeon, withSearchPath } from '../helpers/pg';
import { runOnce } from '../helpers/run-once';

const DB = secret('DATABASE_URL');

describe.each(['websocket', 'http'] as const)('postgres kind over %s', (transport) => {
  const check = (extra: Record<string, unknown>) => viaLocalNeon(postgres({ id: 'db', connection: DB, query: 'SELECT 1', ...extra }), transport);

  it('runs a query and reads the first value, named columns and the row count (R09)', async () => {
    const run = await runOnce(check({ query: 'SELECT 1 AS one, 2::bigint AS big, 3.5::numeric AS num, true AS yes, now() AS at', expect: [firstValue().eq(1), column('big').eq(2), column('num').gt(3), rowCount().eq(1)] }), pgSecrets());
    expect(run.judgement.status).toBe('up');
    expect(run.observation.values).toMatchObject({ value: 1, one: 1, big: 2, num: 3.5, yes: true, rowCount: 1 });
    expect(typeof run.observation.values.at).toBe('string');
  });

  it('passes parameters and checks every row', async () => {
    const run = await runOnce(
      check({ query: "SELECT artist, count(*)::int AS songs FROM songs WHERE artist = ANY($1::text[]) GROUP BY artist ORDER BY artist", params: ['{"Artist 3","Artist 4"}'], expect: [rowCount().eq(2), eachRow('songs').below(12)] }),
      pgSecrets(),
    );
    expect(run.observation.values['rows:songs']).toEqual([12, 12]);
    expect(run.message).toBe("each row's songs = 12 (2 of 2 values fail), expected < 12");
  });

  it('runs read-only: a write fails the check and the database is unchanged', async () => {
    const [{ n: before }] = (await admin('SELECT count(*)::int AS n FROM users')) as [{ n: number }];
    for (const query of [
      "INSERT INTO users (email) VALUES ('intruder@example.com')",
      'WITH gone AS (DELETE FROM songs RETURNING 1) SELECT count(*) FROM gone',
      'CREATE TABLE vigil_should_not_exist (id int)',
    ]) {
      const run = await runOnce(check({ query }), pgSecrets());
      expect(run.judgement.status).toBe('unknown');
      expect(run.message).toMatch(/^the query tried to write, and checks run read-only: cannot execute .* in a read-only transaction/);
    }
    // Two statements cannot step out of the transaction.
    const escape = await runOnce(check({ query: "COMMIT; INSERT INTO users (email) VALUES ('intruder@example.com')" }), pgSecrets());
    expect(escape.judgement.status).toBe('unknown');
    expect(escape.message).toMatch(/cannot insert multiple commands into a prepared statement/);
    const [{ n: after }] = (await admin('SELECT count(*)::int AS n FROM users')) as [{ n: number }];
    expect(after).toBe(before);
    expect(await admin("SELECT to_regclass('vigil_should_not_exist') AS t")).toEqual([{ t: null }]);
  });

  it('cancels a slow query at the statement timeout', async () => {
    const run = await runOnce(check({ query: 'SELECT pg_sleep(5)', statementTimeout: '1s' }), pgSecrets());
    expect(run.judgement.status).toBe('down');
    expect(run.message).toMatch(/^query cancelled after 1s \(statementTimeout\): canceling statement due to statement timeout/);
    expect(run.elapsedMs).toBeLessThan(4000);
  });

  it('reports a wrong password without the password', async () => {
    const wrong = pgUrls().reader.replace(pgUrls().markerPassword, 'not-the-password');
    const run = await runOnce(check({}), { DATABASE_URL: wrong });
    expect(run.judgement.status).toBe('down');
    expect(run.attempts).toBe(1); // authentication failures are not retried
    expect(run.message).toBe('authentication failed for user "vigil_reader"');
    expect(run.message).not.toContain('not-the-password');
  });

  it('keeps the password out of its own result where the raw driver error quotes it', async () => {
    const marker = pgUrls().markerPassword;
    const reader = pgUrls().reader;
    // An error that quotes a value equal to the password, and a connection string the driver cannot parse.
    const echo = `SELECT '${marker}'::int AS n`;
    const unparsable = reader.replace(/@([^/]+)\//, '@$1\\');
    const rawEcho = await admin(echo, [], reader).then(() => '', (error: Error) => error.message);
    const rawUnparsable = await neon(unparsable)`SELECT 1`.then(() => '', (error: Error) => error.message);
    expect(rawEcho).toContain(marker);
    expect(rawUnparsable).toContain(unparsable);
    for (const [connection, query, message] of [
      [reader, echo, /^query failed \(22P02\): invalid input syntax for type integer: "\[redacted\]"$/],
      [unparsable, 'SELECT 1', /^option connection is not a postgres:\/\/ connection string$/],
    ] as const) {
      // The kind alone, before the engine's own redaction.
      const observation = await observeKindOnly(check({ query }), { DATABASE_URL: connection });
      expect(observation.error).toMatch(message);
      expect(JSON.stringify(observation)).not.toContain(marker);
      const run = await runOnce(check({ query }), { DATABASE_URL: connection });
      expect(run.judgement.status).not.toBe('up');
      expect(JSON.stringify({ observation: run.observation, judgement: run.judgement })).not.toContain(marker);
    }
  });

  it('says when another session cancelled the query, rather than blaming statementTimeout', async () => {
    const tag = `cancel_me_${unique('q').replace(/-/g, '_')}`;
    const pending = runOnce(check({ query: `SELECT pg_sleep(5) AS ${tag}`, retry: false }), pgSecrets());
    let cancelled = 0;
    for (let i = 0; i < 50 && cancelled === 0; i++) {
      await sleep(100);
      const rows = await admin("SELECT count(pg_cancel_backend(pid))::int AS n FROM pg_stat_activity WHERE query LIKE '%' || $1 AND pid <> pg_backend_pid()", [tag]);
      cancelled = Number(rows[0]?.n);
    }
    const run = await pending;
    expect(run.judgement.status).toBe('down');
    expect(run.message).toBe('query cancelled by another session (pg_cancel_backend or an operator): canceling statement due to user request');
  });

  it('built-in values win over columns named rowCount, value or latencyMs', async () => {
    const run = await runOnce(check({ query: 'SELECT 7 AS a, 99 AS "rowCount", 42 AS value, 123456789 AS "latencyMs"', expect: [rowCount().eq(1), firstValue().eq(7)] }), pgSecrets());
    expect(run.judgement.status).toBe('up');
    expect(run.observation.values.rowCount).toBe(1);
    expect(run.observation.values.value).toBe(7);
    expect(run.observation.values.latencyMs).not.toBe(123456789);
  });

  it('tells query mistakes (unknown) from real failures (down)', async () => {
    expect((await runOnce(check({ query: 'SELEC 1' }), pgSecrets())).message).toMatch(/^query error \(42601\): syntax error/);
    expect((await runOnce(check({ query: 'SELEC 1' }), pgSecrets())).judgement.status).toBe('unknown');
    const missing = await runOnce(check({ query: 'SELECT count(*) FROM no_such_table' }), pgSecrets());
    expect(missing.judgement.status).toBe('down');
    expect(missing.message).toMatch(/^query failed \(42P01\): relation "no_such_table" does not exist/);
  });
});

describe('postgres kind over websocket', () => {
  const check = (extra: Record<string, unknown>) => viaLocalNeon(postgres({ id: 'db', connection: DB, query: 'SELECT 1', ...extra }));

  it('runs the query as an unnamed statement, so nothing is left on a pooled server connection (PgBouncer)', async () => {
    // A named statement ("vigil_check") stays on the server connection; behind PgBouncer's
    // transaction pooling the next check on that connection fails with 42P05 "already exists".
    const run = await runOnce(check({ query: 'SELECT count(*)::int AS named, coalesce(string_agg(name, \', \'), \'\') AS names FROM pg_prepared_statements', expect: [column('named').eq(0)] }), pgSecrets());
    expect(run.message).toBe('named = 0');
    expect(run.judgement.status).toBe('up');
  });

  it('stops fetching after maxRows + 1 rows: rows past the limit are never computed', async () => {
    // Row 50 divides by zero: only a server that computed it fails.
    const query = 'SELECT g, 1 / (g - 50) AS x FROM generate_series(1, 100) g';
    const limited = await runOnce(check({ query, maxRows: 10, expect: [eachRow('g').lte(10)] }), pgSecrets());
    expect(limited.judgement.status).toBe('up');
    expect(limited.observation.values['rows:g']).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(limited.observation.values.rowCount).toBe(11);
    expect((await runOnce(check({ query, maxRows: 60 }), pgSecrets())).message).toMatch(/^query failed \(22012\): division by zero/);
    // A row count past the limit is not known: the check says so instead of comparing 11.
    const counted = await runOnce(check({ query, maxRows: 10, expect: [rowCount().lte(500)] }), pgSecrets());
    expect(counted.judgement.status).toBe('unknown');
    expect(counted.message).toBe('the query returned more than maxRows (10) rows, so rowCount is not known: count in SQL (SELECT count(*) ...) or raise maxRows');
  });
});

describe('postgres kind over http', () => {
  it('uses an httpEndpoint for its own check only', async () => {
    const local = viaLocalNeon(postgres({ id: 'db', connection: DB, query: 'SELECT 1', retry: false }), 'http');
    expect((await runOnce(local, pgSecrets())).judgement.status).toBe('up');
    // The same host without httpEndpoint goes to the driver's default endpoint, not the local one.
    const { httpEndpoint: _endpoint, ...withoutEndpoint } = local;
    const other = await runOnce(withoutEndpoint, pgSecrets());
    expect(other.judgement.status).toBe('down');
    expect(other.message).toMatch(/^cannot connect to the database \(127\.0\.0\.1:\d+\)$/);
    expect(other.observation.raw).toMatch(/^Error connecting to database/);
  });

  it('fetches the whole result (no row limit over HTTP): maxRows only bounds what is kept', async () => {
    const run = await runOnce(viaLocalNeon(postgres({ id: 'db', connection: DB, query: 'SELECT g, 1 / (g - 50) AS x FROM generate_series(1, 100) g', maxRows: 10 }), 'http'), pgSecrets());
    expect(run.message).toMatch(/^query failed \(22012\): division by zero/);
  });
});

describe('the database going down', () => {
  it('mid-query is a down result, and the server coming back is up again', async () => {
    const slow = viaLocalNeon(postgres({ id: 'db', connection: secret('SCRATCH_URL'), query: 'SELECT pg_sleep(5)', retry: false }));
    const pending = runOnce(slow, pgSecrets());
    await sleep(700);
    await control('/pg/scratch/stop');
    const run = await pending;
    expect(run.judgement.status).toBe('down');
    expect(run.message).toMatch(/terminat|connection|closed|lost/i);
    const refused = await runOnce(viaLocalNeon(pg.ping({ id: 'db', connection: secret('SCRATCH_URL'), retry: false })), pgSecrets());
    expect(refused.judgement.status).toBe('down');
    await control('/pg/scratch/start');
    expect((await runOnce(viaLocalNeon(pg.ping({ id: 'db', connection: secret('SCRATCH_URL') })), pgSecrets())).judgement.status).toBe('up');
  });
});

const recipe = <T extends { connection?: unknown }>(input: T) => viaLocalNeon(input as never);

describe('recipes', () => {
  it('ping (R09)', async () => {
    const run = await runOnce(recipe(pg.ping({ id: 'db', connection: DB })), pgSecrets());
    expect(run.judgement.status).toBe('up');
  });

  it('connections (R10): the default 80% / 90% of max_connections, on a cluster with max_connections = 10', async () => {
    const SCRATCH = secret('SCRATCH_URL');
    await admin('ALTER SYSTEM SET max_connections = 10', [], pgUrls().scratch);
    await control('/pg/scratch/stop');
    await control('/pg/scratch/start');
    const held = [];
    try {
      // The check's own session is one of the connections: 7 held + it = 80%, 8 held + it = 90%.
      for (let i = 0; i < 7; i++) held.push(await adminClient(pgUrls().scratch));
      const warn = await runOnce(recipe(pg.connections({ id: 'conn', connection: SCRATCH })), pgSecrets());
      expect(warn.observation.values).toMatchObject({ max_connections: 10, connections: 8 });
      expect(warn.judgement.status).toBe('degraded');
      expect(warn.message).toBe('share of max_connections in use = 80%, expected < 80%');
      held.push(await adminClient(pgUrls().scratch));
      const crit = await runOnce(recipe(pg.connections({ id: 'conn', connection: SCRATCH })), pgSecrets());
      expect(crit.judgement.status).toBe('down');
      expect(crit.message).toBe('share of max_connections in use = 90%, expected < 90%');
    } finally {
      await Promise.all(held.map((client) => client.end()));
      await admin('ALTER SYSTEM RESET max_connections', [], pgUrls().scratch);
      await control('/pg/scratch/stop');
      await control('/pg/scratch/start');
    }
  });

  it('connections (R10): used % by default, a count limit, by state', async () => {
    const ok = await runOnce(recipe(pg.connections({ id: 'conn', connection: DB })), pgSecrets());
    expect(ok.judgement.status).toBe('up');
    expect(ok.observation.values).toMatchObject({ max_connections: 40 });
    const held = await Promise.all(Array.from({ length: 6 }, () => adminClient()));
    try {
      const busy = await runOnce(recipe(pg.connections({ id: 'conn', connection: DB, below: { warn: 5 } })), pgSecrets());
      expect(busy.judgement.status).toBe('degraded');
      expect(busy.message).toMatch(/^connections = (\d+), expected < 5$/);
      expect(Number(busy.observation.values.idle)).toBeGreaterThanOrEqual(6);
    } finally {
      await Promise.all(held.map((client) => client.end()));
    }
  });

  it('databaseSize (R11): a limit on the size', async () => {
    const small = await runOnce(recipe(pg.databaseSize({ id: 'size', connection: DB, below: 1000 })), pgSecrets());
    expect(small.judgement.status).toBe('down');
    expect(small.message).toMatch(/^database size = [\d.]+ MiB, expected < 1000 B$/);
    expect((await runOnce(recipe(pg.databaseSize({ id: 'size', connection: DB, below: 10 * 2 ** 30 })), pgSecrets())).judgement.status).toBe('up');
  });

  it('databaseSize (R11): growth against the value 7 days ago, through ticks', async () => {
    await reset();
    const table = unique('growth').replace(/-/g, '_');
    const cfg = config({ checks: [recipe(pg.databaseSize({ id: 'size', connection: secret('SCRATCH_URL'), growth: { window: '7d', pct: 25 }, confirmations: { down: 1 } }))] });
    const state = async () => (await ledgerState(cfg)).checks.size;
    await runTick(cfg, T0, { secrets: pgSecrets() });
    expect((await state())?.message).toBe('database size: change over 7d: not enough history yet');
    try {
      // About 7 MB on a database of about 7.5 MB: it nearly doubles.
      await admin(`CREATE TABLE ${table} AS SELECT g FROM generate_series(1, 200000) g`, [], pgUrls().scratch);
      await runTick(cfg, T0 + 7 * 24 * 60 * 60_000, { secrets: pgSecrets() });
      const grown = await state();
      expect(grown?.status).toBe('down');
      expect(grown?.message).toMatch(/^database size: change over 7d = \+?\d+(\.\d+)?%, expected < 25%$/);
    } finally {
      await admin(`DROP TABLE IF EXISTS ${table}`, [], pgUrls().scratch);
    }
  });

  it('embedding coverage (R13, the Musicr example): below target on the seeded songs, above it on healthy.songs', async () => {
    const coverage = musicr(undefined, { wsProxy: pgUrls().wsProxy }).checks?.find((c) => c.id === 'musicr-embedding-coverage');
    if (!coverage) throw new Error('the Musicr example has no musicr-embedding-coverage check');
    const below = await runOnce(coverage, pgSecrets());
    expect(below.judgement.status).toBe('degraded');
    expect(below.message).toBe('embedding coverage (%) = 90, expected > 95');
    const above = await runOnce(coverage, { DATABASE_URL: withSearchPath(pgUrls().primary, 'healthy') });
    expect(above.observation.values.coverage_pct).toBe(98);
    expect(above.judgement.status).toBe('up');
  });

  it('largestTables (R11): the report and a limit on the largest', async () => {
    const run = await runOnce(recipe(pg.largestTables({ id: 'tables', connection: DB, limit: 3, largestBelow: 100 * 1024 })), pgSecrets());
    expect(run.observation.values.table_name).toBe('public.earnings');
    expect(run.observation.details?.[0]).toMatch(/^table_name=public\.earnings, bytes=[\d.]+ (KiB|MiB)$/);
    expect(run.observation.details).toHaveLength(3);
    expect(run.judgement.status).toBe('down');
    expect(run.message).toMatch(/^largest table = [\d.]+ (KiB|MiB), expected < 100 KiB$/);
  });

  it('cacheHitRatio (R17): fine on a warm database, low on a cold one', async () => {
    expect((await runOnce(recipe(pg.cacheHitRatio({ id: 'cache', connection: DB })), pgSecrets())).judgement.status).toBe('up');
    // A restarted cluster starts with an empty cache and reads catalogs from disk.
    await control('/pg/scratch/stop');
    await control('/pg/scratch/start');
    const cold = await runOnce(recipe(pg.cacheHitRatio({ id: 'cache', connection: secret('SCRATCH_URL'), above: 99.5 })), pgSecrets());
    expect(cold.judgement.status).toBe('down');
    expect(cold.message).toMatch(/^cache hit ratio = [\d.]+%, expected > 99\.5%$/);
  });

  it('longRunningQueries and idleInTransaction (R16)', async () => {
    const busy = await adminClient();
    const idle = await adminClient();
    const sleeping = busy.query('SELECT pg_sleep(8)').catch(() => undefined);
    await idle.query('BEGIN');
    await idle.query('SELECT 1');
    await sleep(1600);
    try {
      const long = await runOnce(recipe(pg.longRunningQueries({ id: 'long', connection: DB, olderThan: '1s' })), pgSecrets());
      expect(long.judgement.status).toBe('down');
      expect(long.message).toBe('queries running longer than 1s = 1, expected <= 0');
      expect(long.observation.values.oldest_query).toBe('SELECT pg_sleep(8)');
      const txn = await runOnce(recipe(pg.idleInTransaction({ id: 'txn', connection: DB, olderThan: '1s' })), pgSecrets());
      expect(txn.judgement.status).toBe('down');
      expect(txn.message).toBe('sessions idle in a transaction for more than 1s = 1, expected <= 0');
      expect((await runOnce(recipe(pg.longRunningQueries({ id: 'long', connection: DB, olderThan: '1h' })), pgSecrets())).judgement.status).toBe('up');
    } finally {
      await idle.query('ROLLBACK');
      await idle.end();
      await busy.query('SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query = $1', ['SELECT pg_sleep(8)']).catch(() => undefined);
      await sleeping;
      await busy.end();
    }
    expect((await runOnce(recipe(pg.idleInTransaction({ id: 'txn', connection: DB, olderThan: '1s' })), pgSecrets())).judgement.status).toBe('up');
  });

  it('activity recipes (R10, R16) as a role without pg_read_all_stats: unknown, with the GRANT to run', async () => {
    // PostgreSQL shows other roles' sessions to it with state, query and times NULL: they would count as 0.
    const idle = await adminClient();
    const busy = await adminClient();
    const sleeping = busy.query('SELECT pg_sleep(6)').catch(() => undefined);
    await idle.query('BEGIN');
    await idle.query('SELECT 1');
    await sleep(1600);
    const limited = { NOSTATS_URL: noStatsUrl() };
    const as = secret('NOSTATS_URL');
    try {
      // The same condition, seen by a role with pg_read_all_stats.
      expect((await runOnce(recipe(pg.idleInTransaction({ id: 'txn', connection: secret('READER_URL'), olderThan: '1s' })), pgSecrets())).judgement.status).toBe('down');
      for (const check of [
        pg.idleInTransaction({ id: 'txn', connection: as, olderThan: '1s' }),
        pg.longRunningQueries({ id: 'long', connection: as, olderThan: '1s' }),
        pg.idleConnections({ id: 'idle', connection: as, olderThan: '1s', max: 0 }),
        pg.connections({ id: 'conn', connection: as }),
      ]) {
        const run = await runOnce(recipe(check), limited);
        expect(run.judgement.status, check.id).toBe('unknown');
        expect(run.message).toBe("role vigil_nostats cannot see other roles' sessions (PostgreSQL hides their state and query without pg_read_all_stats): GRANT pg_read_all_stats TO vigil_nostats");
      }
    } finally {
      await idle.query('ROLLBACK');
      await idle.end();
      await busy.query('SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query = $1', ['SELECT pg_sleep(6)']).catch(() => undefined);
      await sleeping;
      await busy.end();
    }
  });

  it('idleConnections (R16)', async () => {
    const held = await Promise.all(Array.from({ length: 3 }, () => adminClient()));
    await sleep(1200);
    try {
      const run = await runOnce(recipe(pg.idleConnections({ id: 'idle', connection: DB, olderThan: '1s', max: { warn: 1 } })), pgSecrets());
      expect(run.judgement.status).toBe('degraded');
      expect(run.message).toMatch(/^connections idle for more than 1s = \d+, expected < 2$/);
    } finally {
      await Promise.all(held.map((client) => client.end()));
    }
  });

  it('extension (R12)', async () => {
    expect((await runOnce(recipe(pg.extension({ id: 'ext', connection: DB, extension: 'pg_stat_statements' })), pgSecrets())).judgement.status).toBe('up');
    // The test machine has no pgvector: the check says so.
    const vector = await runOnce(recipe(pg.extension({ id: 'ext', connection: DB, extension: 'vector' })), pgSecrets());
    expect(vector.judgement.status).toBe('down');
    expect(vector.message).toBe('extension vector installed = false, expected true');
  });

  it('index (R12): by name pattern and access method', async () => {
    const found = await runOnce(recipe(pg.index({ id: 'idx', connection: DB, table: 'songs', like: '%artist%', using: 'btree' })), pgSecrets());
    expect(found.judgement.status).toBe('up');
    expect(found.observation.values.indexes).toBe('idx_songs_artist');
    const hnsw = await runOnce(recipe(pg.index({ id: 'idx', connection: DB, table: 'songs', like: '%hnsw%' })), pgSecrets());
    expect(hnsw.judgement.status).toBe('down');
    expect(hnsw.message).toBe('indexes on songs matching %hnsw% = 0, expected >= 1');
  });

  it('unusedIndexes (R15): a report, or a threshold', async () => {
    const report = await runOnce(recipe(pg.unusedIndexes({ id: 'unused', connection: DB })), pgSecrets());
    expect(report.judgement.status).toBe('up');
    expect(report.observation.details?.some((line) => line.startsWith('index_name=public.idx_songs_title_unused, table_name=songs'))).toBe(true);
    const strict = await runOnce(recipe(pg.unusedIndexes({ id: 'unused', connection: DB, max: 0 })), pgSecrets());
    expect(strict.judgement.status).toBe('degraded');
    expect(strict.message).toMatch(/^unused indexes = \d+, expected <= 0$/);
  });

  it('slowQueries (R14): from pg_stat_statements, unknown without it', async () => {
    await admin('SELECT pg_sleep(0.3)');
    const slow = await runOnce(recipe(pg.slowQueries({ id: 'slow', connection: DB, meanAbove: 200 })), pgSecrets());
    expect(slow.judgement.status).toBe('degraded');
    expect(slow.message).toMatch(/^statements slower than 200 ms on average = \d+, expected < 1$/);
    expect(slow.observation.details?.some((line) => /query=SELECT pg_sleep\(\$1\)/.test(line))).toBe(true);
    expect((await runOnce(recipe(pg.slowQueries({ id: 'slow', connection: DB, meanAbove: 60_000 })), pgSecrets())).judgement.status).toBe('up');
    const missing = await runOnce(recipe(pg.slowQueries({ id: 'slow', connection: secret('PLAIN_URL') })), pgSecrets());
    expect(missing.judgement.status).toBe('unknown');
    expect(missing.message).toMatch(/^pg_stat_statements is not installed in this database: CREATE EXTENSION pg_stat_statements/);
  });

  it('prismaMigrations (R18)', async () => {
    const failed = await runOnce(recipe(pg.prismaMigrations({ id: 'migrations', connection: DB })), pgSecrets());
    expect(failed.judgement.status).toBe('down');
    expect(failed.message).toBe('failed or unfinished migrations = 1, expected 0');
    expect(failed.observation.values.failed_migrations).toBe('20260201000000_add_song_index');
    expect((await runOnce(recipe(pg.prismaMigrations({ id: 'migrations', connection: DB, schema: 'healthy' })), pgSecrets())).judgement.status).toBe('up');
    const none = await runOnce(recipe(pg.prismaMigrations({ id: 'migrations', connection: secret('PLAIN_URL') })), pgSecrets());
    expect(none.judgement.status).toBe('unknown');
    expect(() => pg.prismaMigrations({ id: 'm', connection: DB, schema: 'x; DROP TABLE users' })).toThrow(/check "m": schema "x; DROP TABLE users" must be a plain name/);
  });

  it('replicationLag and replicaLag (R20): a real streaming replica, paused', async () => {
    const primary = await runOnce(recipe(pg.replicationLag({ id: 'lag', connection: DB })), pgSecrets());
    expect(primary.judgement.status).toBe('up');
    expect(primary.observation.values.replicas).toBe(1);
    expect((await runOnce(recipe(pg.replicaLag({ id: 'replica', connection: secret('REPLICA_URL'), below: 5 })), pgSecrets())).judgement.status).toBe('up');

    // Replay one commit so the replica has a last-replayed time, then stop replaying.
    await admin('CREATE TABLE IF NOT EXISTS lag_probe (id int)');
    for (let i = 0; i < 50 && (await admin("SELECT to_regclass('lag_probe') IS NOT NULL AS ok", [], pgUrls().replica))[0]?.ok !== true; i++) await sleep(100);
    await admin('SELECT pg_wal_replay_pause()', [], pgUrls().replica);
    try {
      await admin('INSERT INTO lag_probe SELECT generate_series(1, 1000)');
      await sleep(2200);
      const behind = await runOnce(recipe(pg.replicaLag({ id: 'replica', connection: secret('REPLICA_URL'), below: 1 })), pgSecrets());
      expect(behind.judgement.status).toBe('down');
      expect(behind.message).toMatch(/^replica lag = \d+s, expected < 1s$/);
      const fromPrimary = await runOnce(recipe(pg.replicationLag({ id: 'lag', connection: DB, expect: [column('lag_bytes').below(1)] })), pgSecrets());
      expect(fromPrimary.judgement.status).toBe('down');
      expect(Number(fromPrimary.observation.values.lag_bytes)).toBeGreaterThan(0);
    } finally {
      await admin('SELECT pg_wal_replay_resume()', [], pgUrls().replica);
      await admin('DROP TABLE IF EXISTS lag_probe');
    }
  });

  it('replicationLag (R20): a primary without replicas is down, not "0 ms behind"', async () => {
    const none = await runOnce(recipe(pg.replicationLag({ id: 'lag', connection: secret('SCRATCH_URL') })), pgSecrets());
    expect(none.judgement.status).toBe('down');
    expect(none.message).toBe('no replica connected (pg_stat_replication is empty); streaming replicas = 0, expected >= 1');
    expect((await runOnce(recipe(pg.replicationLag({ id: 'lag', connection: secret('SCRATCH_URL'), minReplicas: 0 })), pgSecrets())).judgement.status).toBe('up');
  });

  it('replicaLag (R20): a replica whose WAL receiver stopped is down, not "0 s behind"', async () => {
    const replica = pgUrls().replica;
    const receiver = async () => (await admin('SELECT coalesce((SELECT status FROM pg_stat_wal_receiver), \'none\') AS s', [], replica))[0]?.s;
    const [{ restore }] = (await admin("SELECT format('ALTER SYSTEM SET primary_conninfo = %L', current_setting('primary_conninfo')) AS restore", [], replica)) as [{ restore: string }];
    await admin("ALTER SYSTEM SET primary_conninfo = ''", [], replica);
    await admin('SELECT pg_reload_conf()', [], replica);
    try {
      for (let i = 0; i < 100 && (await receiver()) !== 'none'; i++) await sleep(100);
      const stopped = await runOnce(recipe(pg.replicaLag({ id: 'replica', connection: secret('REPLICA_URL') })), pgSecrets());
      expect(stopped.observation.values.lag_s).toBe(0);
      expect(stopped.judgement.status).toBe('down');
      expect(stopped.message).toBe('the replica is not streaming from the primary (WAL receiver: not running), so its lag cannot be measured');
    } finally {
      await admin(restore, [], replica);
      await admin('SELECT pg_reload_conf()', [], replica);
    }
    for (let i = 0; i < 100 && (await receiver()) !== 'streaming'; i++) await sleep(100);
    expect((await runOnce(recipe(pg.replicaLag({ id: 'replica', connection: secret('REPLICA_URL') })), pgSecrets())).judgement.status).toBe('up');
  });

  it('recentRows and a per-IP query (R19)', async () => {
    const errors = await runOnce(recipe(pg.recentRows({ id: 'errors', connection: DB, table: 'error_logs', within: '1 hour', below: 10 })), pgSecrets());
    expect(errors.judgement.status).toBe('down');
    expect(errors.message).toBe('error_logs rows in the last 1 hour = 12, expected < 10');
    expect((await runOnce(recipe(pg.recentRows({ id: 'errors', connection: DB, table: 'error_logs', within: '1 hour', below: 50 })), pgSecrets())).judgement.status).toBe('up');
    const logins = await runOnce(
      recipe(
        postgres({
          id: 'failed-logins',
          connection: DB,
          query: "SELECT ip_address::text AS ip, count(*)::int AS attempts FROM security_events WHERE event_type = 'failed_login' AND created_at > now() - interval '1 hour' GROUP BY ip_address ORDER BY attempts DESC",
          expect: [eachRow('attempts').lte(10)],
        }),
      ),
      pgSecrets(),
    );
    expect(logins.judgement.status).toBe('down');
    expect(logins.message).toBe("each row's attempts = 15 (1 of 2 values fail), expected <= 10");
  });

  it('walArchiving: archived segments, then a failing archive_command, and a replica with archiving off', async () => {
    const archived = async () => Number((await admin('SELECT archived_count FROM pg_stat_archiver'))[0]?.archived_count);
    const before = await archived();
    await admin('SELECT pg_switch_wal()');
    for (let i = 0; i < 50 && (await archived()) === before; i++) await sleep(100);
    const ok = await runOnce(recipe(pg.walArchiving({ id: 'wal', connection: DB, maxAge: '10m' })), pgSecrets());
    expect(ok.judgement.status).toBe('up');

    const failures = async () => Number((await admin('SELECT failed_count FROM pg_stat_archiver'))[0]?.failed_count);
    const failedBefore = await failures();
    await admin("ALTER SYSTEM SET archive_command = 'false'");
    await admin('SELECT pg_reload_conf()');
    try {
      await admin('CREATE TABLE IF NOT EXISTS wal_probe (id int); INSERT INTO wal_probe SELECT generate_series(1, 100)');
      await admin('SELECT pg_switch_wal()');
      for (let i = 0; i < 100 && (await failures()) === failedBefore; i++) await sleep(100);
      const failing = await runOnce(recipe(pg.walArchiving({ id: 'wal', connection: DB })), pgSecrets());
      expect(failing.judgement.status).toBe('down');
      expect(failing.message).toBe('the last WAL archive attempt failed = true, expected false');
      expect(String(failing.observation.values.last_failed_wal)).toMatch(/^[0-9A-F]{24}$/);
    } finally {
      await admin('ALTER SYSTEM RESET archive_command');
      await admin('SELECT pg_reload_conf()');
      await admin('DROP TABLE IF EXISTS wal_probe');
    }
    const replica = await runOnce(recipe(pg.walArchiving({ id: 'wal', connection: secret('REPLICA_URL') })), pgSecrets());
    expect(replica.judgement.status).toBe('down');
    expect(replica.message).toMatch(/^archive_mode = "off", expected not "off"/);
  });

  it('newestRow: a backups table newer than a limit', async () => {
    expect((await runOnce(recipe(pg.newestRow({ id: 'backups', connection: DB, table: 'backups', maxAge: '25h' })), pgSecrets())).judgement.status).toBe('up');
    const stale = await runOnce(recipe(pg.newestRow({ id: 'backups', connection: DB, table: 'backups', maxAge: '1h' })), pgSecrets());
    expect(stale.judgement.status).toBe('down');
    // Seeded 2 hours before the suite started: a minute or two more by now.
    expect(stale.message).toMatch(/^age of the newest backups row = 2h( \d+m)?, expected < 1h$/);
  });
});

describe.each(['websocket', 'http'] as const)('ages and ratios of SQL values over %s', (transport) => {
  it('timestamptz, timestamp, text and epoch seconds/ms columns all have an age; a ratio of two columns', async () => {
    const query = `SELECT now() - interval '2 hours' AS finished_at,
  (now() - interval '90 minutes')::timestamp AS no_zone,
  (now() - interval '1 hour')::text AS as_text,
  extract(epoch FROM now() - interval '1 minute')::float8 AS epoch_s,
  (extract(epoch FROM now() - interval '10 minutes') * 1000)::bigint AS epoch_ms,
  930 AS with_embeddings, 1000 AS total`;
    const run = await runOnce(
      viaLocalNeon(
        postgres({
          id: 'ages',
          connection: DB,
          query,
          expect: [
            column('finished_at').age().below('3h'),
            column('no_zone').age().below('2h'),
            column('as_text').age().below('90m'),
            column('epoch_s').age().below('2m'),
            column('epoch_ms').age().below({ warn: '5m', crit: '1h' }),
            percentOf(column('with_embeddings'), column('total')).above(95).warn(),
          ],
        }),
        transport,
      ),
      pgSecrets(),
      undefined,
      Date.now(),
    );
    const ages = run.judgement.outcomes.map((outcome) => Math.round(Number(outcome.observed)));
    // Within a few seconds of what the query subtracted (the database's clock and the test's are the same machine's).
    expect(ages.slice(0, 5).map((seconds, index) => Math.abs(seconds - [7200, 5400, 3600, 60, 600][index]!) < 30)).toEqual([true, true, true, true, true]);
    expect(run.judgement.status).toBe('degraded');
    expect(run.message).toBe('age of epoch_ms = 10m, expected < 5m; with_embeddings as % of total = 93%, expected > 95%');
  });
});
