// The Worker's HTTP side (Hono): the status page, the JSON API and Vigil's own
// health read the read model the ledger publishes to KV (never the ledger
// itself); pings and task completions go to the ledger, which stores them.

import { Hono } from 'hono';
import type { Config } from '../config/types';
import { kvFrom, type WorkerEnv } from '../env';
import { UPTIME_WINDOWS, type UptimeWindow } from '../store/history';
import { emptyView, READ_MODEL_KEYS, readPublished, type PublishedStatus, type StatusView } from '../store/read-model';
import { ackHandlers } from './ack';
import { statusBadge, uptimeBadge } from './badge';
import { taskDoneHandler } from './checklists';
import { favicon } from './favicon';
import { methodNotAllowed } from './methods';
import { pingHandler } from './pings';
import { StatusPage } from './status-page';
import { statuspageStatus, statuspageSummary } from './statuspage';

/** /health reports stale when the last published tick is older than the flush interval plus this. */
export const HEALTH_GRACE_MS = 3 * 60_000;

export interface AppOptions {
  /** The clock for requests (pings are stamped with it); tests pass their own. */
  now?: () => number;
}

export function createApp(config: Config, options: AppOptions = {}) {
  // strict: false — a job pinging /ping/<token>/ (trailing slash) still counts.
  const app = new Hono<{ Bindings: WorkerEnv }>({ strict: false });
  const clock = options.now ?? (() => Date.now());

  const ping = pingHandler(config, clock);
  app.on(['GET', 'POST', 'HEAD'], ['/ping/:token', '/ping/:token/:action'], ping);

  app.post('/api/checklists/:checklist/items/:item/done', taskDoneHandler(config, clock));

  const ack = ackHandlers(clock);
  app.get('/ack/:incident', ack.show);
  app.post('/ack/:incident', ack.acknowledge);

  /** The published read model (one KV read), or the empty view before the ledger's first publish. */
  const loadPublished = async (env: WorkerEnv, now: number): Promise<{ view: StatusView; published?: PublishedStatus }> => {
    const published = await readPublished<PublishedStatus>(kvFrom(env), READ_MODEL_KEYS.status);
    return published ? { view: published.view, published } : { view: emptyView(config, now) };
  };
  const loadView = async (env: WorkerEnv, now: number) => (await loadPublished(env, now)).view;

  app.get('/', async (c) => {
    const now = clock();
    const view = await loadView(c.env, now);
    c.header('cache-control', 'public, max-age=30');
    return c.html(`<!doctype html>${(<StatusPage view={view} now={now} />).toString()}`);
  });

  app.get('/api/status', async (c) => {
    const { checks, ...rest } = await loadView(c.env, clock());
    c.header('cache-control', 'public, max-age=30');
    c.header('access-control-allow-origin', '*');
    return c.json({ ...rest, checks: checks.map(({ bars: _bars, note: _note, ...check }) => check) });
  });

  // Statuspage-compatible JSON, for tools that read Atlassian Statuspage pages.
  app.get('/api/v2/status.json', async (c) => {
    const view = await loadView(c.env, clock());
    c.header('cache-control', 'public, max-age=30');
    c.header('access-control-allow-origin', '*');
    return c.json(statuspageStatus(view, pageUrl(c.req.url)));
  });
  app.get('/api/v2/summary.json', async (c) => {
    const view = await loadView(c.env, clock());
    c.header('cache-control', 'public, max-age=30');
    c.header('access-control-allow-origin', '*');
    return c.json(statuspageSummary(view, pageUrl(c.req.url)));
  });

  // /badge/api.svg (status) or /badge/api.svg?uptime=30d; public checks only.
  app.get('/badge/:file', async (c) => {
    const file = c.req.param('file');
    const window = c.req.query('uptime');
    if (!file.endsWith('.svg') || (window !== undefined && !Object.hasOwn(UPTIME_WINDOWS, window))) return c.notFound();
    const id = file.slice(0, -'.svg'.length);
    const view = await loadView(c.env, clock());
    const check = view.checks.find((candidate) => candidate.id === id);
    if (!check) return c.notFound();
    c.header('content-type', 'image/svg+xml; charset=utf-8');
    c.header('cache-control', 'public, max-age=60');
    return c.body(window ? uptimeBadge(check, window as UptimeWindow) : statusBadge(check));
  });

  app.get('/favicon.ico', favicon);

  app.get('/health', async (c) => {
    const now = clock();
    const { published } = await loadPublished(c.env, now);
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

  // The page's own address: the configured one, else where this request came in.
  const pageUrl = (requestUrl: string) => config.page.url ?? new URL('/', requestUrl).toString();

  app.notFound((c) => methodNotAllowed(app, c) ?? c.json({ error: 'not found' }, 404));
  app.onError((error, c) => {
    console.error('vigil: request failed', error);
    return c.json({ error: 'internal error' }, 500);
  });
  return app;
}
