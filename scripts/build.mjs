// `npm run build`: bundles the Worker exactly as `wrangler deploy` would
// (--dry-run, nothing is uploaded) and prints the bundle size against the
// Workers limits (free plan: 3 MiB compressed; paid: 10 MiB).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const OUT = 'dist';
const result = spawnSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', OUT], {
  stdio: 'inherit',
  env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
});
if (result.status !== 0) process.exit(result.status ?? 1);

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
let raw = 0;
let gzip = 0;
for (const name of readdirSync(OUT)) {
  if (!name.endsWith('.js') && !name.endsWith('.mjs') && !name.endsWith('.wasm')) continue;
  const path = join(OUT, name);
  raw += statSync(path).size;
  gzip += gzipSync(readFileSync(path)).length;
}
console.log(`\nWorker bundle (${OUT}/): ${kib(raw)}, ${kib(gzip)} gzipped (free plan limit: 3 MiB gzipped)`);
