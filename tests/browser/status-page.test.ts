// The status page in real Chromium (Debian's package, driven by
// playwright-core), served by the real Worker with 90 days of history
// (global-setup.ts): 1280 and 390 px, light and dark; axe-core with no
// serious or critical violation; keyboard navigation through groups and day
// details; an incident update posted through the admin form and then seen on
// the page and in the feed; Atlassian's own status widget reading Vigil.
// Screenshots go to test-results/screenshots/ (git-ignored) for people to look at.

import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseFeed } from '@rowanmanning/feed-parser';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium, type Browser } from './chromium';
import { ADMIN_TOKEN } from './scene-config';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const { vigilUrl, screenshots, manualIncidentId } = inject('browser');

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

type Scheme = 'light' | 'dark';

/** A page at a width and colour scheme, failing the test on a script error or a CSP violation. */
async function open(path: string, width = 1280, scheme: Scheme = 'light'): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  await page.setViewportSize({ width, height: width < 600 ? 844 : 900 });
  await page.emulateMedia({ colorScheme: scheme });
  const response = await page.goto(`${vigilUrl}${path}`);
  expect(response?.status(), path).toBe(200);
  return { page, problems };
}

/** axe-core, run in the page (evaluated over the DevTools protocol, so the page's CSP stays as served). */
async function axe(page: Page, label: string): Promise<void> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }> }> } }).axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((violation) => ({ id: violation.id, impact: violation.impact, help: violation.help, nodes: violation.nodes.slice(0, 3).map((node) => node.target.join(' ')) }));
  });
  const serious = violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
  expect(serious, `${label}: ${JSON.stringify(serious, null, 2)}`).toEqual([]);
}

async function shoot(page: Page, name: string, fullPage = true): Promise<void> {
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage });
}

const BACKGROUND: Record<Scheme, string> = { light: 'rgb(247, 247, 248)', dark: 'rgb(17, 17, 19)' };

describe('the status page in Chromium', () => {
  for (const width of [1280, 390]) {
    for (const scheme of ['light', 'dark'] as const) {
      it(`${width} px, ${scheme}: fits, shows ${width < 600 ? 30 : 90} bars a check, the theme's colours, no serious axe violation`, async () => {
        const { page, problems } = await open('/', width, scheme);
        await expect.poll(() => page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(BACKGROUND[scheme]);
        expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
        expect(await page.locator('section.banner strong').textContent()).toBe('Search is degraded');
        // Open groups show their checks' bars; count the ones laid out in the first row.
        const visibleBars = await page.evaluate(() => [...(document.querySelector('details.group[open] .bars')?.querySelectorAll('i') ?? [])].filter((bar) => (bar as HTMLElement).offsetWidth > 0).length);
        expect(visibleBars).toBe(width < 600 ? 30 : 90);
        // Each laid-out bar is wide enough to see (not a hairline).
        const narrowest = await page.evaluate(() => Math.min(...[...document.querySelectorAll('details.group[open] .bars i')].map((bar) => (bar as HTMLElement).getBoundingClientRect().width).filter((w) => w > 0)));
        expect(narrowest).toBeGreaterThanOrEqual(width < 600 ? 6 : 4);
        await axe(page, `/ at ${width} px, ${scheme}`);
        await shoot(page, `status-${width}-${scheme}`);
        await shoot(page, `status-${width}-${scheme}-top`, false);
        expect(problems).toEqual([]);
        await page.close();
      });
    }
  }

  it('keyboard: Tab reaches a collapsed group and opens it, then a check’s day details; Enter opens them, Tab enters them, Space closes them', async () => {
    const { page } = await open('/');
    const focused = () => page.evaluate(() => {
      const element = document.activeElement as HTMLElement | null;
      const details = element?.parentElement instanceof HTMLDetailsElement ? element.parentElement : null;
      return { tag: element?.tagName ?? '', text: (element?.textContent ?? '').trim().slice(0, 60), details: details?.className ?? '', open: details?.open ?? false, outline: element ? getComputedStyle(element).outlineStyle : 'none', href: element?.getAttribute('href') ?? '' };
    });
    const tabTo = async (match: (f: Awaited<ReturnType<typeof focused>>) => boolean, limit = 120) => {
      for (let i = 0; i < limit; i++) {
        await page.keyboard.press('Tab');
        const now = await focused();
        if (match(now)) return now;
      }
      throw new Error('the element was not reached with Tab');
    };
    // Frontend is healthy, so collapsed (page.collapseGroups = "healthy"): its summary is a tab stop.
    const group = await tabTo((f) => f.details === 'group' && f.text.startsWith('Frontend'));
    expect(group.open).toBe(false);
    expect(group.outline).not.toBe('none');
    await page.keyboard.press('Enter');
    expect((await focused()).open).toBe(true);
    await expect.poll(() => page.locator('#check-website').isVisible()).toBe(true);

    const summary = await tabTo((f) => f.details === 'days');
    expect(summary.open).toBe(false);
    expect(summary.outline).not.toBe('none');
    await page.keyboard.press('Enter');
    expect((await focused()).open).toBe(true);
    const list = page.locator('details.days[open] .daylist');
    await expect.poll(() => list.isVisible()).toBe(true);
    await axe(page, '/ with day details open');
    await page.locator('details.days[open]').first().screenshot({ path: join(screenshots, 'day-details.png') });
    // The next tab stop is inside the details: the link to the check's page.
    await page.keyboard.press('Tab');
    expect((await focused()).href).toMatch(/^\/checks\//);
    await page.keyboard.press('Shift+Tab');
    expect((await focused()).details).toBe('days');
    await page.keyboard.press('Space');
    expect((await focused()).open).toBe(false);
    await page.close();
  });

  it('a check’s page (24 h and 90 d charts, every day), an incident’s page and the history: axe-clean', async () => {
    const check = await open('/checks/search');
    const paths = await check.page.locator('figure.chart svg path.line').evaluateAll((elements) => elements.map((element) => (element as SVGPathElement).getTotalLength()));
    expect(paths).toHaveLength(2);
    for (const length of paths) expect(length).toBeGreaterThan(100);
    expect(await check.page.locator('table tbody tr').count()).toBe(90);
    await axe(check.page, '/checks/search');
    await shoot(check.page, 'check-page');
    await shoot(check.page, 'check-page-top', false);
    expect(check.problems).toEqual([]);
    await check.page.close();

    for (const path of [`/incidents/${manualIncidentId}`, '/history', '/maintenance/db-upgrade']) {
      for (const scheme of ['light', 'dark'] as const) {
        const { page, problems } = await open(path, 1280, scheme);
        await axe(page, `${path} ${scheme}`);
        if (scheme === 'light') await shoot(page, path === '/history' ? 'history' : path.startsWith('/incidents') ? 'incident' : 'maintenance');
        expect(problems).toEqual([]);
        await page.close();
      }
    }
  });
});

describe('the Atom feed, read by a maintained feed parser (@rowanmanning/feed-parser)', () => {
  it('is Atom, with an entry per incident and maintenance window, newest update first, permalinks as ids', async () => {
    const response = await fetch(`${vigilUrl}/feed.atom`);
    expect(response.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const feed = parseFeed(await response.text());
    expect(feed.meta.type).toBe('atom');
    expect(feed.title).toBe('Acme status: incidents and maintenance');
    expect(feed.self).toBe(`${vigilUrl}/feed.atom`);
    expect(feed.url).toBe(`${vigilUrl}/`);
    expect(feed.authors.map((author) => author.name)).toEqual(['Acme status']);
    const titles = feed.items.map((item) => item.title);
    for (const title of ['[Monitoring] Delayed e-mail notifications', '[Investigating] Search degraded', '[Resolved] Public API outage', '[Resolved] Nightly backup outage', '[Maintenance: In progress] Database upgrade', '[Maintenance: Scheduled] Search index rebuild']) {
      expect(titles).toContain(title);
    }
    for (const item of feed.items) {
      expect(item.id).toBe(item.url);
      expect(item.url).toMatch(new RegExp(`^${vigilUrl}/(incidents|maintenance)/`));
      expect((item.published as Date).getTime()).toBeLessThanOrEqual((item.updated as Date).getTime());
    }
    const updated = feed.items.map((item) => (item.updated as Date).getTime());
    expect([...updated].sort((a, b) => b - a)).toEqual(updated);
    expect(feed.updated?.getTime()).toBe(updated[0]);
    // The incident people wrote: its whole timeline, newest first, times in the page's zone.
    const email = feed.items.find((item) => item.title === '[Monitoring] Delayed e-mail notifications');
    expect(email?.url).toBe(`${vigilUrl}/incidents/${manualIncidentId}`);
    expect(email?.content).toMatch(/<p><strong>Monitoring<\/strong> \([A-Z][a-z]{2} \d+ [A-Z][a-z]{2}, \d\d:\d\d CES?T\): Our mail provider has fixed a queue backlog/);
    expect(email?.content?.indexOf('Our mail provider')).toBeLessThan(email?.content?.indexOf('Order confirmations are arriving') ?? -1);
    expect(email?.categories.map((category) => category.term)).toEqual(['incident', 'monitoring', 'minor']);
  });
});

describe('incident communication in Chromium', () => {
  it('signs in to /admin, posts an update and a new incident through the forms, and both show on the page and in the feed', async () => {
    const { page, problems } = await open('/admin');
    await axe(page, '/admin (sign in)');
    await shoot(page, 'admin-sign-in');
    await page.getByLabel('Your name').fill('Robin');
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await Promise.all([page.waitForURL('**/admin?done=signed-in'), page.getByRole('button', { name: 'Sign in' }).click()]);
    await expect.poll(() => page.getByText('Signed in as Robin').isVisible()).toBe(true);
    await axe(page, '/admin (dashboard)');
    await shoot(page, 'admin-dashboard');
    await shoot(page, 'admin-dashboard-top', false);

    // An update to the incident posted during setup: resolved, with a text.
    const card = page.locator(`#incident-${manualIncidentId}`);
    await card.getByLabel('State').selectOption('resolved');
    await card.getByLabel('Update (public)').fill('All delayed e-mails have been delivered.');
    await Promise.all([page.waitForURL('**/admin?done=updated'), card.getByRole('button', { name: 'Post update' }).click()]);
    await expect.poll(() => page.getByText('Update posted.').isVisible()).toBe(true);

    // A new incident.
    const form = page.locator('form[action="/admin/incidents"]');
    await form.getByLabel('Title').fill('Card payments failing');
    await form.getByLabel('Impact').selectOption('major');
    await form.getByLabel('Payments').check();
    await form.getByLabel('First update (public)').fill('Some card payments fail with an error. We are investigating with our payment provider.');
    await Promise.all([page.waitForURL('**/admin?done=created'), form.getByRole('button', { name: 'Create incident' }).click()]);
    await expect.poll(() => page.getByText('Incident created.').isVisible()).toBe(true);
    expect(problems).toEqual([]);
    await page.close();

    const status = await open('/');
    expect(await status.page.locator('section.banner').getAttribute('class')).toBe('banner b-down');
    expect(await status.page.locator('section.banner strong').textContent()).toBe('Card payments failing');
    expect(await status.page.getByText('Some card payments fail with an error.').isVisible()).toBe(true);
    expect(await status.page.getByText('All delayed e-mails have been delivered.').isVisible()).toBe(true);
    await shoot(status.page, 'status-after-admin');
    await status.page.close();

    const feed = parseFeed(await (await fetch(`${vigilUrl}/feed.atom`)).text());
    const titles = feed.items.map((item) => item.title);
    expect(titles).toContain('[Investigating] Card payments failing');
    expect(titles).toContain('[Resolved] Delayed e-mail notifications');
    expect(feed.items.find((item) => item.title === '[Resolved] Delayed e-mail notifications')?.content).toContain('All delayed e-mails have been delivered.');
  });
});

describe("Atlassian's status widget (@statuspage/status-widget) against Vigil", () => {
  it('renders the indicator and description Vigil serves at /api/v2/summary.json', async () => {
    const widget = readFileSync(require.resolve('@statuspage/status-widget/dist/index.js'), 'utf8');
    // Another origin, as on a customer's site: the widget fetches Vigil's summary.json across origins.
    const server = http.createServer((req, res) => {
      if (req.url === '/widget.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        res.end(widget);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html' });
      // The package's built file assigns the global `parcelRequire` under "use strict" (a ReferenceError unless it is declared first).
      res.end(`<!doctype html><html lang="en"><head><title>Widget</title><script>var parcelRequire;</script><script src="/widget.js"></script></head><body>
<statuspage-widget id="basic" src="${vigilUrl}"></statuspage-widget>
<statuspage-widget id="badge" src="${vigilUrl}" appearance="badge" title="Acme"></statuspage-widget></body></html>`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const expected = ((await (await fetch(`${vigilUrl}/api/v2/summary.json`)).json()) as { status: { indicator: string; description: string } }).status;
      const page = await browser.context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      const read = (id: string) =>
        page.evaluate((which) => {
          const root = document.getElementById(which)?.shadowRoot;
          return { text: root?.querySelector('.status-text')?.textContent?.trim() ?? null, indicator: root?.querySelector('.status-indicator')?.className ?? null };
        }, id);
      await expect.poll(async () => (await read('basic')).text, { timeout: 15_000 }).toBe(expected.description);
      expect((await read('basic')).indicator).toContain(expected.indicator);
      await expect.poll(async () => (await read('badge')).indicator, { timeout: 15_000 }).toContain(expected.indicator);
      expect(expected).toEqual({ indicator: 'major', description: 'Partial System Outage' });
      await page.screenshot({ path: join(screenshots, 'statuspage-widget.png'), clip: { x: 0, y: 0, width: 420, height: 52 } });
      expect(problems).toEqual([]);
      await page.close();
    } finally {
      // Chromium keeps connections alive; close them, or close() waits for their timeout.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
