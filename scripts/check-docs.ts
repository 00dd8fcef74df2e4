// `npm run docs:check`: every ```ts block in README.md and docs/*.md is
// type-checked against src/config as if it were a file in checks/ (its import
// lines are part of it, so a block must be complete), and a block that is a
// whole config (export default defineConfig(...)) is also validated as
// `npm run validate` would. A block marked ```ts fragment is skipped: keep
// those few. Prints each problem as file:line, exits 1 if there is any.

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { validateConfig } from '../src/config/validate';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FENCE_OPEN = /^(\s*)```(ts|typescript)\b(.*)$/;
const FENCE_CLOSE = /^\s*```\s*$/;

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

function docs(): string[] {
  const names = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...names];
}

function blocks(doc: string): Block[] {
  const lines = readFileSync(join(ROOT, doc), 'utf8').split('\n');
  const found: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE_OPEN.exec(lines[i] as string);
    if (!open) continue;
    const indent = (open[1] as string).length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !FENCE_CLOSE.test(lines[j] as string); j++) body.push((lines[j] as string).slice(indent));
    const slug = doc.replace(/[^A-Za-z0-9]+/g, '_');
    found.push({
      doc,
      line: i + 1,
      code: `${body.join('\n')}\n`,
      fragment: /\bfragment\b/.test(open[3] as string),
      virtualPath: join(ROOT, 'checks', `__doc_${slug}_L${i + 1}.ts`),
    });
    i = j;
  }
  return found;
}

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

/** A whole config is loaded (from a copy beside src/, as checks/index.ts is) and validated. */
async function validateConfigs(checked: Block[]): Promise<{ problems: string[]; count: number }> {
  const configs = checked.filter((block) => /^export default defineConfig\(/m.test(block.code));
  const dir = mkdtempSync(join(ROOT, '.docs-check-'));
  const problems: string[] = [];
  try {
    for (const block of configs) {
      const file = join(dir, `${block.doc.replace(/[^A-Za-z0-9]+/g, '_')}_L${block.line}.ts`);
      writeFileSync(file, block.code);
      try {
        const input = ((await import(pathToFileURL(file).href)) as { default?: unknown }).default;
        const result = validateConfig(input);
        if (!result.ok) for (const problem of result.problems) problems.push(`${block.doc}:${block.line}: ${problem}`);
      } catch (error) {
        problems.push(`${block.doc}:${block.line}: cannot load: ${(error as Error).message.split('\n')[0]}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { problems, count: configs.length };
}

const all = docs().flatMap(blocks);
const checked = all.filter((block) => !block.fragment);
const fragments = all.filter((block) => block.fragment);
const typeProblems = typeCheck(checked);
const validation = await validateConfigs(checked);
for (const problem of [...typeProblems, ...validation.problems]) console.error(problem);
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
console.log(
  `docs: ${count(checked.length, 'TypeScript block')} type-checked, ${count(validation.count, 'whole config')} validated, ${count(fragments.length, 'fragment')} skipped${fragments.length ? ` (${fragments.map((block) => `${block.doc}:${block.line}`).join(', ')})` : ''}`,
);
process.exit(typeProblems.length + validation.problems.length > 0 ? 1 : 0);
