// What Vigil needs from wrangler.toml, checked the way wrangler reads the file:
// wrangler's own config reader, and its own replay of [[migrations]]. wrangler
// deploy --dry-run catches a class_name the entry does not export, but not a
// Durable Object class that no migration creates (only the upload would), nor a
// binding Vigil needs that is missing; `npm run validate` (so every build) does.

import { resolve } from 'node:path';
import type { Unstable_Config } from 'wrangler';

/** The KV namespace the read model is published to (src/env.ts reads it by this name). */
export const KV_BINDING = 'VIGIL_KV';
/** The id Vigil's wrangler.toml carried before `npm run setup:cloudflare` existed: no namespace has it. */
export const PLACEHOLDER_KV_ID = '0'.repeat(32);
/** The Durable Objects src/worker.ts reaches by these binding names, and the classes src/index.ts exports. */
export const DURABLE_OBJECTS = [
  { binding: 'LEDGER', className: 'Ledger' },
  { binding: 'PROBE', className: 'Probe' },
] as const;
/** The neon and Upstash drivers and the network kinds use Node APIs (Buffer, node:crypto, node:net). */
export const REQUIRED_FLAG = 'nodejs_compat';

/** wrangler.toml as wrangler reads it (defaults filled in, fields validated); throws wrangler's own error text. */
export async function readWranglerConfig(path = 'wrangler.toml'): Promise<Unstable_Config> {
  const { unstable_readConfig } = await import('wrangler');
  return unstable_readConfig({ config: resolve(path) }, { hideWarnings: true });
}

/** Every way `config` falls short of what Vigil needs, as sentences naming the field; empty when it is fine. */
export async function wranglerConfigProblems(config: Unstable_Config): Promise<string[]> {
  const problems: string[] = [];
  if (!config.main) problems.push('main is not set: point it at the Worker entry (src/index.ts)');
  if (!config.compatibility_date) problems.push('compatibility_date is not set');
  if (!config.tsconfig) problems.push('tsconfig is not set: add tsconfig = "tsconfig.json" (its jsxImportSource "hono/jsx" compiles the status page; esbuild reads no tsconfig inside node_modules)');
  if (!config.compatibility_flags.includes(REQUIRED_FLAG)) problems.push(`compatibility_flags lacks "${REQUIRED_FLAG}": Vigil's drivers need Node APIs`);

  const kv = config.kv_namespaces.find((namespace) => namespace.binding === KV_BINDING);
  if (!kv) problems.push(`[[kv_namespaces]]: no binding "${KV_BINDING}" (the status page's read model): add [[kv_namespaces]] binding = "${KV_BINDING}"`);
  else if (kv.id === PLACEHOLDER_KV_ID) problems.push(`[[kv_namespaces]] "${KV_BINDING}": id is the all-zero placeholder; delete the id line (npm run setup:cloudflare, or npm run deploy, writes the real one)`);

  const { unstable_getDurableObjectClassNameToUseSQLiteMap: sqliteByClass } = await import('wrangler');
  let classes: Map<string, boolean> | undefined;
  try {
    classes = sqliteByClass(config.migrations);
  } catch (error) {
    problems.push(`[[migrations]]: ${(error as Error).message}`);
  }
  const tags = config.migrations.map((migration) => migration.tag);
  for (const tag of new Set(tags)) if (tags.indexOf(tag) !== tags.lastIndexOf(tag)) problems.push(`[[migrations]]: tag "${tag}" is used twice; each migration needs its own tag`);

  const bindings = config.durable_objects.bindings;
  for (const { binding, className } of DURABLE_OBJECTS) {
    const bound = bindings.find((candidate) => candidate.name === binding);
    if (!bound) {
      problems.push(`[[durable_objects.bindings]]: no binding "${binding}": add name = "${binding}", class_name = "${className}"`);
    } else if (bound.class_name !== className || bound.script_name) {
      problems.push(`[[durable_objects.bindings]] "${binding}": class_name must be "${className}" of this Worker (found "${bound.class_name}"${bound.script_name ? ` in script "${bound.script_name}"` : ''})`);
    }
  }
  // Every class this Worker binds must be created by a migration before the upload accepts the binding.
  for (const bound of bindings) {
    if (bound.script_name || !classes) continue;
    const sqlite = classes.get(bound.class_name);
    if (sqlite === undefined) {
      problems.push(`[[migrations]]: no migration creates class "${bound.class_name}" (bound as ${bound.name}): add it to new_sqlite_classes in a new [[migrations]] entry with its own tag`);
    } else if (!sqlite && DURABLE_OBJECTS.some((vigil) => vigil.className === bound.class_name)) {
      problems.push(`[[migrations]]: class "${bound.class_name}" is created by new_classes (key-value storage); Vigil's classes need new_sqlite_classes (SQL storage, and the only kind the free plan has)`);
    }
  }

  if ((config.triggers.crons ?? []).length === 0) problems.push('[triggers] crons is empty: Vigil ticks on a cron; add crons = ["* * * * *"]');
  return problems;
}
