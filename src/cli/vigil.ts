// `vigil <command>`: the CLI of a project that depends on Vigil (bin/vigil.mjs
// loads this file through tsx). This repository's npm scripts call it too, so
// the demo runs the same commands a project does. Every command works on the
// project in the current directory.

import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureKvNamespace } from './cloudflare-setup';
import { init, USAGE as INIT_USAGE } from './init';
import { typesAreCurrent, TYPES_FILE, TYPES_ARGS, writeTypes } from './types';
import { runWrangler } from './wrangler-run';

const HERE = dirname(fileURLToPath(import.meta.url));
const VIGIL_ROOT = resolve(HERE, '../..');

const HELP = `vigil <command>
  init <dir> --vigil <where>   scaffold a project (checks/, src/index.ts, wrangler.toml, ...)
  validate [files] [--all]     check checks/index.ts and wrangler.toml; non-zero exit on any problem
  check [file] [--only ids]    run each check once from here and print a table (secrets: env, .dev.vars)
  notify-test <channel>        send a sample alert and digest through one channel
  dev [--port 8787]            the Worker under wrangler dev, with the cron fired every minute
  types [--check]              worker-configuration.d.ts from wrangler types (--check: is it current?)
  setup                        give VIGIL_KV a KV namespace id (find or create it; writes wrangler.toml)
  deploy [wrangler args]       validate, setup, then wrangler deploy (--dry-run: build only, no account)
  --version`;

/** Runs one of the CLI scripts in src/cli (they read process.argv and exit themselves), in this process. */
async function script(name: string, args: string[]): Promise<never> {
  const path = join(HERE, `${name}.ts`);
  process.argv = [process.argv[0] as string, path, ...args];
  await import(path);
  // The scripts end with process.exit; one that returns has nothing more to say.
  return process.exit(0);
}

/** `vigil validate` as a child process, so a later step can follow it (the script exits). */
function validateChild(): number {
  const bin = join(VIGIL_ROOT, 'bin', 'vigil.mjs');
  return spawnSync(process.execPath, [bin, 'validate'], { stdio: 'inherit' }).status ?? 1;
}

async function setup(): Promise<number> {
  try {
    const result = await ensureKvNamespace();
    const said = { present: 'already set', found: 'found (an existing namespace of that title)', created: 'created' }[result.action];
    console.log(`wrangler.toml: VIGIL_KV → KV namespace "${result.title}" (${result.id}): ${said}${result.action === 'present' ? '' : '; commit wrangler.toml'}`);
    return 0;
  } catch (error) {
    console.error(`vigil setup: ${(error as Error).message}`);
    return 1;
  }
}

async function types(args: string[]): Promise<number> {
  try {
    if (!args.includes('--check')) {
      await writeTypes();
      console.log(`${TYPES_FILE}: written (wrangler ${TYPES_ARGS.join(' ')})`);
      return 0;
    }
    if (await typesAreCurrent()) {
      console.log(`${TYPES_FILE}: current`);
      return 0;
    }
    console.error(`${TYPES_FILE} is missing or out of date with wrangler.toml or the pinned workerd: run npm run types, and commit the file`);
    return 1;
  } catch (error) {
    console.error(`vigil types: ${(error as Error).message}`);
    return 1;
  }
}

async function deploy(args: string[]): Promise<number> {
  if (validateChild() !== 0) return 1;
  // A dry run builds without an account, so there is no namespace to look up.
  if (!args.includes('--dry-run')) {
    const code = await setup();
    if (code !== 0) return code;
  }
  return (await runWrangler(['deploy', ...args])).code;
}

/** scripts/dev.mjs without the sample target; Ctrl+C reaches it directly, and it stops wrangler dev. */
function dev(args: string[]): Promise<number> {
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => undefined);
  const child = spawn(process.execPath, [join(VIGIL_ROOT, 'scripts', 'dev.mjs'), '--no-sample-target', ...args], { stdio: 'inherit' });
  return new Promise((done) => child.on('close', (code) => done(code ?? 0)));
}

async function main(): Promise<number> {
  const [command, ...args] = process.argv.slice(2);
  switch (command) {
    case 'init':
      return init(args);
    case 'validate':
      return script('validate', args);
    case 'check':
      return script('run', args);
    case 'notify-test':
      return script('notify-test', args);
    case 'dev':
      return dev(args);
    case 'types':
      return types(args);
    case 'setup':
      return setup();
    case 'deploy':
      return deploy(args);
    case '--version':
    case 'version':
      console.log((JSON.parse(readFileSync(join(VIGIL_ROOT, 'package.json'), 'utf8')) as { version: string }).version);
      return 0;
    case undefined:
    case 'help':
    case '--help':
      console.log(`${HELP}\n\n${INIT_USAGE}`);
      return command === undefined ? 64 : 0;
    default:
      console.error(`vigil: unknown command "${command}"\n\n${HELP}`);
      return 64;
  }
}

process.exit(await main());
