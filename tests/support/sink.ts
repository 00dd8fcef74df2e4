// A local stand-in for Slack, Discord and webhook receivers: it records every
// request and answers the way the platform does (Slack 200 "ok", Discord 204,
// 400 for a payload the platform would reject). A test can make the next
// requests fail (500, 429 with Retry-After, or hang) to exercise retries.
//   POST /slack/<id>, /discord/<id>, /hook/<id>       deliveries
//   POST /telegram/<id>/bot<token>/sendMessage         Telegram Bot API
//   POST /teams/<id>, /gchat/<id>, /mattermost/<id>    Teams Workflows, Google Chat, Mattermost webhooks
//   POST /ntfy/<id>/                                   ntfy JSON publishing (the server's root)
//   POST /pushover/<id>/1/messages.json                Pushover
//   POST /pagerduty/<id>/v2/enqueue                    PagerDuty Events API v2
//   POST /opsgenie/<id>/v2/alerts[/<alias>/close]      Opsgenie Alert API
//   POST /resend/<id>/emails, /postmark/<id>/email, /sendgrid/<id>/v3/mail/send,
//        /mailgun/<id>/v3/<domain>/messages            email APIs
//   GET  /__sink/<id>                                   what <id> received
//   POST /__sink/<id>/fail {mode, times, retryAfter}   make the next `times` requests fail

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loneSurrogates, newPlatformProblems, payloadProblems, type NewPlatform } from './platform-formats';
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { SINK_SIGNING_SECRET, SINK_STANDARD_SECRET, type Recorded } from './recorded';

/** The receiver-side check from docs/alerts.md. */
function verifyVigil(rawBody: string, headers: Record<string, string>, secret: string, toleranceSeconds = 300): boolean {
  const timestamp = headers['x-vigil-timestamp'];
  const given = (headers['x-vigil-signature'] ?? '').replace(/^v1=/, '');
  if (!timestamp || Math.abs(Date.now() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex');
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

/** As a Standard Webhooks receiver does: the reference library's verify(), which also checks the timestamp. */
function verifyStandard(rawBody: string, headers: Record<string, string>): 'valid' | 'invalid' {
  try {
    new Webhook(SINK_STANDARD_SECRET).verify(rawBody, headers);
    return 'valid';
  } catch (error) {
    if (error instanceof WebhookVerificationError) return 'invalid';
    throw error;
  }
}

interface Failure {
  mode: '500' | '429' | 'hang' | '404' | 'huge';
  times: number;
  retryAfter?: number;
}

const received = new Map<string, Recorded[]>();
const failures = new Map<string, Failure>();

/**
 * The failures that never end, the same on every platform: `hang` never
 * answers; `huge` is a 500 whose error page never ends (the sender must read
 * only its start). True when one of them took the request.
 */
function answeredWithoutEnd(failure: Failure, record: Recorded, res: ServerResponse): boolean {
  if (failure.mode === 'hang') return true;
  if (failure.mode !== 'huge') return false;
  record.status = 500;
  res.writeHead(500, { 'content-type': 'text/html' });
  const timer = setInterval(() => res.write('<p>internal error</p>'.repeat(1000)), 1);
  res.on('close', () => clearInterval(timer));
  return true;
}

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
  if ((NEW_PLATFORMS as readonly string[]).includes(parts[0] ?? '') && parts[1] && req.method === 'POST') {
    await handleNew(parts[0] as NewPlatform, decodeURIComponent(parts[1]), url, req, res);
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
    if (answeredWithoutEnd(failure, record, res)) return;
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
    record.standardSignature = headers['webhook-signature'] ? verifyStandard(body, headers) : 'absent';
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
  if (loneSurrogates(body)) record.problems.push('text holds half an emoji (a lone surrogate)');
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

const NEW_PLATFORMS = ['teams', 'gchat', 'ntfy', 'pushover', 'mattermost', 'pagerduty', 'opsgenie', 'resend', 'postmark', 'sendgrid', 'mailgun'] as const;

/** The path each platform's API answers on (after /<platform>/<id>). */
const PATHS: Record<NewPlatform, RegExp> = {
  teams: /^$/,
  gchat: /^$/,
  mattermost: /^$/,
  ntfy: /^\/?$/,
  pushover: /^\/1\/messages\.json$/,
  pagerduty: /^\/v2\/enqueue$/,
  opsgenie: /^\/v2\/alerts(\/[^/]+\/close)?$/,
  resend: /^\/emails$/,
  postmark: /^\/email$/,
  sendgrid: /^\/v3\/mail\/send$/,
  mailgun: /^\/v3\/[^/]+\/messages$/,
};

type Send = (status: number, body?: unknown, headers?: Record<string, string>) => void;

/** Authentication each API requires, checked as the platform does (401 without it). */
function unauthorized(platform: NewPlatform, headers: Record<string, string>, url: URL): string | undefined {
  const auth = headers.authorization ?? '';
  switch (platform) {
    case 'opsgenie':
      return /^GenieKey \S+$/.test(auth) ? undefined : 'Authorization: GenieKey <key> is required';
    case 'resend':
    case 'sendgrid':
      return /^Bearer \S+$/.test(auth) ? undefined : 'Authorization: Bearer <key> is required';
    case 'postmark':
      return headers['x-postmark-server-token'] ? undefined : 'X-Postmark-Server-Token is required';
    case 'mailgun':
      return /^Basic /.test(auth) && Buffer.from(auth.slice(6), 'base64').toString().startsWith('api:') ? undefined : 'Basic authentication as api:<key> is required';
    case 'gchat':
      return url.searchParams.get('key') && url.searchParams.get('token') ? undefined : 'the webhook URL carries key and token';
    default:
      return undefined;
  }
}

/** The platform's answer to a payload it rejects. */
function rejectAs(platform: NewPlatform, problems: string[], send: Send): number {
  switch (platform) {
    case 'pagerduty':
      send(400, { status: 'invalid event', message: 'Event object is invalid', errors: problems });
      return 400;
    case 'opsgenie':
      send(422, { message: problems.join('; '), took: 0.001, requestId: randomUUID() });
      return 422;
    case 'resend':
      send(422, { statusCode: 422, name: 'validation_error', message: problems.join('; ') });
      return 422;
    case 'postmark':
      send(422, { ErrorCode: 300, Message: problems.join('; ') });
      return 422;
    case 'sendgrid':
      send(400, { errors: problems.map((message) => ({ message, field: null, help: null })) });
      return 400;
    case 'mailgun':
      send(400, { message: problems.join('; ') });
      return 400;
    case 'pushover':
      send(400, { errors: problems, status: 0, request: randomUUID() });
      return 400;
    case 'gchat':
      send(400, { error: { code: 400, message: problems.join('; '), status: 'INVALID_ARGUMENT' } });
      return 400;
    case 'ntfy':
      send(400, { code: 40001, http: 400, error: problems.join('; ') });
      return 400;
    case 'teams':
      send(400, { error: { code: 'InvalidRequestContent', message: problems.join('; ') } });
      return 400;
    case 'mattermost':
      send(400, { id: 'web.incoming_webhook.parse.app_error', message: problems.join('; '), status_code: 400 });
      return 400;
  }
}

/** The platform's answer to a payload it takes. */
function acceptAs(platform: NewPlatform, payload: Record<string, unknown>, send: Send): number {
  switch (platform) {
    case 'pagerduty':
      send(202, { status: 'success', message: 'Event processed', dedup_key: payload.dedup_key ?? randomUUID().replace(/-/g, '') });
      return 202;
    case 'opsgenie':
      // Opsgenie processes alert requests asynchronously: 202 and a request id to poll.
      send(202, { result: 'Request will be processed', took: 0.302, requestId: randomUUID() });
      return 202;
    case 'resend':
      send(200, { id: randomUUID() });
      return 200;
    case 'postmark':
      send(200, { To: payload.To, SubmittedAt: new Date().toISOString(), MessageID: randomUUID(), ErrorCode: 0, Message: 'OK' });
      return 200;
    case 'sendgrid':
    case 'teams':
      send(202);
      return 202;
    case 'mailgun':
      send(200, { id: `<${randomUUID()}@sink.mailgun>`, message: 'Queued. Thank you.' });
      return 200;
    case 'pushover':
      send(200, { status: 1, request: randomUUID() });
      return 200;
    case 'gchat':
      send(200, { name: `spaces/AAAA/messages/${randomUUID()}`, text: payload.text ?? '', createTime: new Date().toISOString() });
      return 200;
    case 'ntfy':
      send(200, { id: randomUUID().slice(0, 12), time: Math.floor(Date.now() / 1000), event: 'message', topic: payload.topic, message: payload.message });
      return 200;
    case 'mattermost':
      send(200, 'ok');
      return 200;
  }
}

async function parseBody(body: string, contentType: string): Promise<unknown> {
  if (/application\/json/i.test(contentType)) return JSON.parse(body);
  if (/application\/x-www-form-urlencoded/i.test(contentType)) return Object.fromEntries(new URLSearchParams(body));
  if (/multipart\/form-data/i.test(contentType)) {
    const form = await new Request('http://sink/', { method: 'POST', headers: { 'content-type': contentType }, body }).formData();
    const fields: Record<string, string> = {};
    form.forEach((value, key) => {
      fields[key] = String(value);
    });
    return fields;
  }
  throw new Error(`unsupported content-type "${contentType}"`);
}

async function handleNew(platform: NewPlatform, id: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
  const record: Recorded = { platform, path: url.pathname, query: url.search, headers, body, problems: [], status: 0, at: Date.now() };
  const list = received.get(id) ?? [];
  list.push(record);
  received.set(id, list);
  const send: Send = (status, answer, extra = {}) => {
    record.status = status;
    if (answer === undefined) res.writeHead(status, extra).end();
    else if (typeof answer === 'string') res.writeHead(status, { 'content-type': 'text/plain', ...extra }).end(answer);
    else res.writeHead(status, { 'content-type': 'application/json', ...extra }).end(JSON.stringify(answer));
  };

  const failure = failures.get(id);
  if (failure && failure.times > 0) {
    failure.times--;
    if (answeredWithoutEnd(failure, record, res)) return;
    if (failure.mode === '429') {
      send(429, { message: 'Too many requests', errors: ['rate limited'] }, { 'retry-after': String(failure.retryAfter ?? 30) });
      return;
    }
    send(Number(failure.mode), failure.mode === '404' ? { message: 'Not Found' } : { message: 'internal error' });
    return;
  }

  const rest = url.pathname.slice(`/${platform}/${encodeURIComponent(id)}`.length);
  const problems: string[] = [];
  if (!PATHS[platform].test(rest)) problems.push(`unknown path ${rest || '/'}`);
  const denied = unauthorized(platform, headers, url);
  if (denied) {
    record.problems = [denied];
    send(401, { message: denied });
    return;
  }
  let payload: unknown;
  try {
    payload = await parseBody(body, headers['content-type'] ?? '');
  } catch (error) {
    problems.push(`body: ${(error as Error).message}`);
  }
  if (payload !== undefined) {
    record.parsed = payload;
    problems.push(...newPlatformProblems(platform, payload, rest));
  }
  if (loneSurrogates(body) || body.includes('\uFFFD') || JSON.stringify(payload ?? '').includes('\uFFFD')) problems.push('text holds half an emoji (a lone surrogate)');
  if (platform === 'opsgenie' && /\/close$/.test(rest) && url.searchParams.get('identifierType') !== 'alias') problems.push('close by alias needs ?identifierType=alias');
  record.problems = problems;
  if (problems.length > 0) {
    rejectAs(platform, problems, send);
    return;
  }
  acceptAs(platform, payload as Record<string, unknown>, send);
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
