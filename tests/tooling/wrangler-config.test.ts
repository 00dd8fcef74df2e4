// wrangler.toml is checked the way wrangler reads it: `wrangler deploy --dry-run`
// builds the real config (the [build] step runs `npm run validate`, which checks
// the bindings and migrations Vigil needs), so a binding or migration mistake
// fails here rather than at the first deploy. Each broken case edits a copy.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readWranglerConfig } from '../../src/cli/wrangler-config';
import { copyProject, REPO, tempDir, wrangler } from './helpers';

const out = tempDir('dry-run');
afterAll(() => out.remove());

function dryRun(cwd: string) {
  return wrangler(['deploy', '--dry-run', '--outdir', join(out.dir, String(Math.random()).slice(2))], cwd);
}

describe('wrangler.toml', () => {
  it('builds with wrangler deploy --dry-run: the Worker with its KV namespace and two Durable Objects', async () => {
    const build = await dryRun(REPO);
    expect(build.output).toContain('checks/index.ts: ok');
    expect(build.code, build.output).toBe(0);
    expect(build.stdout).toMatch(/env\.LEDGER \(Ledger\)\s+Durable Object/);
    expect(build.stdout).toMatch(/env\.PROBE \(Probe\)\s+Durable Object/);
    expect(build.stdout).toMatch(/env\.VIGIL_KV\s+KV Namespace/);
    expect(build.stdout).toContain('--dry-run: exiting now.');
  });

  it('uses the newest compatibility date the pinned workerd supports, and carries no account id', async () => {
    const config = await readWranglerConfig(join(REPO, 'wrangler.toml'));
    const { compatibilityDate } = createRequire(import.meta.url)('workerd') as { compatibilityDate: string };
    expect(config.compatibility_date, 'bump compatibility_date with workerd (node_modules/workerd compatibilityDate), then run npm test').toBe(compatibilityDate);
    // A namespace id belongs to one Cloudflare account: it is written by `npm run setup:cloudflare` in the user's copy, never committed here.
    expect(config.kv_namespaces.map((namespace) => namespace.id)).toEqual([undefined]);
    expect(config.account_id).toBeUndefined();
  });

  it("bench/wrangler.bench.toml builds the benchmark's Worker at the same date and flags (bench/run.ts reads them from wrangler.toml)", async () => {
    const config = await readWranglerConfig(join(REPO, 'wrangler.toml'));
    const bench = await readWranglerConfig(join(REPO, 'bench', 'wrangler.bench.toml'));
    expect([bench.compatibility_date, bench.compatibility_flags]).toEqual([config.compatibility_date, config.compatibility_flags]);
  });

  const broken: Array<{ name: string; edit: (toml: string) => string; says: RegExp }> = [
    {
      name: 'a binding to a class the entry does not export (wrangler itself refuses)',
      edit: (toml) => `${toml}\n[[durable_objects.bindings]]\nname = "ARCHIVE"\nclass_name = "Archive"\n\n[[migrations]]\ntag = "v2"\nnew_sqlite_classes = ["Archive"]\n`,
      says: /Your Worker depends on the following Durable Objects, which are not exported in your entrypoint file: Archive/,
    },
    {
      name: 'a Durable Object class that no migration creates (only the upload would refuse it)',
      edit: (toml) => toml.replace('new_sqlite_classes = ["Ledger", "Probe"]', 'new_sqlite_classes = ["Ledger"]'),
      says: /wrangler\.toml: \[\[migrations\]\]: no migration creates class "Probe" \(bound as PROBE\)/,
    },
    {
      name: 'classes created with key-value storage (no SQL API; not on the free plan)',
      edit: (toml) => toml.replace('new_sqlite_classes = ["Ledger", "Probe"]', 'new_classes = ["Ledger", "Probe"]'),
      says: /class "Ledger" is created by new_classes \(key-value storage\); Vigil's classes need new_sqlite_classes/,
    },
    {
      name: 'the KV binding under another name',
      edit: (toml) => toml.replace('binding = "VIGIL_KV"', 'binding = "STATUS_KV"'),
      says: /\[\[kv_namespaces\]\]: no binding "VIGIL_KV"/,
    },
    {
      name: 'the all-zero placeholder id older versions shipped',
      edit: (toml) => toml.replace('binding = "VIGIL_KV"', 'binding = "VIGIL_KV"\nid = "00000000000000000000000000000000"'),
      says: /id is the all-zero placeholder/,
    },
    {
      name: 'a binding wrangler cannot read',
      edit: (toml) => toml.replace('class_name = "Probe"', 'class_name = 7'),
      says: /"durable_objects\.bindings\[1\]": .*"class_name"/,
    },
  ];

  it.each(broken)('fails the dry run: $name', async ({ edit, says }) => {
    const copy = copyProject(REPO);
    try {
      const path = join(copy.dir, 'wrangler.toml');
      writeFileSync(path, edit(readFileSync(path, 'utf8')));
      const build = await dryRun(copy.dir);
      expect(build.output).toMatch(says);
      expect(build.code).not.toBe(0);
      expect(build.stdout).not.toContain('--dry-run: exiting now.');
    } finally {
      copy.remove();
    }
  });
});
