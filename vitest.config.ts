// Two projects, one `npm test`:
//   workers  tests inside workerd (the Workers runtime) through the Workers Vitest
//            integration; tests/support/global-setup.ts starts the real servers first.
//   browser  tests in Node that serve the real Worker (Miniflare) to real Chromium
//            (tests/browser/; tests/browser/global-setup.ts fails the run with a clear
//            message when Chromium cannot start).
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
          exclude: ['tests/browser/**'],
          globalSetup: ['./tests/support/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'browser',
          environment: 'node',
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
