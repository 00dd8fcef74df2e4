// Built-in PostgreSQL recipes: one line in checks/ for what the runbooks ask
// (R09–R20). Each returns an ordinary `postgres` check with a vetted,
// read-only query and default thresholds; anything can be overridden.
//   pg.connections({ id: 'db-connections', connection: secret('DATABASE_URL') })

import { column, rowCount, withHysteresis, type Expectation, type Levels } from '../assert/builders';
import { atMost, levels } from './recipe-levels';
import type { CheckInput } from '../config';
import { parseDuration } from '../config/duration';
import { recipeName } from './recipe-name';

type PostgresInput = Extract<CheckInput, { kind: 'postgres' }>;

/** What every recipe takes: the check's common fields and connection options, without the query. */
export type RecipeBase = Omit<PostgresInput, 'kind' | 'query' | 'params' | 'expect' | 'report' | 'explainErrors' | 'flags' | 'name'> & {
  name?: string;
  /** More assertions, added to the recipe's own. */
  expect?: Expectation[];
  /** Hysteresis in % on the recipe's thresholds, for a value that hovers at one (connections, a hit ratio): see `.hysteresis()`. */
  hysteresis?: number;
};

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** Quotes a (optionally schema-qualified) identifier, refusing anything else. */
function identifier(what: string, text: string, checkId: string): string {
  const parts = text.split('.');
  if (parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw new Error(`check "${checkId}": ${what} "${text}" must be a plain name such as error_logs or app.error_logs`);
  }
  return parts.map((part) => `"${part}"`).join('.');
}


type Flags = NonNullable<PostgresInput['flags']>;

function build(
  base: RecipeBase,
  recipe: { name: string; query: string; params?: Array<string | number | boolean | null>; expect: Expectation[]; report?: number; explainErrors?: Record<string, string>; flags?: Flags },
): PostgresInput {
  const { expect: extra = [], name, hysteresis, ...rest } = base;
  const check: PostgresInput = { kind: 'postgres', ...rest, name: name ?? recipeName(recipe.name, rest.id), query: recipe.query, expect: [...withHysteresis(recipe.expect, hysteresis), ...extra] };
  if (recipe.params) check.params = recipe.params;
  if (recipe.report) check.report = recipe.report;
  if (recipe.explainErrors) check.explainErrors = recipe.explainErrors;
  if (recipe.flags) check.flags = recipe.flags;
  return check;
}

/**
 * Without pg_read_all_stats a role sees other roles' sessions in
 * pg_stat_activity (and pg_stat_replication, pg_stat_wal_receiver) with state,
 * query, times and backend_type all NULL: they would count as nothing and the
 * check would pass. Recipes reading those views add these columns and flag.
 */
const STATS_VISIBLE_COLUMNS = `NOT pg_has_role(current_user, 'pg_read_all_stats', 'member') AS stats_hidden, current_user::text AS check_role`;
const STATS_HIDDEN: Flags = {
  stats_hidden: {
    status: 'unknown',
    message: "role {check_role} cannot see other roles' sessions (PostgreSQL hides their state and query without pg_read_all_stats): GRANT pg_read_all_stats TO {check_role}",
  },
};

const PG_STAT_STATEMENTS_MISSING = {
  '42P01': 'pg_stat_statements is not installed in this database: CREATE EXTENSION pg_stat_statements (it also needs shared_preload_libraries)',
  '55000': 'pg_stat_statements is installed but not loaded: add it to shared_preload_libraries and restart PostgreSQL',
};

export const pg = {
  /** R09: the database answers `SELECT 1`. */
  ping(base: RecipeBase) {
    return build(base, { name: 'PostgreSQL', query: 'SELECT 1 AS ok', expect: [column('ok').eq(1)] });
  },

  /**
   * R10: client connections, overall and by state, against max_connections.
   * Default: degraded at 80% of max_connections, down at 90%. `below` adds limits on the count.
   */
  connections(base: RecipeBase & { below?: number | Levels; usedPct?: number | Levels }) {
    const expect: Expectation[] = [column('used_pct').label('share of max_connections in use').unit('%').below(levels(base.usedPct, { warn: 80, crit: 90 }))];
    if (base.below !== undefined) expect.push(column('connections').below(levels(base.below, {})));
    const { below: _below, usedPct: _used, ...rest } = base;
    return build(rest, {
      name: 'Database connections',
      query: `SELECT count(*)::int AS connections,
  current_setting('max_connections')::int AS max_connections,
  round(100.0 * count(*) / current_setting('max_connections')::int, 1)::float8 AS used_pct,
  count(*) FILTER (WHERE state = 'active')::int AS active,
  count(*) FILTER (WHERE state = 'idle')::int AS idle,
  count(*) FILTER (WHERE state LIKE 'idle in transaction%')::int AS idle_in_transaction,
  ${STATS_VISIBLE_COLUMNS}
FROM pg_stat_activity WHERE backend_type = 'client backend'`,
      expect,
      flags: STATS_HIDDEN,
    });
  },

  /**
   * R11: database size in bytes, optionally below a limit, and its growth over a
   * window (default 7 days) compared with the value back then.
   */
  databaseSize(base: RecipeBase & { below?: number | Levels; growth?: { window?: string; pct: number | Levels } }) {
    const expect: Expectation[] = [];
    if (base.below !== undefined) expect.push(column('bytes').label('database size').unit('bytes').below(levels(base.below, {})));
    if (base.growth) expect.push(column('bytes').label('database size').unit('bytes').changePct(base.growth.window ?? '7d').below(levels(base.growth.pct, {})));
    const { below: _below, growth: _growth, ...rest } = base;
    return build(rest, { name: 'Database size', query: 'SELECT pg_database_size(current_database())::float8 AS bytes', expect });
  },

  /** R11: the largest tables (report), optionally with a limit on the largest. */
  largestTables(base: RecipeBase & { limit?: number; largestBelow?: number | Levels }) {
    const expect: Expectation[] = base.largestBelow !== undefined ? [column('bytes').label('largest table').unit('bytes').below(levels(base.largestBelow, {}))] : [];
    const { limit = 10, largestBelow: _largest, ...rest } = base;
    return build(rest, {
      name: 'Largest tables',
      query: `SELECT n.nspname || '.' || c.relname AS table_name, pg_total_relation_size(c.oid)::float8 AS bytes
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
ORDER BY 2 DESC LIMIT $1`,
      params: [limit],
      expect,
      report: Math.min(limit, 20),
    });
  },

  /** R17: buffer cache hit ratio in percent. Default: degraded under 95%, down under 90%. */
  cacheHitRatio(base: RecipeBase & { above?: number | Levels }) {
    const { above, ...rest } = base;
    return build(rest, {
      name: 'Buffer cache hit ratio',
      query: `SELECT coalesce(round(100.0 * sum(blks_hit) / nullif(sum(blks_hit) + sum(blks_read), 0), 2), 100)::float8 AS hit_pct
FROM pg_stat_database WHERE datname = current_database()`,
      expect: [column('hit_pct').label('cache hit ratio').unit('%').above(levels(above, { warn: 95, crit: 90 }))],
    });
  },

  /** R16: queries running longer than `olderThan` (default 5m); at most `max` (default 0). */
  longRunningQueries(base: RecipeBase & { olderThan?: string; max?: number }) {
    const { olderThan = '5m', max = 0, ...rest } = base;
    return build(rest, {
      name: 'Long-running queries',
      query: `SELECT count(*)::int AS long_running, coalesce(max(extract(epoch FROM now() - query_start)), 0)::float8 AS oldest_s,
  coalesce(max(left(regexp_replace(query, '\\s+', ' ', 'g'), 80)) FILTER (WHERE query_start = (SELECT min(query_start) FROM pg_stat_activity a2 WHERE a2.state = 'active' AND a2.backend_type = 'client backend' AND a2.pid <> pg_backend_pid())), '') AS oldest_query,
  ${STATS_VISIBLE_COLUMNS}
FROM pg_stat_activity
WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND now() - query_start > $1::interval`,
      params: [olderThan],
      expect: [column('long_running').label(`queries running longer than ${olderThan}`).lte(max)],
      flags: STATS_HIDDEN,
    });
  },

  /** R16: sessions idle inside a transaction longer than `olderThan` (default 5m): they hold locks. */
  idleInTransaction(base: RecipeBase & { olderThan?: string; max?: number }) {
    const { olderThan = '5m', max = 0, ...rest } = base;
    return build(rest, {
      name: 'Idle in transaction',
      query: `SELECT count(*)::int AS idle_in_transaction, coalesce(max(extract(epoch FROM now() - state_change)), 0)::float8 AS oldest_s,
  ${STATS_VISIBLE_COLUMNS}
FROM pg_stat_activity
WHERE state LIKE 'idle in transaction%' AND backend_type = 'client backend' AND now() - state_change > $1::interval`,
      params: [olderThan],
      expect: [column('idle_in_transaction').label(`sessions idle in a transaction for more than ${olderThan}`).lte(max)],
      flags: STATS_HIDDEN,
    });
  },

  /** R16: plain idle connections older than `olderThan` (default 10m), at most `max` (default 20). */
  idleConnections(base: RecipeBase & { olderThan?: string; max?: number | Levels }) {
    const { olderThan = '10m', max, ...rest } = base;
    return build(rest, {
      name: 'Idle connections',
      query: `SELECT count(*)::int AS idle, ${STATS_VISIBLE_COLUMNS} FROM pg_stat_activity
WHERE state = 'idle' AND backend_type = 'client backend' AND now() - state_change > $1::interval`,
      params: [olderThan],
      expect: [column('idle').label(`connections idle for more than ${olderThan}`).below(atMost(max, { warn: 20 }))],
      flags: STATS_HIDDEN,
    });
  },

  /** R12: an extension is installed (e.g. vector). */
  extension(base: RecipeBase & { extension: string }) {
    const { extension, ...rest } = base;
    return build(rest, {
      name: `Extension ${extension}`,
      query: `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = $1) AS installed,
  coalesce((SELECT extversion FROM pg_extension WHERE extname = $1), '') AS version`,
      params: [extension],
      expect: [column('installed').label(`extension ${extension} installed`).eq(true)],
    });
  },

  /**
   * R12: an index exists on `table`: by exact `index` name, a LIKE pattern
   * (`like: '%hnsw%'`, as the Musicr runbook checks), and/or its access method (`using: 'hnsw'`).
   */
  index(base: RecipeBase & { table: string; index?: string; like?: string; using?: string }) {
    const { table, index, like, using, ...rest } = base;
    const what = [index ?? like, using ? `using ${using}` : ''].filter(Boolean).join(' ') || 'any index';
    return build(rest, {
      name: `Index on ${table}`,
      query: `SELECT count(*)::int AS found, coalesce(string_agg(i.relname, ', '), '') AS indexes
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid JOIN pg_am am ON am.oid = i.relam
WHERE t.relname = $1 AND ($2::text IS NULL OR i.relname = $2) AND ($3::text IS NULL OR i.relname LIKE $3) AND ($4::text IS NULL OR am.amname = $4)`,
      params: [table, index ?? null, like ?? null, using ?? null],
      expect: [column('found').label(`indexes on ${table} matching ${what}`).gte(1)],
    });
  },

  /** R15: indexes never scanned (a report for the weekly checklist); `max` turns it into a threshold. */
  unusedIndexes(base: RecipeBase & { max?: number; minBytes?: number }) {
    const { max, minBytes = 0, ...rest } = base;
    return build(rest, {
      name: 'Unused indexes',
      query: `SELECT s.schemaname || '.' || s.indexrelname AS index_name, s.relname AS table_name, pg_relation_size(s.indexrelid)::float8 AS bytes
FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid
WHERE s.idx_scan = 0 AND NOT i.indisunique AND NOT i.indisprimary AND pg_relation_size(s.indexrelid) >= $1
ORDER BY 3 DESC, 1 LIMIT 50`,
      params: [minBytes],
      expect: max === undefined ? [] : [rowCount().label('unused indexes').lte(max).warn()],
      report: 20,
    });
  },

  /**
   * R14: statements whose mean time is over `meanAbove` ms (default 500) in
   * pg_stat_statements; at most `max` (default 0). `unknown` with a clear message
   * when the extension is missing. Works with both the PostgreSQL 13+ and older column names.
   */
  slowQueries(base: RecipeBase & { meanAbove?: number; minCalls?: number; max?: number | Levels }) {
    const { meanAbove = 500, minCalls = 1, max, ...rest } = base;
    return build(rest, {
      name: 'Slow queries',
      query: `WITH s AS (
  SELECT coalesce((to_jsonb(p) ->> 'mean_exec_time'), (to_jsonb(p) ->> 'mean_time'))::float8 AS mean_ms, p.calls, p.query
  FROM pg_stat_statements p WHERE p.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
)
SELECT round(mean_ms::numeric, 1)::float8 AS mean_ms, calls::int AS calls, left(regexp_replace(query, '\\s+', ' ', 'g'), 100) AS query,
  count(*) OVER ()::int AS slow
FROM s WHERE mean_ms > $1 AND calls >= $2 ORDER BY mean_ms DESC LIMIT 50`,
      params: [meanAbove, minCalls],
      expect: [rowCount().label(`statements slower than ${meanAbove} ms on average`).below(atMost(max, { warn: 0 }))],
      report: 10,
      explainErrors: PG_STAT_STATEMENTS_MISSING,
    });
  },

  /** R18: no Prisma migration failed or left unfinished (`_prisma_migrations`). */
  prismaMigrations(base: RecipeBase & { schema?: string }) {
    const { schema = 'public', ...rest } = base;
    const table = `${identifier('schema', schema, base.id)}."_prisma_migrations"`;
    return build(rest, {
      name: 'Database migrations',
      query: `SELECT count(*) FILTER (WHERE finished_at IS NULL AND rolled_back_at IS NULL)::int AS failed,
  count(*)::int AS total,
  coalesce(string_agg(migration_name, ', ') FILTER (WHERE finished_at IS NULL AND rolled_back_at IS NULL), '') AS failed_migrations
FROM ${table}`,
      expect: [column('failed').label('failed or unfinished migrations').eq(0)],
      explainErrors: { '42P01': `no ${schema}._prisma_migrations table: is this a Prisma database and the right schema?` },
    });
  },

  /**
   * R20, on the primary: replay lag of each streaming replica in seconds
   * (default: degraded over 30 s, down over 5 min), and at least `minReplicas`
   * (default 1) streaming: with none connected there is no lag to read, and
   * that is itself the failure. `minReplicas: 0` for a primary that may have none.
   */
  replicationLag(base: RecipeBase & { below?: number | Levels; minReplicas?: number }) {
    const { below, minReplicas = 1, ...rest } = base;
    const expect: Expectation[] = [column('lag_s').label('replication lag').unit('s').below(levels(below, { warn: 30, crit: 300 }))];
    const flags: Flags = { ...STATS_HIDDEN };
    if (minReplicas > 0) {
      expect.push(column('replicas').label('streaming replicas').gte(minReplicas));
      flags.no_replica = { status: 'down', message: 'no replica connected (pg_stat_replication is empty)' };
    }
    return build(rest, {
      name: 'Replication lag',
      query: `SELECT count(*) FILTER (WHERE state = 'streaming')::int AS replicas,
  coalesce(max(extract(epoch FROM greatest(replay_lag, write_lag, flush_lag))), 0)::float8 AS lag_s,
  coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), 0)::float8 AS lag_bytes,
  count(*) = 0 AS no_replica,
  ${STATS_VISIBLE_COLUMNS}
FROM pg_stat_replication`,
      expect,
      flags,
    });
  },

  /**
   * R20, on a replica: that it is one, that its WAL receiver is streaming from
   * the primary (a disconnected replica has nothing left to replay, so its lag
   * would read 0), and how far behind it is, in seconds.
   */
  replicaLag(base: RecipeBase & { below?: number | Levels }) {
    const { below, ...rest } = base;
    return build(rest, {
      name: 'Replica lag',
      // Behind with nothing replayed since start: it has been behind at least since then.
      query: `SELECT pg_is_in_recovery() AS in_recovery,
  coalesce((SELECT status FROM pg_stat_wal_receiver), 'not running') AS wal_receiver,
  pg_is_in_recovery() AND coalesce((SELECT status FROM pg_stat_wal_receiver), '') <> 'streaming' AS not_streaming,
  CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
       ELSE extract(epoch FROM now() - coalesce(pg_last_xact_replay_timestamp(), pg_postmaster_start_time())) END::float8 AS lag_s,
  coalesce(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), 0)::float8 AS replay_pending_bytes,
  ${STATS_VISIBLE_COLUMNS}`,
      expect: [column('in_recovery').label('is a replica').eq(true), column('lag_s').label('replica lag').unit('s').below(levels(below, { warn: 30, crit: 300 }))],
      flags: { ...STATS_HIDDEN, not_streaming: { status: 'down', message: 'the replica is not streaming from the primary (WAL receiver: {wal_receiver}), so its lag cannot be measured' } },
    });
  },

  /** R19: rows added to `table` within `within` (e.g. error_logs in the last hour). */
  recentRows(base: RecipeBase & { table: string; timeColumn?: string; within: string; where?: string; below?: number | Levels }) {
    const { table, timeColumn = 'created_at', within, where, below, ...rest } = base;
    const expect: Expectation[] = below === undefined ? [] : [column('rows').label(`${table} rows in the last ${within}`).below(levels(below, {}))];
    return build(rest, {
      name: `Recent ${table}`,
      query: `SELECT count(*)::int AS rows FROM ${identifier('table', table, base.id)}
WHERE ${identifier('timeColumn', timeColumn, base.id)} > now() - $1::interval${where ? ` AND (${where})` : ''}`,
      params: [within],
      expect,
    });
  },

  /**
   * WAL archiving (point-in-time recovery) is healthy: archive_mode is on, a
   * segment was archived within `maxAge` (default 1h), the last attempt did not
   * fail, and failures did not grow within the last hour.
   */
  walArchiving(base: RecipeBase & { maxAge?: string }) {
    const { maxAge = '1h', ...rest } = base;
    return build(rest, {
      name: 'WAL archiving',
      query: `SELECT current_setting('archive_mode') AS archive_mode, archived_count::int AS archived_count, failed_count::int AS failed_count,
  coalesce(extract(epoch FROM now() - last_archived_time), -1)::float8 AS last_archived_age_s,
  coalesce(last_failed_time > coalesce(last_archived_time, '-infinity'), false) AS failing,
  coalesce(last_failed_wal, '') AS last_failed_wal
FROM pg_stat_archiver`,
      expect: [
        column('archive_mode').label('archive_mode').ne('off'),
        column('failing').label('the last WAL archive attempt failed').eq(false),
        column('last_archived_age_s').label('time since a WAL segment was archived').unit('s').between(0, (parseDuration(maxAge) ?? Number.NaN) / 1000),
        column('failed_count').label('failed WAL archive attempts').change('1h').below(1).warn(),
      ],
    });
  },

  /** The newest row of `table` is younger than `maxAge` (e.g. a backups table, R28). */
  newestRow(base: RecipeBase & { table: string; timeColumn?: string; maxAge: string; where?: string }) {
    const { table, timeColumn = 'created_at', maxAge, where, ...rest } = base;
    const col = identifier('timeColumn', timeColumn, base.id);
    return build(rest, {
      name: `Newest ${table}`,
      query: `SELECT extract(epoch FROM now() - max(${col}))::float8 AS age_s, max(${col}) AS newest, extract(epoch FROM $1::interval)::float8 AS max_age_s
FROM ${identifier('table', table, base.id)}${where ? ` WHERE ${where}` : ''}`,
      params: [maxAge],
      expect: [column('age_s').label(`age of the newest ${table} row`).unit('s').below((parseDuration(maxAge) ?? Number.NaN) / 1000)],
    });
  },
};

