// 405 Method Not Allowed with an Allow header, for every route: a path that
// exists answers a wrong method with the methods it takes (RFC 9110 §15.5.6),
// not with a 404 that says the path is not there.

import type { Context } from 'hono';
import { TrieRouter } from 'hono/router/trie-router';

/** The methods a route can be registered for; GET routes answer HEAD too (Hono does). */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

// Built at the first wrong request, when every route is registered.
const routers = new WeakMap<Routes, TrieRouter<string>>();

interface Routes {
  routes: ReadonlyArray<{ method: string; path: string }>;
}

/**
 * The methods `path` answers in `app`, in METHODS order: `['GET', 'HEAD']`
 * for `/api/status`; empty for a path no route has.
 */
export function allowedMethods(app: Routes, path: string): string[] {
  let router = routers.get(app);
  if (!router) {
    router = new TrieRouter<string>();
    for (const route of app.routes) if (route.method !== 'ALL') router.add(route.method, route.path, route.method);
    routers.set(app, router);
  }
  // Routes are matched without a trailing slash (the app is not strict).
  const normalized = path.length > 1 ? path.replace(/\/+$/, '') : path;
  const answers = new Set<string>();
  for (const method of METHODS) {
    const [matches] = router.match(method, normalized);
    if (matches.length > 0) answers.add(method);
  }
  if (answers.has('GET')) answers.add('HEAD');
  return METHODS.filter((method) => answers.has(method));
}

/**
 * For the app's not-found handler: a 405 with Allow when the path exists
 * under other methods, undefined when it is a plain 404 (no such path, or a
 * handler that found nothing for this method).
 */
export function methodNotAllowed(app: Routes, c: Context): Response | undefined {
  const allowed = allowedMethods(app, c.req.path);
  if (allowed.length === 0 || allowed.includes(c.req.method)) return undefined;
  return c.json({ error: `method ${c.req.method} not allowed; use ${allowed.join(', ')}` }, 405, { allow: allowed.join(', ') });
}
