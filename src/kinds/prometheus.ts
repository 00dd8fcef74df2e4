// The Prometheus text exposition format (and the OpenMetrics text it shares):
// parsing samples, and PromQL-style series selectors with label matchers.
// https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
//
// Parsing is line by line and skips metrics nobody asked for before looking at
// their labels, so a 1 MB exposition costs little when a check reads a few series.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Milliseconds since the epoch, when the exposition gives one. */
  timestamp?: number;
}

export interface Exposition {
  samples: Sample[];
  /** # TYPE per metric family: counter, gauge, histogram, summary, untyped ... */
  types: Record<string, string>;
  /** Lines that could not be read ("line 12: ..."), at most MAX_ERRORS. */
  errors: string[];
}

const MAX_ERRORS = 20;
const NAME_START = /[a-zA-Z_:]/;

function parseNumber(text: string): number {
  switch (text) {
    case '+Inf':
    case 'Inf':
    case '+inf':
    case 'inf':
      return Infinity;
    case '-Inf':
    case '-inf':
      return -Infinity;
    case 'NaN':
    case 'nan':
      return Number.NaN;
    default: {
      const value = Number(text);
      if (text === '' || (Number.isNaN(value) && text !== 'NaN')) throw new Error(`"${text}" is not a number`);
      return value;
    }
  }
}

function isLabelChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

/** Undoes the format's escapes (\\, \" and \n); other backslashes stay. */
export function unescape(raw: string): string {
  return raw.replace(/\\(.)/g, (_, char: string) => (char === 'n' ? '\n' : char === '\\' || char === '"' ? char : `\\${char}`));
}

/** Reads `{a="x",b="y\"z"}` starting at `start` (the "{"); returns the labels and the index after "}". */
function parseLabels(line: string, start: number): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t' || line[i] === ',') i++;
    if (line[i] === '}') return [labels, i + 1];
    const nameStart = i;
    while (i < line.length && isLabelChar(line.charCodeAt(i))) i++;
    const name = line.slice(nameStart, i);
    if (!name) throw new Error(`a label name was expected at column ${i + 1}`);
    while (line[i] === ' ') i++;
    if (line[i] !== '=') throw new Error(`"=" was expected after label ${name}`);
    i++;
    while (line[i] === ' ') i++;
    if (line[i] !== '"') throw new Error(`label ${name}: a quoted value was expected`);
    const valueStart = i + 1;
    let escaped = false;
    i = valueStart;
    for (;;) {
      const quote = line.indexOf('"', i);
      if (quote === -1) throw new Error(`label ${name}: the value is not closed`);
      // A quote preceded by an odd number of backslashes is escaped.
      let backslashes = 0;
      for (let j = quote - 1; j >= valueStart && line[j] === '\\'; j--) backslashes++;
      if (backslashes % 2 === 0) {
        i = quote;
        break;
      }
      escaped = true;
      i = quote + 1;
    }
    const raw = line.slice(valueStart, i);
    labels[name] = escaped || raw.includes('\\') ? unescape(raw) : raw;
    i++;
  }
}

/**
 * Parses an exposition. `keep(name)` decides which metric names are read
 * (default: all); others are skipped at the cost of a prefix comparison.
 */
export function parseExposition(text: string, keep?: (name: string) => boolean): Exposition {
  const samples: Sample[] = [];
  const types: Record<string, string> = {};
  const errors: string[] = [];
  let lineNumber = 0;
  let position = 0;
  while (position < text.length) {
    let end = text.indexOf('\n', position);
    if (end === -1) end = text.length;
    let line = text.slice(position, end);
    position = end + 1;
    lineNumber++;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === '') continue;
    if (line[0] === '#') {
      // # TYPE name type / # HELP name text / # EOF / any other comment.
      if (line.startsWith('# TYPE ')) {
        const [, , name, type] = line.split(/\s+/);
        if (name && type) types[name] = type;
      }
      continue;
    }
    let i = 0;
    while (i < line.length && line[i] !== '{' && line[i] !== ' ' && line[i] !== '\t') i++;
    const name = line.slice(0, i);
    if (keep && !keep(name)) continue;
    try {
      if (!name || !NAME_START.test(name[0] as string)) throw new Error('a metric name was expected');
      let labels: Record<string, string> = {};
      if (line[i] === '{') [labels, i] = parseLabels(line, i);
      // value [timestamp] [# exemplar (OpenMetrics)]
      const rest = line.slice(i).split(' # ')[0]?.trim().split(/\s+/) ?? [];
      if (rest.length === 0 || rest[0] === '') throw new Error('a value was expected');
      const sample: Sample = { name, labels, value: parseNumber(rest[0] as string) };
      if (rest[1] !== undefined) sample.timestamp = parseNumber(rest[1]);
      samples.push(sample);
    } catch (error) {
      if (errors.length < MAX_ERRORS) errors.push(`line ${lineNumber}: ${(error as Error).message}`);
    }
  }
  return { samples, types, errors };
}

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  label: string;
  op: MatchOp;
  value: string;
}

export interface Selector {
  name: string;
  matchers: Matcher[];
}

/**
 * Parses a PromQL series selector: `http_requests_total{status=~"5..",job!="test"}`.
 * Regular expressions are anchored, as in PromQL.
 */
export function parseSelector(text: string): Selector {
  const trimmed = text.trim();
  const brace = trimmed.indexOf('{');
  const name = (brace === -1 ? trimmed : trimmed.slice(0, brace)).trim();
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`"${text}": a metric name such as http_requests_total was expected`);
  if (brace === -1) return { name, matchers: [] };
  if (!trimmed.endsWith('}')) throw new Error(`"${text}": the label matchers are not closed with "}"`);
  const matchers: Matcher[] = [];
  const body = trimmed.slice(brace + 1, -1);
  const pattern = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/y;
  let index = 0;
  while (index < body.length) {
    pattern.lastIndex = index;
    const match = pattern.exec(body);
    if (!match) throw new Error(`"${text}": cannot read the label matchers at "${body.slice(index)}"`);
    const value = unescape(match[3] as string);
    const op = match[2] as MatchOp;
    if (op === '=~' || op === '!~') new RegExp(`^(?:${value})$`);
    matchers.push({ label: match[1] as string, op, value });
    index = pattern.lastIndex;
    if (match[4] === '') break;
  }
  return { name, matchers };
}

const regexCache = new Map<string, RegExp>();
function anchored(source: string): RegExp {
  let re = regexCache.get(source);
  if (!re) regexCache.set(source, (re = new RegExp(`^(?:${source})$`)));
  return re;
}

/** True when a sample's labels satisfy every matcher (a missing label reads as ""). */
export function matches(labels: Record<string, string>, matchers: readonly Matcher[]): boolean {
  for (const { label, op, value } of matchers) {
    const actual = labels[label] ?? '';
    if (op === '=' && actual !== value) return false;
    if (op === '!=' && actual === value) return false;
    if (op === '=~' && !anchored(value).test(actual)) return false;
    if (op === '!~' && anchored(value).test(actual)) return false;
  }
  return true;
}

/** A stable key for one series: name plus its labels in order. */
export function seriesKey(name: string, labels: Record<string, string>): string {
  const parts = Object.keys(labels)
    .sort()
    .map((label) => `${label}=${JSON.stringify(labels[label])}`);
  return `${name}{${parts.join(',')}}`;
}
