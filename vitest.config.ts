// Tests run inside workerd (the Workers runtime) through the Workers Vitest
// integration; tests/support/global-setup.ts starts the real servers first.
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [
    cloudflareTest({
      main: './src/index.ts',
      wrangler: { configPath: './wrangler.toml' },
      // Test-only bindings: an R2 bucket for the backups kind.
      miniflare: { r2Buckets: ['TEST_BACKUPS'] },
    }),
  ],
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    globalSetup: ['./tests/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
