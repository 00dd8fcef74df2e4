// The checks this Worker runs. Out of the box they watch the sample target
// that `npm start` launches (scripts/sample-target.mjs), so a new install
// shows real up, degraded and down rows offline. Replace them with your own:
// checks/examples/ has one pack per runbook, docs/checks.md every option.

import { defineConfig, http, json, latency, status } from 'vigil';
import { SAMPLE_TARGET } from './sample-target';

export default defineConfig({
  page: {
    title: 'Vigil demo',
    description: 'Checks against the bundled sample target. Edit checks/index.ts to watch your own services.',
  },
  checks: [
    http({
      id: 'sample-health',
      name: 'Sample API health',
      group: 'Sample target',
      url: `${SAMPLE_TARGET}/health`,
      expect: [status(200), json('$.status').eq('ok'), latency().below({ warn: 500, crit: 2000 })],
    }),
    http({
      id: 'sample-search',
      name: 'Sample search (slow)',
      group: 'Sample target',
      url: `${SAMPLE_TARGET}/slow`,
      expect: [status(200), latency().below({ warn: 500, crit: 5000 })],
      // Degraded on purpose: one run confirms it, so the page shows it at the first tick.
      confirmations: { down: 1 },
      fix: 'The sample /slow route sleeps 800 ms on purpose: this row shows what degraded looks like.',
    }),
    http({
      id: 'sample-payments',
      name: 'Sample payments (failing)',
      group: 'Sample target',
      url: `${SAMPLE_TARGET}/fail`,
      expect: [status('2xx')],
      // Down on purpose: one run confirms it (real checks keep the default two).
      confirmations: { down: 1 },
      fix: 'The sample /fail route answers 500 on purpose: this row shows what down looks like.',
    }),
  ],
});
