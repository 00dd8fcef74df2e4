// docs/deploy.md cannot rot: its shell blocks marked `<!-- offline -->` run, in
// order, in one shell, starting in a throwaway copy of this repository (a
// "Vigil checkout" beside which the guide creates the user's project), with no
// Cloudflare credentials; and every wrangler command it (and the README) names
// is one the pinned wrangler knows, with flags it knows (`wrangler <command> --help`).
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyProject, REPO, run, tempDir, wrangler } from './helpers';

const GUIDE = 'docs/deploy.md';
const OFFLINE_MARK = '<!-- offline -->';

/** The sh blocks of a Markdown file, with whether the line before the fence marks them offline. */
function shellBlocks(markdown: string): Array<{ offline: boolean; code: string; line: number }> {
  const lines = markdown.split('\n');
  const blocks: Array<{ offline: boolean; code: string; line: number }> = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(sh|bash)\s*$/.test(lines[i] as string)) continue;
    const end = lines.indexOf('```', i + 1);
    blocks.push({ offline: lines[i - 1]?.trim() === OFFLINE_MARK, code: lines.slice(i + 1, end).join('\n'), line: i + 1 });
    i = end;
  }
  return blocks;
}

/** Every wrangler command line: in sh blocks, and in inline code (`wrangler ...`, `npx wrangler ...`) of the prose. */
function wranglerCommands(markdown: string): string[] {
  const found = new Set<string>();
  for (const block of shellBlocks(markdown)) {
    for (const line of block.code.split('\n')) {
      const at = line.indexOf('npx wrangler ');
      if (at >= 0) found.add(line.slice(at + 'npx '.length).replace(/\s+#.*$/, '').split(/\s*(\||&&|;)\s*/)[0] as string);
    }
  }
  for (const [, code] of markdown.matchAll(/`(?:npx )?(wrangler [^`<]+)`/g)) found.add((code as string).trim());
  return [...found];
}

/** Shell words, quotes removed. */
function words(command: string): string[] {
  return [...command.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2] ?? (match[3] as string));
}

const work = tempDir('deploy-doc');
afterAll(() => work.remove());

describe(GUIDE, () => {
  const guide = readFileSync(join(REPO, GUIDE), 'utf8');

  it('runs its offline steps as written: tarball, init, install, types, validate, typecheck, secrets files, dry-run deploys', async () => {
    const offline = shellBlocks(guide).filter((block) => block.offline);
    expect(offline.length, `blocks marked ${OFFLINE_MARK}`).toBeGreaterThanOrEqual(5);
    const checkout = join(work.dir, 'vigil');
    mkdirSync(checkout);
    copyProject(REPO, checkout);
    const script = ['set -euo pipefail', ...offline.map((block) => `echo "--- ${GUIDE}:${block.line}"\n${block.code}`)].join('\n');
    const steps = await run('bash', ['-c', script], { cwd: checkout, timeoutMs: 280_000 });
    expect(steps.code, steps.output).toBe(0);

    const project = join(work.dir, 'my-status');
    expect(steps.stdout).toContain('checks/index.ts: ok (1 check, 1 channel)');
    expect(steps.stdout.match(/--dry-run: exiting now\./g), 'two dry runs: before and after the custom domain').toHaveLength(2);
    expect(readFileSync(join(project, 'wrangler.toml'), 'utf8')).toContain('[[routes]]\npattern = "status.acme.dev"\ncustom_domain = true');
    expect(readFileSync(join(project, '.dev.vars'), 'utf8')).toMatch(/^VIGIL_ADMIN_TOKEN=[0-9a-f]{64}\nBACKUP_PING_TOKEN=[0-9a-f]{40}\n/);
    expect(readFileSync(join(project, 'worker-configuration.d.ts'), 'utf8')).toContain('VIGIL_KV: KVNamespace;');
  }, 300_000);

  it.each([GUIDE, 'README.md'])('%s: every wrangler command and flag exists in the pinned wrangler', async (file) => {
    const commands = wranglerCommands(readFileSync(join(REPO, file), 'utf8'));
    if (file === GUIDE) expect(commands.length).toBeGreaterThanOrEqual(10);
    const unknown: string[] = [];
    for (const command of commands) {
      const [, ...rest] = words(command);
      const firstFlag = rest.findIndex((word) => word.startsWith('-'));
      const leading = firstFlag < 0 ? rest : rest.slice(0, firstFlag);
      const help = await wrangler([...leading, '--help'], work.dir);
      // The usage line: `wrangler secret put <key>`; its words are the command, its <...> and [...] the positionals.
      const usage = help.stdout.split('\n')[0] ?? '';
      const path = usage.split(' ').filter((word) => !/^[<[]/.test(word));
      const positionals = usage.split(' ').length - path.length;
      const isCommand = help.code === 0 && path.length >= 2 && path.every((word, index) => word === ['wrangler', ...leading][index]);
      if (!isCommand || leading.length - (path.length - 1) > positionals) {
        unknown.push(`${command}: not a wrangler command (${usage || help.output.trim().split('\n')[0]})`);
        continue;
      }
      for (const flag of rest.filter((word) => word.startsWith('-'))) {
        const name = flag.replace(/=.*$/, '').replace(/^--no-/, '--');
        if (!new RegExp(`(^|\\s)${name.replace(/[-]/g, '\\-')}(,|\\s)`, 'm').test(help.stdout)) unknown.push(`${command}: no flag ${flag} in \`${path.join(' ')} --help\``);
      }
    }
    expect(unknown).toEqual([]);
  }, 240_000);
});
