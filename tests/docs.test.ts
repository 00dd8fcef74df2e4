// Docs that cannot rot: every ```ts block in README.md and docs/*.md type-checks
// against src/config and every whole config in them validates
// (scripts/check-docs.ts, run as `npm run docs:check` in Node by the test
// control server). Fragments (```ts fragment) are skipped, and stay few.
import { describe, expect, it } from 'vitest';
import { control } from './helpers';
import type { NpmResult } from './support/npm';

/** Blocks that may stay fragments (a shape with `{ ... }` in it cannot compile). */
const MAX_FRAGMENTS = 2;

describe('TypeScript in the docs', () => {
  it('type-checks and validates, with few fragments', async () => {
    const run = await control<NpmResult>('/npm', { script: 'docs:check' });
    expect(run.stderr, 'problems in the docs').toBe('');
    expect(run.code).toBe(0);
    const summary = /docs: (\d+) TypeScript blocks? type-checked, (\d+) whole configs? validated, (\d+) fragments? skipped/.exec(run.stdout);
    expect(summary, run.stdout).not.toBeNull();
    const [checked, configs, fragments] = (summary as RegExpExecArray).slice(1).map(Number) as [number, number, number];
    expect(checked).toBeGreaterThanOrEqual(20);
    expect(configs).toBeGreaterThanOrEqual(4);
    expect(fragments).toBeLessThanOrEqual(MAX_FRAGMENTS);
  }, 120_000);
});
