// Runs the project's own wrangler (its pinned devDependency), as `npx wrangler`
// would, from the vigil CLI.

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

export interface WranglerRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** wrangler's bin script as resolved from the project directory (else from Vigil's own dependencies). */
export function wranglerBin(projectDir = process.cwd()): string {
  try {
    return createRequire(join(resolve(projectDir), 'package.json')).resolve('wrangler/bin/wrangler.js');
  } catch {
    return createRequire(import.meta.url).resolve('wrangler/bin/wrangler.js');
  }
}

/**
 * `wrangler <args>` in `cwd`. With `capture`, its output is collected (and not
 * shown); otherwise it shares this terminal, prompts included.
 */
export function runWrangler(args: string[], options: { cwd?: string; capture?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<WranglerRun> {
  const cwd = options.cwd ?? process.cwd();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [wranglerBin(cwd), ...args], {
      cwd,
      env: options.env ?? process.env,
      stdio: options.capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}
