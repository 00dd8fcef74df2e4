// The statuspage kind against a local server serving payloads in each vendor's
// documented public format (tests/fixtures/statuspages/payloads.ts says which
// documentation each follows): Atlassian Statuspage v2, Instatus, incident.io.
import { beforeEach, describe, expect, it } from 'vitest';
import { statuspage, value, webhook } from '../../src/config';
import { validateConfig } from '../../src/config/validate';
import { MINUTE, program, published, received, reset, sinkSigningSecret, sinkUrl, T0, targetUrl, testVigil, unique } from '../helpers';
import { runOnce } from '../helpers/run-once';
import { incidentioWidget, instatusSummary, statuspageSummary, type SpInput } from '../fixtures/statuspages/payloads';

const COMPONENTS: SpInput['components'] = [
  { id: 'db01', name: 'Database', status: 'operational' },
  { id: 'api01', name: 'API Gateway', status: 'operational' },
  { id: 'auth01', name: 'Auth', status: 'operational' },
];

/** Serves `payload` where the kind looks for it under a page at /p/<page>, and returns the page URL. */
async function servePage(path: string, payload: unknown): Promise<string> {
  const page = unique('page');
  await program(`${page}${path}`, { json: payload });
  return targetUrl(`/p/${page}`);
}

describe('statuspage kind: Atlassian Statuspage v2', () => {
  it('all operational is up', async () => {
    const url = await servePage('/api/v2/summary.json', statuspageSummary({ name: 'Supabase', indicator: 'none', components: COMPONENTS }));
    const run = await runOnce(statuspage({ id: 'sb', url }));
    expect(run.judgement.status).toBe('up');
    expect(run.message).toBe('Supabase: operational');
    expect(run.observation.values).toMatchObject({ indicator: 'none', incidents: 0, maintenance: false });
  });

  it.each([
    ['minor', 'degraded'],
    ['major', 'down'],
    ['critical', 'down'],
  ] as const)('indicator %s is %s, with the incident titles in the details', async (indicator, expected) => {
    const url = await servePage('/api/v2/summary.json', statuspageSummary({
      name: 'Supabase', indicator, components: COMPONENTS,
      incidents: [{ name: 'Elevated error rates on the API Gateway', impact: indicator, status: 'investigating', componentIds: ['api01'] }],
    }));
    const run = await runOnce(statuspage({ id: 'sb', url }));
    expect(run.judgement.status).toBe(expected);
    expect(run.message).toContain('Elevated error rates on the API Gateway');
    expect(run.observation.details).toEqual([`incident: Elevated error rates on the API Gateway [${indicator}] (investigating)`]);
  });

  it('maintenance in progress is up, saying maintenance, with a value to assert on', async () => {
    const url = await servePage('/api/v2/summary.json', statuspageSummary({
      name: 'Supabase', indicator: 'maintenance', components: [{ ...COMPONENTS[0]!, status: 'under_maintenance' }, ...COMPONENTS.slice(1)],
      maintenances: [{ name: 'Database upgrade in eu-west-1', status: 'in_progress', componentIds: ['db01'] }],
    }));
    const run = await runOnce(statuspage({ id: 'sb', url }));
    expect(run.judgement.status).toBe('up');
    expect(run.message).toBe('Supabase: maintenance in progress: Database upgrade in eu-west-1 (not counted as an outage)');
    expect(run.observation.values.maintenance).toBe(true);
    const strict = await runOnce(statuspage({ id: 'sb', url, expect: [value('maintenance').eq(false).warn()] }));
    expect(strict.judgement.status).toBe('degraded');
  });

  it('watches only the named components (by name or id): an outage elsewhere does not count', async () => {
    const url = await servePage('/api/v2/summary.json', statuspageSummary({
      name: 'Supabase', indicator: 'major',
      components: [COMPONENTS[0]!, { ...COMPONENTS[1]!, status: 'major_outage' }, { ...COMPONENTS[2]!, status: 'degraded_performance' }],
      incidents: [{ name: 'API Gateway outage', impact: 'major', status: 'identified', componentIds: ['api01'] }],
    }));
    const database = await runOnce(statuspage({ id: 'sb', url, components: ['database'] }));
    expect(database.judgement.status).toBe('up');
    expect(database.observation.details).toBeUndefined();
    const gateway = await runOnce(statuspage({ id: 'sb', url, components: ['api01'] }));
    expect(gateway.judgement.status).toBe('down');
    expect(gateway.message).toBe('Supabase (api01): outage: API Gateway major outage; API Gateway outage');
    const auth = await runOnce(statuspage({ id: 'sb', url, components: ['Auth'] }));
    expect(auth.judgement.status).toBe('degraded');
    expect(auth.observation.values.componentStatus).toBe('degraded_performance');
  });

  it('a component the page does not list makes the check unknown, listing what it has', async () => {
    const url = await servePage('/api/v2/summary.json', statuspageSummary({ name: 'Supabase', indicator: 'none', components: COMPONENTS }));
    const run = await runOnce(statuspage({ id: 'sb', url, components: ['Storage'] }));
    expect(run.judgement.status).toBe('unknown');
    expect(run.message).toMatch(/lists no component "Storage"; it has Database, API Gateway, Auth/);
  });

  it('an HTML page, or the wrong format, is unknown rather than "fine"', async () => {
    const page = unique('html');
    await program(`${page}/api/v2/summary.json`, { body: '<html>Status</html>', headers: { 'content-type': 'text/html' } });
    const html = await runOnce(statuspage({ id: 'sb', url: targetUrl(`/p/${page}`) }));
    expect(html.judgement.status).toBe('unknown');
    expect(html.message).toMatch(/the answer is not JSON/);
    const url = await servePage('/api/v2/summary.json', instatusSummary({ name: 'Railway', status: 'UP' }));
    const wrong = await runOnce(statuspage({ id: 'sb', url }));
    expect(wrong.judgement.status).toBe('unknown');
    expect(wrong.message).toMatch(/not a Statuspage v2 summary \(is format right\?\)/);
  });

  it('a status page that answers 503 is down: the page itself is unavailable', async () => {
    const page = unique('down');
    await program(`${page}/api/v2/summary.json`, { status: 503, body: 'Service Unavailable' });
    const run = await runOnce(statuspage({ id: 'sb', url: targetUrl(`/p/${page}`), retry: false }));
    expect(run.judgement.status).toBe('down');
    expect(run.message).toMatch(/answered HTTP 503: the status page itself is unavailable/);
  });
});

describe('statuspage kind: Instatus', () => {
  it('UP is up; an incident is degraded or down by its impact; maintenance is up, said', async () => {
    const up = await runOnce(statuspage({ id: 'rw', format: 'instatus', url: await servePage('/summary.json', instatusSummary({ name: 'Railway', status: 'UP' })) }));
    expect(up.judgement.status).toBe('up');
    const partial = await runOnce(statuspage({ id: 'rw', format: 'instatus', url: await servePage('/summary.json', instatusSummary({ name: 'Railway', status: 'HASISSUES', incidents: [{ name: 'Builds are slow', status: 'IDENTIFIED', impact: 'PARTIALOUTAGE' }] })) }));
    expect(partial.judgement.status).toBe('degraded');
    expect(partial.observation.details).toEqual(['incident: Builds are slow [partialoutage] (identified)']);
    const major = await runOnce(statuspage({ id: 'rw', format: 'instatus', url: await servePage('/summary.json', instatusSummary({ name: 'Railway', status: 'HASISSUES', incidents: [{ name: 'Deploys failing', status: 'INVESTIGATING', impact: 'MAJOROUTAGE' }] })) }));
    expect(major.judgement.status).toBe('down');
    expect(major.message).toBe('Railway: outage: Deploys failing');
    const maintenance = await runOnce(statuspage({ id: 'rw', format: 'instatus', url: await servePage('/summary.json', instatusSummary({ name: 'Railway', status: 'UNDERMAINTENANCE', maintenances: [{ name: 'Database migration', status: 'INPROGRESS' }] })) }));
    expect(maintenance.judgement.status).toBe('up');
    expect(maintenance.message).toMatch(/maintenance in progress: Database migration/);
  });

  it('refuses components for Instatus at validation: its public summary has none', () => {
    const result = validateConfig({ checks: [statuspage({ id: 'rw', format: 'instatus', url: 'https://status.railway.com', components: ['Builds'] })] });
    expect(result.ok ? [] : result.problems).toEqual([`check "rw": components: Instatus' public summary.json lists no components, so they cannot be picked: watch the whole page (leave components out)`]);
  });
});

describe('statuspage kind: incident.io Widget API', () => {
  const api: Parameters<typeof incidentioWidget>[0]['incidents'] = [
    { name: 'Increased error rates for the Chat Completions API', status: 'investigating', impact: 'partial_outage', components: [{ id: '01JCHAT', name: 'Chat Completions', group_name: 'APIs', current_status: 'partial_outage' }] },
    { name: 'Sora video generation unavailable', status: 'identified', impact: 'full_outage', components: [{ id: '01JSORA', name: 'Video generation', group_name: 'Sora', current_status: 'full_outage' }] },
  ];

  it('reads the widget at /proxy/<host> and takes the worst impact for the whole page', async () => {
    const host = new URL(targetUrl()).host;
    const url = await servePage(`/proxy/${host}`, incidentioWidget({ title: 'OpenAI', incidents: api }));
    const run = await runOnce(statuspage({ id: 'oa', format: 'incidentio', url }));
    expect(run.judgement.status).toBe('down');
    expect(run.observation.details).toEqual([
      'incident: Increased error rates for the Chat Completions API [partial_outage] (investigating)',
      'incident: Sora video generation unavailable [full_outage] (identified)',
      'Chat Completions: partial outage',
      'Video generation: major outage',
    ]);
  });

  it('with components named, only their incidents count', async () => {
    const host = new URL(targetUrl()).host;
    const url = await servePage(`/proxy/${host}`, incidentioWidget({ title: 'OpenAI', incidents: api }));
    const chat = await runOnce(statuspage({ id: 'oa', format: 'incidentio', url, components: ['Chat Completions'] }));
    expect(chat.judgement.status).toBe('degraded');
    expect(chat.message).toBe('OpenAI (Chat Completions): degraded: Chat Completions partial outage; Increased error rates for the Chat Completions API');
    const embeddings = await runOnce(statuspage({ id: 'oa', format: 'incidentio', url, components: ['Embeddings'] }));
    expect(embeddings.judgement.status).toBe('up');
  });

  it('an incident that names no component concerns the whole page, watched components or not', async () => {
    const host = new URL(targetUrl()).host;
    const url = await servePage(`/proxy/${host}`, incidentioWidget({ title: 'OpenAI', incidents: [{ name: 'Login issues for some users', status: 'identified', impact: 'degraded_performance', components: [] }] }));
    const run = await runOnce(statuspage({ id: 'oa', format: 'incidentio', url, components: ['Chat Completions'] }));
    expect(run.judgement.status).toBe('degraded');
    expect(run.message).toBe('OpenAI (Chat Completions): degraded: Login issues for some users');
  });

  it('maintenance in progress on a watched component is up, said', async () => {
    const host = new URL(targetUrl()).host;
    const url = await servePage(`/proxy/${host}`, incidentioWidget({ title: 'OpenAI', maintenances: [{ name: 'Fine-tuning maintenance', components: [{ id: '01JFT', name: 'Fine-tuning', current_status: 'operational' }] }] }));
    const run = await runOnce(statuspage({ id: 'oa', format: 'incidentio', url, components: ['Fine-tuning'] }));
    expect(run.judgement.status).toBe('up');
    expect(run.message).toBe('OpenAI (Fine-tuning): maintenance in progress: Fine-tuning maintenance (not counted as an outage)');
  });
});

describe('statuspage kind: a vendor in maintenance, through ticks', () => {
  beforeEach(async () => {
    await reset();
  });

  it('shows the vendor in maintenance on the page and the Statuspage routes, alerts nothing, and an outage during it still alerts', async () => {
    const page = unique('page');
    const serve = (payload: unknown) => program(`${page}/api/v2/summary.json`, { json: payload });
    const sink = unique('hook');
    const worker = testVigil(
      {
        channels: { hooks: webhook({ url: sinkUrl(`/hook/${sink}`), signingSecret: sinkSigningSecret }) },
        checks: [
          statuspage({ id: 'supabase', name: 'Supabase', url: targetUrl(`/p/${page}`), confirmations: { down: 1, up: 1 } }),
          // Asking to hear of maintenance: it is then a warning like any other.
          statuspage({ id: 'supabase-told', name: 'Supabase (told)', url: targetUrl(`/p/${page}`), confirmations: { down: 1, up: 1 }, expect: [value('maintenance').eq(false).warn()] }),
        ],
      },
      {},
    );
    const at = (minutes: number) => T0 + minutes * MINUTE;
    await serve(statuspageSummary({ name: 'Supabase', indicator: 'none', components: COMPONENTS }));
    await worker.ledger.tick(at(0));
    await serve(statuspageSummary({
      name: 'Supabase', indicator: 'maintenance', components: [{ ...COMPONENTS[0]!, status: 'under_maintenance' }, ...COMPONENTS.slice(1)],
      maintenances: [{ name: 'Database upgrade in eu-west-1', status: 'in_progress', componentIds: ['db01'] }],
    }));
    await worker.ledger.tick(at(1));
    const view = (await published())?.view;
    expect(view?.checks[1]?.status).toBe('degraded');
    expect(view?.checks[0]).toMatchObject({ status: 'paused', maintenance: { title: 'Database upgrade in eu-west-1', until: null, vendor: true } });
    const components = (await (await worker.fetch('/api/v2/components.json')).json()) as { components: Array<{ name: string; status: string }> };
    expect(components.components.find((component) => component.name === 'Supabase')?.status).toBe('under_maintenance');
    expect(await (await worker.fetch('/')).text()).toContain('Database upgrade in eu-west-1: maintenance in progress');
    // An outage during the maintenance is an outage: it alerts.
    await serve(statuspageSummary({
      name: 'Supabase', indicator: 'major', components: COMPONENTS,
      incidents: [{ name: 'Database unavailable', impact: 'major', status: 'investigating', componentIds: ['db01'] }],
      maintenances: [{ name: 'Database upgrade in eu-west-1', status: 'in_progress', componentIds: ['db01'] }],
    }));
    await worker.ledger.tick(at(2));
    expect((await published())?.view.checks[0]?.status).toBe('down');
    await serve(statuspageSummary({ name: 'Supabase', indicator: 'none', components: COMPONENTS }));
    await worker.ledger.tick(at(3));
    expect((await published())?.view.checks[0]).toMatchObject({ status: 'up' });
    expect((await published())?.view.checks[0]?.maintenance).toBeUndefined();
    const hooks = (await received(sink)).filter((request) => request.status < 300).map((request) => JSON.parse(request.body) as { type: string; check: { id: string } });
    expect(hooks.filter((hook) => hook.check.id === 'supabase').map((hook) => hook.type)).toEqual(['check.down', 'check.recovered']);
    expect(hooks.filter((hook) => hook.check.id === 'supabase-told').map((hook) => hook.type)).toEqual(['check.degraded', 'check.down', 'check.recovered']);
  });
});
