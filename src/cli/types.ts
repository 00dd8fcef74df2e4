// `npm run types` (vigil types): worker-configuration.d.ts from `wrangler types`:
// Cloudflare.Env (the bindings in wrangler.toml, and the secret names listed in
// .dev.vars.example, typed string) and the runtime types of the pinned workerd at
// the config's compatibility date. `--check` regenerates into a copy of the
// project and compares, so a stale file fails `npm test` (and the user's CI).
//
// Secrets come from .dev.vars.example, never .dev.vars: wrangler types would
// otherwise type whatever secrets one machine has filled in, and the file would
// differ between machines.

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { copyProject } from './project-copy';
import { runWrangler } from './wrangler-run';

export const TYPES_FILE = 'worker-configuration.d.ts';
export const SECRET_NAMES_FILE = '.dev.vars.example';
/** The command the file's header records; `--check` runs the same one. */
export const TYPES_ARGS = ['types', '--env-file', SECRET_NAMES_FILE];

async function generate(projectDir: string): Promise<void> {
  if (!existsSync(join(projectDir, SECRET_NAMES_FILE))) {
    throw new Error(`${SECRET_NAMES_FILE} is missing: it lists the names of the secrets your checks use (NAME= lines, no values; it may be empty)`);
  }
  const run = await runWrangler(TYPES_ARGS, { cwd: projectDir, capture: true });
  if (run.code !== 0) throw new Error(`wrangler ${TYPES_ARGS.join(' ')} failed:\n${run.stdout}${run.stderr}`);
}

/** Writes worker-configuration.d.ts in `projectDir`. */
export async function writeTypes(projectDir = process.cwd()): Promise<void> {
  await generate(resolve(projectDir));
}

/** Whether `projectDir`'s worker-configuration.d.ts is what `wrangler types` generates now. */
export async function typesAreCurrent(projectDir = process.cwd()): Promise<boolean> {
  const committed = join(resolve(projectDir), TYPES_FILE);
  if (!existsSync(committed)) return false;
  const copy = copyProject(projectDir);
  try {
    await generate(copy.dir);
    return readFileSync(join(copy.dir, TYPES_FILE), 'utf8') === readFileSync(committed, 'utf8');
  } finally {
    copy.remove();
  }
}
