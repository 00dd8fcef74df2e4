// Musicr (chat + semantic song search): Fastify API and React web on Railway,
// PostgreSQL with pgvector. Runbook: ../shared/runbooks/000_a00e6d6505e17b9f.md
// The URLs are the runbook's placeholders; pass your own to musicr({...}).

import { defineConfig, discord, header, http, json, latency, secret, status } from '../../src/config';

export interface MusicrTargets {
  api: string;
  web: string;
  /** The web app's origin, which the API must allow (FRONTEND_ORIGIN). */
  webOrigin: string;
}

export const MUSICR: MusicrTargets = {
  api: 'https://your-api-domain.railway.app',
  web: 'https://your-web-domain.railway.app',
  webOrigin: 'https://your-web-domain.railway.app',
};

const RUNBOOK = 'https://github.com/your-org/musicr/blob/main/docs/RUNBOOK.md';

export function musicr(targets: MusicrTargets = MUSICR) {
  return defineConfig({
    page: { title: 'Musicr status', description: 'Chat and semantic song search.' },
    channels: {
      team: discord({ webhookUrl: secret('DISCORD_WEBHOOK_URL') }),
    },
    checks: [
      // R01: `curl https://your-api-domain.railway.app/health` → {"status":"ok",...}
      http({
        id: 'musicr-api',
        name: 'API',
        group: 'Musicr',
        url: `${targets.api}/health`,
        expect: [status(200), json('$.status').eq('ok')],
        runbook: `${RUNBOOK}#service-down`,
        fix: 'railway logs --service api, then railway restart; roll back with railway rollback if the last deploy broke it',
      }),
      // R02: `curl -I https://your-web-domain.railway.app/` → HTTP 200
      http({
        id: 'musicr-web',
        name: 'Web app',
        group: 'Musicr',
        method: 'HEAD',
        url: `${targets.web}/`,
        expect: [status(200)],
        runbook: `${RUNBOOK}#web-down`,
      }),
      // R03: `curl -H "Origin: <web>" -I <api>/health` must allow the web origin
      http({
        id: 'musicr-cors',
        name: 'API allows the web app (CORS)',
        group: 'Musicr',
        every: '15m',
        url: `${targets.api}/health`,
        headers: { Origin: targets.webOrigin },
        expect: [header('access-control-allow-origin').eq(targets.webOrigin)],
        runbook: `${RUNBOOK}#cors-errors`,
        fix: 'Set FRONTEND_ORIGIN on the api service to the web URL and redeploy',
      }),
      // R05: "Song matching takes >2 seconds" is the slow-search symptom; the API's p95 goal is 500 ms.
      // The runbook names no search route; use the one the web app calls.
      http({
        id: 'musicr-search',
        name: 'Semantic search',
        group: 'Musicr',
        every: '5m',
        url: `${targets.api}/api/search?q=here%20comes%20the%20sun`,
        expect: [status(200), latency().below({ warn: 500, crit: 2000 })],
        runbook: `${RUNBOOK}#slow-semantic-search`,
        fix: 'Check the HNSW index on songs exists; raise hnsw.ef_search only if recall is poor',
      }),
    ],
  });
}

export default musicr();
