// Reading values out of responses for assertion sources: JSON paths (RFC 9535
// JSONPath, or a plain dotted path), headers, and the key each source uses in
// an observation's values.

import { query } from 'jsonpath-rfc9535';
import { formatDuration } from '../config/duration';
import type { Assertion, BaseSource, Observed, Source, Value } from './types';

/** The key under which an observation stores the value a source reads. */
export function sourceKey(source: Source): string {
  switch (source.type) {
    case 'status':
      return 'status';
    case 'latency':
      return 'latencyMs';
    case 'body':
      return 'body';
    case 'header':
      return `header:${source.name.toLowerCase()}`;
    case 'json':
      return `json:${normalizeJsonPath(source.path)}`;
    case 'value':
      return source.key;
    case 'trend':
      return `trend:${source.fn}:${source.window}:${sourceKey(source.of)}`;
    case 'count':
    case 'age':
      return `${source.type}:${sourceKey(source.of)}`;
    case 'calc':
      return `calc:${source.fn}:${sourceKey(source.a)}|${sourceKey(source.b)}`;
  }
}

/** The sources read straight from an observation to compute `source` (itself when it is one). */
export function baseSourcesOf(source: Source): BaseSource[] {
  switch (source.type) {
    case 'trend':
    case 'count':
    case 'age':
      return [source.of];
    case 'calc':
      return [source.a, source.b];
    default:
      return [source];
  }
}

/**
 * Every source a kind must fill for an assertion: its own, what a trend or a
 * derived value is computed from, and its guard's.
 */
export function sourcesRead(assertion: Pick<Assertion, 'source' | 'when'>): Source[] {
  const own = assertion.source.type === 'trend' ? [assertion.source, assertion.source.of] : [assertion.source, ...baseSourcesOf(assertion.source)];
  return assertion.when ? [...own, assertion.when.source, ...baseSourcesOf(assertion.when.source)] : own;
}

/** How a source is named in messages: `status`, `latency`, `$.status`, `header content-type`. */
export function sourceLabel(source: Source): string {
  switch (source.type) {
    case 'status':
      return 'status';
    case 'latency':
      return 'latency';
    case 'body':
      return 'body';
    case 'header':
      return `header ${source.name.toLowerCase()}`;
    case 'json':
      return normalizeJsonPath(source.path);
    case 'value':
      if (source.key === 'rowCount') return 'rows';
      if (source.key.startsWith('rows:')) return `each row's ${source.key.slice(5)}`;
      if (source.key.startsWith('info:')) return source.key.slice(5);
      return source.key;
    case 'trend': {
      const base = sourceLabel(source.of);
      const window = formatDuration(source.window);
      if (source.fn === 'change') return `change in ${base} over ${window}`;
      if (source.fn === 'changePct') return `change in ${base} over ${window} (%)`;
      return `${base} ÷ its ${window} median`;
    }
    case 'count':
      return `count of ${sourceLabel(source.of)}`;
    case 'age':
      return `age of ${sourceLabel(source.of)}`;
    case 'calc': {
      const a = sourceLabel(source.a);
      const b = sourceLabel(source.b);
      if (source.fn === 'ratio') return `${a} ÷ ${b}`;
      if (source.fn === 'percent') return `${a} as % of ${b}`;
      if (source.fn === 'difference') return `${a} − ${b}`;
      return `${a} + ${b}`;
    }
  }
}

/**
 * Accepts RFC 9535 JSONPath (`$.services.database`, `$.items[*].state`) and the
 * dotted shorthand operators write in runbooks (`memory.heapUsed`, `items[0].id`).
 */
export function normalizeJsonPath(path: string): string {
  const trimmed = path.trim();
  if (trimmed.startsWith('$')) return trimmed;
  return `$${trimmed.startsWith('[') ? '' : '.'}${trimmed}`;
}

/** Throws if `path` is not valid JSONPath; used by config validation. */
export function assertValidJsonPath(path: string): void {
  query({}, normalizeJsonPath(path));
}

/**
 * Reads a JSON path from a parsed document. One match gives a value, several
 * give a list (every one must pass), none gives `undefined` (missing).
 * Objects and arrays are reported as compact JSON text.
 */
export function readJsonPath(document: unknown, path: string): Observed | undefined {
  const matches = query(document as never, normalizeJsonPath(path));
  if (matches.length === 0) return undefined;
  const values = matches.map(toValue);
  return values.length === 1 ? (values[0] as Value) : values;
}

const MAX_VALUE_TEXT = 200;

/** Turns any JSON value into a Value (objects become short JSON text). */
export function toValue(raw: unknown): Value {
  if (raw === null || typeof raw === 'number' || typeof raw === 'string' || typeof raw === 'boolean') return raw;
  if (typeof raw === 'bigint') return Number(raw);
  if (raw === undefined) return null;
  const text = JSON.stringify(raw) ?? String(raw);
  return text.length > MAX_VALUE_TEXT ? `${text.slice(0, MAX_VALUE_TEXT)}…` : text;
}
