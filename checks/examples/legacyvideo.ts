// LegacyVideo (video uploads): API and worker on Railway, web on Vercel,
// PostgreSQL (Prisma), Redis/BullMQ queues, S3, Resend.
// Runbook: ../shared/runbooks/001_b2762b80d1d2f471.md

import { backups, bucket, checklist, defineConfig, discord, heartbeat, http, json, pg, secret, slack, status, task, upstash, type PostgresAccess } from '../../src/config';

export interface LegacyVideoTargets {
  api: string;
  web: string;
}

export const LEGACY_VIDEO: LegacyVideoTargets = {
  api: 'https://api.your-domain.com',
  web: 'https://your-domain.com',
};

export const LEGACY_VIDEO_DATABASE: PostgresAccess = { wsProxy: 'wss://wsproxy.your-domain.com/v2' };

/**
 * Where the hourly database dumps land. The runbook names no backup bucket
 * (its S3 bucket holds videos), so this assumes one: s3://legacyvideo-backups/db/.
 */
export interface LegacyVideoStorage {
  endpoint: string;
  backupBucket: string;
  backupPrefix: string;
  /** $S3_BUCKET, the videos. */
  videoBucket: string;
}

export const LEGACY_VIDEO_STORAGE: LegacyVideoStorage = {
  endpoint: 'https://s3.us-east-1.amazonaws.com',
  backupBucket: 'legacyvideo-backups',
  backupPrefix: 'db/',
  videoBucket: 'your-video-bucket',
};

const RUNBOOK = 'https://github.com/your-org/legacyvideo/blob/main/RUNBOOK.md';

export function legacyVideo(targets: LegacyVideoTargets = LEGACY_VIDEO, database: PostgresAccess = LEGACY_VIDEO_DATABASE, storage: LegacyVideoStorage = LEGACY_VIDEO_STORAGE) {
  const s3 = { endpoint: storage.endpoint, region: 'us-east-1', pathStyle: true, accessKeyId: secret('AWS_ACCESS_KEY_ID'), secretAccessKey: secret('AWS_SECRET_ACCESS_KEY') };
  const db = { connection: secret('DATABASE_URL'), group: 'Data', ...database };
  const redis = { url: secret('UPSTASH_REDIS_REST_URL'), token: secret('UPSTASH_REDIS_REST_TOKEN'), group: 'Data' };
  return defineConfig({
    page: { title: 'LegacyVideo status' },
    // R39: "Slack/Discord webhooks for team notifications" ("PagerDuty, Opsgenie, etc." would be a webhook).
    // R38: "Critical (page immediately)" to Slack; "Warning (notify during business hours)" to Discord,
    // held outside them and delivered at 09:00 (or folded into the daily digest); "Info (daily digest)".
    channels: {
      slack: slack({ webhookUrl: secret('SLACK_WEBHOOK_URL'), severities: ['critical'] }),
      discord: discord({ webhookUrl: secret('DISCORD_WEBHOOK_URL'), severities: ['warning'], hours: { days: 'mon-fri', from: '09:00', to: '18:00', tz: 'America/New_York' } }),
    },
    checks: [
      // R01: `curl https://api.your-domain.com/health` → {"status":"ok","timestamp":...}
      http({
        id: 'legacyvideo-api',
        name: 'API',
        group: 'LegacyVideo',
        url: `${targets.api}/health`,
        expect: [status(200), json('$.status').eq('ok')],
        runbook: `${RUNBOOK}#api-is-down`,
        fix: 'railway logs --service api; railway restart --service api (RTO 5 minutes)',
      }),
      // R02: `curl https://your-domain.com` → HTTP 200
      http({
        id: 'legacyvideo-web',
        name: 'Web app',
        group: 'LegacyVideo',
        url: targets.web,
        expect: [status(200)],
        runbook: `${RUNBOOK}#web-is-down`,
        fix: 'Check the latest Vercel deployment; vercel rollback if it broke the site',
      }),
      // R09: the database ("Check via Prisma": railway run --service api npx prisma db pull)
      pg.ping({ id: 'legacyvideo-db', ...db, runbook: `${RUNBOOK}#database-connection-lost`, fix: 'Check PostgreSQL in the Railway dashboard and DATABASE_URL on api and worker' }),
      // R18: migrations (pnpm db:migrate:deploy); a failed one needs prisma migrate resolve
      pg.prismaMigrations({ id: 'legacyvideo-migrations', ...db, every: '15m', runbook: `${RUNBOOK}#failed-migration` }),
      // R21: `redis-cli -u $REDIS_URL ping` → PONG
      upstash.ping({ id: 'legacyvideo-redis', ...redis, runbook: `${RUNBOOK}#redis-connection-errors` }),
      // R22: the BullMQ queues `email` and `release-process` (failed is a sorted set: not LLEN)
      upstash.queue({ id: 'legacyvideo-email-queue', ...redis, queue: 'email', waiting: { warn: 100 }, hysteresis: 20, fix: 'Check the worker logs; restart the worker (it retries failed jobs)' }),
      upstash.queue({ id: 'legacyvideo-release-queue', ...redis, queue: 'release-process', waiting: { warn: 20 }, hysteresis: 20, fix: 'Check the worker logs for release-process errors' }),
      // R30: the hourly dump job pings when it finishes (`... && curl .../ping/$TOKEN || curl .../ping/$TOKEN/fail`)
      heartbeat({ id: 'legacyvideo-backup-job', name: 'Hourly database backup', group: 'Backups', token: secret('BACKUP_PING_TOKEN'), period: '1h', grace: '15m', maxDuration: '20m', purpose: 'backup', runbook: `${RUNBOOK}#database-failure`, fix: 'railway logs for the backup job; run the dump by hand if the last one failed' }),
      // R28 + R29: "Database failure: RPO 1 hour": the newest dump is under 75 minutes old, not shrunk, 24 kept a day
      backups({
        id: 'legacyvideo-backups',
        name: 'Database backups (S3)',
        group: 'Backups',
        every: '5m',
        s3: { ...s3, bucket: storage.backupBucket },
        prefix: storage.backupPrefix,
        keyDateFormat: 'YYYY-MM-DD',
        window: '1d',
        maxAge: '75m',
        minBytes: 1024 * 1024,
        retention: { count: 20 },
        runbook: `${RUNBOOK}#database-failure`,
      }),
      // R31: "Quarterly: Disaster recovery drill": the drill job pings with its report
      heartbeat({ id: 'legacyvideo-dr-drill', name: 'Disaster recovery drill', group: 'Backups', token: secret('DRILL_PING_TOKEN'), schedule: '0 9 1 1,4,7,10 *', grace: '14d', purpose: 'restore-drill' }),
      // R32: `aws s3 ls s3://$S3_BUCKET --region $S3_REGION`: the video bucket answers with these credentials
      bucket({ id: 'legacyvideo-s3', name: 'Video storage (S3)', group: 'LegacyVideo', every: '15m', s3: { ...s3, bucket: storage.videoBucket }, maxObjects: 1, runbook: `${RUNBOOK}#s3-errors`, fix: 'Check S3 bucket permissions and the AWS keys on api and worker' }),
    ],
    // The runbook's "Maintenance Tasks" (001:346-373). It names no owner or time zone. A task
    // without `every` is due once per run of its checklist (docs/checklists.md).
    checklists: [
      // R35: "Daily: Check error rates in logs · Verify email delivery (Resend dashboard) · Monitor disk usage"
      // — also the "Info (daily digest)" of R38: failed jobs, and whatever warnings quiet hours held.
      checklist({
        id: 'legacyvideo-daily',
        name: 'LegacyVideo daily checklist',
        cron: '0 9 * * *',
        tz: 'America/New_York',
        notify: ['discord'],
        items: [
          'legacyvideo-api',
          'legacyvideo-web',
          'legacyvideo-email-queue',
          'legacyvideo-release-queue',
          task({ id: 'error-rates', text: 'Check error rates in logs: railway logs --service api | grep ERROR' }),
          task({ id: 'email-delivery', text: 'Verify email delivery (Resend dashboard: bounces, failures)' }),
          task({ id: 'disk-usage', text: 'Monitor disk usage (Railway dashboard), alert at 90%' }),
        ],
      }),
      // R36: "Weekly: Review audit logs for anomalies · Check failed job queues · Review database backup status · Update dependencies (if security updates)"
      checklist({
        id: 'legacyvideo-weekly',
        name: 'LegacyVideo weekly checklist',
        cron: '0 9 * * 1',
        tz: 'America/New_York',
        notify: ['discord'],
        items: [
          'legacyvideo-email-queue',
          'legacyvideo-release-queue',
          'legacyvideo-backups',
          'legacyvideo-backup-job',
          'legacyvideo-migrations',
          task({ id: 'audit-logs', text: 'Review audit logs for anomalies' }),
          task({ id: 'security-updates', text: 'Update dependencies (if security updates)' }),
        ],
      }),
      // R37: "Monthly: Rotate secrets (API_SECRET, etc.) · Review and archive old audit logs · Database optimization (VACUUM, ANALYZE) · Review and update documentation · Check for dependency updates"
      checklist({
        id: 'legacyvideo-monthly',
        name: 'LegacyVideo monthly checklist',
        cron: '0 9 1 * *',
        tz: 'America/New_York',
        notify: ['discord'],
        items: [
          task({ id: 'rotate-secrets', text: 'Rotate secrets (API_SECRET, etc.)', public: false }),
          task({ id: 'archive-audit-logs', text: 'Review and archive old audit logs' }),
          task({ id: 'vacuum', text: 'Database optimization (VACUUM, ANALYZE)' }),
          task({ id: 'docs', text: 'Review and update documentation' }),
          task({ id: 'dependencies', text: 'Check for dependency updates' }),
        ],
      }),
      // R37: "Quarterly: Security audit · Penetration testing · Disaster recovery drill · Review and update threat model · Rotate MASTER_ENCRYPTION_KEY"
      // On the first Monday of each quarter; the drill is done when its job pings.
      checklist({
        id: 'legacyvideo-quarterly',
        name: 'LegacyVideo quarterly checklist',
        cron: '0 9 * 1,4,7,10 1#1',
        tz: 'America/New_York',
        notify: ['discord'],
        items: [
          task({ id: 'security-audit', text: 'Security audit' }),
          task({ id: 'pentest', text: 'Penetration testing' }),
          task({ id: 'dr-drill', text: 'Disaster recovery drill', doneBy: 'legacyvideo-dr-drill' }),
          task({ id: 'threat-model', text: 'Review and update threat model' }),
          task({ id: 'master-key', text: 'Rotate MASTER_ENCRYPTION_KEY (with data migration)', public: false }),
        ],
      }),
    ],
  });
}

export default legacyVideo();
