// EarnTrack: Express backend on Railway, PostgreSQL, Redis cache, Prometheus
// /metrics, React front end on Vercel. Runbook: ../shared/runbooks/004_7c8e7268e4bb52c9.md

import { backups, checklist, defineConfig, gauge, header, heartbeat, http, json, latency, maintenanceWindow, metrics, pg, quantile, rate, ratio, secret, slack, status, task, upstash, value, webhook, type PostgresAccess } from '../../src/config';

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
      // R39: Slack "#production-alerts channel"; R38: "#incidents channel (for critical)": the incident
      // tooling gets critical alerts only, through a signed webhook.
      production: slack({ webhookUrl: secret('SLACK_PRODUCTION_ALERTS_URL') }),
      incidents: webhook({ url: secret('INCIDENT_WEBHOOK_URL'), signingSecret: secret('INCIDENT_WEBHOOK_SECRET'), severities: ['critical'] }),
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
          latency().below({ warn: 500, crit: 1000 }).hysteresis(10),
        ],
        runbook: `${RUNBOOK}#service-down`,
        fix: 'railway logs --service backend; if services.database is not connected, check the postgres service and DATABASE_URL',
        // R27: "Availability — Target: 99.9% uptime" (alert below 99.5%): the page shows the error budget
        // left, and a burn-rate alert fires when it is being spent fast.
        slo: { objective: 99.9, window: '30d' },
      }),
      // R24–R26: the backend's Prometheus /metrics (prom-client), the runbook's alert rules evaluated
      // between scrapes, each "for: 5m" like the rules (so one confirmation is enough).
      metrics({
        id: 'earntrack-metrics',
        name: 'Backend error rate, latency and resources',
        group: 'EarnTrack',
        url: `${targets.backend}/metrics`,
        values: {
          // R24: 5xx share of requests. The KPI alerts above 0.5%; the HighErrorRate rule's 0.05 is
          // written as `rate(http_requests_total{status=~"5.."}[5m]) > 0.05` (5xx per second), read
          // here as the 5% share it means.
          error_pct: ratio(rate('http_requests_total{status=~"5.."}'), rate('http_requests_total'), { scale: 100 }),
          // R25: HighResponseTime `histogram_quantile(0.95, ...) > 0.5`; KPIs p95 < 500 ms (alert > 1000), p99 < 1000 ms.
          p95_ms: quantile(0.95, 'http_request_duration_seconds', { scale: 1000 }),
          p99_ms: quantile(0.99, 'http_request_duration_seconds', { scale: 1000 }),
          // R26: the "HighCPUUsage" rule is `process_resident_memory_bytes / 1e9 > 0.8`; CPU is
          // rate(process_cpu_seconds_total), "Should stay < 70%", alert "CPU > 80%".
          memory_bytes: gauge('process_resident_memory_bytes'),
          cpu_pct: rate('process_cpu_seconds_total', { scale: 100 }),
        },
        expect: [
          value('error_pct').label('5xx share').unit('%').below({ warn: 0.5, crit: 5 }).for('5m').hysteresis(20),
          value('p95_ms').label('p95 latency').unit('ms').below({ warn: 500, crit: 1000 }).for('5m').hysteresis(10),
          value('p99_ms').label('p99 latency').unit('ms').below({ warn: 1000 }).for('5m').hysteresis(10),
          value('memory_bytes').label('resident memory').unit('bytes').below(0.8e9).for('5m').hysteresis(5),
          value('cpu_pct').label('CPU').unit('%').below({ warn: 70, crit: 80 }).for('5m').hysteresis(10),
        ],
        confirmations: { down: 1, up: 2 },
        runbook: `${RUNBOOK}#performance-issues`,
        fix: 'Grafana → backend dashboard; railway logs --service backend | grep -i error; scale up if CPU or memory is the cause',
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
      pg.connections({ id: 'earntrack-db-connections', ...db, below: { warn: 150, crit: 200 }, hysteresis: 10, runbook: `${RUNBOOK}#database-connection-issues` }),
      // R11: `SELECT pg_size_pretty(pg_database_size('railway'));` "If Storage > 5 GB"
      pg.databaseSize({ id: 'earntrack-db-size', ...db, every: '1h', below: { warn: 5 * 1024 ** 3 }, growth: { pct: { warn: 20 } } }),
      // R14: the runbook reads slow queries from the PostgreSQL slow query log (004:215); with
      // pg_stat_statements installed Vigil reads them itself (without it, this check says so: unknown).
      pg.slowQueries({ id: 'earntrack-slow-queries', ...db, every: '1h', meanAbove: 1000, runbook: `${RUNBOOK}#issue-high-response-times` }),
      // R16: idle connections older than 10 minutes (the runbook terminates them)
      pg.idleConnections({ id: 'earntrack-idle-connections', ...db, olderThan: '10 minutes', max: { warn: 20 }, hysteresis: 20 }),
      // R17: "Cache hit ratio: Aim for > 90%"
      pg.cacheHitRatio({ id: 'earntrack-cache-hit', ...db, every: '15m', above: { warn: 95, crit: 90 }, hysteresis: 2 }),
      // R20: the "Database replication lag" panel, from the primary
      pg.replicationLag({ id: 'earntrack-replication', ...db, below: { warn: 30, crit: 300 }, hysteresis: 20 }),
      // R21: `redis-cli -u $REDIS_URL ping`
      upstash.ping({ id: 'earntrack-redis', ...redis }),
      // R23: `info memory` ("Memory > 85%" alert) and `info stats` (hit ratio: aim > 90%, alert < 80%)
      upstash.memory({ id: 'earntrack-redis-memory', ...redis, usedPct: { warn: 80, crit: 85 }, hysteresis: 5 }),
      upstash.hitRatio({ id: 'earntrack-redis-hit-ratio', ...redis, every: '15m', above: { warn: 90, crit: 80 }, hysteresis: 2 }),
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
    // EarnTrack has no checkbox lists; its recurring procedures are these (004:1340-1450). A task
    // without `every` is due once per run of its checklist (docs/checklists.md).
    checklists: [
      // R36: "Regular Performance Reviews — Frequency: Weekly, Duration: 30 minutes": response time trends,
      // error rate analysis, database performance (slow queries, connection pool usage, cache hit ratios),
      // resource utilization.
      checklist({
        id: 'earntrack-weekly-performance',
        name: 'EarnTrack weekly performance review',
        cron: '0 10 * * 1',
        tz: 'UTC',
        notify: ['production'],
        items: [
          'earntrack-metrics',
          'earntrack-db-connections',
          'earntrack-idle-connections',
          'earntrack-cache-hit',
          'earntrack-redis-memory',
          'earntrack-redis-hit-ratio',
          'earntrack-db-size',
          'earntrack-slow-queries',
          task({ id: 'findings', text: 'Document findings, create optimization tasks, schedule the work', owner: 'Production Admin' }),
        ],
      }),
      // R35: "Daily Backups — Schedule: Daily at 00:00 UTC": the morning after, the backups and the health check.
      checklist({
        id: 'earntrack-daily',
        name: 'EarnTrack daily checklist',
        cron: '0 7 * * *',
        tz: 'UTC',
        notify: ['production'],
        items: ['earntrack-backend', 'earntrack-web', 'earntrack-backup-job', 'earntrack-backups', 'earntrack-wal-archiving'],
      }),
      // R37: "Monthly Security Audit": access review, secret rotation, dependency updates, log review,
      // configuration review, backup verification.
      checklist({
        id: 'earntrack-monthly-security',
        name: 'EarnTrack monthly security audit',
        cron: '0 10 1 * *',
        tz: 'UTC',
        notify: ['production'],
        items: [
          task({ id: 'access-review', text: 'Access review: who has production access? least privilege? remove inactive access', owner: 'Production Admin' }),
          task({ id: 'rotate-secrets', text: 'Secret rotation: JWT_SECRET, database password, API keys', owner: 'Production Admin', public: false }),
          task({ id: 'dependencies', text: 'Dependency updates: security updates, vulnerable packages, update and test', owner: 'Developer' }),
          task({ id: 'log-review', text: 'Log review: suspicious activity, error patterns, authentication failures', owner: 'Production Admin' }),
          // "CORS settings appropriate?" is checked; rate limiting and security headers are read by a person.
          'earntrack-cors',
          task({ id: 'config-review', text: 'Configuration review: CORS settings appropriate? rate limiting effective? security headers present?', owner: 'Developer' }),
          // "Verify backup availability · Check retention policy": the newest backup is fresh and 7 days are kept.
          'earntrack-backups',
          task({ id: 'restore-test', text: 'Backup verification: test backup restoration', owner: 'Production Admin', doneBy: 'earntrack-restore-test' }),
        ],
      }),
      // R37: "Scheduled Maintenance — Maintenance Tasks": when the monthly window closes (03:30 UTC on the
      // first Sunday), the smoke tests run and the window's tasks are listed for whoever did them to mark.
      checklist({
        id: 'earntrack-monthly-maintenance',
        name: 'EarnTrack monthly maintenance',
        cron: '30 3 * * 0#1',
        tz: 'UTC',
        notify: ['production'],
        items: [
          'earntrack-backend',
          'earntrack-web',
          'earntrack-metrics',
          task({ id: 'vacuum', text: 'PostgreSQL maintenance: VACUUM ANALYZE, index reorganization, statistics update', owner: 'Production Admin' }),
          task({ id: 'system-updates', text: 'System updates: dependencies, security patches, OS updates', owner: 'Developer' }),
          task({ id: 'monitoring-updates', text: 'Monitoring updates: Prometheus rules, Grafana dashboards', owner: 'Developer' }),
          task({ id: 'rotate-logs', text: 'Rotate logs (export and archive before deletion, 004:261)', owner: 'Production Admin' }),
        ],
      }),
    ],
    // R40: "Maintenance window — Frequency: Monthly or as needed; Duration: 30 minutes typical;
    // Notification: 7 days advance notice". On the first Sunday of the month at 03:00 UTC.
    maintenance: [
      maintenanceWindow({
        id: 'earntrack-monthly-maintenance',
        title: 'Monthly maintenance',
        description: 'PostgreSQL VACUUM ANALYZE and index reorganization, security patches. The app may be briefly unavailable.',
        cron: '0 3 * * 0#1',
        tz: 'UTC',
        duration: '30m',
        announce: '7d',
        checks: ['earntrack-backend', 'earntrack-metrics', 'earntrack-db-connections', 'earntrack-db-size', 'earntrack-idle-connections', 'earntrack-cache-hit', 'earntrack-replication', 'earntrack-wal-archiving'],
      }),
    ],
  });
}

export default earnTrack();
