// Stand-ins for the five runbook applications, serving the endpoints their
// runbooks document (../shared/runbooks), so checks/examples/ can run for real.
//   GET /apps/<app>/<instance>/...        the app's routes (see below)
//   POST /__apps/<instance> {broken}      break or mend one instance
// A broken instance fails the way the runbook describes an outage.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { controlMetrics, DEFAULT_PROFILE, exposition } from './metrics';

const broken = new Map<string, boolean>();
export const VALID_API_KEY = 'sk-test-valid-key-123456';
const ALLOWED_ORIGINS: Record<string, string[]> = {
  musicr: ['https://web.musicr.test'],
  earntrack: ['https://yourapp.vercel.app', 'https://www.yourapp.vercel.app'],
};

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export async function setBroken(instance: string, value: boolean): Promise<void> {
  broken.set(instance, value);
  // EarnTrack's /metrics: a broken backend answers 20% 5xx, 30% of requests take 1.5 s, and it leaks memory (900 MB resident).
  controlMetrics(
    `earntrack-${instance}`,
    value
      ? { errorRatio: 0.2, slowRatio: 0.3, slowSeconds: 1.5, residentBytes: 900_000_000 }
      : { errorRatio: DEFAULT_PROFILE.errorRatio, slowRatio: DEFAULT_PROFILE.slowRatio, slowSeconds: DEFAULT_PROFILE.slowSeconds, residentBytes: DEFAULT_PROFILE.residentBytes },
  );
}

/** Serves /apps/<app>/<instance>/<rest>; returns false when the path is not an app route. */
export async function serveApp(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
  const match = /^\/apps\/([a-z-]+)\/([^/]+)(\/.*)?$/.exec(path);
  if (!match) return false;
  const [, app, instance, rest = '/'] = match as unknown as [string, string, string, string | undefined];
  const down = broken.get(instance) ?? false;
  const origin = req.headers.origin;
  const cors: Record<string, string> = origin && ALLOWED_ORIGINS[app]?.includes(origin) && !down ? { 'access-control-allow-origin': origin, vary: 'Origin' } : {};
  const now = new Date().toISOString();
  const authorized = req.headers.authorization === `Bearer ${VALID_API_KEY}` && !down;

  if (rest === '/health' || rest === '/api/health') {
    if (app === 'youtube-optimizer') {
      return json(res, down ? 503 : 200, down ? { status: 'unhealthy', error: 'database unhealthy' } : { status: 'healthy', uptime: 12345, memory: { heapUsed: 180_000_000, rss: 310_000_000 } }), true;
    }
    if (app === 'earntrack') {
      const body = down
        ? { status: 'degraded', timestamp: now, services: { database: 'disconnected', redis: 'connected', cache: 'healthy' } }
        : { status: 'ok', timestamp: now, uptime: 245.3, services: { database: 'connected', redis: 'connected', cache: 'healthy' }, version: '1.0.0' };
      return json(res, down ? 503 : 200, body, cors), true;
    }
    if (app === 'sorapromptgenie' && rest !== '/api/health') return json(res, 404, { error: 'Not found' }), true;
    return json(res, down ? 503 : 200, down ? { status: 'error', timestamp: now } : { status: 'ok', timestamp: now, uptime: 12345, environment: 'production' }, cors), true;
  }
  if (app === 'youtube-optimizer' && rest === '/api/v1/metrics-json') {
    // A leak: heapUsed past 1 GB when broken.
    const heapUsed = down ? 1_200_000_000 : 180_000_000;
    return json(res, 200, { timestamp: now, uptime: 12345, memory: { heapUsed, heapTotal: heapUsed + 60_000_000, rss: heapUsed + 130_000_000, external: 2_000_000 }, requests: { total: 48_210, errors: 31 } }), true;
  }
  if (app === 'musicr' && rest === '/debug/connections') {
    // Broken: the API still answers, but WebSocket connections leak.
    return json(res, 200, down ? { connections: 1500, rooms: 5, users: 41 } : { connections: 37, rooms: 5, users: 41 }), true;
  }
  if (app === 'earntrack' && rest === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    res.end(exposition(`earntrack-${instance}`));
    return true;
  }
  if (rest.startsWith('/api/search')) {
    await new Promise((resolve) => setTimeout(resolve, down ? 2_300 : 40));
    return json(res, 200, { results: [{ title: 'Here Comes the Sun', score: 0.91 }] }, cors), true;
  }
  if (rest === '/web' || rest === '/web/') {
    res.writeHead(down ? 502 : 200, { 'content-type': 'text/html' });
    res.end(down ? 'Bad Gateway' : '<!doctype html><title>app</title>');
    return true;
  }
  if (rest === '/openai/v1/models') {
    return json(res, authorized ? 200 : 401, authorized ? { object: 'list', data: [{ id: 'gpt-4o-mini' }] } : { error: { message: 'Incorrect API key provided', code: 'invalid_api_key' } }), true;
  }
  if (rest === '/openrouter/api/v1/key') {
    return json(res, authorized ? 200 : 401, authorized ? { data: { label: 'prod', usage: 1.5, limit: null } } : { error: { message: 'No auth credentials found', code: 401 } }), true;
  }
  return json(res, 404, { error: 'not found', app, path: rest }), true;
}
