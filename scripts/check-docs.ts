// `npm run docs:check [-- files.md...]`: every ```ts block in README.md and
// docs/*.md (or in the files named) is type-checked against src/config as if it
// were a file in checks/ (its import lines are part of it, so a block must be
// complete), then run and validated as `npm run validate` would:
// - a whole config (defineConfig, or a default export) is validated as it is;
// - checks, channels, checklists, tasks and maintenance windows a block builds
//   with the helpers and leaves outside a config are recorded (its
//   '../src/config' import is redirected to a shim that re-exports everything
//   and records what the helpers return) and validated as one config made of them;
// - assertions written on their own (`json('$.status').eq('ok')`) are
//   validated as a check's `expect` is (zod, then the evaluator's own rules);
//   which sources a kind offers needs a check, so that is left to the blocks that have one.
// A block marked ```ts fragment is skipped: keep those few. A block that builds
// nothing to validate is a problem too. Prints each problem as file:line, exits
// 1 if there is any.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { assertionProblem } from '../src/assert/evaluate';
import type { AssertionInput } from '../src/assert/types';
import { KIND_NAMES } from '../src/kinds';
import { CHANNEL_TYPES } from '../src/notify';
import { expectSchema } from '../src/config/schema';
import { formatIssue, toAssertion, validateConfig } from '../src/config/validate';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FENCE_OPEN = /^(\s*)```(ts|typescript)\b(.*)$/;
const FENCE_CLOSE = /^\s*```\s*$/;
/** The import every block makes; at run time it reaches the recording shim. */
const CONFIG_IMPORT = '../src/config';

interface Block {
  /** README.md, docs/checks.md ... */
  doc: string;
  /** Line of the opening fence (1-based). */
  line: number;
  code: string;
  fragment: boolean;
  /** Where the type checker sees it: beside checks/index.ts, so '../src/config' resolves the same. */
  virtualPath: string;
}

function defaultDocs(): string[] {
  const names = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...names];
}

function blocks(doc: string): Block[] {
  const lines = readFileSync(resolve(ROOT, doc), 'utf8').split('\n');
  const found: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE_OPEN.exec(lines[i] as string);
    if (!open) continue;
    const indent = (open[1] as string).length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !FENCE_CLOSE.test(lines[j] as string); j++) body.push((lines[j] as string).slice(indent));
    found.push({
      doc,
      line: i + 1,
      code: `${body.join('\n')}\n`,
      fragment: /\bfragment\b/.test(open[3] as string),
      virtualPath: join(ROOT, 'checks', `__doc_${slug(doc)}_L${i + 1}.ts`),
    });
    i = j;
  }
  return found;
}

const slug = (doc: string) => doc.replace(/[^A-Za-z0-9]+/g, '_');

function typeCheck(checked: Block[]): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => console.error(ts.flattenDiagnosticMessageText(d.messageText, '\n')) });
  if (!config) throw new Error('tsconfig.json could not be read');
  const options: ts.CompilerOptions = { ...config.options, noEmit: true };
  const byPath = new Map(checked.map((block) => [block.virtualPath, block]));
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (name) => byPath.has(name) || fileExists.call(host, name);
  host.readFile = (name) => byPath.get(name)?.code ?? readFile.call(host, name);
  host.getSourceFile = (name, language, ...rest) => {
    const block = byPath.get(name);
    return block ? ts.createSourceFile(name, block.code, language, true, ts.ScriptKind.TS) : getSourceFile.call(host, name, language, ...rest);
  };
  const program = ts.createProgram([...byPath.keys()], options, host);
  const problems: string[] = [];
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const block = diagnostic.file ? byPath.get(diagnostic.file.fileName) : undefined;
    const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
    if (!block || !diagnostic.file) {
      problems.push(`${diagnostic.file ? relative(ROOT, diagnostic.file.fileName) : 'typescript'}: ${text}`);
      continue;
    }
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    problems.push(`${block.doc}:${block.line + 1 + line}: ${text}`);
  }
  return problems;
}

// ---- recording what a block builds ---------------------------------------------------

/** What one block built with the helpers, in the order it built it. */
interface Recorded {
  configs: object[];
  checks: object[];
  channels: object[];
  checklists: object[];
  tasks: object[];
  windows: object[];
  /** The values of the block's top-level expression statements (`json('$.x').eq(1)` on a line of its own). */
  values: unknown[];
}

const emptyRecord = (): Recorded => ({ configs: [], checks: [], channels: [], checklists: [], tasks: [], windows: [], values: [] });

/** Helpers recorded by name: what they return has no field that says what it is. */
const BY_NAME: Record<string, keyof Recorded> = { defineConfig: 'configs', checklist: 'checklists', maintenanceWindow: 'windows' };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The recorder the shim reaches through globalThis (the shim is generated, and runs inside the blocks' module graph). */
class Recorder {
  current = emptyRecord();

  record(name: string, result: unknown): void {
    const bucket = BY_NAME[name];
    if (bucket && isObject(result)) {
      this.current[bucket].push(result);
      return;
    }
    // Kind and channel helpers, and recipes (which may return several checks), by what they return.
    for (const item of Array.isArray(result) ? result : [result]) {
      if (!isObject(item)) continue;
      if (KIND_NAMES.includes(item.kind as never)) this.current.checks.push(item);
      else if (CHANNEL_TYPES.includes(item.type as never)) this.current.channels.push(item);
      else if (item.type === 'task') this.current.tasks.push(item);
    }
  }

  /** A helper (or a namespace of them: pg, email, nodeExporter.scrape ...) that records what it returns. */
  wrap(name: string, value: unknown): unknown {
    if (typeof value === 'function') {
      const helper = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => {
        const result = helper(...args);
        this.record(name, result);
        return result;
      };
    }
    if (isObject(value) && Object.getPrototypeOf(value) === Object.prototype) return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, this.wrap(key, child)]));
    return value;
  }

  value(result: unknown): unknown {
    this.current.values.push(result);
    return result;
  }
}

declare global {
  var __vigilDocs: Recorder | undefined;
}

/** The shim's source: every runtime export of src/config, wrapped. */
async function shimSource(): Promise<string> {
  const real = pathToFileURL(join(ROOT, 'src/config/index.ts')).href;
  const names = Object.keys(await import(real)).filter((name) => name !== 'default');
  return [
    `import * as real from ${JSON.stringify(real)};`,
    'const recorder = globalThis.__vigilDocs;',
    ...names.map((name) => `export const ${name} = recorder.wrap(${JSON.stringify(name)}, real.${name});`),
    '',
  ].join('\n');
}

/**
 * The block as it runs: relative imports resolve as from checks/ (where it is
 * type-checked), except '../src/config', which reaches the shim; each
 * top-level expression statement hands its value to the recorder.
 */
function runnable(block: Block): string {
  const source = ts.createSourceFile(block.virtualPath, block.code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const edits: Array<{ at: number; text: string }> = [];
  for (const statement of source.statements) {
    if (ts.isExpressionStatement(statement)) {
      edits.push({ at: statement.expression.getStart(source), text: 'globalThis.__vigilDocs.value(' }, { at: statement.expression.end, text: ')' });
    }
    const specifier = ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement) ? statement.moduleSpecifier : undefined;
    if (specifier && ts.isStringLiteral(specifier) && specifier.text.startsWith('.') && specifier.text !== CONFIG_IMPORT) {
      const target = pathToFileURL(resolve(join(ROOT, 'checks'), specifier.text)).href;
      edits.push({ at: specifier.getStart(source), text: `${JSON.stringify(target)}\u0000${specifier.getWidth(source)}` });
    }
  }
  let code = block.code;
  for (const edit of edits.sort((a, b) => b.at - a.at)) {
    const [text, replaced] = edit.text.split('\u0000') as [string, string | undefined];
    code = `${code.slice(0, edit.at)}${text}${code.slice(edit.at + Number(replaced ?? 0))}`;
  }
  return code;
}

/** Every object reachable from `roots` (what a config or checklist already holds). */
function reachable(roots: unknown[]): Set<unknown> {
  const seen = new Set<unknown>();
  const walk = (node: unknown): void => {
    if (typeof node !== 'object' || node === null || seen.has(node)) return;
    seen.add(node);
    for (const child of Object.values(node)) walk(child);
  };
  roots.forEach(walk);
  return seen;
}

type Verdict = 'config' | 'built' | 'assertions';

/** What a block is validated as, and its problems. */
function validateRecorded(block: Block, recorded: Recorded, exports: Record<string, unknown>): { verdicts: Verdict[]; problems: string[] } {
  const where = `${block.doc}:${block.line}`;
  const problems: string[] = [];
  const verdicts: Verdict[] = [];
  const configs = [...recorded.configs];
  if (isObject(exports.default) && !configs.includes(exports.default)) configs.push(exports.default);
  for (const config of configs) {
    verdicts.push('config');
    const result = validateConfig(config);
    if (!result.ok) for (const problem of result.problems) problems.push(`${where}: ${problem}`);
  }

  // What the block built outside any config, as one config: checks a checklist holds stay in it.
  const held = reachable(configs);
  const free = <T>(items: T[]) => items.filter((item) => !held.has(item));
  const checklists = free(recorded.checklists);
  const inChecklists = reachable(checklists);
  const checks = free(recorded.checks).filter((check) => !inChecklists.has(check));
  const tasks = free(recorded.tasks).filter((task) => !inChecklists.has(task));
  const channels = free(recorded.channels);
  const windows = free(recorded.windows);
  if (checks.length + checklists.length + tasks.length + channels.length + windows.length > 0) {
    verdicts.push('built');
    const exported = new Map(Object.entries(exports).map(([name, value]) => [value, name]));
    const input = {
      channels: Object.fromEntries(channels.map((channel, index) => [exported.get(channel) ?? `channel-${index + 1}`, channel])),
      checks,
      checklists: [...checklists, ...(tasks.length ? [{ id: 'tasks', name: 'Tasks', cron: '0 9 * * *', items: tasks }] : [])],
      maintenance: windows,
    };
    const result = validateConfig(input);
    if (!result.ok) for (const problem of result.problems) problems.push(`${where}: ${problem}`);
  }

  // Assertions on their own lines, as a check's expect takes them.
  const assertions = recorded.values.filter((value) => !held.has(value) && isExpectation(value));
  if (assertions.length > 0 && verdicts.length === 0) verdicts.push('assertions');
  assertions.forEach((value, index) => {
    const field = `assertion #${index + 1}`;
    const parsed = expectSchema.safeParse([value], { reportInput: true });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`${where}: ${formatIssue({ ...issue, path: issue.path.slice(1) }, field, 0, [])}`);
      return;
    }
    for (const input of parsed.data as AssertionInput[]) {
      const problem = assertionProblem(toAssertion(input));
      if (problem) problems.push(`${where}: ${field}: ${problem}`);
    }
  });
  if (verdicts.length === 0) problems.push(`${where}: builds nothing to validate (no config, check, channel, checklist, task, maintenance window or assertion); mark it \`\`\`ts fragment if it cannot be one`);
  return { verdicts, problems };
}

/** An assertion or a group of them as the builders make it (`status(200)`, `latency().below({ warn, crit })`). */
function isExpectation(value: unknown): boolean {
  const data = isObject(value) && typeof value.toJSON === 'function' ? (value.toJSON as () => unknown).call(value) : value;
  const one = (item: unknown) => isObject(item) && isObject(item.source) && typeof item.op === 'string';
  return Array.isArray(data) ? data.length > 0 && data.every(one) : one(data);
}

/** Runs every block with the recording shim and validates what it built. */
async function validateBlocks(checked: Block[]): Promise<{ problems: string[]; validated: number; counts: Record<Verdict, number> }> {
  const dir = mkdtempSync(join(ROOT, '.docs-check-'));
  const problems: string[] = [];
  const counts: Record<Verdict, number> = { config: 0, built: 0, assertions: 0 };
  let validated = 0;
  const recorder = new Recorder();
  globalThis.__vigilDocs = recorder;
  try {
    // '../src/config' from dir/blocks/ is dir/src/config: the shim.
    const shim = join(dir, 'src/config/index.ts');
    mkdirSync(dirname(shim), { recursive: true });
    writeFileSync(shim, await shimSource());
    mkdirSync(join(dir, 'blocks'));
    for (const block of checked) {
      const file = join(dir, 'blocks', `${slug(block.doc)}_L${block.line}.ts`);
      writeFileSync(file, runnable(block));
      recorder.current = emptyRecord();
      let exports: Record<string, unknown>;
      try {
        exports = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      } catch (error) {
        problems.push(`${block.doc}:${block.line}: cannot run: ${(error as Error).message.split('\n')[0]}`);
        continue;
      }
      const result = validateRecorded(block, recorder.current, exports);
      problems.push(...result.problems);
      for (const verdict of new Set(result.verdicts)) counts[verdict]++;
      if (result.verdicts.length > 0) validated++;
    }
  } finally {
    globalThis.__vigilDocs = undefined;
    rmSync(dir, { recursive: true, force: true });
  }
  return { problems, validated, counts };
}

const named = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const all = (named.length ? named.map((file) => relative(ROOT, resolve(file))) : defaultDocs()).flatMap(blocks);
const checked = all.filter((block) => !block.fragment);
const fragments = all.filter((block) => block.fragment);
const typeProblems = typeCheck(checked);
const validation = await validateBlocks(checked);
for (const problem of [...typeProblems, ...validation.problems]) console.error(problem);
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
const { config, built, assertions } = validation.counts;
console.log(
  `docs: ${count(checked.length, 'TypeScript block')} type-checked, ${count(validation.validated, 'block')} validated (${count(config, 'whole config')}, ${built} building checks or channels, ${assertions} of assertions alone), ${count(fragments.length, 'fragment')} skipped${fragments.length ? ` (${fragments.map((block) => `${block.doc}:${block.line}`).join(', ')})` : ''}`,
);
process.exit(typeProblems.length + validation.problems.length > 0 ? 1 : 0);
