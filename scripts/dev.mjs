// `npm start`: runs Vigil locally. Starts the sample target, the Worker under
// `wrangler dev` with local KV, and fires the cron once at start and then at
// every minute, as Cloudflare would (wrangler dev does not fire crons itself).
//   npm start [-- --port 8787] [-- --sample-port 8789]   (or PORT=, SAMPLE_TARGET_PORT=)
// A default port that is taken (another checkout running) is swapped for a free one.
// `vigil dev` (a project's npm start) runs this with --no-sample-target: the
// project's own Worker, without this repository's sample service.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DEFAULT_PORT = 8787; // wrangler dev's own default
const DEFAULT_SAMPLE_TARGET_PORT = 8789; // checks/sample-target.ts
const MINUTE = 60_000;

const { values: flags } = parseArgs({ options: { port: { type: 'string' }, 'sample-port': { type: 'string' }, 'no-sample-target': { type: 'boolean' } } });
const WITH_SAMPLE_TARGET = !flags['no-sample-target'];
const PORT = await choosePort('--port / PORT', flags.port ?? process.env.PORT, DEFAULT_PORT);
const SAMPLE_TARGET_PORT = WITH_SAMPLE_TARGET ? await choosePort('--sample-port / SAMPLE_TARGET_PORT', flags['sample-port'] ?? process.env.SAMPLE_TARGET_PORT, DEFAULT_SAMPLE_TARGET_PORT) : undefined;
const BASE = `http://127.0.0.1:${PORT}`;
const children = [];

/** The asked-for port as is (a taken one then fails loudly); else the default, or a free one when it is taken. */
async function choosePort(name, asked, fallback) {
  if (asked !== undefined && asked !== '') {
    const port = Number(asked);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      console.error(`${name}: "${asked}" is not a port number`);
      process.exit(1);
    }
    return port;
  }
  if (await canListen(fallback)) return fallback;
  const free = await listenOnce(0);
  console.log(`port ${fallback} is taken; using ${free} instead`);
  return free;
}

async function canListen(port) {
  return listenOnce(port).then(
    () => true,
    () => false,
  );
}

function listenOnce(port) {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address();
      server.close(() => resolve(bound));
    });
  });
}

function start(command, args, extraEnv = {}) {
  const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, ...extraEnv } });
  children.push(child);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${command} ${args.join(' ')} exited (${signal ?? code}); stopping`);
      stop(1);
    }
  });
  return child;
}

let stopping = false;
function stop(code = 0) {
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGINT');
  setTimeout(() => process.exit(code), 1500).unref();
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

async function waitForWorker() {
  for (let i = 0; i < 120; i++) {
    try {
      await fetch(`${BASE}/health`);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  throw new Error(`the Worker did not answer on ${BASE} within 60 s`);
}

async function fireTick(time) {
  try {
    const response = await fetch(`${BASE}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent('* * * * *')}&time=${time}`);
    if (!response.ok) console.error(`tick at ${new Date(time).toISOString()} failed: HTTP ${response.status}`);
  } catch (error) {
    if (!stopping) console.error(`tick at ${new Date(time).toISOString()} failed: ${error.message}`);
  }
}

if (WITH_SAMPLE_TARGET) start(process.execPath, ['scripts/sample-target.mjs'], { SAMPLE_TARGET_PORT: String(SAMPLE_TARGET_PORT) });
// wrangler's own entry, not `npx wrangler`: npx does not pass SIGINT on, and
// `wrangler dev` (and its workerd) would outlive this script.
// --test-scheduled: this script fires the cron itself, so wrangler's warning that
// crons do not run in local development would mislead (the flag is what silences it;
// it also adds wrangler's /__scheduled test route, unused here).
// --var: checks/sample-target.ts reads the sample target's port from it.
const wranglerArgs = ['dev', '--port', String(PORT), '--ip', '127.0.0.1', '--test-scheduled'];
if (WITH_SAMPLE_TARGET) wranglerArgs.push('--var', `SAMPLE_TARGET_PORT:${SAMPLE_TARGET_PORT}`);
// The project's wrangler (its pinned devDependency), else the one beside this script.
const require = createRequire(join(process.cwd(), 'package.json'));
let wranglerBin;
try {
  wranglerBin = require.resolve('wrangler/bin/wrangler.js');
} catch {
  wranglerBin = fileURLToPath(import.meta.resolve('wrangler/bin/wrangler.js'));
}
start(process.execPath, [wranglerBin, ...wranglerArgs], {
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  ...(WITH_SAMPLE_TARGET ? { SAMPLE_TARGET_PORT: String(SAMPLE_TARGET_PORT) } : {}),
});

await waitForWorker();
console.log(`\nVigil is running: http://localhost:${PORT}  (this script fires the cron now and then every minute; Ctrl+C to stop)\n`);
await fireTick(Math.floor(Date.now() / MINUTE) * MINUTE);
const schedule = () => {
  const next = (Math.floor(Date.now() / MINUTE) + 1) * MINUTE;
  setTimeout(async () => {
    if (stopping) return;
    await fireTick(next);
    schedule();
  }, next - Date.now());
};
schedule();
