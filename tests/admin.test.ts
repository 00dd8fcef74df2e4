// Incident communication through the real Worker and a real ledger: the
// admin API (bearer token) and the admin page (HTML forms, a signed cookie,
// CSRF tokens), and what the public then sees on the page, its permalinks,
// /api/status, the Statuspage routes and the feed.
import { beforeEach, describe, expect, it } from 'vitest';
import { http, status } from '../src/config';
import { SESSION_MS } from '../src/web/session';
import { MINUTE, program, reset, targetUrl, testVigil, unique } from './helpers';

beforeEach(async () => {
  await reset();
});

const TOKEN = 'admin-token-7f3a9c2e5b1d4e6a';
const T = Date.UTC(2026, 11, 6, 9, 0);
const ok = { status: 200, body: 'ok' };
const failing = { status: 503, body: 'down' };

function scene(extra: { token?: string | null } = {}) {
  const api = unique('api');
  let clock = T;
  const secrets: Record<string, string> = extra.token === null ? {} : { VIGIL_ADMIN_TOKEN: extra.token ?? TOKEN };
  const worker = testVigil(
    {
      page: { title: 'Shop', timeZone: 'Europe/Berlin' },
      checks: [
        http({ id: 'api', name: 'API', group: 'Core', url: targetUrl(`/p/${api}`), expect: [status(200)], confirmations: { down: 1, up: 1 } }),
        http({ id: 'internal', name: 'Internal admin', public: false, url: targetUrl(`/p/${api}`) }),
      ],
    },
    { secrets, now: () => clock },
  );
  const at = async (time: number, answer?: object) => {
    clock = time;
    if (answer) await program(api, answer);
    await worker.tick(time);
  };
  const send = (path: string, body: unknown, token: string | null = TOKEN) =>
    worker.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const json = async <T = Record<string, unknown>>(path: string) => (await (await worker.fetch(path)).json()) as T;
  const text = async (path: string) => (await worker.fetch(path)).text();
  return { worker, at, send, json, text, setClock: (time: number) => (clock = time), now: () => clock };
}

type Incident = { id: string; name: string; status: string; impact: string; resolved_at: string | null; incident_updates: Array<{ status: string; body: string }>; components: Array<{ id: string }> };

describe('admin API', () => {
  it('needs the token: 401 without or with a wrong one, 503 when the Worker has none', async () => {
    const s = scene();
    const missing = await s.send('/api/admin/incidents', { title: 'x', text: 'y' }, null);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="vigil"');
    expect((await s.send('/api/admin/incidents', { title: 'x', text: 'y' }, `${TOKEN}x`)).status).toBe(401);
    expect((await s.worker.fetch('/api/admin')).status).toBe(401);
    const off = scene({ token: null });
    const response = await off.send('/api/admin/incidents', { title: 'x', text: 'y' });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: expect.stringContaining('VIGIL_ADMIN_TOKEN') });
  });

  it('an incident people write: created, updated, resolved; the page, its permalink, /api/status, the Statuspage routes and the feed follow', async () => {
    const s = scene();
    await s.at(T, ok);
    s.setClock(T + 5 * MINUTE);
    const created = await s.send('/api/admin/incidents', { title: 'Slow checkouts', text: 'We are looking into slow checkouts.', impact: 'major', components: ['api'], by: 'alice' });
    expect(created.status).toBe(201);
    const { incident } = (await created.json()) as { incident: { id: string; startedAt: string; source: string } };
    expect(incident).toMatchObject({ source: 'manual', startedAt: new Date(T + 5 * MINUTE).toISOString() });

    const page = await s.text('/');
    expect(page).toMatch(/class="banner b-down"[^>]*><strong>Slow checkouts<\/strong>/);
    expect(page).toContain(`href="/incidents/${incident.id}"`);
    expect(page).toContain('We are looking into slow checkouts.');
    const api = await s.json<{ headline: { state: string; text: string }; incidents: { open: Array<{ id: string; state: string; source: string }> } }>('/api/status');
    expect(api.headline).toMatchObject({ state: 'down', text: 'Slow checkouts' });
    expect(api.incidents.open).toEqual([expect.objectContaining({ id: incident.id, state: 'investigating', source: 'manual' })]);
    const summary = await s.json<{ status: { indicator: string }; incidents: Incident[] }>('/api/v2/summary.json');
    expect(summary.status.indicator).toBe('major');
    expect(summary.incidents.map((i) => [i.name, i.status, i.impact, i.components.map((c) => c.id)])).toEqual([['Slow checkouts', 'investigating', 'major', ['api']]]);

    s.setClock(T + 20 * MINUTE);
    expect((await s.send(`/api/admin/incidents/${incident.id}/updates`, { state: 'identified', text: 'A slow query; adding an index.', by: 'alice' })).status).toBe(200);
    s.setClock(T + 40 * MINUTE);
    const resolved = await s.send(`/api/admin/incidents/${incident.id}/updates`, { state: 'resolved', text: 'Checkouts are fast again.', by: 'bob' });
    expect(resolved.status).toBe(200);

    const permalink = await s.text(`/incidents/${incident.id}`);
    expect(permalink).toContain('<h1 class="lede">Slow checkouts</h1>');
    // Newest first, times in the page's zone (Berlin: UTC+1 in December).
    expect(permalink.indexOf('Checkouts are fast again.')).toBeLessThan(permalink.indexOf('A slow query; adding an index.'));
    expect(permalink).toContain('Sun 6 Dec, 10:05 CET');
    expect((await s.json<{ incidents: unknown[] }>('/api/v2/incidents/unresolved.json')).incidents).toEqual([]);
    const all = await s.json<{ incidents: Incident[] }>('/api/v2/incidents.json');
    expect(all.incidents[0]).toMatchObject({ id: incident.id, status: 'resolved', resolved_at: new Date(T + 40 * MINUTE).toISOString() });
    expect(all.incidents[0]?.incident_updates.map((update) => update.status)).toEqual(['resolved', 'identified', 'investigating']);
    const feed = await s.text('/feed.atom');
    expect(feed).toContain('<title>[Resolved] Slow checkouts</title>');
    expect(feed).toContain(`<id>https://status.example.com/incidents/${incident.id}</id>`);
    expect((await s.json<{ headline: { state: string } }>('/api/status')).headline.state).toBe('up');
  });

  it("a detected incident's timeline: detected, people's updates, an acknowledgement, recovered; resolving it by hand is refused while the check fails", async () => {
    const s = scene();
    await s.at(T, ok);
    await s.at(T + MINUTE, failing);
    const [open] = (await s.json<{ incidents: { open: Array<{ id: string }> } }>('/api/status')).incidents.open;
    expect(open).toBeDefined();
    const id = (open as { id: string }).id;
    const refused = await s.send(`/api/admin/incidents/${id}/updates`, { state: 'resolved', text: 'Done?', by: 'alice' });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toEqual({ error: expect.stringContaining('still failing') });
    expect((await s.send(`/api/admin/incidents/${id}/updates`, { state: 'identified', text: 'The database is restarting.', by: 'alice' })).status).toBe(200);
    const acknowledged = await s.send(`/api/admin/incidents/${id}/acknowledge`, { by: 'alice' });
    expect(acknowledged.status).toBe(200);
    expect(((await acknowledged.json()) as { incident: { acknowledged: { by: string } } }).incident.acknowledged.by).toBe('alice');
    await s.at(T + 5 * MINUTE, ok);
    const history = await s.json<{ incidents: Incident[] }>('/api/v2/incidents.json');
    expect(history.incidents[0]?.incident_updates.map((update) => [update.status, update.body])).toEqual([
      ['resolved', 'API recovered after 4m.'],
      ['identified', 'Acknowledged by alice.'],
      ['identified', 'The database is restarting.'],
      ['investigating', 'Vigil detected that API is down: status = 503, expected 200'],
    ]);
    const page = await s.text(`/incidents/${id}`);
    expect(page).toContain('posted by Vigil');
    expect(page).toContain('Acknowledged by alice');
  });

  it('maintenance people schedule: announced, then under maintenance without an incident while the check fails, then ended early', async () => {
    const s = scene();
    await s.at(T, ok);
    const start = new Date(T + 60 * MINUTE).toISOString();
    const end = new Date(T + 180 * MINUTE).toISOString();
    const created = await s.send('/api/admin/maintenance', { title: 'Database upgrade', description: 'PostgreSQL 17', start, end, checks: ['api'], by: 'alice' });
    expect(created.status).toBe(201);
    const { maintenance } = (await created.json()) as { maintenance: { id: string } };
    const upcoming = await s.json<{ scheduled_maintenances: Array<{ id: string; status: string; scheduled_for: string }> }>('/api/v2/scheduled-maintenances/upcoming.json');
    expect(upcoming.scheduled_maintenances).toEqual([expect.objectContaining({ id: maintenance.id, status: 'scheduled', scheduled_for: start })]);
    expect(await s.text('/')).toContain('Scheduled maintenance');

    await s.at(T + 61 * MINUTE, failing);
    await s.at(T + 62 * MINUTE, failing);
    const components = await s.json<{ components: Array<{ id: string; status: string }> }>('/api/v2/components.json');
    expect(components.components.find((c) => c.id === 'api')?.status).toBe('under_maintenance');
    expect((await s.json<{ incidents: unknown[] }>('/api/v2/incidents/unresolved.json')).incidents).toEqual([]);
    expect((await s.json<{ status: { indicator: string } }>('/api/v2/status.json')).status.indicator).toBe('maintenance');
    expect((await s.json<{ scheduled_maintenances: Array<{ id: string; status: string }> }>('/api/v2/scheduled-maintenances/active.json')).scheduled_maintenances.map((m) => [m.id, m.status])).toEqual([[maintenance.id, 'in_progress']]);

    s.setClock(T + 90 * MINUTE);
    expect((await s.send(`/api/admin/maintenance/${maintenance.id}/updates`, { state: 'verifying', text: 'Upgraded; verifying.', by: 'alice' })).status).toBe(200);
    expect((await s.json<{ scheduled_maintenances: Array<{ status: string }> }>('/api/v2/scheduled-maintenances/active.json')).scheduled_maintenances.map((m) => m.status)).toEqual(['verifying']);
    expect((await s.send(`/api/admin/maintenance/${maintenance.id}/cancel`, { text: 'Done early.', by: 'alice' })).status).toBe(200);
    const all = await s.json<{ scheduled_maintenances: Array<{ id: string; status: string; resolved_at: string | null; incident_updates: Array<{ status: string }> }> }>('/api/v2/scheduled-maintenances.json');
    expect(all.scheduled_maintenances).toEqual([expect.objectContaining({ id: maintenance.id, status: 'completed', resolved_at: new Date(T + 90 * MINUTE).toISOString() })]);
    expect(all.scheduled_maintenances[0]?.incident_updates.map((u) => u.status)).toEqual(['completed', 'verifying', 'scheduled']);
    expect(await s.text(`/maintenance/${maintenance.id}`)).toContain('Done early.');
  });

  it('bad input gets a sentence and a 400, 404 or 409', async () => {
    const s = scene();
    await s.at(T, ok);
    const problem = async (path: string, body: unknown) => {
      const response = await s.send(path, body);
      return [response.status, ((await response.json()) as { error: string }).error];
    };
    expect(await problem('/api/admin/incidents', { text: 'no title' })).toEqual([400, '"title" is required']);
    expect(await problem('/api/admin/incidents', { title: 'x', text: 'y', components: ['nope'] })).toEqual([400, 'unknown components (check ids): nope']);
    expect(await problem('/api/admin/incidents', { title: 'x', text: 'y', impact: 'huge' })).toEqual([400, '"impact" must be one of none, minor, major, critical']);
    expect(await problem('/api/admin/incidents', '{not json')).toEqual([400, expect.stringContaining('the body must be JSON')]);
    expect(await problem('/api/admin/incidents/nope/updates', { text: 'x' })).toEqual([404, 'no incident "nope"']);
    expect(await problem('/api/admin/maintenance', { title: 'x', start: '2026-12-10T02:00', end: '2026-12-10T03:00:00Z' })).toEqual([400, expect.stringContaining('with an offset')]);
    expect(await problem('/api/admin/maintenance', { title: 'x', start: new Date(T - 2 * 60 * MINUTE).toISOString(), end: new Date(T - 60 * MINUTE).toISOString() })).toEqual([400, 'the window has already ended']);
  });
});

describe('admin page (no JavaScript)', () => {
  const form = (fields: Record<string, string | string[]>) => {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(fields)) for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
    return body;
  };

  async function signIn(s: ReturnType<typeof scene>) {
    const response = await s.worker.fetch('/admin/login', { method: 'POST', body: form({ name: 'Alice', token: TOKEN }), headers: { 'sec-fetch-site': 'same-origin' } });
    expect(response.status).toBe(303);
    const cookie = response.headers.get('set-cookie') ?? '';
    const value = /vigil_admin=([^;]+)/.exec(cookie)?.[1] as string;
    const dashboard = await s.worker.fetch('/admin', { headers: { cookie: `vigil_admin=${value}` } });
    const html = await dashboard.text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] as string;
    return { cookie, value, csrf, html, status: dashboard.status };
  }

  it('signs in with the token into an HttpOnly, SameSite=Strict cookie; a wrong token, a forged or expired cookie are refused', async () => {
    const s = scene();
    await s.at(T, ok);
    const login = await s.worker.fetch('/admin');
    expect(login.status).toBe(200);
    expect(login.headers.get('cache-control')).toBe('no-store');
    expect(login.headers.get('content-security-policy')).toContain("default-src 'none'");
    const loginHtml = await login.text();
    expect(loginHtml).toContain('<form method="post" action="/admin/login"');
    expect(loginHtml).not.toContain('<script');

    const wrong = await s.worker.fetch('/admin/login', { method: 'POST', body: form({ name: 'Alice', token: 'guess' }) });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();

    const session = await signIn(s);
    expect(session.cookie).toMatch(/^vigil_admin=[^;]+; Path=\/admin; HttpOnly; SameSite=Strict; Max-Age=43200; Secure$/);
    expect(session.status).toBe(200);
    expect(session.html).toContain('Signed in as Alice');
    expect(session.html).toContain('Internal admin (private)');

    const [name, expires, mac] = session.value.split('.');
    const forged = `${btoa('Mallory').replace(/=+$/, '')}.${expires}.${mac}`;
    expect(await (await s.worker.fetch('/admin', { headers: { cookie: `vigil_admin=${forged}` } })).text()).toContain('action="/admin/login"');
    expect(name).toBeTruthy();
    s.setClock(T + SESSION_MS + 1);
    expect(await (await s.worker.fetch('/admin', { headers: { cookie: `vigil_admin=${session.value}` } })).text()).toContain('action="/admin/login"');
  });

  it('posts an incident and its update through the forms; refuses a post without the CSRF token or from another site', async () => {
    const s = scene();
    await s.at(T, ok);
    const { value, csrf } = await signIn(s);
    const headers = { cookie: `vigil_admin=${value}`, 'sec-fetch-site': 'same-origin' };
    const fields = { title: 'Payments delayed', state: 'investigating', impact: 'minor', components: ['api'], text: 'Card payments take minutes to confirm.' };

    expect((await s.worker.fetch('/admin/incidents', { method: 'POST', headers, body: form(fields) })).status).toBe(403);
    expect((await s.worker.fetch('/admin/incidents', { method: 'POST', headers: { ...headers, 'sec-fetch-site': 'cross-site' }, body: form({ ...fields, _csrf: csrf }) })).status).toBe(403);
    expect((await s.worker.fetch('/admin/incidents', { method: 'POST', headers: { cookie: headers.cookie, origin: 'https://evil.example' }, body: form({ ...fields, _csrf: csrf }) })).status).toBe(403);

    const cached = await s.worker.fetch('/');
    expect(cached.headers.get('x-vigil-cache')).toBe('miss');
    expect((await s.worker.fetch('/')).headers.get('x-vigil-cache')).toBe('hit');

    const created = await s.worker.fetch('/admin/incidents', { method: 'POST', headers, body: form({ ...fields, _csrf: csrf }) });
    expect(created.status).toBe(303);
    expect(created.headers.get('location')).toBe('/admin?done=created');
    // The change purged the cached page: it shows at once.
    const page = await s.worker.fetch('/');
    expect(page.headers.get('x-vigil-cache')).toBe('miss');
    expect(await page.text()).toContain('Card payments take minutes to confirm.');

    const dashboard = await (await s.worker.fetch('/admin?done=created', { headers })).text();
    expect(dashboard).toContain('Incident created.');
    const id = /action="\/admin\/incidents\/([^/"]+)\/updates"/.exec(dashboard)?.[1] as string;
    const updated = await s.worker.fetch(`/admin/incidents/${id}/updates`, { method: 'POST', headers, body: form({ _csrf: csrf, state: 'monitoring', impact: 'minor', text: 'A fix is out; watching.' }) });
    expect(updated.status).toBe(303);
    const stored = (await s.worker.ledger.state()).incidents.find((incident) => incident.id === decodeURIComponent(id));
    expect(stored?.updates?.map((update) => [update.state, update.text, update.by])).toEqual([
      ['investigating', 'Card payments take minutes to confirm.', 'Alice'],
      ['monitoring', 'A fix is out; watching.', 'Alice'],
    ]);
    expect(await s.text('/feed.atom')).toContain('A fix is out; watching.');

    const bad = await s.worker.fetch(`/admin/incidents/${id}/updates`, { method: 'POST', headers, body: form({ _csrf: csrf, state: 'monitoring', text: '' }) });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('&quot;text&quot; is required');
  });

  it('schedules maintenance in the page time zone', async () => {
    const s = scene();
    await s.at(T, ok);
    const { value, csrf } = await signIn(s);
    const response = await s.worker.fetch('/admin/maintenance', {
      method: 'POST',
      headers: { cookie: `vigil_admin=${value}`, 'sec-fetch-site': 'same-origin' },
      body: form({ _csrf: csrf, title: 'Network work', start: '2026-12-08T02:00', end: '2026-12-08T04:30', checks: ['api'], description: 'Brief interruptions.' }),
    });
    expect(response.status).toBe(303);
    const [entry] = (await s.worker.ledger.state()).maintenance;
    // 02:00 in Berlin (CET, UTC+1) is 01:00 UTC.
    expect(entry).toMatchObject({ title: 'Network work', start: Date.UTC(2026, 11, 8, 1, 0), end: Date.UTC(2026, 11, 8, 3, 30), checks: ['api'], createdBy: 'Alice' });
  });
});
