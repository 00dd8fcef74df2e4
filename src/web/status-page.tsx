// The public status page: server-rendered with hono/jsx, no client JavaScript.
// Every dynamic string goes through JSX, which HTML-escapes it.

import type { FC } from 'hono/jsx';
import { formatDuration } from '../config/duration';
import type { Status } from '../engine/types';
import { STYLES } from './styles';
import type { ChecklistView, CheckView, IncidentView, MaintenanceView, SloView, StatusView, ViewStatus } from '../store/read-model';

const BANNER: Record<Status, string> = {
  up: 'All systems operational',
  degraded: 'Some systems are degraded',
  down: 'Some systems are down',
  unknown: 'Waiting for the first results',
};

const LABEL: Record<ViewStatus, string> = { up: 'Operational', degraded: 'Degraded', down: 'Down', unknown: 'No data', paused: 'Maintenance' };

/** "Sun 29 Nov 02:00 UTC" */
function when(iso: string): string {
  const date = new Date(iso);
  return `${date.toUTCString().slice(0, 11)} ${iso.slice(11, 16)} UTC`;
}

const MaintenanceItem: FC<{ window: MaintenanceView; active: boolean }> = ({ window, active }) => (
  <li class={`maintenance ${active ? 'active' : 'upcoming'}`}>
    <strong>{window.title}</strong>{' '}
    <span class="muted">
      {active ? `until ${when(window.end)}` : `${when(window.start)} – ${when(window.end)}`}
      {window.checks ? ` · ${window.checks.join(', ')}` : ' · all services'}
    </span>
    {window.description ? <p class="message">{window.description}</p> : null}
  </li>
);

const ChecklistItem: FC<{ checklist: ChecklistView; now: number }> = ({ checklist, now }) => {
  const overdue = checklist.tasks.filter((task) => task.state === 'overdue');
  const allOk = checklist.ok !== null && checklist.ok === checklist.total && overdue.length === 0;
  return (
    <li class={`checklist ${checklist.lastRun === null ? 'none' : allOk ? 'up' : 'degraded'}`}>
      <div class="check-head">
        <span class="check-name">{checklist.name}</span>
        <span class="muted">{checklist.lastRun === null ? 'not run yet' : `${checklist.ok}/${checklist.total} OK · ${ago(checklist.lastRun, now)}`}</span>
      </div>
      {checklist.problems.length > 0 ? (
        <ul class="items">
          {checklist.problems.map((problem) => (
            <li>
              <strong>{problem.name}</strong> <span class="muted">{problem.detail}</span>
            </li>
          ))}
        </ul>
      ) : null}
      {overdue.length > 0 ? (
        <p class="message">
          Overdue: {overdue.map((task) => `${task.text} (due ${task.dueAt.slice(0, 10)})`).join(' · ')}
        </p>
      ) : null}
    </li>
  );
};

/** "3 min ago" */
export function ago(iso: string | null, now: number): string {
  if (!iso) return 'never';
  const ms = now - Date.parse(iso);
  if (ms < 45_000) return 'just now';
  return `${formatDuration(ms)} ago`;
}

function percent(value: number | null): string {
  return value === null ? '—' : `${value.toFixed(value === 100 ? 0 : 2)}%`;
}

const Bars: FC<{ check: CheckView }> = ({ check }) => (
  <div class="bars" aria-label={`${check.name}: last ${check.bars.length} days`}>
    {check.bars.map((bar) => (
      <span class={`bar ${bar.status}`} title={`${bar.day}: ${bar.status === 'none' ? 'no data' : bar.downSeconds > 0 ? `down ${formatDuration(bar.downSeconds * 1000)}` : bar.status === 'maintenance' ? 'Maintenance' : LABEL[bar.status]}`} />
    ))}
  </div>
);

/** "SLO 99.9% over 30d · 99.95% · error budget 48% left" */
const SloLine: FC<{ slo: SloView }> = ({ slo }) => {
  const budget = slo.errorBudgetRemaining;
  const state = budget === null ? 'none' : slo.burning === 'fast' || budget <= 0 ? 'down' : slo.burning === 'slow' || budget < 25 ? 'degraded' : 'up';
  return (
    <p class={`slo ${state}`}>
      SLO {slo.objective}% over {slo.window}
      {slo.availability === null ? ' · no data yet' : ` · ${slo.availability}% so far`}
      {budget === null ? null : budget <= 0 ? ' · error budget spent' : ` · error budget ${budget}% left`}
      {slo.burning ? ` · burning ${slo.burning === 'fast' ? 'fast' : 'steadily'}` : null}
    </p>
  );
};

const CheckRow: FC<{ check: CheckView; now: number }> = ({ check, now }) => (
  <li class={`check ${check.status}`} id={`check-${check.id}`}>
    <div class="check-head">
      <span class={`dot ${check.status}`} aria-hidden="true" />
      <span class="check-name">{check.name}</span>
      <span class={`pill ${check.status}`}>{LABEL[check.status]}</span>
    </div>
    <dl class="facts">
      <div>
        <dt>Latency</dt>
        <dd>{check.latencyMs === null ? '—' : `${check.latencyMs} ms`}</dd>
      </div>
      <div>
        <dt>Uptime 24 h / 30 d / 90 d</dt>
        <dd>
          {percent(check.uptime['1d'])} / {percent(check.uptime['30d'])} / {percent(check.uptime['90d'])}
        </dd>
      </div>
      <div>
        <dt>Last checked</dt>
        <dd>
          <time datetime={check.lastChecked ?? ''}>{ago(check.lastChecked, now)}</time>
        </dd>
      </div>
    </dl>
    {check.note ? <p class="note">{check.note}</p> : null}
    {check.slo ? <SloLine slo={check.slo} /> : null}
    {check.status !== 'up' && check.message ? <p class="message">{check.message}</p> : null}
    <Bars check={check} />
  </li>
);

const IncidentItem: FC<{ incident: IncidentView; now: number }> = ({ incident, now }) => (
  <li class={`incident ${incident.endedAt ? 'resolved' : incident.status}`}>
    <strong>{incident.checkName}</strong> {incident.endedAt ? `was ${incident.status}` : `is ${incident.status}`}{' '}
    <span class="muted">
      since <time datetime={incident.startedAt}>{incident.startedAt.slice(0, 16).replace('T', ' ')} UTC</time>
      {incident.endedAt ? ` for ${formatDuration(incident.durationSeconds * 1000)}` : ` (${ago(incident.startedAt, now).replace(' ago', '')})`}
    </span>
    <p class="message">{incident.endedAt ? incident.cause : incident.lastMessage}</p>
  </li>
);

function groups(checks: CheckView[]): Array<[string | null, CheckView[]]> {
  const byGroup = new Map<string | null, CheckView[]>();
  for (const check of checks) {
    const list = byGroup.get(check.group) ?? [];
    list.push(check);
    byGroup.set(check.group, list);
  }
  return [...byGroup.entries()];
}

export const StatusPage: FC<{ view: StatusView; now: number }> = ({ view, now }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta http-equiv="refresh" content="60" />
      <title>{`${view.title} — ${BANNER[view.status]}`}</title>
      {view.description ? <meta name="description" content={view.description} /> : null}
      <link rel="alternate" type="application/json" href="/api/status" />
      <style dangerouslySetInnerHTML={{ __html: STYLES }} />
    </head>
    <body>
      <main>
        <header>
          <h1>{view.title}</h1>
          {view.description ? <p class="muted">{view.description}</p> : null}
        </header>
        <section class={`banner ${view.status}`} role="status">
          <span class={`dot ${view.status}`} aria-hidden="true" />
          {BANNER[view.status]}
        </section>
        {view.maintenance.active.length > 0 ? (
          <section>
            <h2>Maintenance in progress</h2>
            <ul class="incidents">
              {view.maintenance.active.map((window) => (
                <MaintenanceItem window={window} active={true} />
              ))}
            </ul>
          </section>
        ) : null}
        {view.maintenance.upcoming.length > 0 ? (
          <section>
            <h2>Scheduled maintenance</h2>
            <ul class="incidents">
              {view.maintenance.upcoming.map((window) => (
                <MaintenanceItem window={window} active={false} />
              ))}
            </ul>
          </section>
        ) : null}
        {view.incidents.open.length > 0 ? (
          <section>
            <h2>Open incidents</h2>
            <ul class="incidents">
              {view.incidents.open.map((incident) => (
                <IncidentItem incident={incident} now={now} />
              ))}
            </ul>
          </section>
        ) : null}
        {groups(view.checks).map(([group, checks]) => (
          <section>
            {group ? <h2>{group}</h2> : null}
            <ul class="checks">
              {checks.map((check) => (
                <CheckRow check={check} now={now} />
              ))}
            </ul>
          </section>
        ))}
        {view.checklists.length > 0 ? (
          <section>
            <h2>Checklists</h2>
            <ul class="checks">
              {view.checklists.map((checklist) => (
                <ChecklistItem checklist={checklist} now={now} />
              ))}
            </ul>
          </section>
        ) : null}
        {view.incidents.recent.length > 0 ? (
          <section>
            <h2>Recent incidents</h2>
            <ul class="incidents">
              {view.incidents.recent.map((incident) => (
                <IncidentItem incident={incident} now={now} />
              ))}
            </ul>
          </section>
        ) : null}
        <footer class="muted">
          {view.links.map((link) => (
            <a href={link.url}>{link.label}</a>
          ))}
          <span>Updated {ago(view.updatedAt, now)}</span>
          <a href="/api/status">JSON</a>
          <span>Checked by Vigil</span>
        </footer>
      </main>
    </body>
  </html>
);
