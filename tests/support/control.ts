// Test-only controls the workerd tests cannot do themselves: stop and start
// the scratch PostgreSQL and Redis servers, create BullMQ queues, and run the
// npm scripts (the CLIs) as a person would.
//   POST /pg/scratch/stop | /pg/scratch/start
//   POST /redis/scratch/stop | /redis/scratch/start
//   POST /queues {prefix, name, failed, waiting}   → the queue's job counts
//   POST /npm {script, args, files, env, redaction} → {code, stdout, stderr} (see runNpm)

import http from 'node:http';
import { runNpm } from './npm';
import type { AddressInfo } from 'node:net';
import type { Cluster } from './postgres';
import { createQueue } from './queues';
import type { RedisServer } from './redis';

export async function startControl(deps: { pgScratch: Cluster; redisScratch: RedisServer; redisMainPort: number }) {
  const server = http.createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://control').pathname;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
    try {
      let result: unknown = null;
      if (path === '/pg/scratch/stop') await deps.pgScratch.stop('immediate');
      else if (path === '/pg/scratch/start') await deps.pgScratch.start();
      else if (path === '/redis/scratch/stop') await deps.redisScratch.stop();
      else if (path === '/redis/scratch/start') await deps.redisScratch.start();
      else if (path === '/queues') result = await createQueue(deps.redisMainPort, body.prefix, body.name, body.failed ?? 0, body.waiting ?? 0);
      else if (path === '/npm') result = await runNpm(body);
      else {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end((error as Error).message);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
