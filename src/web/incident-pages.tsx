// The incident history (/history, 90 days, paged), one page per incident
// (/incidents/<id>) and per maintenance window (/maintenance/<id>): permalinks
// the feed and the Statuspage routes' shortlinks point to.

import type { FC } from 'hono/jsx';
import { maintenanceStatus, type IncidentView, type MaintenanceView } from '../store/read-model';
import { IMPACT_WORDS, Layout, STATE_WORDS, When, type PageContext } from './layout';
import { lasting } from './status-page';

/** Entries per history page. */
export const HISTORY_PAGE_SIZE = 20;

export type HistoryEntry = { kind: 'incident'; at: number; incident: IncidentView } | { kind: 'maintenance'; at: number; window: MaintenanceView };

/** Incidents and maintenance, newest first (by start). */
export function historyEntries(incidents: IncidentView[], maintenance: MaintenanceView[], now: number): HistoryEntry[] {
  return [
    ...incidents.map((incident) => ({ kind: 'incident' as const, at: Date.parse(incident.startedAt), incident })),
    ...maintenance.filter((window) => Date.parse(window.start) <= now).map((window) => ({ kind: 'maintenance' as const, at: Date.parse(window.start), window })),
  ].sort((a, b) => b.at - a.at);
}

const Timeline: FC<{ updates: Array<{ id: string; at: string; label: string; text: string; automatic: boolean }>; ctx: PageContext }> = ({ updates, ctx }) => (
  <ol class="timeline card" reversed>
    {[...updates].reverse().map((update) => (
      <li id={`update-${update.id}`}>
        <p>
          <span class="state">{update.label}</span> — {update.text}
        </p>
        <p class="meta">
          <When at={update.at} ctx={ctx} />
          {update.automatic ? ' · posted by Vigil' : ''}
        </p>
      </li>
    ))}
  </ol>
);

export const IncidentPage: FC<{ incident: IncidentView; ctx: PageContext }> = ({ incident, ctx }) => (
  <Layout ctx={ctx} heading={incident.title}>
    <p class="meta">
      {STATE_WORDS[incident.state]} · {IMPACT_WORDS[incident.impact]} impact
      {incident.components.length > 0 ? ' · ' : ''}
      {incident.componentIds.map((id, i) => (
        <>
          {i > 0 ? ', ' : ''}
          <a href={`/checks/${encodeURIComponent(id)}`}>{incident.components[i]}</a>
        </>
      ))}
    </p>
    <p class="meta">
      Started <When at={incident.startedAt} ctx={ctx} />
      {incident.endedAt ? (
        <>
          {' · resolved '}
          <When at={incident.endedAt} ctx={ctx} /> after {lasting(incident.durationSeconds * 1000)}
        </>
      ) : (
        ` · ongoing for ${lasting(ctx.now - Date.parse(incident.startedAt))}`
      )}
      {incident.source === 'detected' ? ' · detected by Vigil' : ''}
      {incident.acknowledged ? (
        <>
          {` · acknowledged by ${incident.acknowledged.by} `}
          <When at={incident.acknowledged.at} ctx={ctx} style="time" />
        </>
      ) : null}
    </p>
    <section aria-labelledby="timeline">
      <h2 id="timeline">Updates</h2>
      <Timeline updates={incident.updates.map((update) => ({ id: update.id, at: update.at, label: STATE_WORDS[update.state] ?? update.state, text: update.text, automatic: update.by === 'vigil' }))} ctx={ctx} />
    </section>
    <p class="meta">
      Permalink: <a href={`/incidents/${encodeURIComponent(incident.id)}`}>/incidents/{incident.id}</a> · <a href="/history">Incident history</a>
    </p>
  </Layout>
);

export const MaintenancePage: FC<{ window: MaintenanceView; ctx: PageContext }> = ({ window, ctx }) => {
  const status = maintenanceStatus(window, ctx.now);
  return (
    <Layout ctx={ctx} heading={window.title}>
      <p class="meta">
        Maintenance · {STATE_WORDS[status]} · {window.checks ? window.checks.join(', ') : 'all services'}
      </p>
      <p class="meta">
        <When at={window.start} ctx={ctx} /> – <When at={window.end} ctx={ctx} />
        {window.cancelledAt ? (
          <>
            {' · ended '}
            <When at={window.cancelledAt} ctx={ctx} />
          </>
        ) : null}
      </p>
      {window.description ? <p class="update">{window.description}</p> : null}
      {window.updates.length > 0 ? (
        <section aria-labelledby="timeline">
          <h2 id="timeline">Updates</h2>
          <Timeline updates={window.updates.map((update) => ({ id: update.id, at: update.at, label: STATE_WORDS[update.status] ?? update.status, text: update.text, automatic: false }))} ctx={ctx} />
        </section>
      ) : null}
      <p class="meta">
        <a href="/history">Incident history</a>
      </p>
    </Layout>
  );
};

export const HistoryPage: FC<{ entries: HistoryEntry[]; page: number; pages: number; ctx: PageContext }> = ({ entries, page, pages, ctx }) => (
  <Layout ctx={ctx} heading="Incident history">
    <p class="muted">Incidents and maintenance of the last 90 days, newest first.</p>
    {entries.length === 0 ? <p class="card">No incidents in the last 90 days.</p> : null}
    {entries.length > 0 ? (
      <ul class="card list">
        {entries.map((entry) =>
          entry.kind === 'incident' ? (
            <li>
              <h2 class="h3">
                <a href={`/incidents/${encodeURIComponent(entry.incident.id)}`}>{entry.incident.title}</a>
              </h2>
              <p class="meta">
                {STATE_WORDS[entry.incident.state]} · {IMPACT_WORDS[entry.incident.impact]}
                {entry.incident.components.length > 0 ? ` · ${entry.incident.components.join(', ')}` : ''} · <When at={entry.incident.startedAt} ctx={ctx} />
                {entry.incident.endedAt ? ` · ${lasting(entry.incident.durationSeconds * 1000)}` : ' · ongoing'}
              </p>
              <p>{entry.incident.updates.at(-1)?.text ?? entry.incident.lastMessage}</p>
            </li>
          ) : (
            <li>
              <h2 class="h3">
                <a href={`/maintenance/${encodeURIComponent(entry.window.id)}`}>{entry.window.title}</a>
              </h2>
              <p class="meta">
                Maintenance · {STATE_WORDS[maintenanceStatus(entry.window, ctx.now)]} · <When at={entry.window.start} ctx={ctx} /> – <When at={entry.window.end} ctx={ctx} />
              </p>
            </li>
          ),
        )}
      </ul>
    ) : null}
    {pages > 1 ? (
      <nav class="pager" aria-label="History pages">
        {page > 1 ? (
          <a href={page === 2 ? '/history' : `/history?page=${page - 1}`} rel="prev">
            Newer
          </a>
        ) : (
          <span />
        )}
        <span class="muted">
          Page {page} of {pages}
        </span>
        {page < pages ? (
          <a href={`/history?page=${page + 1}`} rel="next">
            Older
          </a>
        ) : (
          <span />
        )}
      </nav>
    ) : null}
  </Layout>
);

export function renderHistoryPage(entries: HistoryEntry[], page: number, pages: number, ctx: PageContext): string {
  return `<!doctype html>${(<HistoryPage entries={entries} page={page} pages={pages} ctx={ctx} />).toString()}`;
}
