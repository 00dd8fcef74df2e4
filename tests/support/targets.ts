// HTTP targets for the checks under test: healthy, failing, slow, hanging,
// huge, endless, bad JSON, redirect loops, routes whose answer a test sets
// through /__control (so a check can go down and recover), Prometheus
// endpoints whose traffic a test sets through /__metrics (see metrics.ts;
// /metrics/private-* need METRICS_TOKEN), and the runbook apps (apps.ts).

import { readFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { serveApp, setBroken, upgradeApp } from './apps';
import { controlMetrics, METRICS_TOKEN, serveMetrics } from './metrics';

interface Programmed {
  status: number;
  body: string;
  headers: Record<string, string>;
  delayMs: number;
}

const programmed = new Map<string, Programmed>();
const hits = new Map<string, number>();
/** Requests open at once, and the most seen, per group (GET /inflight). */
const inflight = new Map<string, { now: number; max: number }>();

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const MB = 1024 * 1024;

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://target');
  const path = url.pathname;
  hits.set(path, (hits.get(path) ?? 0) + 1);

  if (path.startsWith('/__control/')) {
    const name = path.slice('/__control/'.length);
    if (req.method === 'POST') {
      const input = JSON.parse(await readBody(req)) as Partial<Programmed> & { json?: unknown };
      programmed.set(name, {
        status: input.status ?? 200,
        body: input.json !== undefined ? JSON.stringify(input.json) : (input.body ?? '{"status":"ok"}'),
        headers: input.headers ?? {},
        delayMs: input.delayMs ?? 0,
      });
      return send(res, 204, '');
    }
    return send(res, 200, JSON.stringify({ hits: hits.get(`/p/${name}`) ?? 0 }));
  }
  if (path.startsWith('/__apps/') && req.method === 'POST') {
    const { broken } = JSON.parse(await readBody(req)) as { broken: boolean };
    await setBroken(path.slice('/__apps/'.length), broken);
    return send(res, 204, '');
  }
  if (path.startsWith('/__metrics/') && req.method === 'POST') {
    controlMetrics(path.slice('/__metrics/'.length), JSON.parse(await readBody(req)));
    return send(res, 204, '');
  }
  if (path.startsWith('/metrics/private-') && req.headers.authorization !== `Bearer ${METRICS_TOKEN}`) {
    return send(res, 401, 'Unauthorized', { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' });
  }
  if (serveMetrics(res, path)) return;
  // The exporter fixtures (kube-state-metrics, cAdvisor ...) as a store would scrape them.
  const fixture = /^\/fixtures\/prometheus\/([a-z0-9-]+\.prom)$/.exec(path);
  if (fixture) return send(res, 200, readFileSync(new URL(`../fixtures/prometheus/${fixture[1]}`, import.meta.url), 'utf8'), { 'content-type': 'text/plain; version=0.0.4' });
  if (await serveApp(req, res, path)) return;
  if (path.startsWith('/p/')) {
    // A check that runs in several regions says which in its User-Agent: `/__control/<name>@<region>` programs one region.
    const region = /region (\w+)/.exec(req.headers['user-agent'] ?? '')?.[1];
    const answer = (region ? programmed.get(`${path.slice(3)}@${region}`) : undefined) ?? programmed.get(path.slice(3)) ?? { status: 200, body: '{"status":"ok"}', headers: {}, delayMs: 0 };
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    return send(res, answer.status, answer.body, answer.headers);
  }
  switch (path) {
    case '/ok':
      return send(res, 200, JSON.stringify({ status: 'ok', uptime: 12345, services: { database: 'connected', redis: 'connected' } }));
    case '/healthy':
      return send(res, 200, JSON.stringify({ status: 'healthy', uptime: 12345, memory: { heapUsed: 123_456_789, rss: 234_567_890 } }));
    case '/inflight': {
      // Counts requests open at once per `group`; GET /inflight-max?group= tells the most seen.
      const group = url.searchParams.get('group') ?? '';
      const now = (inflight.get(group)?.now ?? 0) + 1;
      inflight.set(group, { now, max: Math.max(now, inflight.get(group)?.max ?? 0) });
      await new Promise((resolve) => setTimeout(resolve, Number(url.searchParams.get('ms') ?? '300')));
      (inflight.get(group) as { now: number }).now--;
      return send(res, 200, JSON.stringify({ status: 'ok' }));
    }
    case '/inflight-max':
      return send(res, 200, JSON.stringify({ max: inflight.get(url.searchParams.get('group') ?? '')?.max ?? 0 }));
    case '/slow': {
      const ms = Number(url.searchParams.get('ms') ?? '300');
      await new Promise((resolve) => setTimeout(resolve, ms));
      return send(res, 200, JSON.stringify({ status: 'ok', delayedMs: ms }));
    }
    case '/hang':
      // Never answers: the check's timeout must cut it.
      req.socket.setTimeout(0);
      return;
    case '/hang-body':
      // Headers at once, then a body that never finishes.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"status":');
      return;
    case '/huge': {
      const total = Number(url.searchParams.get('mb') ?? '50') * MB;
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      let sent = 0;
      const pump = () => {
        while (sent < total) {
          sent += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      res.on('close', () => (sent = total));
      return pump();
    }
    case '/endless': {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('still going\n'), 5);
      res.on('close', () => clearInterval(timer));
      return;
    }
    case '/badjson':
      return send(res, 200, '{"status": "ok",,, <html>');
    case '/html':
      return send(res, 200, '<html><body>It works</body></html>', { 'content-type': 'text/html' });
    case '/redirect':
      return send(res, 302, '', { location: '/ok' });
    case '/head-only':
      // Like a front end that answers HEAD / (R02): anything else is refused.
      return req.method === 'HEAD' ? send(res, 200, '<html></html>', { 'content-type': 'text/html' }) : send(res, 405, '');
    case '/redirect-to':
      // A redirect to any URL (another origin, another scheme).
      return send(res, Number(url.searchParams.get('code') ?? '302'), '', { location: url.searchParams.get('url') ?? '/ok' });
    case '/redirect-loop':
      return send(res, 302, '', { location: '/redirect-loop' });
    case '/cors': {
      const origin = req.headers.origin;
      const allowed = origin === 'https://app.example.com' ? { 'access-control-allow-origin': origin, vary: 'Origin' } : {};
      return send(res, 200, '{"ok":true}', allowed as Record<string, string>);
    }
    case '/echo': {
      const body = req.method === 'POST' || req.method === 'PUT' ? await readBody(req) : '';
      return send(res, 200, JSON.stringify({ method: req.method, headers: req.headers, body, query: Object.fromEntries(url.searchParams) }));
    }
    case '/auth': {
      // Like an API key check (R34): 200 with the right bearer token, 401 otherwise.
      const ok = req.headers.authorization === 'Bearer sk-test-valid-key-123456';
      return send(res, ok ? 200 : 401, JSON.stringify(ok ? { data: [{ id: 'model-1' }] } : { error: { message: 'Incorrect API key provided' } }));
    }
    case '/status':
      return send(res, Number(url.searchParams.get('code') ?? '500'), JSON.stringify({ status: 'error', message: url.searchParams.get('message') ?? 'boom' }));
    case '/mention':
      // An error page that tries to ping everyone in chat.
      return send(res, 500, JSON.stringify({ status: '@everyone <!channel> @here the site is down' }));
    default:
      return send(res, 404, JSON.stringify({ error: 'not found', path }));
  }
}

export interface Targets {
  url: string;
  /** A loopback port nothing listens on: connections are refused. */
  refusedUrl: string;
  /** host:port of a TCP server that accepts connections and never says anything. */
  silentTcp: string;
  close(): Promise<void>;
}

export async function startTargets(): Promise<Targets> {
  const server = http.createServer((req, res) => {
    route(req, res).catch((error: Error) => {
      if (!res.headersSent) send(res, 500, JSON.stringify({ error: error.message }));
    });
  });
  // Keep idle connections longer than workerd does: a server that closes one
  // first races a request workerd is sending on it ("Network connection lost").
  // server.close() still ends idle connections at once (Node 19+).
  server.keepAliveTimeout = 60_000;
  server.on('upgrade', (req, socket, head) => {
    if (!upgradeApp(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const refusedPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));

  const silentSockets = new Set<import('node:net').Socket>();
  const silent = net.createServer((socket) => {
    silentSockets.add(socket);
    socket.on('close', () => silentSockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${port}`,
    refusedUrl: `http://127.0.0.1:${refusedPort}`,
    silentTcp: `127.0.0.1:${(silent.address() as AddressInfo).port}`,
    close: async () => {
      for (const socket of silentSockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
