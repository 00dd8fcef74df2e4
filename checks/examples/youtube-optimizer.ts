// YouTube Optimizer backend: NestJS on Railway, Supabase Postgres, OpenAI,
// Telegram alerts. Runbook: ../shared/runbooks/002_9c12ad0686230072.md

import { bearer, defineConfig, http, json, latency, secret, status, telegram } from '../../src/config';

export interface YouTubeOptimizerTargets {
  api: string;
  /** OpenAI's API base (its own URL in production). */
  openai: string;
  /** The Telegram Bot API server (api.telegram.org unless you self-host one). */
  telegramApi: string;
}

export const YOUTUBE_OPTIMIZER: YouTubeOptimizerTargets = {
  api: 'https://your-app.railway.app',
  openai: 'https://api.openai.com',
  telegramApi: 'https://api.telegram.org',
};

const RUNBOOK = 'https://github.com/your-org/youtube-optimizer-backend/blob/main/docs/RUNBOOK.md';

export function youtubeOptimizer(targets: YouTubeOptimizerTargets = YOUTUBE_OPTIMIZER) {
  return defineConfig({
    page: { title: 'YouTube Optimizer status' },
    // The runbook's alerts go to a Telegram bot; the token lives in a Worker secret, never here.
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
        expect: [status(200), json('$.status').eq('healthy'), latency().below({ warn: 1000, crit: 2000 })],
        runbook: `${RUNBOOK}#service-down`,
        fix: 'railway logs; check SUPABASE_URL, OPENAI_API_KEY, JWT_SECRET, FRONTEND_URL are set; railway up to redeploy',
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
    ],
  });
}

export default youtubeOptimizer();
