// SoraPromptGenie: Express under PM2 (or Railway/Render), Neon Postgres,
// OpenRouter, Sentry. Runbook: ../shared/runbooks/003_29f4dc65e8f8bb18.md

import { bearer, defineConfig, http, json, latency, secret, slack, status } from '../../src/config';

export interface SoraPromptGenieTargets {
  app: string;
  /** OpenRouter's API base (its own URL in production). */
  openrouter: string;
}

export const SORA_PROMPT_GENIE: SoraPromptGenieTargets = {
  app: 'https://your-domain.com',
  openrouter: 'https://openrouter.ai',
};

const RUNBOOK = 'https://github.com/your-org/sora-prompt-genie/blob/main/RUNBOOK.md';

export function soraPromptGenie(targets: SoraPromptGenieTargets = SORA_PROMPT_GENIE) {
  return defineConfig({
    page: { title: 'SoraPromptGenie status' },
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
        expect: [status(200), json('$.status').eq('ok'), json('$.environment').eq('production'), latency().below({ warn: 1000, crit: 5000 })],
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
    ],
  });
}

export default soraPromptGenie();
