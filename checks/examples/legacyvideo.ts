// LegacyVideo (video uploads): API and worker on Railway, web on Vercel,
// PostgreSQL (Prisma), Redis/BullMQ queues, S3, Resend.
// Runbook: ../shared/runbooks/001_b2762b80d1d2f471.md

import { defineConfig, discord, http, json, secret, slack, status } from '../../src/config';

export interface LegacyVideoTargets {
  api: string;
  web: string;
}

export const LEGACY_VIDEO: LegacyVideoTargets = {
  api: 'https://api.your-domain.com',
  web: 'https://your-domain.com',
};

const RUNBOOK = 'https://github.com/your-org/legacyvideo/blob/main/RUNBOOK.md';

export function legacyVideo(targets: LegacyVideoTargets = LEGACY_VIDEO) {
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
    ],
  });
}

export default legacyVideo();
