// /favicon.ico through the deployed entry: an SVG icon, not the JSON 404 it was.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { FAVICON_MAX_AGE_SECONDS } from '../src/web/favicon';

describe('/favicon.ico', () => {
  it('answers with an SVG image that browsers may cache', async () => {
    const response = await exports.default.fetch('https://vigil.example.com/favicon.ico');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe(`public, max-age=${FAVICON_MAX_AGE_SECONDS}`);
    const svg = await response.text();
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 32 32">.*<\/svg>$/s);
    expect(svg.length).toBeLessThan(1024);
  });

  it('answers HEAD without a body', async () => {
    const response = await exports.default.fetch('https://vigil.example.com/favicon.ico', { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });
});
