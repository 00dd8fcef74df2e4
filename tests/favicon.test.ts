// The favicon reflects the overall state: /favicon.svg?s=<state> (what pages
// link, cacheable for a day) and /favicon.ico (the current state, read from
// the read model) through the deployed entry.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { CURRENT_FAVICON_MAX_AGE_SECONDS, FAVICON_MAX_AGE_SECONDS, faviconSvg, ICON_STATES } from '../src/web/favicon';

describe('/favicon.ico and /favicon.svg', () => {
  it('answer with an SVG of the current state, cached briefly', async () => {
    const response = await exports.default.fetch('https://vigil.example.com/favicon.ico');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe(`public, max-age=${CURRENT_FAVICON_MAX_AGE_SECONDS}`);
    const svg = await response.text();
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 32 32">.*<\/svg>$/s);
    // Nothing published in this test: waiting for results, grey.
    expect(svg).toBe(faviconSvg('unknown'));
    expect(svg.length).toBeLessThan(1024);
  });

  it('named states are cached for a day, each its own colour, and down/degraded add a mark', async () => {
    const icons = new Set<string>();
    for (const state of ICON_STATES) {
      const response = await exports.default.fetch(`https://vigil.example.com/favicon.svg?s=${state}`);
      expect(response.headers.get('cache-control')).toBe(`public, max-age=${FAVICON_MAX_AGE_SECONDS}`);
      icons.add(await response.text());
    }
    expect(icons.size).toBe(ICON_STATES.length - 1); // "checking" and "unknown" are both grey
    expect(faviconSvg('down')).toContain('<circle');
    expect(faviconSvg('up')).not.toContain('<circle');
  });

  it('answers HEAD without a body', async () => {
    const response = await exports.default.fetch('https://vigil.example.com/favicon.ico', { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });
});
