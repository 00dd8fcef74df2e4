// Every Statuspage v2 route against a schema written from Atlassian's
// documentation of the public Status API (developer.statuspage.io, "Status
// API"; each page documents it at /api): field names, types (ISO 8601
// date-times, nullable fields) and enums. Two scenes: a component under
// maintenance with no incident, and a busy page (groups, detected and
// declared incidents, scheduled maintenance). Then Vigil's own statuspage
// kind, a client of this API, reads Vigil's summary.json.
import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { http, maintenanceWindow, statuspage, status } from '../src/config';
import { loadConfig } from '../src/config/validate';
import { runCheck } from '../src/engine/runner';
import { MINUTE, program, reset, targetUrl, testVigil, unique } from './helpers';

beforeEach(async () => {
  await reset();
});

// ---- The schema, from the documentation ----

/** "created_at": "2014-05-03T01:22:07.274Z" — ISO 8601 with an offset. */
const dateTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/, 'an ISO 8601 date-time');
const page = z.strictObject({ id: z.string().min(1), name: z.string(), url: z.string().url(), time_zone: z.string(), updated_at: dateTime });
/** Component statuses: operational, degraded_performance, partial_outage, major_outage (and under_maintenance, which pages serve and the statuspage.io client enumerates). */
const componentStatus = z.enum(['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance']);
const component = z.strictObject({
  id: z.string().min(1),
  name: z.string(),
  status: componentStatus,
  created_at: dateTime,
  updated_at: dateTime,
  position: z.number().int().positive(),
  description: z.string().nullable(),
  showcase: z.boolean(),
  start_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).nullable(),
  group_id: z.string().nullable(),
  page_id: z.string(),
  group: z.boolean(),
  only_show_if_degraded: z.boolean(),
  /** Group components list their members. */
  components: z.array(z.string()).optional(),
});
const incidentStatus = z.enum(['investigating', 'identified', 'monitoring', 'resolved', 'postmortem']);
const maintenanceStatus = z.enum(['scheduled', 'in_progress', 'verifying', 'completed']);
const update = z.strictObject({
  id: z.string(),
  status: z.union([incidentStatus, maintenanceStatus]),
  body: z.string(),
  incident_id: z.string(),
  created_at: dateTime,
  updated_at: dateTime,
  display_at: dateTime,
  affected_components: z.array(z.strictObject({ code: z.string(), name: z.string(), old_status: componentStatus, new_status: componentStatus })).nullable(),
  deliver_notifications: z.boolean(),
  custom_tweet: z.string().nullable(),
  tweet_id: z.string().nullable(),
});
const incidentShape = {
  id: z.string(),
  name: z.string(),
  created_at: dateTime,
  updated_at: dateTime,
  monitoring_at: dateTime.nullable(),
  resolved_at: dateTime.nullable(),
  shortlink: z.string().url(),
  started_at: dateTime,
  page_id: z.string(),
  incident_updates: z.array(update).min(1),
  components: z.array(component),
};
const incident = z.strictObject({ ...incidentShape, status: incidentStatus, impact: z.enum(['none', 'minor', 'major', 'critical']) });
const maintenance = z.strictObject({ ...incidentShape, status: maintenanceStatus, impact: z.enum(['none', 'minor', 'major', 'critical', 'maintenance']), scheduled_for: dateTime, scheduled_until: dateTime });
const indicator = z.strictObject({ indicator: z.enum(['none', 'minor', 'major', 'critical', 'maintenance']), description: z.string().min(1) });

const ROUTES = {
  '/api/v2/status.json': z.strictObject({ page, status: indicator }),
  '/api/v2/summary.json': z.strictObject({ page, components: z.array(component), incidents: z.array(incident), scheduled_maintenances: z.array(maintenance), status: indicator }),
  '/api/v2/components.json': z.strictObject({ page, components: z.array(component) }),
  '/api/v2/incidents.json': z.strictObject({ page, incidents: z.array(incident).max(50) }),
  '/api/v2/incidents/unresolved.json': z.strictObject({ page, incidents: z.array(incident.extend({ status: z.enum(['investigating', 'identified', 'monitoring']) })) }),
  '/api/v2/scheduled-maintenances.json': z.strictObject({ page, scheduled_maintenances: z.array(maintenance).max(50) }),
  '/api/v2/scheduled-maintenances/upcoming.json': z.strictObject({ page, scheduled_maintenances: z.array(maintenance.extend({ status: z.literal('scheduled') })) }),
  '/api/v2/scheduled-maintenances/active.json': z.strictObject({ page, scheduled_maintenances: z.array(maintenance.extend({ status: z.enum(['in_progress', 'verifying']) })) }),
} as const;

type Worker = ReturnType<typeof testVigil>;
type Route = keyof typeof ROUTES;

/** Fetches every route, checks it against its schema and the documented relations, and returns the parsed answers. */
async function checkAll(worker: Worker): Promise<{ [R in Route]: z.infer<(typeof ROUTES)[R]> }> {
  const out: Record<string, unknown> = {};
  for (const [route, schema] of Object.entries(ROUTES)) {
    const response = await worker.fetch(route);
    expect(response.status, route).toBe(200);
    expect(response.headers.get('content-type'), route).toMatch(/^application\/json/);
    expect(response.headers.get('access-control-allow-origin'), route).toBe('*');
    const parsed = schema.safeParse(await response.json());
    if (!parsed.success) throw new Error(`${route} does not match the documented schema:\n${z.prettifyError(parsed.error)}`);
    out[route] = parsed.data;
  }
  const answers = out as { [R in Route]: z.infer<(typeof ROUTES)[R]> };
  const { components } = answers['/api/v2/components.json'];
  const ids = new Set(components.map((entry) => entry.id));
  for (const entry of components) {
    expect(entry.page_id).toBe(answers['/api/v2/status.json'].page.id);
    if (entry.group) {
      // A group lists its members, each of which names it back.
      expect(entry.components?.length, entry.id).toBeGreaterThan(0);
      for (const member of entry.components ?? []) expect(components.find((candidate) => candidate.id === member)?.group_id).toBe(entry.id);
    } else {
      expect(entry.components).toBeUndefined();
      if (entry.group_id !== null) expect(ids.has(entry.group_id)).toBe(true);
    }
  }
  expect(new Set(components.map((entry) => entry.position)).size).toBe(components.length);
  for (const list of [answers['/api/v2/incidents.json'].incidents, answers['/api/v2/scheduled-maintenances.json'].scheduled_maintenances]) {
    for (const item of list) {
      // Updates newest first.
      const times = item.incident_updates.map((entry) => Date.parse(entry.created_at));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
      for (const entry of item.incident_updates) expect(entry.incident_id).toBe(item.id);
    }
  }
  expect(answers['/api/v2/summary.json'].components).toEqual(components);
  expect(answers['/api/v2/summary.json'].status).toEqual(answers['/api/v2/status.json'].status);
  expect(answers['/api/v2/summary.json'].incidents).toEqual(answers['/api/v2/incidents/unresolved.json'].incidents);
  return answers;
}

const T = Date.UTC(2026, 11, 6, 9, 0);
const ok = { status: 200, body: 'ok' };
const failing = { status: 503, body: 'down' };

describe('Statuspage v2 routes against the documented schema', () => {
  it('a component under maintenance with no incident: under_maintenance, indicator maintenance, the window active', async () => {
    const api = unique('api');
    let clock = T;
    const worker = testVigil(
      {
        page: { title: 'Shop', url: 'https://status.shop.example' },
        checks: [http({ id: 'api', name: 'API', url: targetUrl(`/p/${api}`), expect: [status(200)], confirmations: { down: 1, up: 1 } })],
        maintenance: [maintenanceWindow({ id: 'db-upgrade', title: 'Database upgrade', description: 'PostgreSQL 17', start: '2026-12-06T09:30:00Z', end: '2026-12-06T10:30:00Z', checks: ['api'] })],
      },
      { now: () => clock },
    );
    await program(api, ok);
    await worker.tick(T);
    const before = await checkAll(worker);
    expect(before['/api/v2/scheduled-maintenances/upcoming.json'].scheduled_maintenances.map((m) => [m.id, m.status, m.scheduled_for])).toEqual([['db-upgrade', 'scheduled', '2026-12-06T09:30:00.000Z']]);

    // Inside the window the check fails: under maintenance, no incident.
    await program(api, failing);
    for (const minute of [31, 32, 33]) {
      clock = T + minute * MINUTE;
      await worker.tick(clock);
    }
    const during = await checkAll(worker);
    expect(during['/api/v2/components.json'].components.map((c) => [c.id, c.status])).toEqual([['api', 'under_maintenance']]);
    expect(during['/api/v2/incidents.json'].incidents).toEqual([]);
    expect(during['/api/v2/summary.json'].incidents).toEqual([]);
    expect(during['/api/v2/status.json'].status).toEqual({ indicator: 'maintenance', description: 'Service Under Maintenance' });
    const [active] = during['/api/v2/scheduled-maintenances/active.json'].scheduled_maintenances;
    expect(active).toMatchObject({ id: 'db-upgrade', name: 'Database upgrade', status: 'in_progress', impact: 'maintenance', scheduled_until: '2026-12-06T10:30:00.000Z', shortlink: 'https://status.shop.example/maintenance/db-upgrade' });
    expect(active?.components.map((c) => c.id)).toEqual(['api']);
    expect(active?.incident_updates[0]?.affected_components).toEqual([{ code: 'api', name: 'API', old_status: 'operational', new_status: 'under_maintenance' }]);
    expect(during['/api/v2/summary.json'].scheduled_maintenances.map((m) => m.id)).toEqual(['db-upgrade']);
    // The page says the same.
    const html = await (await worker.fetch('/')).text();
    expect(html).toContain('Maintenance in progress');
    expect(html).not.toContain('Open incidents');
  });

  it('a busy page: groups as group components, detected and declared incidents, scheduled maintenance; every route agrees', async () => {
    const [web, pay, search] = [unique('web'), unique('pay'), unique('search')];
    let clock = T;
    const token = 'statuspage-admin-token-1234';
    const worker = testVigil(
      {
        page: { title: 'Shop', timeZone: 'Europe/Berlin' },
        checks: [
          http({ id: 'web', name: 'Website', group: 'Frontend', url: targetUrl(`/p/${web}`), expect: [status(200)], confirmations: { down: 1, up: 1 } }),
          http({ id: 'pay', name: 'Payments', group: 'Backend', url: targetUrl(`/p/${pay}`), expect: [status(200)], confirmations: { down: 1, up: 1 } }),
          http({ id: 'search', name: 'Search', group: 'Backend', url: targetUrl(`/p/${search}`), expect: [status(200)], confirmations: { down: 1, up: 1 } }),
          http({ id: 'secret-admin', name: 'Secret admin', public: false, url: targetUrl(`/p/${web}`) }),
        ],
      },
      { now: () => clock, secrets: { VIGIL_ADMIN_TOKEN: token } },
    );
    const admin = (path: string, body: unknown) => worker.fetch(path, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    for (const name of [web, pay, search]) await program(name, ok);
    await worker.tick(T);
    // Search fails and recovers (a resolved incident); Payments fails and stays down (an unresolved one).
    await program(search, failing);
    clock = T + MINUTE;
    await worker.tick(clock);
    await program(search, ok);
    await program(pay, failing);
    clock = T + 2 * MINUTE;
    await worker.tick(clock);
    clock = T + 3 * MINUTE;
    expect((await admin('/api/admin/incidents', { title: 'Slow logins', text: 'Logins take seconds.', impact: 'minor', components: ['web'], state: 'identified', by: 'ops' })).status).toBe(201);
    expect((await admin('/api/admin/maintenance', { title: 'Search reindex', start: new Date(T + 2 * 3_600_000).toISOString(), end: new Date(T + 3 * 3_600_000).toISOString(), checks: ['search'], by: 'ops' })).status).toBe(201);

    const answers = await checkAll(worker);
    expect(answers['/api/v2/components.json'].components.map((c) => [c.id, c.status, c.group, c.group_id])).toEqual([
      ['group-frontend', 'operational', true, null],
      ['web', 'operational', false, 'group-frontend'],
      ['group-backend', 'major_outage', true, null],
      ['pay', 'major_outage', false, 'group-backend'],
      ['search', 'operational', false, 'group-backend'],
    ]);
    expect(answers['/api/v2/components.json'].components.find((c) => c.id === 'group-backend')?.components).toEqual(['pay', 'search']);
    expect(answers['/api/v2/status.json'].status).toEqual({ indicator: 'major', description: 'Partial System Outage' });
    expect(answers['/api/v2/status.json'].page.time_zone).toBe('Europe/Berlin');
    const unresolved = answers['/api/v2/incidents/unresolved.json'].incidents;
    expect(unresolved.map((i) => [i.name, i.status, i.impact, i.components.map((c) => c.id)]).sort()).toEqual([
      ['Payments outage', 'investigating', 'major', ['pay']],
      ['Slow logins', 'identified', 'minor', ['web']],
    ]);
    const all = answers['/api/v2/incidents.json'].incidents;
    expect(all.map((i) => [i.name, i.status])).toContainEqual(['Search outage', 'resolved']);
    expect(all.find((i) => i.name === 'Search outage')?.resolved_at).toBe(new Date(T + 2 * MINUTE).toISOString());
    expect(answers['/api/v2/scheduled-maintenances/upcoming.json'].scheduled_maintenances.map((m) => [m.name, m.status, m.components.map((c) => c.id)])).toEqual([['Search reindex', 'scheduled', ['search']]]);
    expect(answers['/api/v2/scheduled-maintenances/active.json'].scheduled_maintenances).toEqual([]);
    expect(JSON.stringify(answers)).not.toContain('secret-admin');
    expect(JSON.stringify(answers)).not.toContain('Secret admin');

    // Vigil's own statuspage kind is a client of this API: it reads Vigil as it reads any Statuspage page.
    const reader = loadConfig({ checks: [statuspage({ id: 'shop-status', url: 'https://status.example.com' })] }).checks[0];
    const run = await runCheck(reader as never, undefined, { fetch: async (input, init) => worker.fetch(String(input), init), env: {}, now: clock, deadline: Date.now() + 10_000 });
    expect(run.observation.reached).toBe(true);
    expect(run.observation.verdict).toMatchObject({ status: 'down' });
    expect(run.observation.verdict?.message).toContain('Payments major outage');
  });
});
