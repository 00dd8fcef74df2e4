// Runs an npm script (npm run validate, npm run check, npm run docs:check) the
// way a person does, for tests in workerd that cannot spawn processes: config
// files are written to a fresh directory beside src/ (so `import ... from
// '../src/config'` works as in checks/), and `$DIR` in the arguments is that
// directory. With `redaction: 'off'` the CLI runs with the redaction functions
// replaced by ones that change nothing (no-redaction.mjs), which shows that a
// test grepping the output for a secret can fail.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** A CLI run is killed after this long (tsx compiles the config on each start). */
const NPM_TIMEOUT_MS = 90_000;
const SCRIPTS = new Set(['validate', 'check', 'docs:check']);

export interface NpmRun {
  script: string;
  args?: string[];
  /** File name → contents, written to $DIR. */
  files?: Record<string, string>;
  env?: Record<string, string>;
  redaction?: 'on' | 'off';
}

export interface NpmResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export async function runNpm(run: NpmRun): Promise<NpmResult> {
  if (!SCRIPTS.has(run.script)) throw new Error(`not a script the tests run: ${run.script}`);
  const dir = mkdtempSync(join(ROOT, '.cli-test-'));
  try {
    for (const [name, text] of Object.entries(run.files ?? {})) writeFileSync(join(dir, name), text);
    const shown = relative(ROOT, dir);
    const args = (run.args ?? []).map((arg) => arg.replaceAll('$DIR', shown));
    const env: Record<string, string | undefined> = { ...process.env, ...run.env, NO_COLOR: '1', FORCE_COLOR: '0' };
    // The test's own env (vitest's, the servers') stays out; only what the run names.
    delete env.VITEST;
    if (run.redaction === 'off') env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --import ${join(ROOT, 'tests/support/no-redaction.mjs')}`.trim();
    return await new Promise<NpmResult>((resolve, reject) => {
      const child = spawn('npm', ['run', run.script, ...(args.length ? ['--', ...args] : [])], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      const timer = setTimeout(() => child.kill('SIGKILL'), NPM_TIMEOUT_MS);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
