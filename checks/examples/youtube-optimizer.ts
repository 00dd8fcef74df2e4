// YouTube Optimizer backend: NestJS on Railway, Supabase Postgres, OpenAI,
// Telegram alerts. Runbook: ../shared/runbooks/002_9c12ad0686230072.md

import { bearer, checklist, defineConfig, statuspage, eachRow, heartbeat, http, json, latency, pg, postgres, secret, status, task, telegram, type PostgresAccess } from '../../src/config';

export interface YouTubeOptimizerTargets {
  api: string;
  /** OpenAI's API base (its own URL in production). */
  openai: string;
  /** The Telegram Bot API server (api.telegram.org unless you self-host one). */
  telegramApi: string;
  /** The vendors' status pages: OpenAI (incident.io), Supabase (Atlassian Statuspage), Railway (Instatus). */
  openaiStatus: string;
  supabaseStatus: string;
  railwayStatus: string;
}

export const YOUTUBE_OPTIMIZER: YouTubeOptimizerTargets = {
  api: 'https://your-app.railway.app',
  openai: 'https://api.openai.com',
  telegramApi: 'https://api.telegram.org',
  openaiStatus: 'https://status.openai.com',
  supabaseStatus: 'https://status.supabase.com',
  railwayStatus: 'https://status.railway.com',
};

/** Supabase's PostgreSQL, through a WebSocket proxy (or its pooler behind one). */
export const YOUTUBE_OPTIMIZER_DATABASE: PostgresAccess = { wsProxy: 'wss://wsproxy.your-app.example.com/v2' };

const RUNBOOK = 'https://github.com/your-org/youtube-optimizer-backend/blob/main/docs/RUNBOOK.md';
const MiB = 1024 * 1024;

export function youtubeOptimizer(targets: YouTubeOptimizerTargets = YOUTUBE_OPTIMIZER, database: PostgresAccess = YOUTUBE_OPTIMIZER_DATABASE) {
  const db = { connection: secret('SUPABASE_DB_URL'), group: 'Database', ...database };
  return defineConfig({
    page: { title: 'YouTube Optimizer status' },
    // R39: the runbook's alerts go to a Telegram bot; the token lives in a Worker secret, never here.
    channels: {
      telegram: telegram({ botToken: secret('TELEGRAM_BOT_TOKEN'), chatId: '-1001234567890', apiBase: targets.telegramApi }),
    },
    checks: [
      // R01: /health answers {"status":"healthy","uptime":12345}
      // R05: "Response time > 2000ms" is an alert trigger.
      http({
        id: 'yto-api',
        name: 'API',
        group: 'YouTube Optimizer',
        url: `${targets.api}/health`,
        expect: [status(200), json('$.status').eq('healthy'), latency().below({ warn: 1000, crit: 2000 }).hysteresis(10)],
        runbook: `${RUNBOOK}#service-down`,
        fix: 'railway logs; check SUPABASE_URL, OPENAI_API_KEY, JWT_SECRET, FRONTEND_URL are set; railway up to redeploy',
      }),
      // R07: "Check metrics every hour": `curl .../api/v1/metrics-json | jq '.memory'` (heapUsed, rss).
      // The runbook gives no limit; 1 GB is the heap Node gets with --max-old-space-size=1024, as on
      // Musicr's Railway plan. "Memory usage increasing over time" is the leak symptom: RSS vs a day ago.
      http({
        id: 'yto-memory',
        name: 'API memory',
        group: 'YouTube Optimizer',
        public: false,
        every: '5m',
        url: `${targets.api}/api/v1/metrics-json`,
        expect: [
          status(200),
          json('$.memory.heapUsed').label('heap used').unit('bytes').below({ warn: 768 * MiB, crit: 1024 * MiB }).hysteresis(10),
          json('$.memory.rss').label('RSS').changePct('24h').below(50).warn(),
        ],
        runbook: `${RUNBOOK}#high-memory-usage`,
        fix: 'railway restart buys time; then look for the leak (heap snapshot) or raise memory in Railway → Settings → Resources',
      }),
      // R34: `curl https://api.openai.com/v1/models -H "Authorization: Bearer $OPENAI_API_KEY"` (401 = invalid key)
      http({
        id: 'yto-openai-key',
        name: 'OpenAI API key',
        group: 'Dependencies',
        public: false,
        every: '15m',
        url: `${targets.openai}/v1/models`,
        headers: { Authorization: bearer('OPENAI_API_KEY') },
        expect: [status(200)],
        runbook: `${RUNBOOK}#openai-api-errors`,
        fix: '401: rotate OPENAI_API_KEY (platform.openai.com/api-keys) and `railway variables set`; 429: check usage limits',
      }),
      // R33: "Check OpenAI Status — Visit: https://status.openai.com" (incident 4), "If still failing, check Supabase"
      // and Railway's status: the three platforms this backend stands on. Each page's own judgement: minor → degraded,
      // major → down, maintenance → up and said. Narrow one with components: [...] (names as the page shows them).
      statuspage({
        id: 'yto-openai-status',
        name: 'OpenAI platform',
        group: 'Dependencies',
        public: false,
        every: '5m',
        format: 'incidentio',
        url: targets.openaiStatus,
        runbook: `${RUNBOOK}#openai-api-errors`,
        fix: 'OpenAI incident: the API errors are theirs; keep retries with backoff and tell users analysis may be slow',
      }),
      statuspage({
        id: 'yto-supabase-status',
        name: 'Supabase platform',
        group: 'Dependencies',
        public: false,
        every: '5m',
        url: targets.supabaseStatus,
        runbook: `${RUNBOOK}#database-connection-errors`,
        fix: 'Supabase incident: nothing to restart here; follow status.supabase.com',
      }),
      statuspage({
        id: 'yto-railway-status',
        name: 'Railway platform',
        group: 'Dependencies',
        public: false,
        every: '5m',
        format: 'instatus',
        url: targets.railwayStatus,
        runbook: `${RUNBOOK}#service-down`,
      }),
      // R10: `SELECT count(*) FROM pg_stat_activity;` "If > 100, connections may be exhausted"
      pg.connections({ id: 'yto-db-connections', ...db, below: { warn: 80, crit: 100 }, hysteresis: 10, runbook: `${RUNBOOK}#database-connection-pool-exhausted`, fix: 'Enable the Supabase pgBouncer pooler (?pgbouncer=true)' }),
      // R11: table sizes, and the weekly "Check database size growth"
      pg.largestTables({ id: 'yto-table-sizes', ...db, cron: '0 7 * * 1', limit: 10 }),
      pg.databaseSize({ id: 'yto-db-size', ...db, every: '1h', growth: { window: '7d', pct: { warn: 20 } } }),
      // R14: `SELECT query, mean_exec_time, calls FROM pg_stat_statements ORDER BY mean_exec_time DESC LIMIT 10`
      pg.slowQueries({ id: 'yto-slow-queries', ...db, every: '1h', meanAbove: 1000, runbook: `${RUNBOOK}#slow-database-queries` }),
      // R15: `... FROM pg_stat_user_indexes WHERE idx_scan = 0 AND schemaname = 'public'`
      pg.unusedIndexes({ id: 'yto-unused-indexes', ...db, cron: '0 7 * * 1' }),
      // R19: error logs in the last hour, and failed logins per IP per hour (> 10)
      pg.recentRows({ id: 'yto-error-logs', ...db, every: '5m', table: 'error_logs', within: '1 hour', below: { warn: 10, crit: 100 }, hysteresis: 20, runbook: `${RUNBOOK}#high-error-rate` }),
      postgres({
        id: 'yto-failed-logins',
        name: 'Failed logins per IP (last hour)',
        ...db,
        public: false,
        every: '5m',
        query: `SELECT ip_address::text AS ip, COUNT(*)::int AS attempts
FROM security_events
WHERE event_type = 'failed_login' AND created_at > NOW() - INTERVAL '1 hour'
GROUP BY ip_address ORDER BY attempts DESC LIMIT 20`,
        expect: [eachRow('attempts').label('failed logins from one IP in the last hour').lte(10)],
        report: 10,
        runbook: `${RUNBOOK}#security-incident`,
        fix: 'Block the IP (ip_rate_limits) and review security_events for that address',
      }),
      // R30: daily "Verify backups completed": Supabase backs up daily (7 days on the free tier); a
      // scheduled job checks the dashboard's backup list via the Management API and pings
      heartbeat({ id: 'yto-backup-verified', name: 'Daily backup verified', group: 'Backups', token: secret('BACKUP_PING_TOKEN'), schedule: '0 6 * * *', grace: '2h', purpose: 'backup' }),
      // R31: monthly "Backup verification test" / "Disaster recovery drill"
      heartbeat({ id: 'yto-dr-drill', name: 'Backup restore test', group: 'Backups', token: secret('DRILL_PING_TOKEN'), schedule: '0 9 1 * *', grace: '10d', purpose: 'restore-drill' }),
    ],
    // The runbook's "Maintenance Tasks" (002:891-922), "Maintainer: [Your Name]". A task without
    // `every` is due once per run of its checklist (docs/checklists.md).
    checklists: [
      // R35: "Daily: Check health endpoint status · Review error logs for critical issues · Monitor Telegram alerts · Check OpenAI usage/costs · Verify backups completed"
      checklist({
        id: 'yto-daily',
        name: 'YouTube Optimizer daily checklist',
        cron: '0 8 * * *',
        tz: 'UTC',
        items: [
          'yto-api',
          'yto-error-logs',
          'yto-openai-key',
          'yto-backup-verified',
          task({ id: 'telegram-alerts', text: 'Monitor Telegram alerts: read the alert chat since yesterday, follow up on anything still open', owner: 'maintainer' }),
          task({ id: 'openai-costs', text: 'Check OpenAI usage/costs (platform.openai.com/usage)', owner: 'maintainer' }),
        ],
      }),
      // R36: "Weekly: Review performance metrics · Check database size growth · Analyze slow queries · Update dependencies (security patches) · Review user feedback"
      checklist({
        id: 'yto-weekly',
        name: 'YouTube Optimizer weekly checklist',
        cron: '0 8 * * 1',
        tz: 'UTC',
        // "Review performance metrics": response time (the API check's latency) and memory.
        items: ['yto-api', 'yto-memory', 'yto-db-size', 'yto-table-sizes', 'yto-slow-queries', 'yto-unused-indexes', task({ id: 'security-patches', text: 'Update dependencies (security patches)', owner: 'maintainer' }), task({ id: 'feedback', text: 'Review user feedback', owner: 'maintainer' })],
      }),
      // R37: "Monthly: Database vacuum and analyze · Review and archive old logs · Security audit review · Cost optimization review · Backup verification test · Disaster recovery drill"
      checklist({
        id: 'yto-monthly',
        name: 'YouTube Optimizer monthly checklist',
        cron: '0 8 1 * *',
        tz: 'UTC',
        items: [
          task({ id: 'vacuum', text: 'Database vacuum and analyze (Supabase SQL editor)', owner: 'maintainer' }),
          task({ id: 'archive-logs', text: 'Review and archive old logs', owner: 'maintainer' }),
          task({ id: 'security-review', text: 'Security audit review', owner: 'maintainer' }),
          task({ id: 'cost-review', text: 'Cost optimization review', owner: 'maintainer' }),
          // R31: the restore job pings when a backup restored into a scratch database passes its checks.
          task({ id: 'backup-test', text: 'Backup verification test: restore the latest backup into a scratch database', owner: 'maintainer', doneBy: 'yto-dr-drill' }),
          task({ id: 'dr-drill', text: 'Disaster recovery drill: run the DR procedure end to end (new Railway service, restore, switch traffic) and time it', owner: 'maintainer' }),
        ],
      }),
      // R37: "Quarterly: Dependency updates (major versions) · Security penetration testing · Performance load testing · Documentation review · Incident review and lessons learned"
      checklist({
        id: 'yto-quarterly',
        name: 'YouTube Optimizer quarterly checklist',
        cron: '0 8 * 1,4,7,10 1#1',
        tz: 'UTC',
        items: [
          task({ id: 'major-updates', text: 'Dependency updates (major versions)', owner: 'maintainer' }),
          task({ id: 'pentest', text: 'Security penetration testing', owner: 'maintainer' }),
          task({ id: 'load-test', text: 'Performance load testing', owner: 'maintainer' }),
          task({ id: 'docs', text: 'Documentation review', owner: 'maintainer' }),
          task({ id: 'incident-review', text: 'Incident review and lessons learned', owner: 'maintainer' }),
        ],
      }),
    ],
  });
}

export default youtubeOptimizer();
