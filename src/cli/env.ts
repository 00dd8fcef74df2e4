// Secrets and vars for the Node CLIs: the environment, then .dev.vars (the
// file wrangler dev reads), as a Worker would see them.

import { existsSync, readFileSync } from 'node:fs';

/** .dev.vars is the file wrangler dev reads secrets from (KEY=value lines). */
export function devVars(path = '.dev.vars'): Record<string, string> {
  if (!existsSync(path)) return {};
  const vars: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)\s*$/.exec(line);
    if (match) vars[match[1] as string] = (match[2] as string).replace(/^"(.*)"$/, '$1');
  }
  return vars;
}

/** The env a Worker would get: process env, with .dev.vars on top (as wrangler dev does). */
export function cliEnv(): Record<string, unknown> {
  return { ...process.env, ...devVars() };
}
