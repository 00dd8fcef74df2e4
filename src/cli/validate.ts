// `npm run validate [-- files...]` (vigil validate): loads config files (default
// checks/index.ts; `--all` adds checks/examples/*.ts), prints every problem
// with the check id and field, then checks ./wrangler.toml for the bindings and
// migrations Vigil needs (src/cli/wrangler-config.ts), and exits non-zero if
// there is any problem.

import { existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { validateConfig } from '../config/validate';
import { readWranglerConfig, wranglerConfigProblems } from './wrangler-config';

const args = process.argv.slice(2);
const files = args.filter((arg) => !arg.startsWith('--'));
if (files.length === 0) files.push('checks/index.ts');
if (args.includes('--all')) {
  for (const name of readdirSync('checks/examples').sort()) if (name.endsWith('.ts')) files.push(join('checks/examples', name));
}

let failed = false;
for (const file of files) {
  const shown = relative(process.cwd(), resolve(file));
  let input: unknown;
  try {
    input = ((await import(pathToFileURL(resolve(file)).href)) as { default?: unknown }).default;
  } catch (error) {
    console.error(`${shown}: cannot load: ${(error as Error).message}`);
    failed = true;
    continue;
  }
  if (input === undefined) {
    console.error(`${shown}: has no default export; export default defineConfig({...})`);
    failed = true;
    continue;
  }
  const result = validateConfig(input);
  if (result.ok) {
    const { checks, channels } = result.config;
    const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
    console.log(`${shown}: ok (${count(checks.length, 'check')}, ${count(Object.keys(channels).length, 'channel')})`);
  } else {
    failed = true;
    for (const problem of result.problems) console.error(`${shown}: ${problem}`);
  }
}
const WRANGLER_CONFIG = 'wrangler.toml';
if (existsSync(WRANGLER_CONFIG)) {
  try {
    const problems = await wranglerConfigProblems(await readWranglerConfig(WRANGLER_CONFIG));
    for (const problem of problems) console.error(`${WRANGLER_CONFIG}: ${problem}`);
    if (problems.length > 0) failed = true;
  } catch (error) {
    console.error((error as Error).message);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
