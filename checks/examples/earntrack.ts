// EarnTrack: Express backend on Railway, PostgreSQL, Redis cache, Prometheus
// /metrics, React front end on Vercel. Runbook: ../shared/runbooks/004_7c8e7268e4bb52c9.md

import { backups, defineConfig, header, heartbeat, http, json, latency, pg, secret, slack, status, upstash, webhook, type PostgresAccess } from '../../src/config';

export interface EarnTrackTargets {
  backend: string;
  web: string;
  /** An origin listed in ALLOWED_ORIGINS. */
  webOrigin: string;
}

export const EARNTRACK: EarnTrackTargets = {
  backend: 'https://backend-domain.example.com',
  web: 'https://yourapp.vercel.app',
  webOrigin: 'https://yourapp.vercel.app',
};

export const EARNTRACK_DATABASE: PostgresAccess = { wsProxy: 'wss://wsproxy.backend-domain.example.com/v2' };

/** The nightly `pg_dump | gzip` goes to an R2 bucket bound as BACKUPS, keys earntrack/db/2026-11-22T00-30-00Z.sql.gz. */
export interface EarnTrackStorage {
  r2Binding: string;
  prefix: string;
}
export const EARNTRACK_STORAGE: EarnTrackStorage = { r2Binding: 'BACKUPS', prefix: 'earntrack/db/' };

const RUNBOOK = 'https://github.com/your-org/earntrack/blob/main/docs/RUNBOOK.md';

export function earnTrack(targets: EarnTrackTargets = EARNTRACK, database: PostgresAccess = EARNTRACK_DATABASE, storage: EarnTrackStorage = EARNTRACK_STORAGE) {
  const db = { connection: secret('DATABASE_URL'), group: 'Data', ...database };
  const redis = { url: secret('UPSTASH_REDIS_REST_URL'), token: secret('UPSTASH_REDIS_REST_TOKEN'), group: 'Data' };
  return defineConfig({
    page: { title: 'EarnTrack status' },
    channels: {
      // "#production-alerts channel"; the incident tooling gets a signed webhook.
      production: slack({ webhookUrl: secret('SLACK_PRODUCTION_ALERTS_URL') }),
      incidents: webhook({ url: secret('INCIDENT_WEBHOOK_URL'), signingSecret: secret('INCIDENT_WEBHOOK_SECRET') }),
    },
    checks: [
      // R01 + R06: /health is 200 with {"status":"ok", "services":{"database":"connected","redis":"connected","cache":"healthy"}}
      // (503 when a dependency is down). R05: "95th percentile < 500ms"; the KPI alert is p95 > 1000 ms.
      http({
        id: 'earntrack-backend',
        name: 'Backend',
        group: 'EarnTrack',
        url: `${targets.backend}/health`,
        expect: [
          status(200),
          json('$.status').eq('ok'),
          json('$.services.database').eq('connected'),
          json('$.services.redis').eq('connected'),
          json('$.services.cache').eq('healthy').warn(),
          latency().below({ warn: 500, crit: 1000 }),
        ],
        runbook: `${RUNBOOK}#service-down`,
        fix: 'railway logs --service backend; if services.database is not connected, check the postgres service and DATABASE_URL',
      }),
      // R02: the Vercel front end answers
      http({
        id: 'earntrack-web',
        name: 'Web app',
        group: 'EarnTrack',
        url: targets.web,
        expect: [status(200)],
        runbook: `${RUNBOOK}#frontend-issues`,
      }),
      // R03: ALLOWED_ORIGINS=https://yourapp.vercel.app,... must be honoured
      http({
        id: 'earntrack-cors',
        name: 'Backend allows the web app (CORS)',
        group: 'EarnTrack',
        every: '15m',
        url: `${targets.backend}/health`,
        headers: { Origin: targets.webOrigin },
        expect: [header('access-control-allow-origin').eq(targets.webOrigin)],
        runbook: `${RUNBOOK}#cors-errors`,
        fix: 'Add the web origin to ALLOWED_ORIGINS on the backend and redeploy',
      }),
      // R10: "Healthy < 50"; scale up at > 150; alert at "Connections > 200" for 2 minutes
      pg.connections({ id: 'earntrack-db-connections', ...db, below: { warn: 150, crit: 200 }, runbook: `${RUNBOOK}#database-connection-issues` }),
      // R11: `SELECT pg_size_pretty(pg_database_size('railway'));` "If Storage > 5 GB"
      pg.databaseSize({ id: 'earntrack-db-size', ...db, every: '1h', below: { warn: 5 * 1024 ** 3 }, growth: { pct: { warn: 20 } } }),
      // R16: idle connections older than 10 minutes (the runbook terminates them)
      pg.idleConnections({ id: 'earntrack-idle-connections', ...db, olderThan: '10 minutes', max: { warn: 20 } }),
      // R17: "Cache hit ratio: Aim for > 90%"
      pg.cacheHitRatio({ id: 'earntrack-cache-hit', ...db, every: '15m', above: { warn: 95, crit: 90 } }),
      // R20: the "Database replication lag" panel, from the primary
      pg.replicationLag({ id: 'earntrack-replication', ...db, below: { warn: 30, crit: 300 } }),
      // R21: `redis-cli -u $REDIS_URL ping`
      upstash.ping({ id: 'earntrack-redis', ...redis }),
      // R23: `info memory` ("Memory > 85%" alert) and `info stats` (hit ratio: aim > 90%, alert < 80%)
      upstash.memory({ id: 'earntrack-redis-memory', ...redis, usedPct: { warn: 80, crit: 85 } }),
      upstash.hitRatio({ id: 'earntrack-redis-hit-ratio', ...redis, every: '15m', above: { warn: 90, crit: 80 } }),
      // R30: the nightly backup job (after Railway's own at 00:00 UTC) pings when it is done
      heartbeat({ id: 'earntrack-backup-job', name: 'Nightly backup job', group: 'Backups', token: secret('BACKUP_PING_TOKEN'), schedule: '30 0 * * *', grace: '1h', maxDuration: '45m', purpose: 'backup' }),
      // R28 + R29: "RPO < 24 hours", "Retention: 7 days": newest under 25h, 7 days present, not shrunk, checksummed
      backups({
        id: 'earntrack-backups',
        name: 'Database backups (R2)',
        group: 'Backups',
        every: '15m',
        r2: storage.r2Binding,
        prefix: storage.prefix,
        keyDateFormat: 'YYYY-MM-DD',
        maxAge: '25h',
        minBytes: 1024 * 1024,
        minRatio: 0.7,
        retention: { days: 7 },
        requireMetadata: ['sha256'],
        runbook: `${RUNBOOK}#backup-and-recovery`,
      }),
      // Point-in-time recovery "(requires WAL archiving enabled)"
      pg.walArchiving({ id: 'earntrack-wal-archiving', ...db, group: 'Backups', every: '15m', maxAge: '1h' }),
      // R31: monthly security audit, "Backup Verification — Test backup restoration"
      heartbeat({ id: 'earntrack-restore-test', name: 'Backup restore test', group: 'Backups', token: secret('DRILL_PING_TOKEN'), schedule: '0 9 1 * *', grace: '10d', purpose: 'restore-drill' }),
    ],
  });
}

export default earnTrack();
