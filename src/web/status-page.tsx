// The public status page: server-rendered with hono/jsx, no client
// JavaScript. What it says comes from the read model alone (the banner's
// words included), so it agrees with /api/status and the Statuspage routes.

import type { FC } from 'hono/jsx';
import { raw } from 'hono/html';
import { formatDuration } from '../config/duration';
import { DAY_MS, HOUR_MS, startOfUtcDay } from '../model/state';
import type { ChecklistView, CheckView, IncidentView, MaintenanceView, SloView, StatusView } from '../store/read-model';
import { maintenanceStatus } from '../store/read-model';
import { latencyChart } from './charts';
import { barStrip, dayLabel, dayWords, notableDays, shortDayLabel, watchedDays } from './days';
import { IMPACT_WORDS, Layout, PILL, STATE_WORDS, When, type PageContext } from './layout';
import { ago } from './time';

/** Notable days listed under a check's bars on the front page (the check's own page lists all 90). */
const DAYS_LISTED = 8;

/** "12m", "2h 5m"; under a minute: "under a minute". */
export function lasting(ms: number): string {
  return ms < 60_000 ? 'under a minute' : formatDuration(ms);
}

/** The pill and dot of a row: a problem being verified shows as "Checking", a check without a result as "No data yet". */
export function rowState(check: CheckView): keyof typeof PILL {
  if (check.status === 'paused') return 'paused';
  if (check.checking) return 'checking';
  if (check.since === null) return 'none';
  return check.status;
}

const UPTIME_WINDOWS = [
  { key: '1d', label: '24 h', days: 1 },
  { key: '7d', label: '7 d', days: 7 },
  { key: '30d', label: '30 d', days: 30 },
  { key: '90d', label: '90 d', days: 90 },
] as const;

/** "99.95%": floored, so a figure short of 100 never shows as 100. */
export function percent(value: number | null): string {
  if (value === null) return '—';
  const shown = Math.floor(value * 100) / 100;
  return Number.isInteger(shown) ? `${shown}%` : `${shown.toFixed(2)}%`;
}

/**
 * "100% 24 h · 99.95% 7 d · 99.90% since 6 Dec": windows that began before
 * Vigil first watched the check collapse into one "since" figure (they all
 * cover the same watched time).
 */
export function uptimeWords(check: CheckView, ctx: PageContext): string {
  if (check.watchedSince === null) return 'not watched yet';
  const watched = Date.parse(check.watchedSince);
  const since = ctx.now - watched < DAY_MS ? ctx.clock.time(watched) : ctx.clock.day(watched);
  const parts: string[] = [];
  for (const window of UPTIME_WINDOWS) {
    // 24 h is a rolling window; 7/30/90 d are today plus the previous UTC days (store/history.ts).
    const start = window.days === 1 ? ctx.now - DAY_MS : startOfUtcDay(ctx.now) - (window.days - 1) * DAY_MS;
    const value = check.uptime[window.key];
    const full = watched <= start;
    // No verdict in a window (only "unknown" or maintenance time): nothing to say about it.
    if (value !== null) parts.push(`${percent(value)} ${full ? window.label : `since ${since}`}`);
    if (!full) break;
  }
  return parts.length > 0 ? parts.join(' · ') : `watched since ${since}`;
}

export const Facts: FC<{ check: CheckView; ctx: PageContext }> = ({ check, ctx }) => (
  <dl class="facts">
    {check.evidence ? (
      <div>
        <dt>{check.evidence.label}</dt>
        <dd>{check.evidence.at ? <time datetime={check.evidence.at}>{ago(Date.parse(check.evidence.at), ctx.now)}</time> : 'none yet'}</dd>
      </div>
    ) : (
      <div>
        <dt>Response</dt>
        <dd>{check.latencyMs === null ? '—' : `${check.latencyMs} ms`}</dd>
      </div>
    )}
    <div>
      <dt>Uptime</dt>
      <dd>{uptimeWords(check, ctx)}</dd>
    </div>
    <div>
      <dt>Checked</dt>
      <dd>{check.lastChecked ? <time datetime={check.lastChecked}>{ago(Date.parse(check.lastChecked), ctx.now)}</time> : 'not yet'}</dd>
    </div>
  </dl>
);

/** What a row says beside its facts: the maintenance, the unconfirmed problem, the failure, the SLO, the regions. */
export const RowLines: FC<{ check: CheckView; ctx: PageContext }> = ({ check, ctx }) => (
  <>
    {check.maintenance ? (
      <p class="note">
        {check.maintenance.until !== null ? (
          <>
            {check.maintenance.title}: maintenance until <When at={check.maintenance.until} ctx={ctx} />
          </>
        ) : (
          <>{check.maintenance.title}: maintenance in progress, as the vendor's status page says</>
        )}
      </p>
    ) : null}
    {check.checking ? (
      <p class="checking">
        Checking a possible problem since <When at={check.checking.since} ctx={ctx} style="time" />: {check.checking.message || check.checking.status}
      </p>
    ) : null}
    {!check.checking && check.status !== 'up' && check.status !== 'paused' && check.message ? <p class="message">{check.message}</p> : null}
    {check.slo ? <SloLine slo={check.slo} /> : null}
    {check.regions && check.regions.length > 0 ? <p class="message">Regions: {check.regions.map((region) => `${region.region} ${region.status}`).join(' · ')}</p> : null}
  </>
);

/** "SLO 99.9% over 30d · 99.95% so far · error budget 48% left" */
const SloLine: FC<{ slo: SloView }> = ({ slo }) => {
  const budget = slo.errorBudgetRemaining;
  return (
    <p class="slo">
      SLO {slo.objective}% over {slo.window}
      {slo.availability === null ? ' · no data yet' : ` · ${slo.availability}% so far`}
      {budget === null ? null : budget <= 0 ? ' · error budget spent' : ` · error budget ${budget}% left`}
      {slo.burning ? ` · burning ${slo.burning === 'fast' ? 'fast' : 'steadily'}` : null}
    </p>
  );
};

const DayDetails: FC<{ check: CheckView; ctx: PageContext }> = ({ check, ctx }) => {
  const { days } = check;
  const notable = notableDays(days);
  const watched = watchedDays(days);
  const last = days.status.length - 1;
  return (
    <details class="days">
      <summary>
        {raw(barStrip(days))}
        <span class="axis" aria-hidden="true">
          <span class="n90">{shortDayLabel(days, 0)}</span>
          <span class="n30">{shortDayLabel(days, Math.max(0, last - 29))}</span>
          <span class="hint">
            <span class="open">Day details</span>
            <span class="close">Hide details</span>
          </span>
          <span>Today</span>
        </span>
        <span class="sr">{`${check.name}: day by day, last ${days.status.length} days`}</span>
      </summary>
      {check.latency24h.length > 0 ? raw(latencyChart('Response time, last 24 hours (hourly average)', check.latency24h, { from: ctx.clock.time(Math.floor(ctx.now / HOUR_MS) * HOUR_MS - 23 * HOUR_MS), to: 'now' })) : null}
      <ul class="daylist">
        {notable.length === 0 ? <li>{watched === 0 ? 'No days watched yet.' : `No downtime in the ${watched} day${watched === 1 ? '' : 's'} watched.`}</li> : null}
        {notable.slice(0, DAYS_LISTED).map((day) => (
          <li>
            <b>{dayLabel(day.day)}</b> {dayWords(day)}
          </li>
        ))}
        <li>
          {notable.length > DAYS_LISTED ? `${notable.length - DAYS_LISTED} more days with events, and ` : ''}
          <a href={`/checks/${encodeURIComponent(check.id)}`}>every day and response times for {check.name}</a>
        </li>
      </ul>
    </details>
  );
};

export const CheckRow: FC<{ check: CheckView; ctx: PageContext }> = ({ check, ctx }) => {
  const state = rowState(check);
  return (
    <li class="check" id={`check-${check.id}`}>
      <div class="row">
        <span class={`dot s-${state}`} aria-hidden="true" />
        <h3>
          <a href={`/checks/${encodeURIComponent(check.id)}`}>{check.name}</a>
        </h3>
        <span class={`pill s-${state}`}>{PILL[state]}</span>
      </div>
      <RowLines check={check} ctx={ctx} />
      <Facts check={check} ctx={ctx} />
      <DayDetails check={check} ctx={ctx} />
    </li>
  );
};

export const Legend: FC<{ ctx: PageContext }> = ({ ctx }) => (
  <p class="legend">
    <span>
      <i class="u" />
      Operational
    </span>
    <span>
      <i class="g" />
      Degraded
    </span>
    <span>
      <i class="d" />
      Down
    </span>
    <span>
      <i class="m" />
      Maintenance
    </span>
    <span>
      <i class="k" />
      Not checked
    </span>
    <span>
      <i class="n" />
      No data
    </span>
    <span>One bar a day{ctx.clock.zone === 'UTC' || ctx.clock.zone === 'Etc/UTC' ? '' : ' (UTC days)'}; select the bars for details.</span>
  </p>
);

/** An incident in short: title, where it stands, the latest update. */
export const IncidentCard: FC<{ incident: IncidentView; ctx: PageContext }> = ({ incident, ctx }) => {
  const latest = incident.updates.at(-1);
  const resolved = incident.endedAt !== null;
  return (
    <article class={`card incident ${resolved ? 'resolved' : `i-${incident.impact}`}`}>
      <h3>
        <a href={`/incidents/${encodeURIComponent(incident.id)}`}>{incident.title}</a>
      </h3>
      <p class="meta">
        {STATE_WORDS[incident.state]} · {IMPACT_WORDS[incident.impact]}
        {incident.components.length > 0 ? ` · ${incident.components.join(', ')}` : ''} · {resolved ? 'from ' : 'since '}
        <When at={incident.startedAt} ctx={ctx} />
        {resolved ? ` for ${lasting(incident.durationSeconds * 1000)}` : ` (${lasting(ctx.now - Date.parse(incident.startedAt))})`}
        {incident.acknowledged && !resolved ? ` · acknowledged by ${incident.acknowledged.by}` : ''}
      </p>
      {latest ? (
        <p class="update">
          <strong>{STATE_WORDS[latest.state]}</strong> — {latest.text} <span class="muted">(<When at={latest.at} ctx={ctx} style="time" />)</span>
        </p>
      ) : (
        <p class="update">{incident.lastMessage}</p>
      )}
    </article>
  );
};

export const MaintenanceCard: FC<{ window: MaintenanceView; ctx: PageContext }> = ({ window, ctx }) => {
  const status = maintenanceStatus(window, ctx.now);
  const latest = window.updates.at(-1);
  return (
    <article class="card maintenance">
      <h3>
        <a href={`/maintenance/${encodeURIComponent(window.id)}`}>{window.title}</a>
      </h3>
      <p class="meta">
        {STATE_WORDS[status]} · <When at={window.start} ctx={ctx} /> – <When at={window.end} ctx={ctx} />
        {window.checks ? ` · ${window.checks.join(', ')}` : ' · all services'}
      </p>
      {latest && latest.text !== window.description ? <p class="update">{latest.text}</p> : null}
      {window.description ? <p class="update">{window.description}</p> : null}
    </article>
  );
};

const ChecklistItem: FC<{ checklist: ChecklistView; ctx: PageContext }> = ({ checklist, ctx }) => {
  const overdue = checklist.tasks.filter((task) => task.state === 'overdue');
  const allOk = checklist.ok !== null && checklist.ok === checklist.total && overdue.length === 0;
  const state = checklist.lastRun === null ? 'none' : allOk ? 'up' : 'degraded';
  return (
    <li class="check">
      <div class="row">
        <span class={`dot s-${state}`} aria-hidden="true" />
        <h3>{checklist.name}</h3>
        <span class="muted">{checklist.lastRun === null ? 'not run yet' : `${checklist.ok}/${checklist.total} OK · ${ago(Date.parse(checklist.lastRun), ctx.now)}`}</span>
      </div>
      {checklist.problems.map((problem) => (
        <p class="message">
          <strong>{problem.name}</strong> {problem.detail}
        </p>
      ))}
      {overdue.length > 0 ? <p class="message">Overdue: {overdue.map((task) => `${task.text} (due ${ctx.clock.day(Date.parse(task.dueAt))})`).join(' · ')}</p> : null}
    </li>
  );
};

function groups(checks: CheckView[]): Array<[string | null, CheckView[]]> {
  const byGroup = new Map<string | null, CheckView[]>();
  for (const check of checks) {
    const list = byGroup.get(check.group) ?? [];
    list.push(check);
    byGroup.set(check.group, list);
  }
  return [...byGroup.entries()];
}

const GROUP_RANK: Record<string, number> = { up: 0, paused: 1, none: 1, checking: 2, unknown: 2, degraded: 3, down: 4 };

/** A group's worst row state, for its summary. */
function groupState(checks: CheckView[]): keyof typeof PILL {
  return checks.map(rowState).reduce((worst, state) => ((GROUP_RANK[state] ?? 0) > (GROUP_RANK[worst] ?? 0) ? state : worst), 'up' as keyof typeof PILL);
}

const Group: FC<{ name: string; checks: CheckView[]; ctx: PageContext }> = ({ name, checks, ctx }) => {
  const state = groupState(checks);
  const mode = ctx.page.collapseGroups;
  const open = mode === 'never' || (mode === 'healthy' && state !== 'up');
  return (
    <details class="group" open={open}>
      <summary>
        <h2>{name}</h2>
        <span class={`pill s-${state}`}>{PILL[state]}</span>
        <span class="count">
          {checks.length} check{checks.length === 1 ? '' : 's'}
        </span>
      </summary>
      <ul class="checks">
        {checks.map((check) => (
          <CheckRow check={check} ctx={ctx} />
        ))}
      </ul>
    </details>
  );
};

export const StatusPage: FC<{ view: StatusView; ctx: PageContext; refresh?: number }> = ({ view, ctx, refresh }) => {
  const { headline } = view;
  return (
    <Layout ctx={ctx} description={view.description} refresh={refresh}>
      <section class={`banner b-${headline.state}`} role="status" aria-label="Overall status">
        <strong>{headline.text}</strong>
        {headline.detail ? <span>{headline.detail}</span> : null}
      </section>
      {view.incidents.open.length > 0 ? (
        <section aria-labelledby="open-incidents">
          <h2 id="open-incidents">Open incidents</h2>
          {view.incidents.open.map((incident) => (
            <IncidentCard incident={incident} ctx={ctx} />
          ))}
        </section>
      ) : null}
      {view.maintenance.active.length > 0 ? (
        <section aria-labelledby="maintenance-now">
          <h2 id="maintenance-now">Maintenance in progress</h2>
          {view.maintenance.active.map((window) => (
            <MaintenanceCard window={window} ctx={ctx} />
          ))}
        </section>
      ) : null}
      {view.maintenance.upcoming.length > 0 ? (
        <section aria-labelledby="maintenance-next">
          <h2 id="maintenance-next">Scheduled maintenance</h2>
          {view.maintenance.upcoming.map((window) => (
            <MaintenanceCard window={window} ctx={ctx} />
          ))}
        </section>
      ) : null}
      <section aria-labelledby="services">
        <h2 id="services" class="sr">
          Services
        </h2>
        <Legend ctx={ctx} />
        {groups(view.checks).map(([group, checks]) =>
          group ? (
            <Group name={group} checks={checks} ctx={ctx} />
          ) : (
            <ul class="checks">
              {checks.map((check) => (
                <CheckRow check={check} ctx={ctx} />
              ))}
            </ul>
          ),
        )}
      </section>
      {view.checklists.length > 0 ? (
        <section aria-labelledby="checklists">
          <h2 id="checklists">Checklists</h2>
          <ul class="checks">
            {view.checklists.map((checklist) => (
              <ChecklistItem checklist={checklist} ctx={ctx} />
            ))}
          </ul>
        </section>
      ) : null}
      <section aria-labelledby="recent">
        <h2 id="recent">Recent incidents</h2>
        {view.incidents.recent.length === 0 ? <p class="muted">No incidents in the last 14 days.</p> : null}
        {view.incidents.recent.map((incident) => (
          <IncidentCard incident={incident} ctx={ctx} />
        ))}
        <p class="meta">
          <a href="/history">Incident history (90 days)</a>
        </p>
      </section>
    </Layout>
  );
};

/** The whole document, as the route sends it (the benchmark times exactly this). */
export function renderStatusPage(view: StatusView, ctx: PageContext, refresh?: number): string {
  return `<!doctype html>${(<StatusPage view={view} ctx={ctx} refresh={refresh} />).toString()}`;
}
