// SoraPromptGenie: Express under PM2 (or Railway/Render), Neon Postgres,
// OpenRouter, Sentry. Runbook: ../shared/runbooks/003_29f4dc65e8f8bb18.md

import { bearer, checklist, defineConfig, heartbeat, http, json, latency, pg, secret, slack, status, task, type PostgresAccess } from '../../src/config';

export interface SoraPromptGenieTargets {
  app: string;
  /** OpenRouter's API base (its own URL in production). */
  openrouter: string;
}

export const SORA_PROMPT_GENIE: SoraPromptGenieTargets = {
  app: 'https://your-domain.com',
  openrouter: 'https://openrouter.ai',
};

/** Neon: the checks use Neon's HTTP endpoint directly, nothing to set. */
export const SORA_PROMPT_GENIE_DATABASE: PostgresAccess = {};

const RUNBOOK = 'https://github.com/your-org/sora-prompt-genie/blob/main/RUNBOOK.md';

export function soraPromptGenie(targets: SoraPromptGenieTargets = SORA_PROMPT_GENIE, database: PostgresAccess = SORA_PROMPT_GENIE_DATABASE) {
  const db = { connection: secret('DATABASE_URL'), group: 'Database', ...database };
  return defineConfig({
    page: { title: 'SoraPromptGenie status' },
    // R39: one Slack channel for whoever is on call.
    channels: {
      oncall: slack({ webhookUrl: secret('SLACK_WEBHOOK_URL') }),
    },
    checks: [
      // R01: the health route is /api/health here: {"status": "ok", "uptime": ..., "environment": "production"}
      // R05: "API responses taking >5 seconds" is an incident; ≥1 s shows in the slow-request grep.
      http({
        id: 'sora-app',
        name: 'App and API',
        group: 'SoraPromptGenie',
        url: `${targets.app}/api/health`,
        expect: [status(200), json('$.status').eq('ok'), json('$.environment').eq('production'), latency().below({ warn: 1000, crit: 5000 }).hysteresis(10)],
        runbook: `${RUNBOOK}#application-not-responding`,
        fix: 'pm2 status; pm2 logs sora-prompt-genie --lines 100; pm2 restart sora-prompt-genie',
      }),
      // R34: OPENROUTER_API_KEY is valid (GET /api/v1/key answers 200 only with a working key)
      http({
        id: 'sora-openrouter-key',
        name: 'OpenRouter API key',
        group: 'Dependencies',
        public: false,
        every: '15m',
        url: `${targets.openrouter}/api/v1/key`,
        headers: { Authorization: bearer('OPENROUTER_API_KEY') },
        expect: [status(200)],
        runbook: `${RUNBOOK}#openrouter-api-errors`,
        fix: 'Check the key and credit at openrouter.ai/keys; update OPENROUTER_API_KEY and restart',
      }),
      // R09: `psql $DATABASE_URL -c "SELECT 1;"`
      pg.ping({ id: 'sora-db', ...db, runbook: `${RUNBOOK}#database-connection-errors`, fix: 'Check the Neon console (the compute may be suspended) and DATABASE_URL' }),
      // R11: `SELECT pg_size_pretty(pg_database_size(current_database()));` (Neon's free plan holds 0.5 GB)
      pg.databaseSize({ id: 'sora-db-size', ...db, every: '1h', below: { warn: 400 * 1024 ** 2, crit: 480 * 1024 ** 2 }, growth: { pct: { warn: 25 } } }),
      // R16: the runbook kills active queries older than 5 minutes; Vigil tells you they exist
      pg.longRunningQueries({ id: 'sora-long-queries', ...db, olderThan: '5 minutes', runbook: `${RUNBOOK}#slow-api-responses`, fix: "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE state = 'active' AND now() - query_start > interval '5 minutes'" }),
      // R30: the nightly `pg_dump $DATABASE_URL | gzip > backup-$(date +%Y%m%d-%H%M%S).sql.gz` job pings when done
      // (Neon keeps point-in-time history too; this is the copy outside Neon)
      heartbeat({ id: 'sora-backup-job', name: 'Nightly database dump', group: 'Backups', token: secret('BACKUP_PING_TOKEN'), schedule: '0 3 * * *', grace: '1h', maxDuration: '30m', purpose: 'backup' }),
      // R31: "Quarterly: Disaster recovery drill"
      heartbeat({ id: 'sora-dr-drill', name: 'Disaster recovery drill', group: 'Backups', token: secret('DRILL_PING_TOKEN'), schedule: '0 9 1 1,4,7,10 *', grace: '14d', purpose: 'restore-drill' }),
    ],
    // The runbook's "Maintenance Tasks" (003:511-541). No owner stated. A task without `every` is
    // due once per run of its checklist (docs/checklists.md).
    checklists: [
      // R35: "Daily: Check health endpoint · Review error logs · Check Sentry for new errors · Monitor response times"
      checklist({
        id: 'sora-daily',
        name: 'SoraPromptGenie daily checklist',
        cron: '0 9 * * *',
        tz: 'UTC',
        items: ['sora-app', 'sora-openrouter-key', 'sora-long-queries', task({ id: 'error-logs', text: 'Review error logs (vercel logs)' }), task({ id: 'sentry', text: 'Check Sentry for new errors' })],
      }),
      // R36: "Weekly: Review application logs · Check database size and performance · Review error trends · Check dependency updates · Review security alerts"
      checklist({
        id: 'sora-weekly',
        name: 'SoraPromptGenie weekly checklist',
        cron: '0 9 * * 1',
        tz: 'UTC',
        items: [
          'sora-db',
          'sora-db-size',
          task({ id: 'app-logs', text: 'Review application logs' }),
          task({ id: 'error-trends', text: 'Review error trends' }),
          task({ id: 'dependency-updates', text: 'Check dependency updates' }),
          task({ id: 'security-alerts', text: 'Review security alerts' }),
        ],
      }),
      // R37: "Monthly: Review and update dependencies · Check database backups · Review and optimize queries · Security audit · Performance review · Update documentation"
      checklist({
        id: 'sora-monthly',
        name: 'SoraPromptGenie monthly checklist',
        cron: '0 9 1 * *',
        tz: 'UTC',
        items: [
          'sora-backup-job',
          task({ id: 'dependencies', text: 'Review and update dependencies' }),
          task({ id: 'queries', text: 'Review and optimize queries' }),
          task({ id: 'security-audit', text: 'Security audit' }),
          task({ id: 'performance', text: 'Performance review' }),
          task({ id: 'docs', text: 'Update documentation' }),
        ],
      }),
      // R37: "Quarterly: Full security audit · Load testing · Disaster recovery drill · Review and update runbook · Capacity planning"
      checklist({
        id: 'sora-quarterly',
        name: 'SoraPromptGenie quarterly checklist',
        cron: '0 9 * 1,4,7,10 1#1',
        tz: 'UTC',
        items: [
          task({ id: 'full-audit', text: 'Full security audit' }),
          task({ id: 'load-test', text: 'Load testing' }),
          task({ id: 'dr-drill', text: 'Disaster recovery drill', doneBy: 'sora-dr-drill' }),
          task({ id: 'runbook', text: 'Review and update runbook' }),
          task({ id: 'capacity', text: 'Capacity planning' }),
        ],
      }),
    ],
  });
}

export default soraPromptGenie();
