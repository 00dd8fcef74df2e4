// Stand-ins for the five runbook applications, serving the endpoints their
// runbooks document (../shared/runbooks), so checks/examples/ can run for real.
//   GET /apps/<app>/<instance>/...        the app's routes (see below)
//   POST /__apps/<instance> {broken}      break or mend one instance
//   /apps/<app>/<instance>/status/<vendor>  the vendors' status pages (OpenAI on incident.io, Supabase on
//                                         Atlassian Statuspage, Railway on Instatus), all operational, in
//                                         their documented formats (tests/fixtures/statuspages/payloads.ts)
//   ws://…/apps/musicr/<instance>/        Musicr's chat WebSocket (handshake from an allowed Origin)
// A broken instance fails the way the runbook describes an outage.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { incidentioWidget, instatusSummary, statuspageSummary } from '../fixtures/statuspages/payloads';
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
  // The vendors' pages answer the same whatever the app's state: the platforms are fine, the app is not.
  if (rest === '/status/railway/summary.json') return json(res, 200, instatusSummary({ name: 'Railway', status: 'UP' })), true;
  if (rest === '/status/supabase/api/v2/summary.json') {
    return json(res, 200, statuspageSummary({ name: 'Supabase', indicator: 'none', components: [{ id: 'sb-db', name: 'Database', status: 'operational' }, { id: 'sb-auth', name: 'Auth', status: 'operational' }, { id: 'sb-api', name: 'API Gateway', status: 'operational' }] })), true;
  }
  if (rest.startsWith('/status/openai/proxy/')) return json(res, 200, incidentioWidget({ title: 'OpenAI' })), true;
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

const chat = new WebSocketServer({ noServer: true });

/**
 * Musicr's chat endpoint (the runbook's `wscat -c wss://your-api-domain.railway.app/`): the handshake
 * succeeds from an allowed Origin; a broken instance answers 503, as Railway does for a crashed service.
 * Returns false when the upgrade is not for an app.
 */
export function upgradeApp(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
  const match = /^\/apps\/musicr\/([^/]+)\/?$/.exec(new URL(req.url ?? '/', 'http://apps').pathname);
  if (!match) return false;
  socket.on('error', () => undefined);
  const reject = (status: string) => socket.end(`HTTP/1.1 ${status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
  if (broken.get(match[1] as string)) return reject('503 Service Unavailable'), true;
  if (!ALLOWED_ORIGINS.musicr?.includes(req.headers.origin ?? '')) return reject('403 Forbidden'), true;
  chat.handleUpgrade(req, socket, head, (ws) => {
    ws.on('error', () => undefined);
    ws.send(JSON.stringify({ type: 'welcome', room: 'lobby' }));
  });
  return true;
}
