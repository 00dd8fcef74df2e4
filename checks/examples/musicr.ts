// Musicr (chat + semantic song search): Fastify API and React web on Railway,
// PostgreSQL with pgvector. Runbook: ../shared/runbooks/000_a00e6d6505e17b9f.md
// The URLs are the runbook's placeholders; pass your own to musicr({...}).

import { backups, checklist, column, defineConfig, discord, header, http, json, latency, maintenanceWindow, pg, postgres, secret, status, statuspage, task, websocket, type PostgresAccess } from '../../src/config';

export interface MusicrTargets {
  api: string;
  web: string;
  /** The web app's origin, which the API must allow (FRONTEND_ORIGIN). */
  webOrigin: string;
  /** Railway's status page (Instatus): https://status.railway.com. */
  railwayStatus: string;
}

export const MUSICR: MusicrTargets = {
  api: 'https://your-api-domain.railway.app',
  web: 'https://your-web-domain.railway.app',
  webOrigin: 'https://your-web-domain.railway.app',
  railwayStatus: 'https://status.railway.com',
};

/** Railway's PostgreSQL is reached through a WebSocket proxy you run next to it (docs/checks.md). */
export const MUSICR_DATABASE: PostgresAccess = { wsProxy: 'wss://wsproxy.your-api-domain.railway.app/v2' };

/** The runbook's `pg_dump $DATABASE_URL > backup_$(date +%Y%m%d).sql`, uploaded to R2 (binding BACKUPS) under musicr/. */
export const MUSICR_BACKUPS = { r2: 'BACKUPS', prefix: 'musicr/backup_' };

const RUNBOOK = 'https://github.com/your-org/musicr/blob/main/docs/RUNBOOK.md';

export function musicr(targets: MusicrTargets = MUSICR, database: PostgresAccess = MUSICR_DATABASE, store: { r2: string; prefix: string } = MUSICR_BACKUPS) {
  const db = { connection: secret('DATABASE_URL'), group: 'Database', ...database };
  return defineConfig({
    page: { title: 'Musicr status', description: 'Chat and semantic song search.' },
    channels: {
      team: discord({ webhookUrl: secret('DISCORD_WEBHOOK_URL') }),
    },
    checks: [
      // R01: `curl https://your-api-domain.railway.app/health` → {"status":"ok",...}
      http({
        id: 'musicr-api',
        name: 'API',
        group: 'Musicr',
        url: `${targets.api}/health`,
        expect: [status(200), json('$.status').eq('ok')],
        runbook: `${RUNBOOK}#service-down`,
        fix: 'railway logs --service api, then railway restart; roll back with railway rollback if the last deploy broke it',
      }),
      // R02: `curl -I https://your-web-domain.railway.app/` → HTTP 200
      http({
        id: 'musicr-web',
        name: 'Web app',
        group: 'Musicr',
        method: 'HEAD',
        url: `${targets.web}/`,
        expect: [status(200)],
        runbook: `${RUNBOOK}#web-down`,
      }),
      // R03: `curl -H "Origin: <web>" -I <api>/health` must allow the web origin
      http({
        id: 'musicr-cors',
        name: 'API allows the web app (CORS)',
        group: 'Musicr',
        every: '15m',
        url: `${targets.api}/health`,
        headers: { Origin: targets.webOrigin },
        expect: [header('access-control-allow-origin').eq(targets.webOrigin)],
        runbook: `${RUNBOOK}#cors-errors`,
        fix: 'Set FRONTEND_ORIGIN on the api service to the web URL and redeploy',
      }),
      // R04: "Users can't connect to chat": `wscat -c wss://your-api-domain.railway.app/`. The handshake as the
      // browser makes it, from the web app's origin (a wrong FRONTEND_ORIGIN is the runbook's first suspect),
      // and a clean close. The runbook gives no message format, so no message is sent.
      websocket({
        id: 'musicr-chat',
        name: 'Chat (WebSocket)',
        group: 'Musicr',
        url: `${targets.api.replace(/^http/, 'ws')}/`,
        headers: { Origin: targets.webOrigin },
        expect: [status(101), latency().below({ warn: 1000, crit: 5000 })],
        runbook: `${RUNBOOK}#websocket-connection-failures`,
        fix: 'Check FRONTEND_ORIGIN on the api service includes the web domain; check proxy WebSocket settings; railway status',
      }),
      // R33: P1 "Check Railway status page: status.railway.app" (now status.railway.com, an Instatus page).
      // A Railway incident explains an outage here; it alerts as a warning unless Railway reports a major outage.
      statuspage({
        id: 'musicr-railway-status',
        name: 'Railway platform',
        group: 'Dependencies',
        public: false,
        every: '5m',
        format: 'instatus',
        url: targets.railwayStatus,
        runbook: `${RUNBOOK}#p1-service-down`,
        fix: 'Railway incident: nothing to fix here; follow status.railway.com and contact Railway support if it lasts',
      }),
      // R05: "Song matching takes >2 seconds" is the slow-search symptom; the API's p95 goal is 500 ms.
      // The runbook names no search route; use the one the web app calls.
      http({
        id: 'musicr-search',
        name: 'Semantic search',
        group: 'Musicr',
        every: '5m',
        url: `${targets.api}/api/search?q=here%20comes%20the%20sun`,
        expect: [status(200), latency().below({ warn: 500, crit: 2000 }).hysteresis(10)],
        runbook: `${RUNBOOK}#slow-semantic-search`,
        fix: 'Check the HNSW index on songs exists; raise hnsw.ef_search only if recall is poor',
      }),
      // R08: `curl .../debug/connections` ("Check WebSocket connections"). The runbook gives neither the
      // JSON shape nor a limit: this reads {"connections": n}; tune the levels to your traffic. A surge
      // to 5× the day's median is worth a look before the limit is reached.
      http({
        id: 'musicr-ws-connections',
        name: 'WebSocket connections',
        group: 'Musicr',
        public: false,
        url: `${targets.api}/debug/connections`,
        expect: [
          status(200),
          json('$.connections').label('open WebSocket connections').below({ warn: 500, crit: 1000 }).hysteresis(10),
          json('$.connections').label('open WebSocket connections').vsMedian('24h').below(5).warn(),
        ],
        runbook: `${RUNBOOK}#websocket-connection-issues`,
        fix: 'railway logs --service @musicr/api | grep WebSocket; restart the api service if connections leak',
      }),
      // R09: `railway run psql -c "SELECT 1;"`
      pg.ping({ id: 'musicr-db', ...db, runbook: `${RUNBOOK}#database-connection-errors`, fix: 'railway status; check DATABASE_URL and the connection limit' }),
      // R10: the API's pool is 20 connections by default (connection_limit in DATABASE_URL)
      pg.connections({ id: 'musicr-db-connections', ...db, hysteresis: 5, runbook: `${RUNBOOK}#too-many-connections` }),
      // R11: weekly "Check database growth"
      pg.databaseSize({ id: 'musicr-db-size', ...db, every: '1h', growth: { window: '7d', pct: { warn: 25 } } }),
      // R12: `SELECT * FROM pg_extension WHERE extname='vector'` and the HNSW index on songs
      pg.extension({ id: 'musicr-pgvector', ...db, every: '1h', extension: 'vector', runbook: `${RUNBOOK}#vector-search-errors` }),
      pg.index({ id: 'musicr-hnsw-index', ...db, every: '1h', table: 'songs', like: '%hnsw%', runbook: `${RUNBOOK}#slow-semantic-search`, fix: 'Rebuild the HNSW index on songs.embedding_vector' }),
      // R13: embedding coverage (the runbook gives no target; below 95% is worth a look, below 80% search is broken).
      // Coverage drifts by a point or two as songs arrive and the backfill catches up: hysteresis(3) keeps one
      // alert open until it is back above 97.85% (tests/hysteresis-examples.test.ts: 7 alerts in 80 minutes become 1).
      postgres({
        id: 'musicr-embedding-coverage',
        name: 'Embedding coverage',
        ...db,
        every: '1h',
        query: `SELECT COUNT(*) AS total, COUNT(embedding_vector) AS with_embeddings,
  ROUND(COUNT(embedding_vector)::numeric / NULLIF(COUNT(*), 0) * 100, 1) AS coverage_pct
FROM songs`,
        expect: [column('coverage_pct').label('embedding coverage (%)').above({ warn: 95, crit: 80 }).hysteresis(3)],
        fix: 'Run the embedding backfill script for songs without embedding_vector',
      }),
      // R14: slow queries from pg_stat_statements (API p95 target: 500 ms)
      pg.slowQueries({ id: 'musicr-slow-queries', ...db, every: '1h', meanAbove: 500, runbook: `${RUNBOOK}#slow-queries` }),
      // R15: index usage, for the weekly review
      pg.unusedIndexes({ id: 'musicr-unused-indexes', ...db, cron: '0 7 * * 1', tz: 'UTC' }),
      // R18: Prisma migrations applied (`pnpm prisma migrate deploy` runs on deploy)
      pg.prismaMigrations({ id: 'musicr-migrations', ...db, every: '15m', fix: 'railway run pnpm --filter @musicr/api prisma migrate status, then migrate deploy or resolve' }),
      // R28 + R29: the daily dump exists, is under 25 hours old, has not shrunk, 7 days kept
      backups({ id: 'musicr-backups', name: 'Database backups', group: 'Backups', every: '1h', r2: store.r2, prefix: store.prefix, keyDateFormat: 'YYYYMMDD', maxAge: '25h', minRatio: 0.8, retention: { days: 7 }, fix: 'railway connect postgres; pg_dump $DATABASE_URL > backup_$(date +%Y%m%d).sql and upload it' }),
    ],
    // The runbook's "Daily / Weekly / Monthly" lists (000:449-466). It names no time zone or owner.
    // A task without `every` is due once per run of its checklist (docs/checklists.md).
    checklists: [
      // R35: "Daily: Check error logs · Verify health endpoints · Monitor Railway metrics"
      checklist({
        id: 'musicr-daily',
        name: 'Musicr daily checklist',
        cron: '0 9 * * *',
        tz: 'UTC',
        items: [
          'musicr-api',
          'musicr-web',
          'musicr-chat',
          'musicr-search',
          'musicr-db',
          task({ id: 'error-logs', text: 'Check error logs: railway logs --service @musicr/api | grep ERROR' }),
          task({ id: 'railway-metrics', text: 'Monitor Railway metrics: CPU < 80%, memory < 1 GB (API), p95 < 500 ms' }),
        ],
      }),
      // R36: "Weekly: Review deployment history · Check database growth · Analyze slow queries · Review security advisories"
      checklist({
        id: 'musicr-weekly',
        name: 'Musicr weekly checklist',
        cron: '0 9 * * 1',
        tz: 'UTC',
        items: [
          'musicr-db-size',
          'musicr-slow-queries',
          'musicr-unused-indexes',
          task({ id: 'deploy-history', text: 'Review deployment history (railway deployments)' }),
          task({ id: 'security-advisories', text: 'Review security advisories (pnpm audit)' }),
        ],
      }),
      // R37: "Monthly: Database vacuum and analyze · Review and rotate logs · Dependency updates · Performance review"
      checklist({
        id: 'musicr-monthly',
        name: 'Musicr monthly checklist',
        cron: '0 9 1 * *',
        tz: 'UTC',
        items: [
          task({ id: 'vacuum', text: 'Database vacuum and analyze: railway run psql -c "VACUUM ANALYZE;"' }),
          task({ id: 'logs', text: 'Review and rotate logs' }),
          task({ id: 'dependencies', text: 'Dependency updates (pnpm update, test, deploy)' }),
          task({ id: 'performance', text: 'Performance review (song matching under 2 s, p95 under 500 ms)' }),
        ],
      }),
    ],
    // R40: "Planned Maintenance: Announce in chat UI (add banner) · Schedule during low traffic (nights/weekends)".
    // The page announces it a week ahead; the API and database checks run but do not alert during it.
    maintenance: [
      maintenanceWindow({
        id: 'musicr-db-maintenance',
        title: 'Database maintenance',
        description: 'pgvector upgrade and VACUUM ANALYZE; the chat may reconnect.',
        start: '2026-12-06T03:00:00Z',
        end: '2026-12-06T04:00:00Z',
        checks: ['musicr-api', 'musicr-chat', 'musicr-search', 'musicr-ws-connections', 'musicr-db', 'musicr-db-connections'],
        announce: '7d',
      }),
    ],
  });
}

export default musicr();
