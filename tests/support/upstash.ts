// A local server speaking the Upstash Redis REST protocol to a real Redis, so
// @upstash/redis in workerd runs real commands:
//   POST /               ["CMD", ...args]            → {"result": ...} | {"error": "..."}
//   POST /pipeline       [["CMD", ...], ...]         → [{"result": ...}, {"error": ...}]
//   POST /multi-exec     [["CMD", ...], ...]         → same, as one MULTI/EXEC transaction
// Authorization: Bearer <token> (401 otherwise). With "Upstash-Encoding: base64"
// every string in a result is base64 (except "OK"), as Upstash does.
// Fault tokens: "garbage-token" answers 200 with HTML, "slow-token" never answers,
// "limited-token" answers as Upstash does once a plan's request limit is used up.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type RedisClient from 'ioredis';
import { nodeRequire } from './node-require';

const Redis = nodeRequire('ioredis') as typeof RedisClient;

export const UPSTASH_GARBAGE_TOKEN = 'garbage-token';
export const UPSTASH_SLOW_TOKEN = 'slow-token';
export const UPSTASH_LIMITED_TOKEN = 'limited-token';
const LIMIT_EXCEEDED = 'ERR max requests limit exceeded. Limit: 500000, Usage: 500000. See https://upstash.com/docs/redis/troubleshooting/max_requests_limit for details';

type Reply = null | number | Buffer | string | Reply[];

function encode(reply: Reply, base64: boolean): unknown {
  if (reply === null || typeof reply === 'number') return reply;
  if (Array.isArray(reply)) return reply.map((item) => encode(item, base64));
  const text = Buffer.isBuffer(reply) ? reply.toString('utf8') : reply;
  if (!base64 || text === 'OK') return text;
  return Buffer.from(text, 'utf8').toString('base64');
}

function waitReady(redis: RedisClient, ms: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    }
    redis.once('ready', done);
  });
}

export async function startUpstashShim(redisPort: number, token: string): Promise<{ url: string; close(): Promise<void> }> {
  const redis = new Redis(redisPort, '127.0.0.1', { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => 200, lazyConnect: false });
  redis.on('error', () => undefined);
  // A Redis error reply (ERR ..., WRONGTYPE ...) is a 400 like Upstash's; Redis being unreachable is a 5xx.
  const call = async (command: unknown[]): Promise<{ result?: unknown; error?: string; unavailable?: boolean }> => {
    const [name, ...args] = command.map((part) => String(part));
    try {
      // After a Redis restart, give the connection a moment to come back, as a proxy would.
      if (redis.status !== 'ready') await new Promise((resolve) => setTimeout(resolve, 0)).then(() => waitReady(redis, 1500));
      return { result: (await redis.callBuffer(name as string, ...args)) as Reply };
    } catch (error) {
      const replyError = (error as Error).name === 'ReplyError';
      return replyError ? { error: (error as Error).message } : { error: `Redis is unavailable: ${(error as Error).message}`, unavailable: true };
    }
  };

  const server = http.createServer(async (req, res) => {
    const auth = req.headers.authorization ?? '';
    const given = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (given === UPSTASH_SLOW_TOKEN) return; // never answer
    if (given === UPSTASH_GARBAGE_TOKEN) {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>502 Bad Gateway</body></html>');
      return;
    }
    if (given === UPSTASH_LIMITED_TOKEN) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: LIMIT_EXCEEDED }));
      return;
    }
    if (given !== token) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'Unauthorized' }));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'ERR failed to parse command' }));
      return;
    }
    const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';
    const path = new URL(req.url ?? '/', 'http://shim').pathname;
    const send = (status: number, payload: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    const shape = (answer: { result?: unknown; error?: string }) => (answer.error !== undefined ? { error: answer.error } : { result: encode(answer.result as Reply, base64) });

    if (path === '/pipeline' || path === '/multi-exec') {
      if (!Array.isArray(body) || !body.every(Array.isArray)) return send(400, { error: 'ERR expected an array of commands' });
      const commands = body as unknown[][];
      if (path === '/multi-exec') {
        const multi = redis.multi();
        for (const [name, ...args] of commands) multi.callBuffer(String(name), ...args.map(String));
        const results = (await multi.exec().catch((error: Error) => [[error, null]])) ?? [];
        return send(200, results.map(([error, result]) => shape(error ? { error: (error as Error).message } : { result })));
      }
      const answers = [];
      for (const command of commands) {
        const answer = await call(command);
        if (answer.unavailable) return send(503, { error: answer.error });
        answers.push(shape(answer));
      }
      return send(200, answers);
    }
    if (!Array.isArray(body)) return send(400, { error: 'ERR expected a command array' });
    const answer = await call(body);
    return send(answer.unavailable ? 503 : answer.error !== undefined ? 400 : 200, shape(answer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      redis.disconnect();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
