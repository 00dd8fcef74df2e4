// `npm start`: runs Vigil locally. Starts the sample target, the Worker under
// `wrangler dev` with local KV, and fires the cron once at start and then at
// every minute, as Cloudflare would (wrangler dev does not fire crons itself).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PORT = Number(process.env.PORT ?? 8787);
const BASE = `http://127.0.0.1:${PORT}`;
const MINUTE = 60_000;
const children = [];

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

start(process.execPath, ['scripts/sample-target.mjs']);
// wrangler's own entry, not `npx wrangler`: npx does not pass SIGINT on, and
// `wrangler dev` (and its workerd) would outlive this script.
start(process.execPath, [fileURLToPath(import.meta.resolve('wrangler/bin/wrangler.js')), 'dev', '--port', String(PORT), '--ip', '127.0.0.1'], {
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
});

await waitForWorker();
console.log(`\nVigil is running: http://localhost:${PORT}  (a tick now, then every minute; Ctrl+C to stop)\n`);
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
