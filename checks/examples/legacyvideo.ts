// LegacyVideo (video uploads): API and worker on Railway, web on Vercel,
// PostgreSQL (Prisma), Redis/BullMQ queues, S3, Resend.
// Runbook: ../shared/runbooks/001_b2762b80d1d2f471.md

import { defineConfig, discord, http, json, pg, secret, slack, status, upstash, type PostgresAccess } from '../../src/config';

export interface LegacyVideoTargets {
  api: string;
  web: string;
}

export const LEGACY_VIDEO: LegacyVideoTargets = {
  api: 'https://api.your-domain.com',
  web: 'https://your-domain.com',
};

export const LEGACY_VIDEO_DATABASE: PostgresAccess = { wsProxy: 'wss://wsproxy.your-domain.com/v2' };

const RUNBOOK = 'https://github.com/your-org/legacyvideo/blob/main/RUNBOOK.md';

export function legacyVideo(targets: LegacyVideoTargets = LEGACY_VIDEO, database: PostgresAccess = LEGACY_VIDEO_DATABASE) {
  const db = { connection: secret('DATABASE_URL'), group: 'Data', ...database };
  const redis = { url: secret('UPSTASH_REDIS_REST_URL'), token: secret('UPSTASH_REDIS_REST_TOKEN'), group: 'Data' };
  return defineConfig({
    page: { title: 'LegacyVideo status' },
    // "Slack/Discord webhooks for team notifications"
    channels: {
      slack: slack({ webhookUrl: secret('SLACK_WEBHOOK_URL') }),
      discord: discord({ webhookUrl: secret('DISCORD_WEBHOOK_URL') }),
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
      upstash.queue({ id: 'legacyvideo-email-queue', ...redis, queue: 'email', waiting: { warn: 100 }, fix: 'Check the worker logs; restart the worker (it retries failed jobs)' }),
      upstash.queue({ id: 'legacyvideo-release-queue', ...redis, queue: 'release-process', waiting: { warn: 20 }, fix: 'Check the worker logs for release-process errors' }),
    ],
  });
}

export default legacyVideo();
