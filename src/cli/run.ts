// `npm run check [-- file] [--only id,id]`: runs every check once from Node,
// with secrets from the environment and .dev.vars, and prints a table. Useful
// to try a new check before deploying; nothing is stored and nothing is sent.

import { neonConfig } from '@neondatabase/serverless';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { judge } from '../assert/judge';
import { formatDuration } from '../config/duration';
import { redact } from '../config/secrets';
import { validateConfig } from '../config/validate';
import { mapLimit } from '../engine/concurrency';
import { runCheck } from '../engine/runner';
import { kinds } from '../kinds';
import { cliEnv } from './env';

const args = process.argv.slice(2);
const file = args.find((arg) => !arg.startsWith('--')) ?? 'checks/index.ts';
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? (args[onlyIndex + 1] ?? '').split(',') : undefined;

// Node 20 has no global WebSocket; the Neon driver's WebSocket path needs one.
if (typeof globalThis.WebSocket === 'undefined') neonConfig.webSocketConstructor = (await import('ws')).WebSocket as never;

const input = ((await import(pathToFileURL(resolve(file)).href)) as { default: unknown }).default;
const result = validateConfig(input);
if (!result.ok) {
  for (const problem of result.problems) console.error(`${file}: ${problem}`);
  process.exit(1);
}
const env: Record<string, unknown> = cliEnv();
const checks = result.config.checks.filter((check) => !only || only.includes(check.id));
const now = Date.now();
const rows = await mapLimit(checks, result.config.settings.maxConcurrency, async (check) => {
  const run = await runCheck(check, undefined, { fetch, env, now, deadline: Date.now() + result.config.settings.tickDeadlineMs });
  const verdict = judge(check.expect, run.observation, undefined, now);
  return {
    id: check.id,
    target: kinds[check.kind].describe(check.options as never),
    status: verdict.status,
    latency: run.observation.reached ? formatDuration(run.observation.latencyMs) : '—',
    message: redact(verdict.message, run.secrets),
    // What the driver or server said, when the message is a short cause ("database connection lost").
    raw: run.observation.raw && run.observation.raw !== run.observation.error ? redact(run.observation.raw, run.secrets) : undefined,
  };
});

const headers = { id: 'CHECK', target: 'TARGET', status: 'STATUS', latency: 'LATENCY', message: 'MESSAGE' };
const all = [headers, ...rows];
const width = (key: keyof typeof headers) => Math.min(48, Math.max(...all.map((row) => row[key].length)));
for (const row of all) {
  console.log(
    (['id', 'target', 'status', 'latency'] as const).map((key) => row[key].slice(0, width(key)).padEnd(width(key))).join('  ') + '  ' + row.message,
  );
  if ('raw' in row && row.raw) console.log(`${' '.repeat(width('id'))}  ↳ ${row.raw}`);
}
process.exit(rows.every((row) => row.status === 'up') ? 0 : 2);
