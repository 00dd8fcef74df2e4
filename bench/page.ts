// `npm run bench -- page`: what an uncached view of the status page costs.
// The read model of 50 public checks with 90 busy days (tests/support/
// busy-state.ts) is published as the ledger would (JSON in KV); a view is
// then exactly what GET / does on a cache miss: parse the published JSON and
// render the document (src/web/status-page.tsx's renderStatusPage). CPU time
// is measured in Node (process.cpuUsage), so the figure holds for Cloudflare's
// 10 ms CPU limit per invocation (workerd runs the same V8). Also: the gzipped
// size of the HTML and that it carries no script.

import { gzipSync } from 'node:zlib';
import { loadConfig } from '../src/config/validate';
import { withScheduledMaintenance } from '../src/engine/maintenance';
import { buildIncidentsDocument, buildStatusView, type PublishedStatus, type StatusView } from '../src/store/read-model';
import { renderCheckPage } from '../src/web/check-page';
import { historyEntries, renderHistoryPage } from '../src/web/incident-pages';
import { pageContext } from '../src/web/layout';
import { renderStatusPage } from '../src/web/status-page';
import { statuspageSummary } from '../src/web/statuspage';
import { busyConfig, busyState } from '../tests/support/busy-state';

/** The budget: ≤ 3 ms of CPU per uncached view of a 50-check page, ≤ 30 KB gzipped, no JavaScript. */
export const PAGE_CPU_BUDGET_MS = 3;
export const PAGE_GZIP_BUDGET_BYTES = 30 * 1024;

const RUNS = 300;
const WARMUP = 50;

function cpuMs(work: () => void, runs: number): number[] {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const before = process.cpuUsage();
    work();
    const used = process.cpuUsage(before);
    times.push((used.user + used.system) / 1000);
  }
  return times;
}

function stats(times: number[]): { median: number; p95: number } {
  const sorted = [...times].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)] as number, p95: sorted[Math.floor(sorted.length * 0.95)] as number };
}

export async function pageSection(): Promise<void> {
  const rows: string[][] = [];
  const failures: string[] = [];
  for (const checks of [24, 50, 100]) {
    const now = Date.UTC(2026, 11, 6, 12, 0);
    const input = busyConfig(checks);
    const state = busyState(input, now);
    const config = withScheduledMaintenance(loadConfig(input), state.maintenance);
    const publishedJson = JSON.stringify({ v: 2, publishedAt: now, lastTick: now - 60_000, view: buildStatusView(config, state, now), health: { outbox: 0, failedDeliveries: [], kvWritesToday: 0, kvWritesPerDay: 700 } });
    const view = () => (JSON.parse(publishedJson) as PublishedStatus).view;
    let html = '';
    const render = () => {
      const parsed = view();
      html = renderStatusPage(parsed, pageContext(config.page, parsed, now, '/style.css?v=bench'));
    };
    cpuMs(render, WARMUP);
    const total = stats(cpuMs(render, RUNS));
    const parse = stats(cpuMs(() => void view(), RUNS));
    const gzip = gzipSync(html).length;
    const scripts = (html.match(/<script/gi) ?? []).length;
    rows.push([`${checks}`, `${total.median.toFixed(2)} ms (p95 ${total.p95.toFixed(2)})`, `${parse.median.toFixed(2)} ms`, `${(publishedJson.length / 1024).toFixed(1)} KB`, `${(html.length / 1024).toFixed(1)} KB`, `${(gzip / 1024).toFixed(1)} KB`, `${scripts}`]);
    if (checks === 50) {
      if (total.median > PAGE_CPU_BUDGET_MS) failures.push(`median CPU per view ${total.median.toFixed(2)} ms > ${PAGE_CPU_BUDGET_MS} ms`);
      if (gzip > PAGE_GZIP_BUDGET_BYTES) failures.push(`gzipped HTML ${gzip} B > ${PAGE_GZIP_BUDGET_BYTES} B`);
      if (scripts > 0) failures.push(`${scripts} <script> elements`);
    }
  }
  console.log(`\n## page: an uncached GET / (parse the published read model, render), ${RUNS} runs each (CPU time in Node)\n`);
  console.log('| public checks | CPU per view (median) | of which JSON.parse | read model (status key) | HTML | HTML gzipped | scripts |');
  console.log('|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);

  // The other pages, for 50 checks: what a miss costs on each.
  const now = Date.UTC(2026, 11, 6, 12, 0);
  const input = busyConfig(50);
  const state = busyState(input, now);
  const config = withScheduledMaintenance(loadConfig(input), state.maintenance);
  const statusView: StatusView = JSON.parse(JSON.stringify(buildStatusView(config, state, now)));
  const incidentsJson = JSON.stringify(buildIncidentsDocument(config, state, now));
  const other: string[][] = [];
  const time = (label: string, work: () => string) => {
    let out = '';
    cpuMs(() => void (out = work()), WARMUP);
    const cost = stats(cpuMs(() => void (out = work()), RUNS));
    other.push([label, `${cost.median.toFixed(2)} ms`, `${(gzipSync(out).length / 1024).toFixed(1)} KB`]);
  };
  const ctx = pageContext(config.page, statusView, now, '/style.css?v=bench');
  time('/checks/<id> (charts, 90-day table)', () => renderCheckPage(statusView.checks[0] as StatusView['checks'][number], [], ctx));
  time('/history (first page)', () => {
    const history = JSON.parse(incidentsJson) as ReturnType<typeof buildIncidentsDocument>;
    const entries = historyEntries(history.incidents, history.maintenance, now);
    return renderHistoryPage(entries.slice(0, 20), 1, Math.ceil(entries.length / 20), ctx);
  });
  time('/api/v2/summary.json', () => JSON.stringify(statuspageSummary({ view: statusView, page: config.page, pageUrl: 'https://status.example.com/', now })));
  time('/api/status', () => {
    const { checks, ...rest } = (JSON.parse(JSON.stringify({ view: statusView })) as { view: StatusView }).view;
    return JSON.stringify({ ...rest, checks: checks.map(({ days: _days, note: _note, ...check }) => check) });
  });
  console.log('\n| 50 checks: route | CPU per uncached answer (median) | gzipped |');
  console.log('|---|---|---|');
  for (const row of other) console.log(`| ${row.join(' | ')} |`);

  if (failures.length > 0) {
    console.error(`\npage: over budget: ${failures.join('; ')}`);
    process.exitCode = 1;
  } else {
    console.log(`\nWithin budget for 50 checks: ≤ ${PAGE_CPU_BUDGET_MS} ms CPU per uncached view, ≤ ${PAGE_GZIP_BUDGET_BYTES / 1024} KB gzipped, no script.`);
  }
}
