// Docs that cannot rot: every ```ts block in README.md and docs/*.md type-checks
// against src/config and is validated as `npm run validate` validates a config:
// whole configs as they are, the checks and channels a block builds as a
// config made of them, assertions on their own as a check's expect
// (scripts/check-docs.ts, run as `npm run docs:check` in Node by the test
// control server). Fragments (```ts fragment) are skipped, and stay few.
import { describe, expect, it } from 'vitest';
import { control } from './helpers';
import type { NpmResult } from './support/npm';

/** Blocks that may stay fragments (a shape with `{ ... }` in it cannot compile). */
const MAX_FRAGMENTS = 2;
const SUMMARY = /docs: (\d+) TypeScript blocks? type-checked, (\d+) blocks? validated \((\d+) whole configs?, (\d+) building checks or channels, (\d+) of assertions alone\), (\d+) fragments? skipped/;

function summary(run: NpmResult) {
  const match = SUMMARY.exec(run.stdout);
  expect(match, run.stdout + run.stderr).not.toBeNull();
  const [checked, validated, configs, built, assertions, fragments] = (match as RegExpExecArray).slice(1).map(Number) as [number, number, number, number, number, number];
  return { checked, validated, configs, built, assertions, fragments };
}

describe('TypeScript in the docs', () => {
  it('every block type-checks and is validated, with few fragments', async () => {
    const run = await control<NpmResult>('/npm', { script: 'docs:check' });
    expect(run.stderr, 'problems in the docs').toBe('');
    expect(run.code).toBe(0);
    const counts = summary(run);
    expect(counts.checked).toBeGreaterThanOrEqual(30);
    // Not only whole configs: every block that is not a fragment.
    expect(counts.validated).toBe(counts.checked);
    expect(counts.configs).toBeGreaterThanOrEqual(6);
    expect(counts.built).toBeGreaterThanOrEqual(20);
    expect(counts.assertions).toBeGreaterThanOrEqual(3);
    expect(counts.fragments).toBeLessThanOrEqual(MAX_FRAGMENTS);
  }, 120_000);

  it('a snippet that type-checks but does not validate fails, naming the doc, the block and the problem', async () => {
    const doc = [
      '# A doc',
      '',
      '```ts', // line 3: a check that validate refuses
      "import { http } from '../src/config';",
      '',
      "http({ id: 'files', url: 'ftp://files.example.com/' });",
      '```',
      '',
      '```ts', // line 9: a channel with its webhook URL written inline
      "import { slack } from '../src/config';",
      '',
      "export const ops = slack({ webhookUrl: 'https://hooks.slack.com/services/T0123ABCD/B0123ABCD/Abcdefghij0123456789WXYZ' });",
      '```',
      '',
      '```ts', // line 15: an assertion on its own line with a broken JSON path
      "import { json } from '../src/config';",
      '',
      "json('$..[').eq('ok')",
      '```',
      '',
      '```ts', // line 21: two checks depending on each other in a circle
      "import { http } from '../src/config';",
      '',
      "http({ id: 'a', url: 'https://a.example.com/', dependsOn: ['b'] });",
      "http({ id: 'b', url: 'https://b.example.com/', dependsOn: ['a'] });",
      '```',
      '',
      '```ts', // line 28: builds nothing
      'export const answer = 42;',
      '```',
      '',
      '```ts', // line 32: fine
      "import { http, status } from '../src/config';",
      '',
      "http({ id: 'api', url: 'https://api.example.com/health', expect: [status(200)] });",
      '```',
      '',
      '```ts fragment', // line 38: skipped
      'http({ ... })',
      '```',
      '',
    ].join('\n');
    const run = await control<NpmResult>('/npm', { script: 'docs:check', args: ['$DIR/snippets.md'], files: { 'snippets.md': doc } });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const problems = run.stderr
      .trim()
      .split('\n')
      .map((line) => line.replace(/^\.cli-test-[^/]+\/snippets\.md:/, 'snippets.md:'));
    expect(problems).toEqual([
      'snippets.md:3: check "files": url: "ftp://files.example.com/" is not an http(s) URL',
      "snippets.md:9: channel \"ops\": webhookUrl: a URL with a token in its path is written inline; use secret('OPS_WEBHOOKURL') there and run: npx wrangler secret put OPS_WEBHOOKURL",
      expect.stringMatching(/^snippets\.md:15: assertion #1: json path "\$\.\.\[" is not valid JSONPath/),
      expect.stringMatching(/^snippets\.md:21: check "a": dependsOn: a cycle: a → b → a/),
      'snippets.md:28: builds nothing to validate (no config, check, channel, checklist, task, maintenance window or assertion); mark it ```ts fragment if it cannot be one',
    ]);
    expect(run.stderr).not.toContain('Abcdefghij0123456789WXYZ');
    expect(summary(run)).toEqual({ checked: 6, validated: 5, configs: 0, built: 4, assertions: 1, fragments: 1 });
  }, 120_000);
});
