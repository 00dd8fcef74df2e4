// Your checks: Vigil runs this file's config every minute on Cloudflare.
// Every kind and option: node_modules/vigil/docs/checks.md; channels and alerts:
// node_modules/vigil/docs/alerts.md. Try a change with `npm run check`.

import { defineConfig, http, latency, secret, slack, status } from 'vigil';

export default defineConfig({
  // url: where the page is served (your custom domain); alerts link to it.
  page: { title: 'Status', url: 'https://status.example.com' },
  channels: {
    // The secret's value is set with `npx wrangler secret put SLACK_WEBHOOK_URL` (and in .dev.vars locally).
    ops: slack({ webhookUrl: secret('SLACK_WEBHOOK_URL') }),
  },
  checks: [
    http({
      id: 'website',
      name: 'Website',
      url: 'https://example.com/',
      every: '1m',
      expect: [status(200), latency().below({ warn: 1000, crit: 3000 })],
    }),
  ],
});
