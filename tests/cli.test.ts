// npm run check and npm run validate as a person runs them (child processes
// started by the test control server, tests/support/npm.ts), against small
// config files and the test targets.
import { describe, expect, it } from 'vitest';
import { control, refusedUrl, targetUrl } from './helpers';
import type { NpmResult, NpmRun } from './support/npm';
import readme from '../README.md?raw';

const npm = (run: NpmRun) => control<NpmResult>('/npm', run);

const configFile = (checks: string) => `import { defineConfig, http, status } from '../src/config';
export default defineConfig({ checks: [${checks}] });
`;

// Each CLI run starts tsx and compiles the config: allow for a loaded machine.
const CLI_TIMEOUT_MS = 120_000;

describe('npm run check', () => {
  it('--only works without a file (checks/index.ts) and with one', async () => {
    const withoutFile = await npm({ script: 'check', args: ['--only', 'sample-health'] });
    expect(withoutFile.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|\n\s+at /);
    expect([0, 2]).toContain(withoutFile.code);
    const rows = withoutFile.stdout.split('\n').filter((line) => /^sample-/.test(line));
    expect(rows.map((line) => line.split(/\s+/)[0])).toEqual(['sample-health']);

    const files = { 'vigil.config.ts': configFile(`http({ id: 'a', url: '${targetUrl('/ok')}' }), http({ id: 'b', url: '${targetUrl('/ok')}' })`) };
    for (const args of [['$DIR/vigil.config.ts', '--only', 'b'], ['--only', 'b', '$DIR/vigil.config.ts'], ['--only=b', '$DIR/vigil.config.ts']]) {
      const run = await npm({ script: 'check', args, files });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^b\s+GET http:\S+\/ok\s+up\s/m);
      expect(run.stdout).not.toMatch(/^a\s/m);
    }
    const unknown = await npm({ script: 'check', args: ['$DIR/vigil.config.ts', '--only', 'ghost'], files });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('--only: no check "ghost"; the checks are a, b');
  }, CLI_TIMEOUT_MS);

  it('names the cause of a network failure (not "fetch failed")', async () => {
    const files = { 'vigil.config.ts': configFile(`http({ id: 'gone', url: '${refusedUrl()}/health', retry: false })`) };
    const run = await npm({ script: 'check', args: ['$DIR/vigil.config.ts'], files });
    expect(run.stdout).toContain(`${refusedUrl()}/health: connection refused`);
    expect(run.stdout).not.toContain('fetch failed');
  }, CLI_TIMEOUT_MS);

  it('exits 0 when every check is up, 2 when one is not, 1 for a config problem, as --help and the README say', async () => {
    const up = configFile(`http({ id: 'up', url: '${targetUrl('/ok')}' })`);
    const down = configFile(`http({ id: 'up', url: '${targetUrl('/ok')}' }), http({ id: 'down', url: '${targetUrl('/fail')}', retry: false })`);
    const broken = configFile(`http({ id: 'bad', url: 'nope' })`);
    const code = async (text: string) => (await npm({ script: 'check', args: ['$DIR/vigil.config.ts'], files: { 'vigil.config.ts': text } })).code;
    expect([await code(up), await code(down), await code(broken)]).toEqual([0, 2, 1]);
    expect((await npm({ script: 'check', args: ['$DIR/missing.ts'] })).code).toBe(1);

    const help = await npm({ script: 'check', args: ['--help'] });
    expect(help.stdout).toContain('exit codes: 0 every check is up, 2 a check is not up, 1 a problem with the config or the command line');
    expect(readme).toContain('`npm run check` exits 0 when every check is up, 2 when a check is not up, and 1 for a problem with the config or the command line');
  }, CLI_TIMEOUT_MS);
});

describe('npm run validate', () => {
  it('shows no credential written inline, and says which secret to use instead', async () => {
    const PASSWORD = 'CliInl1nePw-4e1d';
    const files = { 'vigil.config.ts': `import { defineConfig, postgres } from '../src/config';
export default defineConfig({ checks: [postgres({ id: 'db', connection: 'postgres://app:${PASSWORD}@db.example.com/app' as never, query: 'SELECT 1' })] });
` };
    const run = await npm({ script: 'validate', args: ['$DIR/vigil.config.ts'], files });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`check "db": connection: a connection string with a password is written inline (not shown); use secret('DB_CONNECTION') there and run: npx wrangler secret put DB_CONNECTION`);
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);
  }, CLI_TIMEOUT_MS);
});
