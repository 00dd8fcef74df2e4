// `npm run setup:cloudflare` (vigil setup), run with the real pinned wrangler
// against a stand-in of Cloudflare's API (tests/tooling/cloudflare-api.ts): it
// finds or creates the KV namespace and writes its id into wrangler.toml, once.
// What it cannot show: that Cloudflare's real API answers as the stand-in does
// (the envelope and codes follow Cloudflare's API documentation).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { kvTitle, namespaceFromList, namespaceIdFromCreateOutput, withKvId } from '../../src/cli/cloudflare-setup';
import { readWranglerConfig } from '../../src/cli/wrangler-config';
import { startCloudflareApi, type CloudflareApi } from './cloudflare-api';
import { copyProject, offlineEnv, REPO, vigil, wrangler } from './helpers';

const TITLE = 'vigil-vigil-kv';
let api: CloudflareApi;
let project: ReturnType<typeof copyProject>;
let toml: string;
const tomlPath = () => join(project.dir, 'wrangler.toml');
const setup = () => vigil(['setup'], project.dir, offlineEnv(api.env));

beforeAll(async () => {
  api = await startCloudflareApi();
  project = copyProject(REPO);
  toml = readFileSync(tomlPath(), 'utf8');
});
afterAll(async () => {
  project.remove();
  await api.close();
});
beforeEach(() => {
  api.requests.length = 0;
  api.namespaces.length = 0;
  api.rejectAuth = false;
  writeFileSync(tomlPath(), toml);
});

describe('the parts, on their own', () => {
  it('names the namespace as wrangler automatic provisioning does (<worker>-<binding>)', () => {
    expect(kvTitle('vigil', 'VIGIL_KV')).toBe(TITLE);
    expect(kvTitle('acme-status', 'VIGIL_KV')).toBe('acme-status-vigil-kv');
  });

  it('writes the id into the right table, keeping comments; replaces an id already there', () => {
    const text = '# top\nname = "x"\n\n[[kv_namespaces]]\nbinding = "OTHER"\nid = "aa"\n\n# the read model\n[[kv_namespaces]]\nbinding = "VIGIL_KV"\n\n[triggers]\ncrons = ["* * * * *"]\n';
    const written = withKvId(text, 'VIGIL_KV', 'b'.repeat(32));
    expect(written).toBe(text.replace('binding = "VIGIL_KV"\n', `binding = "VIGIL_KV"\nid = "${'b'.repeat(32)}"\n`));
    expect(withKvId(written, 'VIGIL_KV', 'c'.repeat(32))).toBe(text.replace('binding = "VIGIL_KV"\n', `binding = "VIGIL_KV"\nid = "${'c'.repeat(32)}"\n`));
    expect(() => withKvId('kv_namespaces = [{ binding = "VIGIL_KV" }]\n', 'VIGIL_KV', 'd'.repeat(32))).toThrow(/no \[\[kv_namespaces\]\] table with binding = "VIGIL_KV".*add id = "d{32}" to yours by hand/);
  });

  it("reads the id from `wrangler kv namespace create`'s own output, and a namespace from `list`'s", async () => {
    const create = await wrangler(['kv', 'namespace', 'create', 'reads-the-output'], project.dir, offlineEnv(api.env));
    expect(create.code, create.output).toBe(0);
    const created = api.namespaces[0];
    expect(create.stdout).toContain('[[kv_namespaces]]');
    expect(namespaceIdFromCreateOutput(create.stdout)).toBe(created?.id);
    const list = await wrangler(['kv', 'namespace', 'list'], project.dir, offlineEnv(api.env));
    expect(namespaceFromList(list.stdout, 'reads-the-output')).toEqual(created);
    expect(namespaceFromList(list.stdout, 'another')).toBeUndefined();
  });
});

describe('vigil setup (npm run setup:cloudflare)', () => {
  it('creates the namespace and adds one line to wrangler.toml, which wrangler then reads', async () => {
    const first = await setup();
    expect(first.code, first.output).toBe(0);
    const created = api.namespaces[0] as { id: string; title: string };
    expect(api.namespaces).toHaveLength(1);
    expect(created.title).toBe(TITLE);
    expect(first.stdout).toContain(`wrangler.toml: VIGIL_KV → KV namespace "${TITLE}" (${created.id}): created; commit wrangler.toml`);
    expect(api.requests.map((request) => `${request.method} ${request.path.replace(/\?.*/, '')}`)).toEqual([
      'GET /client/v4/accounts/5b1c3f0e9a8d4c2b7e6f5a4d3c2b1a09/storage/kv/namespaces',
      'POST /client/v4/accounts/5b1c3f0e9a8d4c2b7e6f5a4d3c2b1a09/storage/kv/namespaces',
    ]);
    expect(readFileSync(tomlPath(), 'utf8')).toBe(toml.replace('binding = "VIGIL_KV"\n', `binding = "VIGIL_KV"\nid = "${created.id}"\n`));
    const config = await readWranglerConfig(tomlPath());
    expect(config.kv_namespaces).toEqual([{ binding: 'VIGIL_KV', id: created.id }]);

    api.requests.length = 0;
    const again = await setup();
    expect(again.stdout).toContain('already set');
    expect(api.requests).toEqual([]);
  });

  it('reuses a namespace of that title (made by wrangler provisioning or an earlier setup) instead of failing with 10014', async () => {
    api.namespaces.push({ id: 'e'.repeat(32), title: TITLE, supports_url_encoding: true }, { id: 'f'.repeat(32), title: 'unrelated', supports_url_encoding: true });
    const found = await setup();
    expect(found.code, found.output).toBe(0);
    expect(found.stdout).toContain(': found (an existing namespace of that title)');
    expect(api.requests.every((request) => request.method === 'GET')).toBe(true);
    expect((await readWranglerConfig(tomlPath())).kv_namespaces[0]?.id).toBe('e'.repeat(32));
  });

  it('replaces the all-zero placeholder id of older versions', async () => {
    writeFileSync(tomlPath(), toml.replace('binding = "VIGIL_KV"\n', `binding = "VIGIL_KV"\nid = "${'0'.repeat(32)}"\n`));
    const replaced = await setup();
    expect(replaced.code, replaced.output).toBe(0);
    const id = api.namespaces[0]?.id;
    expect(readFileSync(tomlPath(), 'utf8')).toBe(toml.replace('binding = "VIGIL_KV"\n', `binding = "VIGIL_KV"\nid = "${id}"\n`));
  });

  it("stops with wrangler's own error and a way forward when the API refuses the credentials; wrangler.toml is untouched", async () => {
    api.rejectAuth = true;
    const refused = await setup();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('vigil setup: wrangler kv namespace list failed');
    expect(refused.stderr).toContain('Authentication error [code: 10000]');
    expect(refused.stderr).toContain('Log in first (npx wrangler login), or set CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID.');
    expect(readFileSync(tomlPath(), 'utf8')).toBe(toml);
  });

  it('is skipped by vigil deploy --dry-run, which needs no account', async () => {
    const dryRun = await vigil(['deploy', '--dry-run', '--outdir', join(project.dir, 'dist')], project.dir, offlineEnv(api.env));
    expect(dryRun.code, dryRun.output).toBe(0);
    expect(dryRun.stdout).toContain('--dry-run: exiting now.');
    expect(api.requests).toEqual([]);
    expect(readFileSync(tomlPath(), 'utf8')).toBe(toml);
  });
});
