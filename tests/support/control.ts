// Test-only controls the workerd tests cannot do themselves: stop and start
// the scratch PostgreSQL and Redis servers, create BullMQ queues, and run the
// npm scripts (the CLIs) as a person would.
//   POST /pg/scratch/stop | /pg/scratch/start
//   POST /redis/scratch/stop | /redis/scratch/start
//   POST /queues {prefix, name, failed, waiting}   → the queue's job counts
//   POST /cli {script, args, env, files}            runs `tsx src/cli/<script>.ts args` as a user
//        would, in a fresh directory holding `files` ("@vigil/" in them is this repository),
//        and answers {code, stdout, stderr}
//   POST /npm {script, args, files, env, redaction} → {code, stdout, stderr} (see runNpm)

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { runNpm } from './npm';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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
      else if (path === '/cli') result = await runCli(body);
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

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The CLIs a test may run (src/cli/<name>.ts). */
const CLI_SCRIPTS = new Set(['notify-test', 'run', 'validate']);
const CLI_TIMEOUT_MS = 60_000;

/** Runs a CLI as `npm run <script>` would, in its own directory (its .dev.vars, its config), with only the env given plus PATH. */
async function runCli(body: { script: string; args?: string[]; env?: Record<string, string>; files?: Record<string, string> }) {
  if (!CLI_SCRIPTS.has(body.script)) throw new Error(`unknown CLI ${body.script}`);
  const cwd = await mkdtemp(join(tmpdir(), 'vigil-cli-'));
  try {
    for (const [name, content] of Object.entries(body.files ?? {})) await writeFile(join(cwd, name), content.replaceAll('@vigil/', `${REPO}/`));
    const tsx = join(REPO, 'node_modules', '.bin', 'tsx');
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, ...body.env };
    return await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      execFile(tsx, [join(REPO, 'src', 'cli', `${body.script}.ts`), ...(body.args ?? [])], { cwd, env, timeout: CLI_TIMEOUT_MS }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      });
    });
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}
