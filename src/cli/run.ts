// `npm run check [-- file] [--only id,id]`: runs every check once from Node,
// with secrets from the environment and .dev.vars, and prints a table. Useful
// to try a new check before deploying; nothing is stored and nothing is sent.
// Exit codes: 0 every check is up, 2 a check is not up, 1 the config (or the
// command line) has a problem.

import { neonConfig } from '@neondatabase/serverless';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { judge } from '../assert/judge';
import { formatDuration } from '../config/duration';
import { configuredSecrets, redact } from '../config/secrets';
import { validateConfig } from '../config/validate';
import { mapLimit } from '../engine/concurrency';
import { runCheck } from '../engine/runner';
import { kinds } from '../kinds';
import { cliEnv } from './env';

const EXIT_ALL_UP = 0;
const EXIT_CONFIG_ERROR = 1;
const EXIT_NOT_UP = 2;

const USAGE = `usage: npm run check [-- [file] [--only id,id]]
  file        the config to run (default checks/index.ts)
  --only ids  run only these checks (comma-separated ids)
exit codes: 0 every check is up, 2 a check is not up, 1 a problem with the config or the command line`;

interface Arguments {
  file: string;
  only?: string[];
}

/** `[file] [--only a,b]` (also `--only=a,b`), in any order; a problem is a message. */
function parseArguments(args: readonly string[]): Arguments | { problem: string } | { help: true } {
  let file: string | undefined;
  let only: string[] | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--help' || arg === '-h') return { help: true };
    if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg === '--only' ? args[++i] : arg.slice('--only='.length);
      if (!value || value.startsWith('--')) return { problem: '--only needs check ids, e.g. --only api,db' };
      only = [...(only ?? []), ...value.split(',').filter(Boolean)];
    } else if (arg.startsWith('-')) return { problem: `unknown option ${arg}` };
    else if (file === undefined) file = arg;
    else return { problem: `one config file at a time (got ${file} and ${arg})` };
  }
  return only ? { file: file ?? 'checks/index.ts', only } : { file: file ?? 'checks/index.ts' };
}

function fail(message: string): never {
  console.error(message);
  process.exit(EXIT_CONFIG_ERROR);
}

const parsed = parseArguments(process.argv.slice(2));
if ('help' in parsed) {
  console.log(USAGE);
  process.exit(EXIT_ALL_UP);
}
if ('problem' in parsed) fail(`npm run check: ${parsed.problem}\n${USAGE}`);
const { file, only } = parsed;

// Node 20 has no global WebSocket; the Neon driver's WebSocket path needs one.
if (typeof globalThis.WebSocket === 'undefined') neonConfig.webSocketConstructor = (await import('ws')).WebSocket as never;

if (!existsSync(file)) fail(`${file}: no such file (npm run check -- <config file>; the default is checks/index.ts)`);
let input: unknown;
try {
  input = ((await import(pathToFileURL(resolve(file)).href)) as { default?: unknown }).default;
} catch (error) {
  fail(`${file}: cannot load: ${(error as Error).message.split('\n')[0]}`);
}
if (input === undefined) fail(`${file}: has no default export; export default defineConfig({...})`);
const result = validateConfig(input);
if (!result.ok) {
  for (const problem of result.problems) console.error(`${file}: ${problem}`);
  process.exit(EXIT_CONFIG_ERROR);
}
const unknown = (only ?? []).filter((id) => !result.config.checks.some((check) => check.id === id));
if (unknown.length > 0) fail(`${file}: --only: no check ${unknown.map((id) => `"${id}"`).join(', ')}; the checks are ${result.config.checks.map((check) => check.id).join(', ')}`);

const env: Record<string, unknown> = cliEnv();
// Every configured secret, whichever check it belongs to: a target can echo another's.
const secrets = configuredSecrets(result.config, env);
const checks = result.config.checks.filter((check) => !only || only.includes(check.id));
const now = Date.now();
const rows = await mapLimit(checks, result.config.settings.maxConcurrency, async (check) => {
  const run = await runCheck(check, undefined, { fetch, env, now, deadline: Date.now() + result.config.settings.tickDeadlineMs, secrets });
  const verdict = judge(check.expect, run.observation, undefined, now);
  return {
    id: check.id,
    target: redact(kinds[check.kind].describe(check.options as never), run.secrets),
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
process.exit(rows.every((row) => row.status === 'up') ? EXIT_ALL_UP : EXIT_NOT_UP);
