// The status page through the real Worker and ledger: it tells the truth
// from the first tick (a problem being verified, checks without a result,
// uptime only over watched time), heartbeat rows show their last ping, the
// day details, the pages per check and incident, the options (logo, brand
// colour, time zone, collapsed groups, embedding), the security headers, the
// 30 s cache, text contrast computed from the stylesheet, and the size of a
// 50-check page.
import { beforeEach, describe, expect, it } from 'vitest';
import { heartbeat, http, secret, status } from '../src/config';
import { loadConfig } from '../src/config/validate';
import { withScheduledMaintenance } from '../src/engine/maintenance';
import { buildIncidentsDocument, buildStatusView, READ_MODEL_KEYS, READ_MODEL_VERSION } from '../src/store/read-model';
import { contrastRatio, TEXT_CONTRAST } from '../src/web/contrast';
import { BANNERS, brandColors, stylesheet, THEMES } from '../src/web/styles';
import { busyConfig, busyState } from './support/busy-state';
import { MINUTE, program, reset, targetUrl, testKV, testVigil, unique } from './helpers';

beforeEach(async () => {
  await reset();
});

const T = Date.UTC(2026, 11, 6, 9, 0);
const ok = { status: 200, body: 'ok' };
const failing = { status: 500, body: 'oops' };

async function gzipSize(text: string): Promise<number> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

describe('the page tells the truth from the first tick', () => {
  it('a failure not yet confirmed shows as "checking" with its message, never under a green banner; a check without a result says so', async () => {
    const [api, pay] = [unique('api'), unique('pay')];
    let clock = T;
    const worker = testVigil(
      {
        checks: [
          http({ id: 'api', name: 'API', url: targetUrl(`/p/${api}`), expect: [status(200)] }),
          http({ id: 'pay', name: 'Payments', url: targetUrl(`/p/${pay}`), expect: [status(200)] }),
          // Waiting for its first ping: no verdict yet.
          heartbeat({ id: 'nightly', name: 'Nightly report', token: secret('NIGHTLY_TOKEN'), period: '1d' }),
        ],
      },
      { now: () => clock, secrets: { NIGHTLY_TOKEN: 'nightly-token-0123456789abcdef' } },
    );
    await program(api, ok);
    await program(pay, failing);
    await worker.tick(T);
    const html = await (await worker.fetch('/')).text();
    expect(html).toContain('<section class="banner b-checking"');
    expect(html).toContain('<strong>Checking a possible problem with Payments</strong>');
    expect(html).toContain('Nightly report could not be checked.');
    expect(html).not.toContain('All systems operational');
    expect(html).toMatch(/id="check-pay"[\s\S]*?<span class="pill s-checking">Checking<\/span>[\s\S]*?Checking a possible problem since <time[^>]*>09:00<\/time>: status = 500, expected 200/);
    expect(html).toMatch(/id="check-nightly"[\s\S]*?<span class="pill s-unknown">Not checked<\/span><\/div><p class="message">waiting for the first ping<\/p><dl class="facts"><div><dt>Last ping<\/dt><dd>none yet<\/dd>/);
    expect(html).toMatch(/id="check-api"[\s\S]*?Operational[\s\S]*?<dd>watched since 09:00<\/dd>/);
    const api1 = (await (await worker.fetch('/api/status')).json()) as { headline: { state: string }; checking: number; noData: number; checks: Array<{ id: string; status: string; checking: { status: string; message: string } | null }> };
    expect(api1.headline.state).toBe('checking');
    expect([api1.checking, api1.noData]).toEqual([1, 0]);
    expect(api1.checks.find((check) => check.id === 'pay')).toMatchObject({ status: 'unknown', checking: { status: 'down', message: 'status = 500, expected 200' } });

    // Confirmed at the second failure: down, an incident, and the banner says which.
    clock = T + MINUTE;
    await worker.tick(clock);
    const after = await (await worker.fetch('/')).text();
    expect(after).toContain('<strong>Payments is down</strong>');
    expect(after).toMatch(/id="check-pay"[\s\S]*?<span class="pill s-down">Down<\/span>/);
    expect(after).toContain('Open incidents');
  });

  it('uptime covers only the watched time and says since when; 7 days are shown; heartbeats show their last ping, not a latency', async () => {
    const api = unique('api');
    const day = 86_400_000;
    let clock = T;
    const worker = testVigil(
      {
        checks: [
          http({ id: 'api', name: 'API', url: targetUrl(`/p/${api}`), expect: [status(200)], confirmations: { down: 1, up: 1 } }),
          heartbeat({ id: 'backup', name: 'Nightly backup', token: secret('BACKUP_TOKEN'), period: '1d', purpose: 'backup' }),
        ],
      },
      { now: () => clock, secrets: { BACKUP_TOKEN: 'backup-token-0123456789abcdef' } },
    );
    await program(api, ok);
    await worker.tick(T);
    await program(api, failing);
    await worker.tick(T + MINUTE);
    await program(api, ok);
    clock = T + 3 * MINUTE;
    await worker.tick(clock);
    let html = await (await worker.fetch('/')).text();
    // Down 2 of 3 minutes watched.
    expect(html).toMatch(/id="check-api"[\s\S]*?<dd>33\.33% since 09:00<\/dd>/);
    expect(html).toMatch(/id="check-backup"[\s\S]*?<dt>Last backup<\/dt><dd>none yet<\/dd>/);
    expect(html).not.toMatch(/id="check-backup"[\s\S]*?<dt>Response<\/dt>[\s\S]*?id="check-/);

    // Ten days later: 24 h and 7 d are full windows, 30 d and 90 d collapse into "since 6 Dec".
    for (let time = T + 3 * MINUTE + day; time <= T + 10 * day; time += day) {
      clock = time;
      await worker.tick(time);
    }
    clock = T + 10 * day;
    expect((await worker.fetch('/ping/backup-token-0123456789abcdef')).status).toBe(200);
    clock = T + 10 * day + 5 * MINUTE;
    await worker.tick(clock);
    html = await (await worker.fetch('/')).text();
    expect(html).toMatch(/id="check-api"[\s\S]*?<dd>100% 24 h · 100% 7 d · 99\.9\d% since 6 Dec<\/dd>/);
    expect(html).toMatch(/id="check-backup"[\s\S]*?<dt>Last backup<\/dt><dd><time datetime="[^"]+">5 min ago<\/time><\/dd>/);
  });
});

describe('day details, check pages, history, incidents', () => {
  it('the bars open day details in words, a check page has 24 h and 90 d charts and every day; history pages; unknown addresses are 404 pages', async () => {
    const api = unique('api');
    let clock = T;
    const worker = testVigil({ checks: [http({ id: 'api', name: 'API', url: targetUrl(`/p/${api}`), expect: [status(200)], confirmations: { down: 1, up: 1 } }), http({ id: 'hidden', public: false, url: targetUrl(`/p/${api}`) })] }, { now: () => clock });
    await program(api, ok);
    await worker.tick(T);
    await program(api, failing);
    await worker.tick(T + MINUTE);
    await program(api, ok);
    clock = T + 4 * MINUTE;
    await worker.tick(clock);
    const html = await (await worker.fetch('/')).text();
    const details = /<details class="days">[\s\S]*?<\/details>/.exec(html)?.[0] ?? '';
    expect(details).toContain('<span class="bars" aria-hidden="true">');
    expect(details.match(/<i class="/g)).toHaveLength(90);
    expect(details).toContain('<span class="sr">API: day by day, last 90 days</span>');
    expect(details).toContain('<li><b>Sun 6 Dec</b> Down 3m · avg');
    expect(details).toContain('<figure class="chart">');
    expect(details).toContain('href="/checks/api"');

    const page = await worker.fetch('/checks/api');
    expect(page.status).toBe(200);
    const checkHtml = await page.text();
    expect(checkHtml.match(/<svg [^>]*role="img" aria-label="Last (24 hours|90 days)[^"]*average \d+ ms/g)).toHaveLength(2);
    expect(checkHtml.match(/<tr><th scope="row">/g)).toHaveLength(90);
    expect(checkHtml).toContain('API outage');
    expect((await worker.fetch('/checks/hidden')).status).toBe(404);
    const missing = await worker.fetch('/incidents/nope');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/text\/html/);
    expect(await (await worker.fetch('/history')).text()).toContain('API outage');
    expect((await worker.fetch('/history?page=2')).status).toBe(404);
  });

  it('the history pages 20 entries at a time, newest first', async () => {
    const input = busyConfig(24);
    const now = T;
    const state = busyState(input, now);
    const config = withScheduledMaintenance(loadConfig(input), state.maintenance);
    await testKV().put(READ_MODEL_KEYS.status, JSON.stringify({ v: READ_MODEL_VERSION, publishedAt: now, lastTick: now, view: buildStatusView(config, state, now), health: { outbox: 0, failedDeliveries: [], kvWritesToday: 1, kvWritesPerDay: 700 } }));
    await testKV().put(READ_MODEL_KEYS.incidents, JSON.stringify(buildIncidentsDocument(config, state, now)));
    const worker = testVigil(input, { now: () => now });
    const first = await (await worker.fetch('/history')).text();
    expect(first.match(/<li><h2 class="h3">/g)).toHaveLength(20);
    expect(first).toContain('Page 1 of 3');
    expect(first).toContain('href="/history?page=2" rel="next"');
    const third = await (await worker.fetch('/history?page=3')).text();
    expect(third).toContain('href="/history?page=2" rel="prev"');
    expect((await worker.fetch('/history?page=4')).status).toBe(404);
  });
});

describe('options', () => {
  it('logo, brand colour, time zone, collapsed groups, embedding, refresh', async () => {
    const [api, db] = [unique('api'), unique('db')];
    const worker = testVigil(
      {
        page: { title: 'Acme', logo: 'https://cdn.acme.example/logo.svg', brandColor: '#ffd700', timeZone: 'America/New_York', collapseGroups: 'healthy', embed: ['https://intranet.acme.example'] },
        checks: [
          http({ id: 'web', name: 'Website', group: 'Frontend', url: targetUrl(`/p/${api}`), expect: [status(200)] }),
          http({ id: 'db', name: 'Database', group: 'Backend', url: targetUrl(`/p/${db}`), expect: [status(200)], confirmations: { down: 1, up: 1 } }),
        ],
      },
      { now: () => T },
    );
    await program(api, ok);
    await program(db, failing);
    await worker.tick(T);
    const response = await worker.fetch('/');
    const html = await response.text();
    expect(html).toContain('<img src="https://cdn.acme.example/logo.svg" alt=""/>');
    expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'self'; img-src 'self' data: https://cdn.acme.example; form-action 'self'; base-uri 'none'; frame-ancestors https://intranet.acme.example");
    expect(response.headers.get('x-frame-options')).toBeNull();
    // Times in New York (EST in December).
    expect(html).toContain('04:00 EST');
    expect(html).toContain('Times in America/New_York');
    // The healthy group is collapsed, the failing one open.
    expect(html).toMatch(/<details class="group"><summary><h2>Frontend<\/h2>/);
    expect(html).toMatch(/<details class="group" open=""><summary><h2>Backend<\/h2>/);
    expect(html).not.toContain('http-equiv="refresh"');
    expect(await (await worker.fetch('/?refresh=60')).text()).toContain('<meta http-equiv="refresh" content="60"/>');
    // The brand colour is too light for text on white: the stylesheet carries a darker variant.
    const css = await (await worker.fetch(/href="(\/style\.css\?v=[^"]+)"/.exec(html)?.[1] as string)).text();
    const brand = brandColors({ brandColor: '#ffd700' });
    expect(brand.light).not.toBe('#ffd700');
    expect(css).toContain(`--brand:${brand.light}`);
    expect(contrastRatio(brand.light, THEMES.light.bg)).toBeGreaterThanOrEqual(TEXT_CONTRAST);
    expect(contrastRatio(brand.dark, THEMES.dark.card)).toBeGreaterThanOrEqual(TEXT_CONTRAST);
  });

  it('bad options are refused with the field named', () => {
    const problems = (page: Record<string, unknown>) => {
      try {
        loadConfig({ page: page as never, checks: [] });
        return 'accepted';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(problems({ brandColor: 'gold' })).toContain('brandColor');
    expect(problems({ timeZone: 'Mars/Olympus' })).toContain('timeZone');
    expect(problems({ logo: 'http://acme.example/logo.png' })).toContain('logo');
    expect(problems({ embed: ['https://acme.example/path'] })).toContain('embed');
    expect(problems({ collapseGroups: 'sometimes' })).toContain('collapseGroups');
  });
});

describe('headers, cache and cost', () => {
  it('a strict CSP, no script or inline style anywhere, nosniff, a referrer policy, no framing by default', async () => {
    const worker = testVigil({ checks: [http({ id: 'api', url: 'https://api.example.com' })] });
    for (const path of ['/', '/history', '/checks/api', '/feed.atom', '/api/status', '/api/v2/summary.json', '/admin', '/nope']) {
      const response = await worker.fetch(path);
      expect(response.headers.get('content-security-policy'), path).toBe("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(response.headers.get('referrer-policy'), path).toBe('strict-origin-when-cross-origin');
      expect(response.headers.get('x-frame-options'), path).toBe('DENY');
      const body = await response.text();
      expect(body, path).not.toMatch(/<script|<style|\sstyle=|\son[a-z]+=/i);
    }
    const html = await (await worker.fetch('/')).text();
    const href = /<link rel="stylesheet" href="([^"]+)"/.exec(html)?.[1] as string;
    const css = await worker.fetch(href);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(css.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('a repeated view within 30 s is served from the Cache API without rendering again', async () => {
    const api = unique('api');
    let clock = T;
    const worker = testVigil({ checks: [http({ id: 'api', name: 'API', url: targetUrl(`/p/${api}`), expect: [status(200)], confirmations: { down: 1, up: 1 } })] }, { now: () => clock });
    await program(api, ok);
    await worker.tick(T);
    const first = await worker.fetch('/');
    expect(first.headers.get('x-vigil-cache')).toBe('miss');
    expect(first.headers.get('cache-control')).toBe('public, max-age=30');
    const firstHtml = await first.text();
    // The state changes, but within the same 30 s the page is the one rendered before.
    await program(api, failing);
    await worker.tick(T + MINUTE);
    clock = T + 20_000;
    const second = await worker.fetch('/');
    expect(second.headers.get('x-vigil-cache')).toBe('hit');
    expect(await second.text()).toBe(firstHtml);
    // The next 30 s renders afresh.
    clock = T + 31_000;
    const third = await worker.fetch('/');
    expect(third.headers.get('x-vigil-cache')).toBe('miss');
    expect(await third.text()).toContain('API is down');
  });

  it('a 50-check page with 90 busy days is at most 30 KB gzipped and carries no script', async () => {
    const input = busyConfig(50);
    const now = T;
    const state = busyState(input, now);
    const config = withScheduledMaintenance(loadConfig(input), state.maintenance);
    await testKV().put(READ_MODEL_KEYS.status, JSON.stringify({ v: READ_MODEL_VERSION, publishedAt: now, lastTick: now, view: buildStatusView(config, state, now), health: { outbox: 0, failedDeliveries: [], kvWritesToday: 1, kvWritesPerDay: 700 } }));
    const worker = testVigil(input, { now: () => now });
    const html = await (await worker.fetch('/')).text();
    expect(html.match(/<li class="check" id="check-/g)).toHaveLength(50);
    expect(await gzipSize(html)).toBeLessThanOrEqual(30 * 1024);
    expect(html).not.toMatch(/<script/i);
    // What the fixture holds shows: an unconfirmed failure, a declared incident, upcoming maintenance, a heartbeat's last success.
    expect(html).toContain('Checking a possible problem');
    expect(html).toContain('Delayed e-mail notifications');
    expect(html).toContain('Database upgrade');
    expect(html).toMatch(/<dt>Last success<\/dt>/);
  });
});

describe('contrast, computed from the stylesheet', () => {
  /** The custom properties of the light theme (:root) and the dark one (the prefers-color-scheme block). */
  function themes(css: string) {
    const read = (block: string) => Object.fromEntries([...block.matchAll(/--([a-zA-Z]+):(#[0-9a-f]{6})/g)].map((m) => [m[1] as string, m[2] as string]));
    const light = read(/^:root\{([^}]*)\}/m.exec(css)?.[1] ?? '');
    const dark = read(/@media \(prefers-color-scheme:dark\)\{:root\{([^}]*)\}\}/.exec(css)?.[1] ?? '');
    return { light, dark };
  }

  for (const brandColor of [undefined, '#ffd700', '#0a0a0a', '#30a46c']) {
    it(`text is at least 4.5:1 in light and dark (brand colour ${brandColor ?? 'default'})`, () => {
      const css = stylesheet(brandColor ? { brandColor } : {});
      const { light, dark } = themes(css);
      expect(Object.keys(light).length).toBeGreaterThan(10);
      expect(Object.keys(dark).length).toBeGreaterThan(10);
      const failures: string[] = [];
      for (const [name, theme] of Object.entries({ light, dark })) {
        // Text colours, on the page background and on cards.
        for (const text of ['text', 'muted', 'up', 'degraded', 'down', 'paused', 'unknown', 'brand']) {
          for (const background of ['bg', 'card']) {
            const ratio = contrastRatio(theme[text] as string, theme[background] as string);
            if (ratio < TEXT_CONTRAST) failures.push(`${name}: ${text} on ${background} ${ratio.toFixed(2)}`);
          }
        }
        // Button labels (the card colour) on the brand colour.
        const button = contrastRatio(theme.card as string, theme.brand as string);
        if (button < TEXT_CONTRAST) failures.push(`${name}: button text ${button.toFixed(2)}`);
      }
      // The banners, the same in both themes.
      for (const state of Object.keys(BANNERS)) {
        const rule = new RegExp(`\\.banner\\.b-${state}\\{background:(#[0-9a-f]{6});color:(#[0-9a-f]{6})\\}`).exec(css);
        expect(rule, state).not.toBeNull();
        const ratio = contrastRatio(rule?.[2] as string, rule?.[1] as string);
        if (ratio < TEXT_CONTRAST) failures.push(`banner ${state} ${ratio.toFixed(2)}`);
      }
      expect(failures).toEqual([]);
    });
  }

  it('day bars (graphics) reach 3:1 against the card, no-data bars aside', () => {
    for (const theme of [THEMES.light, THEMES.dark]) {
      for (const bar of [theme.barUp, theme.barDegraded, theme.barDown, theme.barPaused, theme.barUnknown]) expect(contrastRatio(bar, theme.card)).toBeGreaterThanOrEqual(3);
    }
  });
});
