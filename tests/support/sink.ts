// A local stand-in for Slack, Discord and webhook receivers: it records every
// request and answers the way the platform does (Slack 200 "ok", Discord 204,
// 400 for a payload the platform would reject). A test can make the next
// requests fail (500, 429 with Retry-After, or hang) to exercise retries.
//   POST /slack/<id>, /discord/<id>, /hook/<id>       deliveries
//   POST /telegram/<id>/bot<token>/sendMessage         Telegram Bot API
//   GET  /__sink/<id>                                   what <id> received
//   POST /__sink/<id>/fail {mode, times, retryAfter}   make the next `times` requests fail

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { payloadProblems } from './platform-formats';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SINK_SIGNING_SECRET, type Recorded } from './recorded';

/** The receiver-side check from docs/alerts.md. */
function verifyVigil(rawBody: string, headers: Record<string, string>, secret: string, toleranceSeconds = 300): boolean {
  const timestamp = headers['x-vigil-timestamp'];
  const given = (headers['x-vigil-signature'] ?? '').replace(/^v1=/, '');
  if (!timestamp || Math.abs(Date.now() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex');
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

interface Failure {
  mode: '500' | '429' | 'hang' | '404' | 'huge';
  times: number;
  retryAfter?: number;
}

const received = new Map<string, Recorded[]>();
const failures = new Map<string, Failure>();

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sink');
  const parts = url.pathname.split('/').filter(Boolean);
  if (parts[0] === '__sink' && parts[1]) {
    const id = decodeURIComponent(parts[1]);
    if (req.method === 'POST' && parts[2] === 'fail') {
      failures.set(id, JSON.parse(await readBody(req)) as Failure);
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'DELETE') {
      received.delete(id);
      failures.delete(id);
      res.writeHead(204).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(received.get(id) ?? []));
    return;
  }
  const [platform, rawId] = parts as ['slack' | 'discord' | 'telegram' | 'hook', string | undefined];
  if (!['slack', 'discord', 'telegram', 'hook'].includes(platform) || !rawId || req.method !== 'POST') {
    res.writeHead(404).end('no_service');
    return;
  }
  const id = decodeURIComponent(rawId);
  const body = await readBody(req);
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
  const record: Recorded = { platform, path: url.pathname, headers, body, problems: [], status: 0, at: Date.now() };
  const list = received.get(id) ?? [];
  list.push(record);
  received.set(id, list);

  const failure = failures.get(id);
  if (failure && failure.times > 0) {
    failure.times--;
    if (failure.mode === 'hang') return; // never answer
    if (failure.mode === 'huge') {
      // A 500 whose error page never ends: the sender must read only its start.
      record.status = 500;
      res.writeHead(500, { 'content-type': 'text/html' });
      const timer = setInterval(() => res.write('<p>internal error</p>'.repeat(1000)), 1);
      res.on('close', () => clearInterval(timer));
      return;
    }
    if (failure.mode === '429') {
      record.status = 429;
      const retryAfter = String(failure.retryAfter ?? 30);
      if (platform === 'discord') {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': retryAfter }).end(JSON.stringify({ message: 'You are being rate limited.', retry_after: Number(retryAfter), global: false }));
      } else if (platform === 'telegram') {
        res.writeHead(429, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error_code: 429, description: `Too Many Requests: retry after ${retryAfter}`, parameters: { retry_after: Number(retryAfter) } }));
      } else {
        res.writeHead(429, { 'retry-after': retryAfter }).end('rate_limited');
      }
      return;
    }
    record.status = Number(failure.mode);
    res.writeHead(record.status).end(failure.mode === '404' ? 'no_service' : 'internal_error');
    return;
  }

  if (platform === 'hook') {
    // As a receiver would: the signature, and a timestamp within five minutes of now.
    record.signature = headers['x-vigil-signature'] ? (verifyVigil(body, headers, SINK_SIGNING_SECRET) ? 'valid' : 'invalid') : 'absent';
    record.status = 200;
    res.writeHead(200).end('ok');
    return;
  }
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    record.problems = ['body is not JSON'];
  }
  if (payload !== undefined) record.problems = payloadProblems(platform, payload);
  if (platform === 'telegram' && !/^\/telegram\/[^/]+\/bot[^/]+\/sendMessage$/.test(url.pathname)) record.problems.push(`unknown method path ${url.pathname}`);
  if (record.problems.length > 0) {
    record.status = 400;
    if (platform === 'slack') res.writeHead(400).end('invalid_blocks');
    else if (platform === 'telegram') res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error_code: 400, description: record.problems.join('; ') }));
    else res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 50035, message: 'Invalid Form Body', errors: record.problems }));
    return;
  }
  if (platform === 'slack') {
    record.status = 200;
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  } else if (platform === 'telegram') {
    record.status = 200;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result: { message_id: list.length, date: Math.floor(Date.now() / 1000) } }));
  } else {
    record.status = 204;
    res.writeHead(204).end();
  }
}

export async function startSink(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: Error) => res.writeHead(500).end(error.message));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
