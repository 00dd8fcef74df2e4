// The Worker's HTTP side (Hono). Public routes (the page, the incident
// history and pages, the feed, /api/status, the Statuspage API, badges,
// /health) read only the read model the ledger publishes to KV, through
// published.ts, and are kept 30 s in the Cache API; pings, task completions
// and admin changes go to the ledger, which stores them.

import { Hono, type Context } from 'hono';
import type { JSX } from 'hono/jsx/jsx-runtime';
import type { Config } from '../config/types';
import type { WorkerEnv } from '../env';
import { UPTIME_WINDOWS, type UptimeWindow } from '../store/history';
import type { StatusView } from '../store/read-model';
import { ackHandlers } from './ack';
import { adminRoutes } from './admin';
import { statusBadge, uptimeBadge } from './badge';
import { cachedResponse } from './cache';
import { renderCheckPage } from './check-page';
import { taskDoneHandler } from './checklists';
import { CURRENT_FAVICON_MAX_AGE_SECONDS, FAVICON_MAX_AGE_SECONDS, faviconSvg, ICON_STATES, type IconState } from './favicon';
import { atomFeed } from './feed';
import { HISTORY_PAGE_SIZE, historyEntries, IncidentPage, MaintenancePage, renderHistoryPage } from './incident-pages';
import { Layout, pageContext, type PageContext } from './layout';
import { methodNotAllowed } from './methods';
import { pingHandler } from './pings';
import { readIncidents, readStatus } from './published';
import { securityHeaders } from './security';
import { renderStatusPage } from './status-page';
import { statuspageComponentList, statuspageIncidents, statuspageMaintenances, statuspageStatus, statuspageSummary, type StatuspageSource } from './statuspage';
import { stylesheet, styleVersion } from './styles';
import { clockFor } from './time';

/** /health reports stale when the last published tick is older than the flush interval plus this. */
export const HEALTH_GRACE_MS = 3 * 60_000;
/** `/?refresh=N`: the page reloads itself every N seconds (opt-in: an unasked reload disturbs screen readers, WCAG 2.2.1). */
const REFRESH_RANGE = { min: 30, max: 3600 };

export interface AppOptions {
  /** The clock for requests (pings are stamped with it); tests pass their own. */
  now?: () => number;
}

type Env = { Bindings: WorkerEnv };

export function createApp(config: Config, options: AppOptions = {}) {
  // strict: false — a job pinging /ping/<token>/ (trailing slash) still counts.
  const app = new Hono<Env>({ strict: false });
  const clock = options.now ?? (() => Date.now());
  const css = stylesheet(config.page);
  const cssVersion = styleVersion(css);
  const styleHref = `/style.css?v=${cssVersion}`;
  const headers = securityHeaders(config.page);
  const times = clockFor(config.page.timeZone);

  app.use('*', async (c, next) => {
    await next();
    // Responses from the cache or fetch may have immutable headers.
    c.res = new Response(c.res.body, c.res);
    for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
  });

  const ping = pingHandler(config, clock);
  app.on(['GET', 'POST', 'HEAD'], ['/ping/:token', '/ping/:token/:action'], ping);
  app.post('/api/checklists/:checklist/items/:item/done', taskDoneHandler(config, clock));
  const ack = ackHandlers(clock);
  app.get('/ack/:incident', ack.show);
  app.post('/ack/:incident', ack.acknowledge);
  adminRoutes(app, config, clock, () => styleHref);

  // The page's own address: the configured one, else where this request came in.
  const pageUrl = (requestUrl: string) => {
    const url = config.page.url ?? new URL('/', requestUrl).toString();
    return url.endsWith('/') ? url : `${url}/`;
  };
  const context = (view: StatusView, now: number): PageContext => pageContext(config.page, view, now, styleHref);
  const html = (c: Context<Env>, element: JSX.Element, status: 200 | 404 = 200) => c.html(`<!doctype html>${element.toString()}`, status);
  /** A public GET answer, rendered at most once per 30 s per URL (cache.ts). */
  const cached = (render: (c: Context<Env>, now: number) => Promise<Response>) => (c: Context<Env>) => {
    const now = clock();
    return cachedResponse(c.req.url, now, () => render(c, now));
  };
  const notFoundPage = (c: Context<Env>, view: StatusView, now: number, what: string) =>
    html(
      c,
      <Layout ctx={context(view, now)} heading="Not found">
        <p class="card">
          {what} <a href="/">Back to the status page</a>.
        </p>
      </Layout>,
      404,
    );

  app.get(
    '/',
    cached(async (c, now) => {
      const { view } = await readStatus(c.env, config, now);
      const asked = Number(c.req.query('refresh'));
      const refresh = Number.isInteger(asked) && asked >= REFRESH_RANGE.min && asked <= REFRESH_RANGE.max ? asked : undefined;
      return c.html(renderStatusPage(view, context(view, now), refresh));
    }),
  );

  app.get('/style.css', (c) => {
    c.header('content-type', 'text/css; charset=utf-8');
    // A versioned URL never changes; an unversioned one is revalidated soon.
    c.header('cache-control', c.req.query('v') === cssVersion ? 'public, max-age=31536000, immutable' : 'public, max-age=300');
    return c.body(css);
  });

  const favicon = async (c: Context<Env>) => {
    const named = c.req.query('s');
    c.header('content-type', 'image/svg+xml; charset=utf-8');
    if (named !== undefined && (ICON_STATES as string[]).includes(named)) {
      c.header('cache-control', `public, max-age=${FAVICON_MAX_AGE_SECONDS}`);
      return c.body(faviconSvg(named as IconState));
    }
    const { view } = await readStatus(c.env, config, clock());
    c.header('cache-control', `public, max-age=${CURRENT_FAVICON_MAX_AGE_SECONDS}`);
    return c.body(faviconSvg(view.headline.state));
  };
  app.get('/favicon.ico', favicon);
  app.get('/favicon.svg', favicon);

  app.get(
    '/api/status',
    cached(async (c, now) => {
      const { view } = await readStatus(c.env, config, now);
      const { checks, ...rest } = view;
      c.header('access-control-allow-origin', '*');
      return c.json({ ...rest, checks: checks.map(({ days: _days, note: _note, ...check }) => check) });
    }),
  );

  // Atlassian Statuspage's v2 API, for tools and widgets that read Statuspage pages.
  const source = async (c: Context<Env>, now: number, history: boolean): Promise<StatuspageSource> => {
    const { view } = await readStatus(c.env, config, now);
    const incidents = history ? await readIncidents(c.env) : undefined;
    return { view, page: config.page, pageUrl: pageUrl(c.req.url), now, ...(incidents ? { history: { incidents: incidents.incidents, maintenance: incidents.maintenance } } : {}) };
  };
  const statuspageRoute = (path: string, history: boolean, build: (source: StatuspageSource) => unknown) =>
    app.get(
      path,
      cached(async (c, now) => {
        c.header('access-control-allow-origin', '*');
        return c.json(build(await source(c, now, history)));
      }),
    );
  statuspageRoute('/api/v2/status.json', false, statuspageStatus);
  statuspageRoute('/api/v2/summary.json', false, statuspageSummary);
  statuspageRoute('/api/v2/components.json', false, statuspageComponentList);
  statuspageRoute('/api/v2/incidents.json', true, (s) => statuspageIncidents(s, 'all'));
  statuspageRoute('/api/v2/incidents/unresolved.json', false, (s) => statuspageIncidents(s, 'unresolved'));
  statuspageRoute('/api/v2/scheduled-maintenances.json', true, (s) => statuspageMaintenances(s, 'all'));
  statuspageRoute('/api/v2/scheduled-maintenances/upcoming.json', false, (s) => statuspageMaintenances(s, 'upcoming'));
  statuspageRoute('/api/v2/scheduled-maintenances/active.json', false, (s) => statuspageMaintenances(s, 'active'));

  app.get(
    '/history',
    cached(async (c, now) => {
      const { view } = await readStatus(c.env, config, now);
      const history = await readIncidents(c.env);
      const entries = historyEntries(history?.incidents ?? [...view.incidents.open, ...view.incidents.recent], history?.maintenance ?? [], now);
      const pages = Math.max(1, Math.ceil(entries.length / HISTORY_PAGE_SIZE));
      const page = Number(c.req.query('page') ?? '1');
      if (!Number.isInteger(page) || page < 1 || page > pages) return notFoundPage(c, view, now, `There is no page ${c.req.query('page')} of the history.`);
      return c.html(renderHistoryPage(entries.slice((page - 1) * HISTORY_PAGE_SIZE, page * HISTORY_PAGE_SIZE), page, pages, context(view, now)));
    }),
  );

  app.get(
    '/incidents/:id',
    cached(async (c, now) => {
      const [{ view }, history] = await Promise.all([readStatus(c.env, config, now), readIncidents(c.env)]);
      const id = c.req.param('id');
      const incident = [...view.incidents.open, ...(history?.incidents ?? view.incidents.recent)].find((candidate) => candidate.id === id);
      if (!incident) return notFoundPage(c, view, now, 'No incident of the last 90 days has this address.');
      return html(c, <IncidentPage incident={incident} ctx={context(view, now)} />);
    }),
  );

  app.get(
    '/maintenance/:id',
    cached(async (c, now) => {
      const [{ view }, history] = await Promise.all([readStatus(c.env, config, now), readIncidents(c.env)]);
      const id = c.req.param('id');
      const window = [...view.maintenance.active, ...view.maintenance.upcoming, ...(history?.maintenance ?? [])].find((candidate) => candidate.id === id);
      if (!window) return notFoundPage(c, view, now, 'No current, upcoming or recent maintenance has this address.');
      return html(c, <MaintenancePage window={window} ctx={context(view, now)} />);
    }),
  );

  app.get(
    '/checks/:id',
    cached(async (c, now) => {
      const { view } = await readStatus(c.env, config, now);
      const check = view.checks.find((candidate) => candidate.id === c.req.param('id'));
      if (!check) return notFoundPage(c, view, now, 'No public check has this address.');
      const history = await readIncidents(c.env);
      const incidents = (history?.incidents ?? [...view.incidents.open, ...view.incidents.recent]).filter((incident) => incident.componentIds.includes(check.id));
      return c.html(renderCheckPage(check, incidents, context(view, now)));
    }),
  );

  app.get(
    '/feed.atom',
    cached(async (c, now) => {
      const { view, published } = await readStatus(c.env, config, now);
      const history = await readIncidents(c.env);
      const seen = new Set((history?.maintenance ?? []).map((window) => window.id));
      const body = atomFeed({
        title: view.title,
        pageUrl: pageUrl(c.req.url),
        incidents: history?.incidents ?? [...view.incidents.open, ...view.incidents.recent],
        maintenance: [...(history?.maintenance ?? []), ...[...view.maintenance.active, ...view.maintenance.upcoming].filter((window) => !seen.has(window.id))],
        publishedAt: published?.publishedAt ?? now,
        now,
        clock: times,
      });
      c.header('content-type', 'application/atom+xml; charset=utf-8');
      return c.body(body);
    }),
  );

  // /badge/api.svg (status) or /badge/api.svg?uptime=30d; public checks only.
  app.get('/badge/:file', async (c) => {
    const file = c.req.param('file');
    const window = c.req.query('uptime');
    if (!file.endsWith('.svg') || (window !== undefined && !Object.hasOwn(UPTIME_WINDOWS, window))) return c.notFound();
    const id = file.slice(0, -'.svg'.length);
    const { view } = await readStatus(c.env, config, clock());
    const check = view.checks.find((candidate) => candidate.id === id);
    if (!check) return c.notFound();
    c.header('content-type', 'image/svg+xml; charset=utf-8');
    c.header('cache-control', 'public, max-age=60');
    return c.body(window ? uptimeBadge(check, window as UptimeWindow) : statusBadge(check));
  });

  app.get('/health', async (c) => {
    const now = clock();
    const { published } = await readStatus(c.env, config, now);
    const staleAfterMs = config.settings.flushEveryMs + HEALTH_GRACE_MS;
    const lastTick = published?.lastTick ?? null;
    const ageMs = lastTick === null ? null : now - lastTick;
    const healthy = ageMs !== null && ageMs <= staleAfterMs;
    c.header('cache-control', 'no-store');
    return c.json(
      {
        status: healthy ? 'ok' : 'stale',
        lastTick: lastTick !== null ? new Date(lastTick).toISOString() : null,
        lastTickAgeSeconds: ageMs === null ? null : Math.round(ageMs / 1000),
        staleAfterSeconds: staleAfterMs / 1000,
        publishedAt: published ? new Date(published.publishedAt).toISOString() : null,
        checks: config.checks.length,
        outbox: published?.health.outbox ?? null,
        failedDeliveries: published?.health.failedDeliveries ?? [],
        kvWritesToday: published?.health.kvWritesToday ?? null,
        kvWritesPerDay: published?.health.kvWritesPerDay ?? null,
      },
      healthy ? 200 : 503,
    );
  });

  app.notFound((c) => methodNotAllowed(app, c) ?? c.json({ error: 'not found' }, 404));
  app.onError((error, c) => {
    console.error('vigil: request failed', error);
    return c.json({ error: 'internal error' }, 500);
  });
  return app;
}
