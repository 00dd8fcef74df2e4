// The Prometheus text exposition format (and the OpenMetrics text it shares):
// parsing samples, and PromQL-style series selectors with label matchers.
// https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
//
// Parsing is line by line and skips metrics nobody asked for before looking at
// their labels, so a 1 MB exposition costs little when a check reads a few series.
//
// Why not parse-prometheus-text-format (the maintained npm parser)? Tried on
// tests/fixtures: one malformed line throws away the whole exposition,
// OpenMetrics exemplars end up inside the timestamp, and it builds every
// family (39 ms for 940 KB in Node, where this reads the four a check needs
// in 8 ms). The format is small; tests/kinds/prometheus.test.ts pins it.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  /** The series as the exporter wrote it: `name{labels}` (exporters keep label order stable between scrapes). */
  series: string;
  value: number;
  /** The timestamp as written, when the exposition gives one (ms in the Prometheus text format, seconds in OpenMetrics). */
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

/**
 * A sample value, timestamp or `le` bound as Prometheus reads it (Go's
 * ParseFloat): a decimal or exponent number, or Inf/NaN in any case and sign.
 */
export function parseNumber(text: string): number {
  const value = Number(text);
  if (text !== '' && !Number.isNaN(value)) return value;
  switch (text.toLowerCase()) {
    case 'inf':
    case '+inf':
    case 'infinity':
    case '+infinity':
      return Infinity;
    case '-inf':
    case '-infinity':
      return -Infinity;
    case 'nan':
      return Number.NaN;
    default:
      throw new Error(`"${text}" is not a number`);
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
    while (line[i] === ' ' || line[i] === '\t') i++;
    // The usual damage: a line cut short, or a label set never closed.
    if (line[i] !== ',' && line[i] !== '}') throw new Error(`"," or "}" was expected after the value of label ${name}`);
  }
}

const SPACE = 32;
const TAB = 9;
const BRACE = 123;
const HASH = 35;

function isNameStart(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 58;
}

/** The next whitespace-separated token of `line` from `i`: [token, index after it]. */
function token(line: string, i: number): [string, number] {
  while (line.charCodeAt(i) === SPACE || line.charCodeAt(i) === TAB) i++;
  const start = i;
  while (i < line.length && line.charCodeAt(i) !== SPACE && line.charCodeAt(i) !== TAB) i++;
  return [line.slice(start, i), i];
}

/**
 * Parses an exposition. `keep(name)` decides which metric names are read
 * (default: all); the lines of other metrics are skipped after reading their
 * name, without being copied or parsed.
 */
export function parseExposition(text: string, keep?: (name: string) => boolean): Exposition {
  const samples: Sample[] = [];
  const types: Record<string, string> = {};
  const errors: string[] = [];
  let lineNumber = 0;
  let position = 0;
  let skipped = '';
  while (position < text.length) {
    let end = text.indexOf('\n', position);
    if (end === -1) end = text.length;
    let start = position;
    position = end + 1;
    lineNumber++;
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    // Leading blanks are allowed (and a line of blanks is empty).
    while (start < end && (text.charCodeAt(start) === SPACE || text.charCodeAt(start) === TAB)) start++;
    if (end === start) continue;
    if (text.charCodeAt(start) === HASH) {
      // # TYPE name type / # HELP name text / # EOF / any other comment.
      if (text.startsWith('# TYPE ', start)) {
        const [, , name, type] = text.slice(start, end).split(/\s+/);
        if (name && type) types[name] = type;
      }
      continue;
    }
    // Lines of a skipped family follow each other: recognise them without copying the name.
    if (skipped && text.startsWith(skipped, start)) {
      const next = text.charCodeAt(start + skipped.length);
      if (next === BRACE || next === SPACE || next === TAB) continue;
    }
    let nameEnd = start;
    for (let code = text.charCodeAt(nameEnd); nameEnd < end && code !== BRACE && code !== SPACE && code !== TAB; code = text.charCodeAt(++nameEnd));
    const name = text.slice(start, nameEnd);
    if (keep && !keep(name)) {
      skipped = name;
      continue;
    }
    const line = text.slice(start, end);
    try {
      if (!name || !isNameStart(name.charCodeAt(0))) throw new Error('a metric name was expected');
      let labels: Record<string, string> = {};
      let i = nameEnd - start;
      // `name {labels}`: blanks may separate the name from its labels.
      let j = i;
      while (line.charCodeAt(j) === SPACE || line.charCodeAt(j) === TAB) j++;
      if (line.charCodeAt(j) === BRACE) [labels, i] = parseLabels(line, j);
      const series = line.slice(0, i);
      // value [timestamp] [# exemplar (OpenMetrics)]
      const [value, afterValue] = token(line, i);
      if (value === '') throw new Error('a value was expected');
      const sample: Sample = { name, labels, series, value: parseNumber(value) };
      const [timestamp, afterTimestamp] = token(line, afterValue);
      if (timestamp !== '' && timestamp !== '#') {
        sample.timestamp = parseNumber(timestamp);
        const [extra] = token(line, afterTimestamp);
        if (extra !== '' && extra !== '#') throw new Error(`unexpected "${extra}" after the timestamp`);
      }
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
 * Regular expressions are anchored, as in PromQL (see matcherRegExp).
 */
export function parseSelector(text: string): Selector {
  let selector = selectorCache.get(text);
  if (!selector) {
    selector = readSelector(text);
    if (selectorCache.size > 500) selectorCache.clear();
    selectorCache.set(text, selector);
  }
  return selector;
}

/** Parsed selectors by text: checks parse the same few on every run. */
const selectorCache = new Map<string, Selector>();

function readSelector(text: string): Selector {
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
    if (op === '=~' || op === '!~') {
      try {
        matcherRegExp(value);
      } catch (error) {
        throw new Error(`"${text}": ${match[1]}${op}"${value}" is not a valid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '')}`);
      }
    }
    matchers.push({ label: match[1] as string, op, value });
    index = pattern.lastIndex;
    if (match[4] === '') break;
  }
  return { name, matchers };
}

const regexCache = new Map<string, RegExp>();

/**
 * A label matcher's regular expression, compiled as PromQL compiles it (Go's
 * RE2): anchored at both ends, and `.` matches a newline too (the `s` flag).
 * RE2's leading flag group `(?i)` becomes the `i` flag, since JavaScript has
 * no such syntax. `"(?i)error.*"` matches `"Error:\nretry"`.
 */
export function matcherRegExp(source: string): RegExp {
  let re = regexCache.get(source);
  if (!re) {
    const flags = /^\(\?([is]+)\)/.exec(source);
    const body = flags ? source.slice(flags[0].length) : source;
    re = new RegExp(`^(?:${body})$`, flags?.[1]?.includes('i') ? 'si' : 's');
    if (regexCache.size > 500) regexCache.clear();
    regexCache.set(source, re);
  }
  return re;
}

/** True when a sample's labels satisfy every matcher (a missing label reads as ""). */
export function matches(labels: Record<string, string>, matchers: readonly Matcher[]): boolean {
  for (const { label, op, value } of matchers) {
    const actual = labels[label] ?? '';
    if (op === '=' && actual !== value) return false;
    if (op === '!=' && actual === value) return false;
    if (op === '=~' && !matcherRegExp(value).test(actual)) return false;
    if (op === '!~' && matcherRegExp(value).test(actual)) return false;
  }
  return true;
}
