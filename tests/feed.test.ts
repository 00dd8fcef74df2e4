// /feed.atom through the real Worker: well-formed XML with every element
// RFC 4287 requires (feed and entry ids, titles, updated times in RFC 3339,
// an author, self and alternate links), escaped text, entries for the
// incidents and the maintenance, newest first. A maintained feed parser
// (@rowanmanning/feed-parser, CommonJS: it runs in Node) reads the feed of the
// browser tests' scene in tests/browser/status-page.test.ts.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { beforeEach, describe, expect, it } from 'vitest';
import { http, status } from '../src/config';
import { MINUTE, program, reset, targetUrl, testVigil, unique } from './helpers';

beforeEach(async () => {
  await reset();
});

const T = Date.UTC(2026, 11, 6, 9, 0);
/** RFC 3339 date-time (RFC 4287 §3.3). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const TOKEN = 'feed-admin-token-5c1e9d2a';

type XmlNode = Record<string, unknown>;
const asList = (value: unknown): XmlNode[] => (value === undefined ? [] : Array.isArray(value) ? (value as XmlNode[]) : [value as XmlNode]);
const text = (value: unknown) => (typeof value === 'object' && value !== null ? String((value as XmlNode)['#text'] ?? '') : String(value ?? ''));

describe('/feed.atom', () => {
  it('is a valid Atom feed (RFC 4287) of incidents and maintenance, which a feed parser reads', async () => {
    const api = unique('api');
    let clock = T;
    const worker = testVigil(
      {
        page: { title: 'Acme <Shop> & Co', url: 'https://status.acme.example', timeZone: 'Europe/Berlin' },
        checks: [http({ id: 'api', name: 'API', url: targetUrl(`/p/${api}`), expect: [status(200)], confirmations: { down: 1, up: 1 } })],
      },
      { now: () => clock, secrets: { VIGIL_ADMIN_TOKEN: TOKEN } },
    );
    const admin = (path: string, body: unknown) => worker.fetch(path, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(body) });
    await program(api, { status: 200 });
    await worker.tick(T);
    await program(api, { status: 500 });
    clock = T + MINUTE;
    await worker.tick(clock);
    await program(api, { status: 200 });
    clock = T + 4 * MINUTE;
    await worker.tick(clock);
    clock = T + 10 * MINUTE;
    const created = (await (await admin('/api/admin/incidents', { title: 'Slow <checkout> & "cart"', text: 'Looking into it; 5 < 6 & "quotes".', impact: 'minor', components: ['api'], by: 'ops' })).json()) as { incident: { id: string } };
    clock = T + 20 * MINUTE;
    await admin(`/api/admin/incidents/${created.incident.id}/updates`, { state: 'monitoring', text: 'A fix is out.', by: 'ops' });
    clock = T + 25 * MINUTE;
    await admin('/api/admin/maintenance', { title: 'Database upgrade', description: 'PostgreSQL 17', start: new Date(T + 3 * 3_600_000).toISOString(), end: new Date(T + 4 * 3_600_000).toISOString(), by: 'ops' });

    const response = await worker.fetch('/feed.atom');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const xml = await response.text();

    // Well-formed XML, then RFC 4287's required elements.
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' }).parse(xml) as { feed: XmlNode };
    const feed = doc.feed;
    expect(feed['@xmlns']).toBe('http://www.w3.org/2005/Atom');
    expect(text(feed.id)).toBe('https://status.acme.example/feed.atom');
    expect(text(feed.title)).toBe('Acme <Shop> & Co: incidents and maintenance');
    expect(text(feed.updated)).toMatch(RFC3339);
    expect(asList(feed.author).map((author) => text(author.name))).toEqual(['Acme <Shop> & Co']);
    const links = asList(feed.link);
    expect(links.find((link) => link['@rel'] === 'self')?.['@href']).toBe('https://status.acme.example/feed.atom');
    expect(links.find((link) => link['@rel'] === 'alternate')?.['@href']).toBe('https://status.acme.example/');
    const entries = asList(feed.entry);
    expect(entries).toHaveLength(3);
    const seen = new Set<string>();
    for (const entry of entries) {
      const id = text(entry.id);
      expect(id).toMatch(/^https:\/\/status\.acme\.example\/(incidents|maintenance)\//);
      expect(seen.has(id)).toBe(false);
      seen.add(id);
      expect(text(entry.title).length).toBeGreaterThan(0);
      expect(text(entry.updated)).toMatch(RFC3339);
      expect(text(entry.published)).toMatch(RFC3339);
      expect(Date.parse(text(entry.published))).toBeLessThanOrEqual(Date.parse(text(entry.updated)));
      expect(asList(entry.link).find((link) => link['@rel'] === 'alternate')?.['@href']).toBe(id);
      expect((entry.content as XmlNode)['@type']).toBe('html');
    }
    // Newest update first; the feed's updated is its newest entry's.
    const updated = entries.map((entry) => Date.parse(text(entry.updated)));
    expect([...updated].sort((a, b) => b - a)).toEqual(updated);
    expect(text(feed.updated)).toBe(text(entries[0]?.updated));

    expect(entries.map((entry) => text(entry.title))).toEqual(['[Maintenance: Scheduled] Database upgrade', '[Monitoring] Slow <checkout> & "cart"', '[Resolved] API outage']);
    const incident = entries[1] as XmlNode;
    expect(text(incident.id)).toBe(`https://status.acme.example/incidents/${created.incident.id}`);
    expect(text(incident.updated)).toBe(new Date(T + 20 * MINUTE).toISOString());
    expect(text(incident.published)).toBe(new Date(T + 10 * MINUTE).toISOString());
    // The content is HTML of the whole timeline, newest first (times in the page's zone), its text
    // escaped as HTML and that HTML escaped again as XML text.
    const content = text(incident.content);
    expect(content).toContain('<p><strong>Monitoring</strong> (Sun 6 Dec, 10:20 CET): A fix is out.</p>');
    expect(content.indexOf('A fix is out.')).toBeLessThan(content.indexOf('Looking into it'));
    expect(content).toContain('Looking into it; 5 &lt; 6 &amp; &quot;quotes&quot;.');
    expect(xml).toContain('Looking into it; 5 &amp;lt; 6 &amp;amp; &amp;quot;quotes&amp;quot;.');
    expect(xml).not.toContain('<checkout>');
    expect(text((entries[2] as XmlNode).content)).toContain('API recovered after 3m.');
  });

  it('before anything happened: a valid feed with no entries', async () => {
    const worker = testVigil({ checks: [http({ id: 'api', url: 'https://api.example.com' })] });
    const xml = await (await worker.fetch('/feed.atom')).text();
    expect(XMLValidator.validate(xml)).toBe(true);
    const feed = (new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' }).parse(xml) as { feed: XmlNode }).feed;
    expect(text(feed.updated)).toMatch(RFC3339);
    expect(text(feed.id)).toBe('https://status.example.com/feed.atom');
    expect(asList(feed.entry)).toEqual([]);
  });
});
