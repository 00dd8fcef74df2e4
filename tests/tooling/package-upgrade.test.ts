// Vigil as a package, the way a user takes it and upgrades it, offline (npm's
// cache is warm from this repository's own install; about a minute):
//   1. `npm run tarball` packs this checkout (the `files` of package.json) twice:
//      as its version, and as the next patch version (a stand-in for the next release);
//   2. the first tarball's own CLI scaffolds a project (`vigil init`) that depends on it;
//   3. npm install, the user's own checks, npm run types / validate / typecheck,
//      a dry-run deploy, and `npm start` serving the status page;
//   4. the upgrade: the next tarball into vendor/, npm install it; the user's files are
//      byte for byte the same, and everything in 3 still passes.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offlineEnv, REPO, run, tempDir, type Run } from './helpers';

const STEP_MS = 240_000;
const own = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
const [major, minor, patch] = own.version.split(/[.-]/).map(Number) as [number, number, number];
const NEXT = `${major}.${minor}.${patch + 1}`;

const work = tempDir('package');
const releases = join(work.dir, 'releases');
const project = join(work.dir, 'my-status');
const tarball = (version: string) => join(releases, `vigil-${version}.tgz`);
const npm = (args: string[]) => run('npm', args, { cwd: project, timeoutMs: STEP_MS });
const inProject = (command: string, args: string[]) => run(command, args, { cwd: project, timeoutMs: STEP_MS });
const ok = (result: Run) => expect(result.code, result.output).toBe(0);

/** sha256 of every file the user owns: everything but installed packages, build output, the lockfile, package.json and vendored tarballs. */
function userFiles(dir = project): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (path: string) => {
    for (const entry of readdirSync(path)) {
      const full = join(path, entry);
      const shown = relative(project, full);
      if (['node_modules', 'dist', '.wrangler', 'vendor', 'package.json', 'package-lock.json'].includes(shown)) continue;
      if (statSync(full).isDirectory()) walk(full);
      else files[shown] = createHash('sha256').update(readFileSync(full)).digest('hex');
    }
  };
  walk(dir);
  return files;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  for (const version of [own.version, NEXT]) {
    ok(await run(process.execPath, [join(REPO, 'scripts', 'pack.mjs'), '--destination', releases, ...(version === own.version ? [] : ['--version', version])], { cwd: REPO }));
  }
}, STEP_MS);
afterAll(() => work.remove());

describe(`a project on Vigil ${own.version}, upgraded to ${NEXT}`, () => {
  let before: Record<string, string>;

  it("is scaffolded by the tarball's own `vigil init`", async () => {
    // The tarball's CLI with this checkout's installed dependencies (what npx --package would install).
    const cli = join(work.dir, 'cli');
    mkdirSync(cli);
    ok(await run('tar', ['xzf', tarball(own.version), '-C', cli], { cwd: work.dir }));
    symlinkSync(join(REPO, 'node_modules'), join(cli, 'package', 'node_modules'), 'dir');
    const init = await run(process.execPath, [join(cli, 'package', 'bin', 'vigil.mjs'), 'init', 'my-status', '--vigil', tarball(own.version)], { cwd: work.dir });
    ok(init);
    expect(init.stdout).toContain(`Created a Vigil ${own.version} project in my-status (Worker "my-status")`);
    expect(Object.keys(userFiles()).sort()).toEqual(['.dev.vars.example', '.gitignore', 'README.md', 'checks/index.ts', 'src/index.ts', 'tsconfig.json', 'wrangler.toml']);
    const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'));
    expect(manifest.dependencies).toEqual({ vigil: `file:vendor/vigil-${own.version}.tgz` });
    const pins = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).devDependencies;
    expect(manifest.devDependencies).toEqual({ '@types/node': pins['@types/node'], typescript: pins.typescript, wrangler: pins.wrangler });
    // Running it again never overwrites.
    const again = await run(process.execPath, [join(cli, 'package', 'bin', 'vigil.mjs'), 'init', 'my-status', '--vigil', tarball(own.version)], { cwd: work.dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already has');
  }, STEP_MS);

  it('installs, takes the user\'s own checks, and passes types, validate, typecheck and a dry-run deploy', async () => {
    ok(await npm(['install', '--no-audit', '--no-fund', '--prefer-offline']));
    // The user's own checks: a second file and a secret.
    writeFileSync(
      join(project, 'checks', 'team.ts'),
      "import { http, secret, status } from 'vigil';\n\nexport const api = http({ id: 'api', name: 'API', url: 'https://api.example.com/health', headers: { authorization: secret('API_TOKEN') }, expect: [status(200)] });\n",
    );
    const checks = join(project, 'checks', 'index.ts');
    writeFileSync(checks, readFileSync(checks, 'utf8').replace("import { defineConfig, http, latency, secret, slack, status } from 'vigil';", "import { defineConfig, http, latency, secret, slack, status } from 'vigil';\nimport { api } from './team';").replace('  checks: [\n', '  checks: [\n    api,\n'));
    writeFileSync(join(project, '.dev.vars.example'), `${readFileSync(join(project, '.dev.vars.example'), 'utf8')}API_TOKEN=\n`);

    ok(await npm(['run', 'types']));
    expect(readFileSync(join(project, 'worker-configuration.d.ts'), 'utf8')).toMatch(/interface Env \{\s*VIGIL_KV: KVNamespace;/);
    const validate = await npm(['run', '--silent', 'validate']);
    ok(validate);
    expect(validate.stdout).toContain('checks/index.ts: ok (2 checks, 1 channel)');
    ok(await npm(['run', '--silent', 'typecheck']));
    const dryRun = await npm(['run', 'deploy', '--', '--dry-run', '--outdir', 'dist']);
    ok(dryRun);
    expect(dryRun.stdout).toMatch(/env\.LEDGER \(Ledger\)\s+Durable Object/);
    before = userFiles();
  }, STEP_MS);

  it('serves its status page under npm start (the .tsx from node_modules/vigil compiled with hono/jsx)', async () => {
    const port = await freePort();
    const start = spawn('npm', ['start', '--', '--port', String(port)], { cwd: project, env: offlineEnv(), detached: true, stdio: 'ignore' });
    try {
      let health: Response | undefined;
      for (let attempt = 0; attempt < 120 && !health; attempt++) {
        health = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
        if (!health) await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(health, 'npm start answered within 60 s').toBeDefined();
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(await page.text()).toMatch(/<title>Status[^<]*<\/title>/);
    } finally {
      const exited = new Promise((resolve) => start.once('close', resolve));
      process.kill(-(start.pid as number), 'SIGINT');
      const stopped = await Promise.race([exited.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 10_000))]);
      if (!stopped) process.kill(-(start.pid as number), 'SIGKILL');
    }
  }, STEP_MS);

  it(`upgrades to ${NEXT} by installing the new tarball: the user's files are untouched, and it all still passes`, async () => {
    copyFileSync(tarball(NEXT), join(project, 'vendor', `vigil-${NEXT}.tgz`));
    ok(await npm(['install', '--no-audit', '--no-fund', '--prefer-offline', `./vendor/vigil-${NEXT}.tgz`]));
    rmSync(join(project, 'vendor', `vigil-${own.version}.tgz`));
    ok(await npm(['install', '--no-audit', '--no-fund', '--prefer-offline']));

    expect(JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')).dependencies).toEqual({ vigil: `file:vendor/vigil-${NEXT}.tgz` });
    expect((await inProject(join(project, 'node_modules', '.bin', 'vigil'), ['--version'])).stdout.trim()).toBe(NEXT);
    expect(userFiles()).toEqual(before);

    ok(await npm(['run', '--silent', 'validate']));
    const types = await npm(['run', '--silent', 'types', '--', '--check']);
    ok(types);
    expect(types.stdout).toContain('worker-configuration.d.ts: current');
    ok(await npm(['run', '--silent', 'typecheck']));
    const dryRun = await npm(['run', 'deploy', '--', '--dry-run', '--outdir', 'dist']);
    ok(dryRun);
    expect(dryRun.stdout).toContain('--dry-run: exiting now.');
    expect(userFiles()).toEqual(before);
  }, STEP_MS);
});
