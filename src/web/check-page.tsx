// One check's page (/checks/<id>): its status, response-time charts for 24 h
// and 90 d, every one of its 90 days in a table, and its incidents.

import type { FC } from 'hono/jsx';
import { raw } from 'hono/html';
import { DAY_MS, HOUR_MS } from '../model/state';
import { dayAt, type CheckView, type IncidentView } from '../store/read-model';
import { latencyChart } from './charts';
import { barStrip, dayLabel, dayWords, shortDayLabel } from './days';
import { Layout, PILL, type PageContext } from './layout';
import { Facts, IncidentCard, rowState, RowLines } from './status-page';

const BAR_WORDS: Record<string, string> = { up: 'Operational', degraded: 'Degraded', down: 'Down', maintenance: 'Maintenance', unknown: 'Not checked', none: 'No data' };

export const CheckPage: FC<{ check: CheckView; incidents: IncidentView[]; ctx: PageContext }> = ({ check, incidents, ctx }) => {
  const state = rowState(check);
  const { days } = check;
  const hourStart = Math.floor(ctx.now / HOUR_MS) * HOUR_MS;
  const rows = Array.from({ length: days.status.length }, (_, i) => dayAt(days, days.status.length - 1 - i));
  return (
    <Layout ctx={ctx} heading={check.name}>
      <section aria-label="Now">
        <div class="row">
          <span class={`dot s-${state}`} aria-hidden="true" />
          <span class={`pill s-${state}`}>{PILL[state]}</span>
          {check.group ? <span class="muted">{check.group}</span> : null}
        </div>
        <RowLines check={check} ctx={ctx} />
        <Facts check={check} ctx={ctx} />
      </section>
      {check.latency24h.length > 0 ? (
        <section aria-labelledby="response-times">
          <h2 id="response-times">Response times</h2>
          {raw(latencyChart('Last 24 hours, hourly average', check.latency24h, { from: ctx.clock.time(hourStart - 23 * HOUR_MS), to: 'now' }))}
          {raw(latencyChart('Last 90 days, daily average (UTC days)', days.latencyMs, { from: shortDayLabel(days, 0), to: 'today' }))}
        </section>
      ) : null}
      <section aria-labelledby="days">
        <h2 id="days">Last {days.status.length} days</h2>
        <div class="days">
          {raw(barStrip(days))}
          <div class="axis" aria-hidden="true">
            <span>{shortDayLabel(days, 0)}</span>
            <span class="hint" />
            <span>Today</span>
          </div>
        </div>
        <table>
          <caption class="sr">Each day of the last {days.status.length} (UTC days), newest first</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Status</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((day) => (
              <tr>
                <th scope="row">{dayLabel(day.day)}</th>
                <td>{BAR_WORDS[day.status]}</td>
                <td>{dayWords(day)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="incidents">
        <h2 id="incidents">Incidents (90 days)</h2>
        {incidents.length === 0 ? <p class="muted">None in the last 90 days.</p> : incidents.map((incident) => <IncidentCard incident={incident} ctx={ctx} />)}
      </section>
      <p class="meta">
        <a href={`/badge/${encodeURIComponent(check.id)}.svg`}>Status badge</a> · Watched since{' '}
        {check.watchedSince ? ctx.clock.date(Date.parse(check.watchedSince)) : 'not yet'}
        {check.watchedSince && ctx.now - Date.parse(check.watchedSince) < DAY_MS ? ` ${ctx.clock.time(Date.parse(check.watchedSince))}` : ''}
      </p>
    </Layout>
  );
};

export function renderCheckPage(check: CheckView, incidents: IncidentView[], ctx: PageContext): string {
  return `<!doctype html>${(<CheckPage check={check} incidents={incidents} ctx={ctx} />).toString()}`;
}
