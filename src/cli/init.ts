// `vigil init <dir> --vigil <where>`: scaffolds a project that depends on Vigil:
// checks/index.ts, src/index.ts, wrangler.toml, .dev.vars.example, tsconfig.json,
// package.json (exact pins), .gitignore, README.md. The user owns all of them;
// an upgrade changes only the vigil dependency. Existing files are never overwritten.

import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This package's root (templates/, wrangler.toml, package.json). */
const VIGIL_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TEMPLATES = join(VIGIL_ROOT, 'templates', 'project');
/** Template files stored without their leading dot: npm pack leaves out a .gitignore. */
const DOTTED = new Set(['gitignore', 'dev.vars.example']);
/** The dependencies of wrangler whose install scripts must run (they place their platform binaries). */
const WRANGLER_INSTALL_SCRIPTS = ['esbuild', 'workerd'];
/** Worker names: lower-case letters, digits and dashes, at most 63 characters (Cloudflare's rule for script names). */
const WORKER_NAME_MAX = 63;

export const USAGE = `usage: vigil init <directory> --vigil <where the project gets Vigil>
  --vigil ./vigil-0.2.0.tgz      a release tarball (npm pack of Vigil): copied into vendor/, depended on as file:vendor/...
  --vigil <npm spec>             a tarball URL, or a registry release under its scoped name: npm:@scope/vigil@0.2.0
  --name <worker>                the Worker's name in wrangler.toml (default: the directory's name)`;

interface VigilPackage {
  version: string;
  devDependencies: Record<string, string>;
  allowScripts?: Record<string, boolean>;
}

function workerName(raw: string): string {
  const name = raw.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, WORKER_NAME_MAX);
  return name || 'status';
}

/** Every template file, as [path in the project, path in templates/]. */
function templateFiles(dir = TEMPLATES, prefix = ''): Array<[string, string]> {
  return readdirSync(dir).flatMap((entry): Array<[string, string]> => {
    const source = join(dir, entry);
    if (statSync(source).isDirectory()) return templateFiles(source, `${prefix}${entry}/`);
    return [[`${prefix}${DOTTED.has(entry) ? `.${entry}` : entry}`, source]];
  });
}

/** Vigil's own wrangler.toml with the project's Worker name: the bindings, migrations and cron Vigil needs, at the date Vigil is tested with. */
function wranglerToml(name: string): string {
  const own = readFileSync(join(VIGIL_ROOT, 'wrangler.toml'), 'utf8');
  const body = own.slice(own.search(/^name\s*=/m)).replace(/^name\s*=.*$/m, `name = "${name}"`);
  return `# Your Worker. npm run validate checks this file for what Vigil needs; npm run deploy
# creates the KV namespace the first time and writes its id below. Vigil's deploy
# guide: node_modules/vigil/docs/deploy.md.
${body}`;
}

function packageJson(name: string, vigil: string, own: VigilPackage): string {
  const pin = (dependency: string) => {
    const version = own.devDependencies[dependency];
    if (!version) throw new Error(`Vigil's package.json has no devDependency ${dependency} to pin`);
    return version;
  };
  // npm 11 runs a dependency's install script only when allowScripts says so: wrangler needs esbuild's
  // and workerd's; Vigil's denials carry over; Vigil's test-only approvals (its PostgreSQL) do not.
  const allowScripts = Object.fromEntries(Object.entries(own.allowScripts ?? {}).filter(([dependency, allowed]) => !allowed || WRANGLER_INSTALL_SCRIPTS.includes(dependency)));
  const project = {
    name,
    private: true,
    type: 'module',
    scripts: {
      start: 'vigil dev',
      validate: 'vigil validate',
      check: 'vigil check',
      'notify-test': 'vigil notify-test',
      types: 'vigil types',
      typecheck: 'tsc -p tsconfig.json',
      'setup:cloudflare': 'vigil setup',
      deploy: 'vigil deploy',
    },
    dependencies: { vigil },
    devDependencies: { '@types/node': pin('@types/node'), typescript: pin('typescript'), wrangler: pin('wrangler') },
    allowScripts,
  };
  return `${JSON.stringify(project, null, 2)}\n`;
}

/** Runs `vigil init`; returns the exit code. */
export function init(args: string[]): number {
  const valueOf = (flag: string) => {
    const index = args.indexOf(flag);
    return index >= 0 ? args[index + 1] : undefined;
  };
  const positional = args.filter((arg, index) => !arg.startsWith('--') && !['--vigil', '--name'].includes(args[index - 1] ?? ''));
  const spec = valueOf('--vigil');
  if (positional.length !== 1 || !spec) {
    console.error(USAGE);
    return 64;
  }
  const target = resolve(positional[0] as string);
  const name = workerName(valueOf('--name') ?? basename(target));
  const own = JSON.parse(readFileSync(join(VIGIL_ROOT, 'package.json'), 'utf8')) as VigilPackage;

  const files = new Map<string, string | { copy: string }>();
  for (const [path, source] of templateFiles()) files.set(path, readFileSync(source, 'utf8'));
  files.set('wrangler.toml', wranglerToml(name));
  let dependency = spec;
  if (existsSync(spec) && statSync(spec).isFile()) {
    const vendored = `vendor/${basename(spec)}`;
    files.set(vendored, { copy: resolve(spec) });
    dependency = `file:${vendored}`;
  } else if (existsSync(spec)) {
    dependency = `file:${relative(target, resolve(spec)) || '.'}`;
  }
  files.set('package.json', packageJson(name, dependency, own));

  const taken = [...files.keys()].filter((path) => existsSync(join(target, path)));
  if (taken.length > 0) {
    console.error(`vigil init: ${target} already has ${taken.join(', ')}; nothing was written`);
    return 1;
  }
  for (const [path, content] of files) {
    const destination = join(target, path);
    mkdirSync(dirname(destination), { recursive: true });
    if (typeof content === 'string') writeFileSync(destination, content);
    else copyFileSync(content.copy, destination);
  }
  const shown = relative(process.cwd(), target) || '.';
  console.log(`Created a Vigil ${own.version} project in ${shown} (Worker "${name}"): ${[...files.keys()].sort().join(', ')}

Next:
  cd ${shown}
  npm install
  npm run types        # worker-configuration.d.ts from wrangler.toml
  npm run validate
  npm start            # http://localhost:8787
Deploying: node_modules/vigil/docs/deploy.md`);
  return 0;
}
