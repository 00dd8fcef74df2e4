// EarnTrack: Express backend on Railway, PostgreSQL, Redis cache, Prometheus
// /metrics, React front end on Vercel. Runbook: ../shared/runbooks/004_7c8e7268e4bb52c9.md

import { defineConfig, header, http, json, latency, secret, slack, status, webhook } from '../../src/config';

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

const RUNBOOK = 'https://github.com/your-org/earntrack/blob/main/docs/RUNBOOK.md';

export function earnTrack(targets: EarnTrackTargets = EARNTRACK) {
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
    ],
  });
}

export default earnTrack();
