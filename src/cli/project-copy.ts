// A throwaway copy of a Vigil project (its files, and a link to its
// node_modules), for commands that must run wrangler without touching the
// project. Local secrets (.dev.vars, .env files) are never copied.

import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

/** Build output, caches and the installed packages: never part of the copy (node_modules is linked instead). */
const SKIPPED = new Set(['node_modules', '.git', '.wrangler', 'dist', 'coverage', '.build']);
/** Files wrangler reads secrets from (.dev.vars, .dev.vars.<env>, .env, .env.<env>[.local]); .dev.vars.example is only a list of names. */
const LOCAL_SECRETS = /^(\.dev\.vars(\.(?!example$)[^/]+)?|\.env(\..+)?)$/;
/** Directories other tests create and delete while this one copies (tests/support/npm.ts, scripts/check-docs.ts). */
const TRANSIENT = /^\.(cli-test|docs-check)-/;

/** Copies `projectDir` into `into` (default: a new temporary directory); `remove()` deletes the copy. */
export function copyProject(projectDir = process.cwd(), into?: string): { dir: string; remove: () => void } {
  const from = resolve(projectDir);
  const dir = into ?? mkdtempSync(join(tmpdir(), 'vigil-project-'));
  cpSync(from, dir, {
    recursive: true,
    filter: (source) => {
      const path = relative(from, source);
      return !path.split(/[\\/]/).some((part) => SKIPPED.has(part) || LOCAL_SECRETS.test(part) || TRANSIENT.test(part));
    },
  });
  symlinkSync(join(from, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
