// Helpers for the tooling tests (Node): run commands as a user would, in a
// throwaway copy of this repository or a scaffolded project, with no Cloudflare
// credentials from the machine leaking in.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
export { copyProject } from '../../src/cli/project-copy';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const VIGIL_BIN = join(REPO, 'bin', 'vigil.mjs');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for messages that may go to either. */
  output: string;
}

/** The environment a user without a Cloudflare login has: this machine's, minus any Cloudflare credentials or account. */
export function offlineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(CLOUDFLARE_|CF_|WRANGLER_)/.test(name)) continue;
    env[name] = value;
  }
  return { ...env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', ...extra };
}

/** Runs `command args` in `cwd` and collects its output; never throws for a non-zero exit. */
export function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? offlineEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 110_000);
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code: code ?? (signal ? 128 : 1), stdout, stderr, output: `${stdout}\n${stderr}` });
    });
  });
}

/** `node bin/vigil.mjs <args>` (this checkout's CLI) in `cwd`. */
export function vigil(args: string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<Run> {
  return run(process.execPath, [VIGIL_BIN, ...args], { cwd, ...(env ? { env } : {}) });
}

/** `wrangler <args>` with this checkout's pinned wrangler, in `cwd`. */
export function wrangler(args: string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<Run> {
  return run(process.execPath, [join(REPO, 'node_modules', 'wrangler', 'bin', 'wrangler.js'), ...args], { cwd, ...(env ? { env } : {}) });
}

/** A new empty temporary directory; `remove()` deletes it. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `vigil-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
