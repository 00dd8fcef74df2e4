// `npm run setup:cloudflare` (vigil setup; also the first step of vigil deploy):
// gives the VIGIL_KV binding in wrangler.toml a real KV namespace id. It reuses
// the namespace wrangler's own automatic provisioning would have made (same
// title), else creates it, and writes the id into wrangler.toml. Durable Objects
// need no ids. Run again, it changes nothing.
//
// Why not leave it to wrangler's automatic provisioning (on by default since
// wrangler 4.45)? In the pinned 4.86 it creates "<worker>-<binding>" whenever the
// deployed Worker does not already carry the binding, without looking for an
// existing namespace of that title; so after a first deploy that created the
// namespace and then failed, every later deploy fails with "a namespace with this
// account ID and title already exists [code: 10014]" (workers-sdk issues #13242,
// #14284), and in CI it never writes the id back.

import { readFile, writeFile } from 'node:fs/promises';
import { KV_BINDING, PLACEHOLDER_KV_ID, readWranglerConfig } from './wrangler-config';
import { runWrangler, type WranglerRun } from './wrangler-run';

/** What the setup did: the id was there, an existing namespace was found, or one was created. */
export type KvSetup = { action: 'present' | 'found' | 'created'; id: string; title: string };

/** The title wrangler's automatic provisioning gives a binding's namespace: `${worker}-${binding, lower-case, dashes}`. */
export function kvTitle(workerName: string, binding: string): string {
  return `${workerName}-${binding.toLowerCase().replaceAll('_', '-')}`;
}

/** The id in `wrangler kv namespace create`'s output: the config snippet it prints (TOML or JSON). */
export function namespaceIdFromCreateOutput(output: string): string | undefined {
  return /\bid\s*=\s*"([0-9a-f]{32})"/.exec(output)?.[1] ?? /"id"\s*:\s*"([0-9a-f]{32})"/.exec(output)?.[1];
}

/** The namespace titled `title` in `wrangler kv namespace list`'s output (a JSON array of {id, title}). */
export function namespaceFromList(output: string, title: string): { id: string; title: string } | undefined {
  const start = output.indexOf('[');
  if (start < 0) throw new Error(`wrangler kv namespace list printed no JSON list: ${output.trim().slice(0, 200)}`);
  const namespaces = JSON.parse(output.slice(start)) as Array<{ id: string; title: string }>;
  return namespaces.find((namespace) => namespace.title === title);
}

/**
 * wrangler.toml's text with `id = "<id>"` in the [[kv_namespaces]] table whose
 * binding is `binding` (replacing an id there, else added after the binding
 * line); comments and layout are kept. Throws when there is no such table.
 */
export function withKvId(toml: string, binding: string, id: string): string {
  const lines = toml.split('\n');
  const isHeader = (line: string) => /^\s*\[/.test(line);
  for (let start = 0; start < lines.length; start++) {
    if (!/^\s*\[\[\s*kv_namespaces\s*\]\]\s*(#.*)?$/.test(lines[start] as string)) continue;
    let end = start + 1;
    while (end < lines.length && !isHeader(lines[end] as string)) end++;
    const table = lines.slice(start + 1, end);
    const bindingLine = table.findIndex((line) => new RegExp(`^\\s*binding\\s*=\\s*["']${binding}["']`).test(line));
    if (bindingLine < 0) continue;
    const idLine = table.findIndex((line) => /^\s*id\s*=/.test(line));
    const entry = `id = "${id}"`;
    if (idLine >= 0) lines[start + 1 + idLine] = entry;
    else lines.splice(start + 1 + bindingLine + 1, 0, entry);
    return lines.join('\n');
  }
  throw new Error(`no [[kv_namespaces]] table with binding = "${binding}" to write the id into; add one, or add id = "${id}" to yours by hand`);
}

function failure(step: string, run: WranglerRun): Error {
  const output = `${run.stdout}\n${run.stderr}`.trim();
  return new Error(`${step} failed (exit ${run.code}):\n${output}\n\nLog in first (npx wrangler login), or set CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID.`);
}

/** Gives KV_BINDING a namespace id in `configPath`, finding or creating the namespace through wrangler. */
export async function ensureKvNamespace(configPath = 'wrangler.toml', cwd = process.cwd()): Promise<KvSetup> {
  const config = await readWranglerConfig(configPath);
  const kv = config.kv_namespaces.find((namespace) => namespace.binding === KV_BINDING);
  if (!kv) throw new Error(`${configPath}: no [[kv_namespaces]] binding "${KV_BINDING}"; add it (npm run validate says what Vigil needs)`);
  if (!config.name) throw new Error(`${configPath}: name is not set`);
  const title = kvTitle(config.name, KV_BINDING);
  if (kv.id && kv.id !== PLACEHOLDER_KV_ID) return { action: 'present', id: kv.id, title };

  const list = async () => {
    const run = await runWrangler(['kv', 'namespace', 'list'], { cwd, capture: true });
    if (run.code !== 0) throw failure('wrangler kv namespace list', run);
    return namespaceFromList(run.stdout, title);
  };
  let action: KvSetup['action'] = 'found';
  let id = (await list())?.id;
  if (!id) {
    const run = await runWrangler(['kv', 'namespace', 'create', title], { cwd, capture: true });
    id = run.code === 0 ? namespaceIdFromCreateOutput(run.stdout) : undefined;
    if (run.code !== 0 && /already exists/.test(run.stdout + run.stderr)) id = (await list())?.id; // created meanwhile
    else action = 'created';
    if (!id) throw failure(`wrangler kv namespace create ${title}`, run);
  }

  const text = await readFile(configPath, 'utf8');
  await writeFile(configPath, withKvId(text, KV_BINDING, id));
  const written = (await readWranglerConfig(configPath)).kv_namespaces.find((namespace) => namespace.binding === KV_BINDING);
  if (written?.id !== id) {
    await writeFile(configPath, text);
    throw new Error(`${configPath}: the id was written but wrangler does not read it back; the file is unchanged. Add id = "${id}" to [[kv_namespaces]] binding = "${KV_BINDING}" by hand.`);
  }
  return { action, id, title };
}
