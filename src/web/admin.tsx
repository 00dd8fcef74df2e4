// Incident communication: the admin API (/api/admin/*, bearer token) and the
// admin page (/admin, HTML forms that work without JavaScript, signed in with
// the same token: session.ts). Both hand operations to the ledger
// (src/ledger/admin.ts), which checks, stores and publishes them; the page's
// cached copies here are purged so the change shows at once.

import type { Context, Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import type { FC } from 'hono/jsx';
import type { Config } from '../config/types';
import type { WorkerEnv } from '../env';
import { IMPACTS, INCIDENT_STATES, MAINTENANCE_STATES, type AdminOperation, type AdminResult } from '../ledger/admin';
import { ledgerOf } from '../ledger/durable-object';
import type { AdminView } from '../ledger/ledger';
import type { Incident, ScheduledMaintenance } from '../model/state';
import { constantTimeEqual } from './auth';
import { purgeCached } from './cache';
import { adminProblem } from './checklists';
import { IMPACT_WORDS, STATE_WORDS } from './layout';
import { createSession, csrfToken, csrfValid, NAME_MAX, readSession, SESSION_COOKIE, sessionCookie, type Session } from './session';
import { clockFor, utcToZonedInput, zonedToUtc, type Clock } from './time';

type Env = { Bindings: WorkerEnv };
type Ctx = Context<Env>;

/** The public URLs an admin change can alter: their cached copies are dropped. */
const PUBLIC_PATHS = [
  '/',
  '/history',
  '/feed.atom',
  '/api/status',
  '/api/v2/status.json',
  '/api/v2/summary.json',
  '/api/v2/components.json',
  '/api/v2/incidents.json',
  '/api/v2/incidents/unresolved.json',
  '/api/v2/scheduled-maintenances.json',
  '/api/v2/scheduled-maintenances/upcoming.json',
  '/api/v2/scheduled-maintenances/active.json',
];

/** Messages after a change, by code (the redirect carries a code, never text). */
const DONE: Record<string, string> = {
  created: 'Incident created. It is on the status page and in the feed.',
  updated: 'Update posted.',
  acknowledged: 'Incident acknowledged: reminders and escalation stop.',
  scheduled: 'Maintenance scheduled. It is announced on the status page.',
  'maintenance-updated': 'Maintenance update posted.',
  cancelled: 'Maintenance ended.',
  'signed-in': 'Signed in.',
};

interface Applied {
  result: AdminResult;
  path: string;
}

export function adminRoutes(app: Hono<Env>, config: Config, clock: () => number, style: () => string) {
  const times = clockFor(config.page.timeZone);

  /** Applies an operation through the ledger and purges the public copies it changes. */
  async function apply(c: Ctx, operation: AdminOperation): Promise<AdminResult | Response> {
    const now = clock();
    let result: AdminResult;
    try {
      result = await ledgerOf(c.env).admin(operation, now);
    } catch (error) {
      console.error('vigil: an admin change could not be stored', error);
      c.header('retry-after', '5');
      return c.json({ error: 'the change could not be stored; try again in a few seconds' }, 503);
    }
    if (result.ok) {
      const origin = new URL(c.req.url).origin;
      const extra = result.incident ? [`/incidents/${encodeURIComponent(result.incident.id)}`, ...(result.incident.checkId ? [`/checks/${encodeURIComponent(result.incident.checkId)}`] : [])] : result.maintenance ? [`/maintenance/${encodeURIComponent(result.maintenance.id)}`] : [];
      await purgeCached(origin, [...PUBLIC_PATHS, ...extra], clock()).catch((error) => console.error('vigil: purging cached pages failed', error));
    }
    return result;
  }

  // ---- JSON API: Authorization: Bearer <VIGIL_ADMIN_TOKEN> ----

  const api = async (c: Ctx, build: (body: Record<string, unknown>) => AdminOperation | string, created = false) => {
    const denied = adminProblem(c);
    if (denied) return denied;
    c.header('cache-control', 'no-store');
    const body = await jsonBody(c);
    if (typeof body === 'string') return c.json({ error: body }, 400);
    const operation = build(body);
    if (typeof operation === 'string') return c.json({ error: operation }, 400);
    const result = await apply(c, operation);
    if (result instanceof Response) return result;
    if (!result.ok) return c.json({ error: result.error }, result.status);
    return c.json(result.incident ? { incident: isoTimes(result.incident) } : { maintenance: isoTimes(result.maintenance) }, created ? 201 : 200);
  };

  app.get('/api/admin', async (c) => {
    const denied = adminProblem(c);
    if (denied) return denied;
    c.header('cache-control', 'no-store');
    return c.json(isoTimes(await ledgerOf(c.env).adminView()));
  });
  app.post('/api/admin/incidents', (c) =>
    api(c, (body) => ({ op: 'createIncident', title: str(body.title), text: str(body.text), ...opt('state', body.state), ...opt('impact', body.impact), ...list('components', body.components), by: byOf(body) }) as AdminOperation, true),
  );
  app.post('/api/admin/incidents/:id/updates', (c) =>
    api(c, (body) => ({ op: 'updateIncident', id: c.req.param('id'), text: str(body.text), ...opt('state', body.state), ...opt('impact', body.impact), ...opt('title', body.title), ...list('components', body.components), by: byOf(body) }) as AdminOperation),
  );
  app.post('/api/admin/incidents/:id/acknowledge', (c) => api(c, (body) => ({ op: 'acknowledge', id: c.req.param('id'), by: byOf(body) })));
  app.post('/api/admin/maintenance', (c) =>
    api(
      c,
      (body) => {
        const start = isoTime(body.start);
        const end = isoTime(body.end);
        if (start === undefined || end === undefined) return 'start and end must be ISO 8601 times with an offset, such as "2026-12-10T02:00:00Z"';
        const checks = body.checks === undefined || body.checks === 'all' ? 'all' : Array.isArray(body.checks) ? body.checks.map(String) : undefined;
        if (checks === undefined) return '"checks" must be a list of check ids, or "all"';
        return { op: 'scheduleMaintenance', title: str(body.title), ...opt('description', body.description), start, end, checks, by: byOf(body) } as AdminOperation;
      },
      true,
    ),
  );
  app.post('/api/admin/maintenance/:id/updates', (c) => api(c, (body) => ({ op: 'updateMaintenance', id: c.req.param('id'), text: str(body.text), ...opt('state', body.state), by: byOf(body) }) as AdminOperation));
  app.post('/api/admin/maintenance/:id/cancel', (c) => api(c, (body) => ({ op: 'cancelMaintenance', id: c.req.param('id'), ...opt('text', body.text), by: byOf(body) }) as AdminOperation));

  // ---- The admin page: HTML forms, a signed cookie, a CSRF token ----

  const secretOf = (c: Ctx) => (typeof c.env.VIGIL_ADMIN_TOKEN === 'string' && c.env.VIGIL_ADMIN_TOKEN.length > 0 ? c.env.VIGIL_ADMIN_TOKEN : undefined);
  const secure = (c: Ctx) => new URL(c.req.url).protocol === 'https:';
  const noStore = (c: Ctx) => {
    c.header('cache-control', 'no-store');
    c.header('x-robots-tag', 'noindex');
  };

  const renderLogin = (c: Ctx, status: 200 | 401 | 503, error?: string) => {
    noStore(c);
    return c.html(`<!doctype html>${(<LoginPage title={config.page.title} style={style()} error={error} />).toString()}`, status);
  };

  const renderDashboard = async (c: Ctx, session: Session, secret: string, message?: { text: string; error: boolean }, status: 200 | 400 | 404 | 409 = 200) => {
    noStore(c);
    const view = await ledgerOf(c.env).adminView();
    const csrf = await csrfToken(secret, session);
    const page = <Dashboard config={config} view={view} session={session} csrf={csrf} message={message} style={style()} clock={times} now={clock()} />;
    return c.html(`<!doctype html>${page.toString()}`, status);
  };

  app.get('/admin', async (c) => {
    const secret = secretOf(c);
    if (!secret) return renderLogin(c, 503, 'The admin page is off: set the VIGIL_ADMIN_TOKEN secret (wrangler secret put VIGIL_ADMIN_TOKEN).');
    const session = await readSession(secret, getCookie(c, SESSION_COOKIE), clock());
    if (!session) return renderLogin(c, 200);
    const done = DONE[c.req.query('done') ?? ''];
    return renderDashboard(c, session, secret, done ? { text: done, error: false } : undefined);
  });

  app.post('/admin/login', async (c) => {
    const secret = secretOf(c);
    if (!secret) return renderLogin(c, 503, 'The admin page is off: set the VIGIL_ADMIN_TOKEN secret.');
    if (crossSite(c)) return c.text('cross-site request refused', 403);
    const form = await c.req.parseBody();
    const name = typeof form.name === 'string' ? form.name.trim() : '';
    const token = typeof form.token === 'string' ? form.token : '';
    if (!constantTimeEqual(token, secret)) return renderLogin(c, 401, 'That token is not the admin token.');
    if (!name || name.length > NAME_MAX) return renderLogin(c, 401, `Give your name (1 to ${NAME_MAX} characters): updates are signed with it.`);
    c.header('set-cookie', sessionCookie(await createSession(secret, name, clock()), secure(c)));
    noStore(c);
    return c.redirect('/admin?done=signed-in', 303);
  });

  app.post('/admin/logout', async (c) => {
    c.header('set-cookie', sessionCookie('', secure(c), 0));
    noStore(c);
    return c.redirect('/admin', 303);
  });

  /** A form post: signed in, same origin, CSRF token right; then the operation, then back to /admin. */
  const formAction = (build: (form: Record<string, string | string[]>, c: Ctx) => AdminOperation | string, done: string) => async (c: Ctx) => {
    const secret = secretOf(c);
    if (!secret) return renderLogin(c, 503, 'The admin page is off: set the VIGIL_ADMIN_TOKEN secret.');
    if (crossSite(c)) return c.text('cross-site request refused', 403);
    const session = await readSession(secret, getCookie(c, SESSION_COOKIE), clock());
    if (!session) return renderLogin(c, 401, 'Your session ended: sign in again.');
    const raw = await c.req.parseBody({ all: true });
    const form: Record<string, string | string[]> = {};
    for (const [key, value] of Object.entries(raw)) form[key] = Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : typeof value === 'string' ? value : '';
    if (!(await csrfValid(secret, session, form._csrf))) return c.text('the form is stale or forged (CSRF token): reload /admin and try again', 403);
    const operation = build(form, c);
    if (typeof operation === 'string') return renderDashboard(c, session, secret, { text: operation, error: true }, 400);
    const result = await apply(c, { ...operation, by: session.name } as AdminOperation);
    if (result instanceof Response) return result;
    if (!result.ok) return renderDashboard(c, session, secret, { text: result.error, error: true }, result.status);
    noStore(c);
    // The public pages this browser kept (30 s) are out of date now: it drops them, as the Worker dropped its cached copies.
    c.header('clear-site-data', '"cache"');
    return c.redirect(`/admin?done=${done}`, 303);
  };

  const field = (form: Record<string, string | string[]>, name: string) => {
    const value = form[name];
    return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
  };
  const fields = (form: Record<string, string | string[]>, name: string) => {
    const value = form[name];
    return Array.isArray(value) ? value : value ? [value] : [];
  };
  const optional = (value: string) => (value === '' ? undefined : value);

  app.post(
    '/admin/incidents',
    formAction(
      (form) =>
        ({
          op: 'createIncident',
          title: field(form, 'title'),
          text: field(form, 'text'),
          state: optional(field(form, 'state')),
          impact: optional(field(form, 'impact')),
          components: fields(form, 'components'),
          by: '',
        }) as AdminOperation,
      'created',
    ),
  );
  app.post(
    '/admin/incidents/:id/updates',
    formAction((form, c) => ({ op: 'updateIncident', id: c.req.param('id') ?? '', text: field(form, 'text'), state: optional(field(form, 'state')), impact: optional(field(form, 'impact')), by: '' }) as AdminOperation, 'updated'),
  );
  app.post('/admin/incidents/:id/acknowledge', formAction((_form, c) => ({ op: 'acknowledge', id: c.req.param('id') ?? '', by: '' }), 'acknowledged'));
  app.post(
    '/admin/maintenance',
    formAction((form) => {
      const start = zonedToUtc(field(form, 'start'), config.page.timeZone);
      const end = zonedToUtc(field(form, 'end'), config.page.timeZone);
      if (start === undefined || end === undefined) return `Give the start and the end as dates and times (in ${config.page.timeZone}).`;
      const checks = fields(form, 'checks');
      return { op: 'scheduleMaintenance', title: field(form, 'title'), description: optional(field(form, 'description')), start, end, checks: checks.length > 0 ? checks : 'all', by: '' } as AdminOperation;
    }, 'scheduled'),
  );
  app.post(
    '/admin/maintenance/:id/updates',
    formAction((form, c) => ({ op: 'updateMaintenance', id: c.req.param('id') ?? '', text: field(form, 'text'), state: optional(field(form, 'state')), by: '' }) as AdminOperation, 'maintenance-updated'),
  );
  app.post('/admin/maintenance/:id/cancel', formAction((form, c) => ({ op: 'cancelMaintenance', id: c.req.param('id') ?? '', text: optional(field(form, 'text')), by: '' }) as AdminOperation, 'cancelled'));
}

/**
 * True when the request comes from another site: SameSite=Strict already
 * keeps the cookie off such requests; this refuses them outright (Fetch
 * Metadata where the browser sends it, else the Origin header).
 */
function crossSite(c: Ctx): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site) return site !== 'same-origin' && site !== 'none';
  const origin = c.req.header('origin');
  return origin !== undefined && origin !== 'null' && origin !== new URL(c.req.url).origin;
}

async function jsonBody(c: Ctx): Promise<Record<string, unknown> | string> {
  const text = await c.req.text();
  if (!text.trim()) return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : 'the body must be a JSON object';
  } catch {
    return 'the body must be JSON, such as {"title": "Slow checkouts", "text": "We are looking into it", "impact": "minor"}';
  }
}

const str = (value: unknown) => (typeof value === 'string' ? value : '');
const opt = (name: string, value: unknown) => (value === undefined || value === null ? {} : { [name]: value });
const list = (name: string, value: unknown) => (Array.isArray(value) ? { [name]: value.map(String) } : value === undefined ? {} : { [name]: [String(value)] });
const byOf = (body: Record<string, unknown>) => (typeof body.by === 'string' ? body.by : 'api');

/** An ISO 8601 time with an offset ("2026-12-10T02:00:00Z"); a bare local time is refused (whose local?). */
function isoTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/(Z|[+-]\d{2}:?\d{2})$/.test(value)) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

const TIME_FIELDS = new Set(['at', 'start', 'end', 'startedAt', 'endedAt', 'cancelledAt', 'lastTick', 'lastRun', 'lastNotifiedAt']);

/** The ledger's records with their times as ISO strings, for people reading the API's answers. */
function isoTimes<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (key, item) => (TIME_FIELDS.has(key) && typeof item === 'number' ? new Date(item).toISOString() : item))) as T;
}

// ---- Pages ----

const AdminLayout: FC<{ title: string; style: string; children?: unknown }> = ({ title, style, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="robots" content="noindex" />
      <title>{`Admin — ${title}`}</title>
      <link rel="stylesheet" href={style} />
    </head>
    <body>
      <main>
        <header class="top">
          <span class="brand">
            <span>
              <strong>{title}</strong> · admin
            </span>
          </span>
          <nav aria-label="Admin">
            <a href="/">Public page</a>
            <a href="/history">Incident history</a>
          </nav>
        </header>
        {children as never}
      </main>
    </body>
  </html>
);

const LoginPage: FC<{ title: string; style: string; error?: string }> = ({ title, style, error }) => (
  <AdminLayout title={title} style={style}>
    <h1 class="lede">Sign in</h1>
    {error ? (
      <p class="alert" role="alert">
        {error}
      </p>
    ) : null}
    <form method="post" action="/admin/login" class="card">
      <label for="name">Your name (shown with your updates to the team)</label>
      <input id="name" name="name" required maxlength={NAME_MAX} autocomplete="name" />
      <label for="token">Admin token (the VIGIL_ADMIN_TOKEN secret)</label>
      <input id="token" name="token" type="password" required autocomplete="current-password" />
      <button type="submit">Sign in</button>
    </form>
  </AdminLayout>
);

const Options: FC<{ values: readonly string[]; words: Record<string, string>; selected?: string }> = ({ values, words, selected }) => (
  <>
    {values.map((value) => (
      <option value={value} selected={value === selected}>
        {words[value] ?? value}
      </option>
    ))}
  </>
);

const Hidden: FC<{ csrf: string }> = ({ csrf }) => <input type="hidden" name="_csrf" value={csrf} />;

function lastState(incident: Incident): string {
  return incident.endedAt !== undefined ? 'resolved' : (incident.updates?.at(-1)?.state ?? 'investigating');
}

const IncidentAdmin: FC<{ incident: Incident; csrf: string; clock: Clock; names: Map<string, string> }> = ({ incident, csrf, clock, names }) => {
  const id = encodeURIComponent(incident.id);
  const components = incident.checkId ? [incident.checkId] : (incident.components ?? []);
  const title = incident.title ?? `${names.get(incident.checkId ?? '') ?? incident.checkId} ${incident.status === 'down' ? 'outage' : 'degraded'}`;
  return (
    <article class="card incident" id={`incident-${incident.id}`}>
      <h3>
        <a href={`/incidents/${id}`}>{title}</a>
      </h3>
      <p class="meta">
        {incident.source === 'manual' ? 'Written by people' : 'Detected by Vigil'} · {STATE_WORDS[lastState(incident)]} · {IMPACT_WORDS[incident.impact ?? (incident.status === 'down' ? 'major' : 'minor')]} ·{' '}
        {components.map((component) => names.get(component) ?? component).join(', ') || 'whole service'} · since {clock.dateTime(incident.startedAt)}
        {incident.acknowledged ? ` · acknowledged by ${incident.acknowledged.by}` : ''}
      </p>
      <p class="update">{incident.updates?.at(-1)?.text ?? incident.lastMessage}</p>
      <form method="post" action={`/admin/incidents/${id}/updates`}>
        <Hidden csrf={csrf} />
        <div class="grid2">
          <div>
            <label for={`state-${incident.id}`}>State</label>
            <select id={`state-${incident.id}`} name="state">
              <Options values={INCIDENT_STATES} words={STATE_WORDS} selected={lastState(incident)} />
            </select>
          </div>
          <div>
            <label for={`impact-${incident.id}`}>Impact</label>
            <select id={`impact-${incident.id}`} name="impact">
              <Options values={IMPACTS} words={IMPACT_WORDS} selected={incident.impact ?? (incident.status === 'down' ? 'major' : 'minor')} />
            </select>
          </div>
        </div>
        <label for={`text-${incident.id}`}>Update (public)</label>
        <textarea id={`text-${incident.id}`} name="text" required maxlength={5000} />
        <button type="submit">Post update</button>
      </form>
      {!incident.acknowledged && incident.endedAt === undefined ? (
        <form method="post" action={`/admin/incidents/${id}/acknowledge`}>
          <Hidden csrf={csrf} />
          <button type="submit">Acknowledge</button>
        </form>
      ) : null}
    </article>
  );
};

const MaintenanceAdmin: FC<{ entry: ScheduledMaintenance; csrf: string; clock: Clock; names: Map<string, string>; now: number }> = ({ entry, csrf, clock, names, now }) => {
  const id = encodeURIComponent(entry.id);
  const state = entry.cancelledAt !== undefined || now >= entry.end ? 'completed' : now >= entry.start ? 'in_progress' : 'scheduled';
  return (
    <article class="card maintenance">
      <h3>
        <a href={`/maintenance/${id}`}>{entry.title}</a>
      </h3>
      <p class="meta">
        {STATE_WORDS[state]} · {clock.dateTime(entry.start)} – {clock.dateTime(entry.end)} · {entry.checks === 'all' ? 'all checks' : entry.checks.map((check) => names.get(check) ?? check).join(', ')}
      </p>
      <form method="post" action={`/admin/maintenance/${id}/updates`}>
        <Hidden csrf={csrf} />
        <label for={`mstate-${entry.id}`}>State</label>
        <select id={`mstate-${entry.id}`} name="state">
          <Options values={MAINTENANCE_STATES} words={STATE_WORDS} selected={entry.updates.at(-1)?.maintenanceState ?? state} />
        </select>
        <label for={`mtext-${entry.id}`}>Update (public)</label>
        <textarea id={`mtext-${entry.id}`} name="text" required maxlength={5000} />
        <button type="submit">Post maintenance update</button>
      </form>
      <form method="post" action={`/admin/maintenance/${id}/cancel`}>
        <Hidden csrf={csrf} />
        <button type="submit">{entry.start > now ? 'Cancel this maintenance' : 'End it now'}</button>
      </form>
    </article>
  );
};

const CheckBoxes: FC<{ name: string; checks: AdminView['checks'] }> = ({ name, checks }) => (
  <>
    {checks.map((check) => (
      <label>
        <input type="checkbox" name={name} value={check.id} /> {check.name}
        {check.public ? '' : ' (private)'}
      </label>
    ))}
  </>
);

const Dashboard: FC<{ config: Config; view: AdminView; session: Session; csrf: string; message?: { text: string; error: boolean }; style: string; clock: Clock; now: number }> = ({ config, view, session, csrf, message, style, clock, now }) => {
  const names = new Map(view.checks.map((check) => [check.id, check.name]));
  const open = view.incidents.filter((incident) => incident.endedAt === undefined);
  const resolved = view.incidents.filter((incident) => incident.endedAt !== undefined).slice(0, 10);
  const maintenance = view.maintenance.filter((entry) => entry.cancelledAt === undefined && entry.end > now).sort((a, b) => a.start - b.start);
  const startDefault = utcToZonedInput(Math.ceil((now + 3_600_000) / 3_600_000) * 3_600_000, config.page.timeZone);
  const endDefault = utcToZonedInput(Math.ceil((now + 3_600_000) / 3_600_000) * 3_600_000 + 3_600_000, config.page.timeZone);
  return (
    <AdminLayout title={config.page.title} style={style}>
      <div class="row lede">
        <h1>Incidents and maintenance</h1>
        <span class="muted">Signed in as {session.name}</span>
        <form method="post" action="/admin/logout">
          <button type="submit">Sign out</button>
        </form>
      </div>
      {message ? (
        <p class={message.error ? 'alert' : 'alert ok'} role={message.error ? 'alert' : 'status'}>
          {message.text}
        </p>
      ) : null}
      <section aria-labelledby="open">
        <h2 id="open">Open incidents</h2>
        {open.length === 0 ? <p class="muted">None.</p> : open.map((incident) => <IncidentAdmin incident={incident} csrf={csrf} clock={clock} names={names} />)}
      </section>
      <section aria-labelledby="new-incident">
        <h2 id="new-incident">New incident</h2>
        <form method="post" action="/admin/incidents" class="card">
          <Hidden csrf={csrf} />
          <label for="title">Title</label>
          <input id="title" name="title" required maxlength={200} placeholder="Checkout is slow" />
          <div class="grid2">
            <div>
              <label for="state">State</label>
              <select id="state" name="state">
                <Options values={INCIDENT_STATES.filter((state) => state !== 'resolved')} words={STATE_WORDS} selected="investigating" />
              </select>
            </div>
            <div>
              <label for="impact">Impact</label>
              <select id="impact" name="impact">
                <Options values={IMPACTS} words={IMPACT_WORDS} selected="minor" />
              </select>
            </div>
          </div>
          <fieldset>
            <legend>Affected components (none: the whole service)</legend>
            <CheckBoxes name="components" checks={view.checks} />
          </fieldset>
          <label for="text">First update (public)</label>
          <textarea id="text" name="text" required maxlength={5000} placeholder="We are investigating reports of slow checkouts." />
          <button type="submit">Create incident</button>
        </form>
      </section>
      <section aria-labelledby="maintenance">
        <h2 id="maintenance">Scheduled maintenance</h2>
        {maintenance.length === 0 ? <p class="muted">None scheduled here (windows written in checks/ are not listed).</p> : maintenance.map((entry) => <MaintenanceAdmin entry={entry} csrf={csrf} clock={clock} names={names} now={now} />)}
        <form method="post" action="/admin/maintenance" class="card">
          <Hidden csrf={csrf} />
          <label for="m-title">Title</label>
          <input id="m-title" name="title" required maxlength={200} placeholder="Database upgrade" />
          <div class="grid2">
            <div>
              <label for="m-start">Starts ({config.page.timeZone})</label>
              <input id="m-start" name="start" type="datetime-local" required value={startDefault} />
            </div>
            <div>
              <label for="m-end">Ends ({config.page.timeZone})</label>
              <input id="m-end" name="end" type="datetime-local" required value={endDefault} />
            </div>
          </div>
          <fieldset>
            <legend>Checks in maintenance (none: every check)</legend>
            <CheckBoxes name="checks" checks={view.checks} />
          </fieldset>
          <label for="m-description">Description (public)</label>
          <textarea id="m-description" name="description" maxlength={5000} placeholder="Checks of the database pause; expect a few seconds of errors." />
          <button type="submit">Schedule maintenance</button>
        </form>
      </section>
      <section aria-labelledby="checks">
        <h2 id="checks">Checks</h2>
        <table class="card">
          <thead>
            <tr>
              <th scope="col">Check</th>
              <th scope="col">Status</th>
              <th scope="col">Last run</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {view.checks.map((check) => (
              <tr>
                <th scope="row">
                  {check.name}
                  {check.public ? '' : ' (private)'}
                </th>
                <td>{check.status}</td>
                <td>{check.lastRun !== null ? clock.dateTime(check.lastRun) : 'never'}</td>
                <td>{check.message ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p class="meta">
          Outbox: {view.outbox} waiting · {view.failed.length} failed deliveries kept · last tick {view.lastTick !== null ? clock.dateTime(view.lastTick) : 'never'}
        </p>
      </section>
      <section aria-labelledby="resolved">
        <h2 id="resolved">Recently resolved</h2>
        {resolved.length === 0 ? (
          <p class="muted">None.</p>
        ) : (
          <ul class="card list">
            {resolved.map((incident) => (
              <li>
                <a href={`/incidents/${encodeURIComponent(incident.id)}`}>{incident.title ?? `${names.get(incident.checkId ?? '') ?? incident.checkId} ${incident.status === 'down' ? 'outage' : 'degraded'}`}</a>{' '}
                <span class="muted">· {clock.dateTime(incident.startedAt)}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </AdminLayout>
  );
};
