// The config the browser tests run: a small company's page with groups,
// every option set (logo, brand colour, time zone, collapsible groups), a
// heartbeat, a private check, and a maintenance window in force "now". The
// Worker (tests/browser/worker.ts) builds it from its env; the tests import
// the same names.

import { defineConfig, heartbeat, http, json, latency, maintenanceWindow, secret, status, type ConfigInput } from '../../src/config';

export const ADMIN_TOKEN = 'browser-admin-token-2f9c4e7a1b3d5f60';
export const BACKUP_TOKEN = 'browser-backup-token-8d1e3f5a7c9b2e40';

/** A small logo as a data: URL (no network in tests; the CSP allows data: images). */
export const LOGO = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><rect width="40" height="40" rx="9" fill="#6e56cf"/><path d="M9 21l7 7 15-16" fill="none" stroke="#fff" stroke-width="4" stroke-linecap="round" stroke-linejoin="round"/></svg>')}`;

export const HOUR = 3_600_000;

/** `targetUrl`: the scene's target server; `now`: the real time the scene was built for (the maintenance window is around it). */
export function sceneConfig(targetUrl: string, now: number): ConfigInput {
  const fast = { confirmations: { down: 1, up: 1 } };
  return defineConfig({
    page: {
      title: 'Acme status',
      description: 'Live status of Acme’s website, API and payments.',
      links: [
        { label: 'Support', url: 'https://acme.example/support' },
        { label: 'Acme', url: 'https://acme.example' },
      ],
      logo: LOGO,
      brandColor: '#6e56cf',
      timeZone: 'Europe/Berlin',
      collapseGroups: 'healthy',
    },
    checks: [
      http({ id: 'website', name: 'Website', group: 'Frontend', url: `${targetUrl}/website`, expect: [status(200), latency().below({ warn: 800, crit: 3000 })], ...fast }),
      http({ id: 'cdn', name: 'CDN assets', group: 'Frontend', url: `${targetUrl}/cdn`, expect: [status(200)], ...fast }),
      http({ id: 'api', name: 'Public API', group: 'Backend', url: `${targetUrl}/api`, expect: [status(200), json('$.status').eq('ok')], ...fast }),
      http({ id: 'search', name: 'Search', group: 'Backend', url: `${targetUrl}/search`, expect: [status(200), latency().below({ warn: 300, crit: 3000 })], ...fast }),
      // The default two confirmations: a first failure shows as "checking".
      http({ id: 'payments', name: 'Payments', group: 'Backend', url: `${targetUrl}/payments`, expect: [status(200)] }),
      http({ id: 'database', name: 'Database', group: 'Data', url: `${targetUrl}/database`, expect: [status(200)], ...fast }),
      heartbeat({ id: 'backup', name: 'Nightly backup', group: 'Data', token: secret('BACKUP_TOKEN'), period: '1d', grace: '2h', purpose: 'backup' }),
      http({ id: 'admin-panel', name: 'Internal admin panel', public: false, url: `${targetUrl}/website`, expect: [status(200)], ...fast }),
    ],
    maintenance: [
      maintenanceWindow({
        id: 'db-upgrade',
        title: 'Database upgrade',
        description: 'PostgreSQL 16 to 17. Writes may pause for a few minutes.',
        start: new Date(now - 0.5 * HOUR).toISOString(),
        end: new Date(now + 1.5 * HOUR).toISOString(),
        checks: ['database'],
      }),
    ],
  });
}
