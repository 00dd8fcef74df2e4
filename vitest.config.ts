// Three projects, one `npm test`. `workers`: tests inside workerd (the Workers
// runtime) through the Workers Vitest integration; tests/support/global-setup.ts
// starts the real servers first. `tooling`: tests in Node of what runs around
// the Worker (wrangler's build of wrangler.toml, generated types, the vigil CLI,
// npm pack and upgrades, docs/deploy.md's commands), each in a temporary copy
// of the project. `browser`: tests in Node that serve the real Worker
// (Miniflare) to real Chromium (tests/browser/; its global setup fails the run
// with a clear message when Chromium cannot start).
// Both Worker projects read the compatibility date from wrangler.toml (the
// Workers integration through `configPath`), so it is written once. `tooling`
// and then `browser` run after `workers` (groupOrder): their npm installs,
// wrangler builds and Chromium would otherwise compete for CPU with the
// timing-sensitive Worker tests.
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest({
            main: './src/index.ts',
            wrangler: { configPath: './wrangler.toml' },
            // Test-only bindings: an R2 bucket for the backups kind.
            miniflare: { r2Buckets: ['TEST_BACKUPS'] },
          }),
        ],
        test: {
          name: 'workers',
          include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
          exclude: ['tests/tooling/**', 'tests/browser/**'],
          globalSetup: ['./tests/support/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'tooling',
          environment: 'node',
          sequence: { groupOrder: 1 },
          include: ['tests/tooling/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'browser',
          environment: 'node',
          sequence: { groupOrder: 2 },
          include: ['tests/browser/**/*.test.ts'],
          globalSetup: ['./tests/browser/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // One Chromium and one Worker for the project: its files run one after another.
          fileParallelism: false,
        },
      },
    ],
  },
});
