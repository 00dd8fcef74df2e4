// The icon browsers ask for at /favicon.ico: a small SVG (a pulse line on a
// dark tile), so tabs and bookmarks show Vigil instead of logging a 404.

import type { Context } from 'hono';

/** 32×32 viewBox; browsers that fetch /favicon.ico take SVG when the content type says so. */
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">' +
  '<rect width="32" height="32" rx="7" fill="#1f2937"/>' +
  '<polyline points="4,17 10,17 13,9 19,24 22,17 28,17" fill="none" stroke="#22c55e" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/>' +
  '</svg>';

/** A day: the icon changes only with a deploy, and a stale one costs nothing. */
export const FAVICON_MAX_AGE_SECONDS = 86_400;

/** GET /favicon.ico */
export function favicon(c: Context): Response {
  c.header('content-type', 'image/svg+xml; charset=utf-8');
  c.header('cache-control', `public, max-age=${FAVICON_MAX_AGE_SECONDS}`);
  return c.body(FAVICON_SVG);
}
