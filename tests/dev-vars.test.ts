// .dev.vars.example lists every secret the shipped configs name (checks/index.ts
// and checks/examples/*.ts), and nothing else, so it cannot rot: a pack that
// starts using secret('NEW_NAME') fails here until the example file has it.
import { describe, expect, it } from 'vitest';
import { isSecretRef } from '../src/config/secrets';

const configs = import.meta.glob<{ default: unknown }>(['../checks/index.ts', '../checks/examples/*.ts'], { eager: true });
const exampleFile = import.meta.glob<string>('../.dev.vars.example', { eager: true, query: '?raw', import: 'default' });

/** Secrets the Worker reads by name outside any config (src/env.ts). */
const WORKER_SECRETS = ['VIGIL_ADMIN_TOKEN'];

/** Every secret('NAME') (and bearer('NAME')) anywhere inside a config, however deep. */
function secretNames(node: unknown, found = new Set<string>(), seen = new Set<object>()): Set<string> {
  if (typeof node !== 'object' || node === null || seen.has(node)) return found;
  seen.add(node);
  if (isSecretRef(node)) found.add(node.$secret);
  for (const child of Object.values(node)) secretNames(child, found, seen);
  return found;
}

/** NAME=value lines, as wrangler and src/cli/run.ts read .dev.vars. */
function listedNames(text: string): string[] {
  return text.split('\n').flatMap((line) => /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1] ?? []);
}

describe('.dev.vars.example', () => {
  const text = Object.values(exampleFile)[0];
  const listed = listedNames(text ?? '');
  const named = new Map<string, string[]>();
  for (const [path, module] of Object.entries(configs)) {
    for (const name of secretNames(module.default)) named.set(name, [...(named.get(name) ?? []), path.replace('../', '')]);
  }

  it('exists, and the configs name secrets at all (the walk finds them)', () => {
    expect(text).toBeTypeOf('string');
    expect(Object.keys(configs)).toContain('../checks/index.ts');
    expect(named.get('DATABASE_URL')).toContain('checks/examples/earntrack.ts');
  });

  it('lists every secret a config names', () => {
    const missing = [...named].filter(([name]) => !listed.includes(name)).map(([name, files]) => `${name} (${files.join(', ')})`);
    expect(missing, 'add these NAME= lines to .dev.vars.example').toEqual([]);
  });

  it('lists nothing else, once each, without values', () => {
    expect(listed.filter((name) => !named.has(name) && !WORKER_SECRETS.includes(name)), 'no config names these: remove them').toEqual([]);
    expect(listed.filter((name, index) => listed.indexOf(name) !== index), 'listed twice').toEqual([]);
    expect(text?.split('\n').filter((line) => /^\s*[A-Za-z_][A-Za-z0-9_]*\s*=\s*\S/.test(line)), 'an example holds no values').toEqual([]);
  });
});
