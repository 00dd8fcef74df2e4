// `npm run types` (vigil types): worker-configuration.d.ts from `wrangler types`:
// Cloudflare.Env (the bindings in wrangler.toml) and the runtime types of the
// pinned workerd at the config's compatibility date and flags. `--check`
// regenerates and compares, so a stale file fails `npm test` (and a project's CI).
//
// It runs in a copy of the project without local secrets: `wrangler types` types
// every secret it finds in .dev.vars or .env as a required string (in Env and in
// NodeJS.ProcessEnv), so the file would differ between machines, and would claim
// secrets that a deployed Worker may lack (Vigil reads them by name; a missing one
// makes its check unknown). src/env.ts types them as `unknown` by name instead.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { copyProject } from './project-copy';
import { runWrangler } from './wrangler-run';

export const TYPES_FILE = 'worker-configuration.d.ts';
/** The command the file's header records. */
export const TYPES_ARGS = ['types'];

/** Generates the types in a secret-free copy of `projectDir`; returns the file's text. */
async function generate(projectDir: string): Promise<string> {
  const copy = copyProject(projectDir);
  try {
    const run = await runWrangler(TYPES_ARGS, { cwd: copy.dir, capture: true });
    if (run.code !== 0) throw new Error(`wrangler ${TYPES_ARGS.join(' ')} failed:\n${run.stdout}${run.stderr}`);
    return readFileSync(join(copy.dir, TYPES_FILE), 'utf8');
  } finally {
    copy.remove();
  }
}

/** Writes worker-configuration.d.ts in `projectDir`. */
export async function writeTypes(projectDir = process.cwd()): Promise<void> {
  writeFileSync(join(resolve(projectDir), TYPES_FILE), await generate(projectDir));
}

/** Whether `projectDir`'s worker-configuration.d.ts is what `wrangler types` generates now. */
export async function typesAreCurrent(projectDir = process.cwd()): Promise<boolean> {
  const committed = join(resolve(projectDir), TYPES_FILE);
  if (!existsSync(committed)) return false;
  return (await generate(projectDir)) === readFileSync(committed, 'utf8');
}
