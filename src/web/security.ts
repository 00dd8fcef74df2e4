// Response headers every route sends: a Content-Security-Policy that allows
// no script at all and styles only from the page's own stylesheet, no MIME
// sniffing, a referrer policy, and framing only where `page.embed` allows it.

import type { PageSettings } from '../config/types';

/** The headers for a config (computed once per app). */
export function securityHeaders(page: Pick<PageSettings, 'logo' | 'embed'>): Record<string, string> {
  const images = ["'self'", 'data:'];
  if (page.logo?.startsWith('https://')) images.push(new URL(page.logo).origin);
  const ancestors = page.embed === true ? '*' : Array.isArray(page.embed) ? page.embed.join(' ') : "'none'";
  const headers: Record<string, string> = {
    'content-security-policy': [
      "default-src 'none'",
      "style-src 'self'",
      `img-src ${images.join(' ')}`,
      "form-action 'self'",
      "base-uri 'none'",
      `frame-ancestors ${ancestors}`,
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'strict-origin-when-cross-origin',
    'cross-origin-opener-policy': 'same-origin',
  };
  // Browsers that predate frame-ancestors: only "deny" can be said there (no list of origins).
  if (page.embed === false) headers['x-frame-options'] = 'DENY';
  return headers;
}
