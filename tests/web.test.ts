// The Worker's routes: the status page, /api/status and /health, driven by
// real ticks through the scheduled handler.
import { exports } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { http, json, latency, status } from '../src/config';
import { MINUTE, program, reset, targetUrl, testVigil, unique } from './helpers';

beforeEach(async () => {
  await reset();
});

type Vigil = ReturnType<typeof testVigil>;

function makeWorker() {
  const good = unique('good');
  const slow = unique('slow');
  const bad = unique('bad');
  const worker = testVigil({
    page: { title: 'Acme <status>', description: 'Production services', links: [{ label: 'Docs', url: 'https://docs.example.com' }] },
    checks: [
      http({ id: 'api', name: 'API <script>alert(1)</script>', group: 'Core', url: targetUrl(`/p/${good}`), expect: [json('$.status').eq('ok')] }),
      http({ id: 'search', name: 'Search', group: 'Core', url: targetUrl(`/p/${slow}`), expect: [latency().below({ warn: 100, crit: 5000 })] }),
      http({ id: 'payments', name: 'Payments', group: 'Billing', url: targetUrl(`/p/${bad}`), expect: [status(200)] }),
      http({ id: 'internal', name: 'Internal admin', public: false, url: targetUrl(`/p/${good}`) }),
    ],
  });
  return { worker, good, slow, bad };
}

async function tickAt(worker: Vigil, time: number) {
  await worker.tick(time);
}

async function get(worker: Vigil, path: string) {
  return worker.fetch(path);
}

describe('status page and API', () => {
  it('show the right rows, escape every dynamic string, and hide private checks', async () => {
    const { worker, good, slow, bad } = makeWorker();
    await program(good, { json: { status: 'ok' } });
    await program(slow, { json: { status: 'ok' }, delayMs: 250 });
    await program(bad, { status: 500, body: '<b>oops</b>' });
    const now = Date.now() - (Date.now() % MINUTE);
    await tickAt(worker, now - 2 * MINUTE);
    await tickAt(worker, now - MINUTE);

    const api = await get(worker, '/api/status');
    expect(api.status).toBe(200);
    const body = (await api.json()) as {
      status: string;
      checks: Array<{ id: string; status: string; group: string; latencyMs: number; uptime: Record<string, number | null>; message: string }>;
      incidents: { open: Array<{ checkId: string }> };
    };
    expect(body.status).toBe('down');
    expect(body.checks.map((c) => [c.id, c.status, c.group])).toEqual([
      ['api', 'up', 'Core'],
      ['search', 'degraded', 'Core'],
      ['payments', 'down', 'Billing'],
    ]);
    expect(body.checks[1]?.latencyMs).toBeGreaterThanOrEqual(250);
    expect(body.checks[2]?.message).toBe('status = 500, expected 200');
    expect(body.checks[0]?.uptime['1d']).toBe(100);
    expect(body.checks[2]?.uptime['1d']).toBe(0);
    expect(body.incidents.open.map((i) => i.checkId).sort()).toEqual(['payments', 'search']);
    expect(JSON.stringify(body)).not.toContain('internal');

    const page = await get(worker, '/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).not.toContain('<script>');
    expect(html).toContain('API &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('Acme &lt;status&gt;');
    expect(html).toContain('Payments is down');
    expect(html).toMatch(/id="check-search"[\s\S]*Degraded/);
    expect(html).toMatch(/id="check-payments"[\s\S]*status = 500, expected 200/);
    expect(html).toContain('Open incidents');
    expect(html).not.toContain('Internal admin');
    expect(html).toContain('https://docs.example.com');
  });

  it('says it is waiting before the first tick', async () => {
    const { worker } = makeWorker();
    const html = await (await get(worker, '/')).text();
    expect(html).toContain('Waiting for the first results');
    const api = (await (await get(worker, '/api/status')).json()) as { status: string; updatedAt: string | null };
    expect(api).toMatchObject({ status: 'unknown', updatedAt: null });
  });
});

describe('Statuspage-compatible JSON and badges', () => {
  async function brokenScene() {
    const { worker, good, slow, bad } = makeWorker();
    await program(good, { json: { status: 'ok' } });
    await program(slow, { json: { status: 'ok' }, delayMs: 250 });
    await program(bad, { status: 500, body: 'oops' });
    const now = Date.now() - (Date.now() % MINUTE);
    await tickAt(worker, now - 2 * MINUTE);
    await tickAt(worker, now - MINUTE);
    return worker;
  }

  it('/api/v2/status.json and /api/v2/summary.json speak Statuspage, public checks only', async () => {
    const worker = await brokenScene();
    const status = (await (await get(worker, '/api/v2/status.json')).json()) as { page: { id: string; name: string; url: string }; status: { indicator: string; description: string } };
    expect(status.page).toMatchObject({ id: 'vigil', name: 'Acme <status>', url: 'https://status.example.com/' });
    expect(status.status).toEqual({ indicator: 'major', description: 'Partial System Outage' });

    const response = await get(worker, '/api/v2/summary.json');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const summary = (await response.json()) as {
      components: Array<{ id: string; name: string; status: string; position: number; page_id: string }>;
      incidents: Array<{ name: string; status: string; impact: string; components: Array<{ id: string }>; incident_updates: Array<{ body: string }> }>;
      scheduled_maintenances: unknown[];
      status: { indicator: string };
    };
    // Groups are group components listing their members, before them.
    expect(summary.components.map((c) => [c.id, c.status, c.position])).toEqual([
      ['group-core', 'degraded_performance', 1],
      ['api', 'operational', 2],
      ['search', 'degraded_performance', 3],
      ['group-billing', 'major_outage', 4],
      ['payments', 'major_outage', 5],
    ]);
    expect(summary.incidents.map((i) => [i.name, i.status, i.impact, i.components.map((c) => c.id)]).sort()).toEqual([
      ['Payments outage', 'investigating', 'major', ['payments']],
      ['Search degraded', 'investigating', 'minor', ['search']],
    ]);
    expect(summary.incidents.find((i) => i.name === 'Payments outage')?.incident_updates[0]?.body).toBe('Vigil detected that Payments is down: status = 500, expected 200');
    expect(summary.scheduled_maintenances).toEqual([]);
    expect(JSON.stringify(summary)).not.toContain('internal');
  });

  it('/badge/<id>.svg: status or uptime, escaped, public checks only', async () => {
    const worker = await brokenScene();
    const search = await get(worker, '/badge/search.svg');
    expect(search.status).toBe(200);
    expect(search.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    const svg = await search.text();
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('aria-label="Search: degraded"');
    expect(svg).toContain('fill="#f5a524"');
    const api = await (await get(worker, '/badge/api.svg')).text();
    expect(api).not.toContain('<script>');
    expect(api).toContain('API &lt;script&gt;alert(1)&lt;/script&gt;: up');
    expect(await (await get(worker, '/badge/payments.svg?uptime=1d')).text()).toContain('aria-label="Payments 1d: 0%"');
    expect((await get(worker, '/badge/internal.svg')).status).toBe(404);
    expect((await get(worker, '/badge/nope.svg')).status).toBe(404);
    expect((await get(worker, '/badge/api.svg?uptime=2d')).status).toBe(404);
    expect((await get(worker, '/badge/api.svg?uptime=toString')).status).toBe(404);
    expect((await get(worker, '/badge/api.png')).status).toBe(404);
  });
});

describe('/health', () => {
  it('is 503 before any tick, 200 while ticks are recent, 503 when they stop', async () => {
    const { worker, good, slow, bad } = makeWorker();
    for (const name of [good, slow, bad]) await program(name, { json: { status: 'ok' } });
    expect((await get(worker, '/health')).status).toBe(503);
    await tickAt(worker, Date.now() - (Date.now() % MINUTE));
    const fresh = await get(worker, '/health');
    expect(fresh.status).toBe(200);
    expect(await fresh.json()).toMatchObject({ status: 'ok', checks: 4, outbox: 0 });

    const { worker: other } = makeWorker();
    await reset();
    await tickAt(other, Date.now() - 30 * MINUTE);
    const stale = await get(other, '/health');
    expect(stale.status).toBe(503);
    expect(await stale.json()).toMatchObject({ status: 'stale' });
  });
});

describe('the deployed entry (src/index.ts with checks/index.ts)', () => {
  it('serves the page and the API', async () => {
    const page = await exports.default.fetch('https://vigil.example.com/');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Vigil demo');
    const missing = await exports.default.fetch('https://vigil.example.com/nope');
    expect(missing.status).toBe(404);
  });
});
