// Two projects. `workers`: tests inside workerd (the Workers runtime) through the
// Workers Vitest integration; tests/support/global-setup.ts starts the real
// servers first. `tooling`: tests in Node of what runs around the Worker (wrangler's
// build of wrangler.toml, generated types, the vigil CLI, npm pack and upgrades,
// docs/deploy.md's commands), each in a temporary copy of the project.
// Both read the compatibility date from wrangler.toml (the Workers integration
// through `configPath`), so it is written once. `tooling` runs after `workers`
// (groupOrder): its npm installs and wrangler builds would otherwise compete for
// CPU with the timing-sensitive Worker tests.
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
          exclude: ['tests/tooling/**'],
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
    ],
  },
});
