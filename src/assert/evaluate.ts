// The one assertion evaluator: it judges observations at run time and, run on
// an empty observation, validates assertions in config (bad regex, bad path).

import { assertValidJsonPath, baseSourcesOf, sourceKey, sourceLabel } from './sources';
import { formatDuration } from '../config/duration';
import { formatBytes } from '../format';
import type { Assertion, CalcFunction, Observed, Operator, Outcome, Source, Unit, Value } from './types';

/** What the evaluator needs from an observation. */
export interface Evidence {
  values: Record<string, Observed | undefined>;
  /** Why values may be missing (unparseable JSON, body over the limit ...). */
  error?: string;
  /** The names of a list value's items by value key (a series' labels: `{job="api"}`), so messages name the failing ones. */
  labels?: Record<string, readonly string[]>;
  /** When the observation is judged (ms since the epoch), for `age`; the clock when absent. */
  now?: number;
  /** Value keys whose number is a lower bound (a count stopped at its cap): shown as "at least N". */
  atLeast?: readonly string[];
}

/** What a source reads in an observation. */
interface Reading {
  observed: Observed | undefined;
  /** Names of the items when `observed` is a list. */
  names?: readonly string[] | undefined;
  /** Why a derived value could not be computed (not a timestamp, a division by 0). */
  note?: string;
}

/** Evaluates one assertion against an observation's values. */
export function evaluate(assertion: Assertion, evidence: Evidence): Outcome {
  const key = assertionKey(assertion);
  if (assertion.when) {
    const guard = evaluate({ ...assertion.when, severity: 'crit' }, evidence);
    if (!guard.pass) {
      const label = assertion.label ?? sourceLabel(assertion.source);
      return { assertion, key, pass: true, skipped: true, observed: undefined, message: `${label}: skipped (${guard.message})` };
    }
  }
  const reading = read(assertion.source, evidence);
  const { observed } = reading;
  const empty = (Array.isArray(observed) && observed.length === 0) || (observed === undefined && !reading.note && !evidence.error);
  if (empty && assertion.ifEmpty && assertion.ifEmpty !== 'fail' && assertion.op !== 'exists' && assertion.op !== '!exists') {
    const label = assertion.label ?? sourceLabel(assertion.source);
    const none = reading.names ? 'no series' : 'no values';
    if (assertion.ifEmpty === 'pass') return { assertion, key, pass: true, observed, message: `${label}: ${none}, nothing to check` };
    return { assertion, key, pass: false, unknown: true, observed, message: `${label}: ${none}, so it cannot be evaluated` };
  }
  const pass = holdsFor(assertion, observed);
  const bound = assertion.source.type === 'value' && evidence.atLeast?.includes(assertion.source.key);
  return { assertion, key, pass, observed, message: describe(assertion, reading, pass, reading.note ?? evidence.error, bound) };
}

function holdsFor(assertion: Assertion, observed: Observed | undefined): boolean {
  if (assertion.match === 'any' && Array.isArray(observed) && !['exists', '!exists', 'contains', '!contains'].includes(assertion.op)) {
    return observed.some((item) => holds(assertion.op, item, assertion.value, assertion.flags));
  }
  return holds(assertion.op, observed, assertion.value, assertion.flags);
}

/** Reads a source's value: straight from the observation, or computed from other values there. */
function read(source: Source, evidence: Evidence): Reading {
  switch (source.type) {
    case 'count': {
      const { observed } = read(source.of, evidence);
      if (observed === undefined) return evidence.error ? { observed } : { observed: 0 };
      return { observed: Array.isArray(observed) ? observed.length : 1 };
    }
    case 'age': {
      const base = read(source.of, evidence);
      if (base.observed === undefined) return base;
      const now = evidence.now ?? Date.now();
      const age = (value: Value) => {
        const time = parseTimestamp(value);
        return time === undefined ? undefined : Math.round((now - time) / 10) / 100;
      };
      if (Array.isArray(base.observed)) {
        const ages = base.observed.map(age);
        const bad = base.observed.find((_, index) => ages[index] === undefined);
        if (bad !== undefined) return { observed: undefined, note: `${formatValue(bad)} is not a timestamp` };
        return { observed: ages as number[], names: base.names };
      }
      const value = age(base.observed);
      return value === undefined ? { observed: undefined, note: `${sourceLabel(source.of)} = ${formatValue(base.observed)} is not a timestamp` } : { observed: value };
    }
    case 'calc':
      return calculate(source.fn, read(source.a, evidence), read(source.b, evidence), source);
    default: {
      const key = sourceKey(source);
      return { observed: evidence.values[key], names: evidence.labels?.[key] };
    }
  }
}

/** Epoch seconds or milliseconds (numbers above 1e11 are ms: 1e11 s is the year 5138), ISO 8601 or PostgreSQL timestamp text. */
export function parseTimestamp(value: Value): number | undefined {
  if (typeof value === 'number' || (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value))) {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) return undefined;
    return n >= 1e11 ? n : n * 1000;
  }
  if (typeof value !== 'string') return undefined;
  // PostgreSQL's text form: "2026-12-06 05:16:42.123+00" (a space, and an offset without minutes); no zone means UTC.
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(value.trim());
  if (!match) return undefined;
  let zone = match[3] ?? 'Z';
  if (/^[+-]\d{2}$/.test(zone)) zone += ':00';
  else if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const time = Date.parse(`${match[1]}T${match[2]}${zone.toUpperCase()}`);
  return Number.isNaN(time) ? undefined : time;
}

function calculate(fn: CalcFunction, a: Reading, b: Reading, source: Extract<Source, { type: 'calc' }>): Reading {
  if (a.observed === undefined) return { observed: undefined, note: a.note ?? `${sourceLabel(source.a)} is missing` };
  if (b.observed === undefined) return { observed: undefined, note: b.note ?? `${sourceLabel(source.b)} is missing` };
  const one = (x: Value, y: Value): number | string => {
    const [p, q] = [numeric(x), numeric(y)];
    if (Number.isNaN(p) || Number.isNaN(q)) return `${formatValue(Number.isNaN(p) ? x : y)} is not a number`;
    if ((fn === 'ratio' || fn === 'percent') && q === 0) return `cannot divide by ${sourceLabel(source.b)} = 0`;
    const result = fn === 'ratio' ? p / q : fn === 'percent' ? (100 * p) / q : fn === 'difference' ? p - q : p + q;
    return Number(result.toPrecision(12));
  };
  const lists = [a.observed, b.observed].filter(Array.isArray);
  if (lists.length === 2 && (a.observed as Value[]).length !== (b.observed as Value[]).length) {
    return { observed: undefined, note: `${sourceLabel(source.a)} has ${(a.observed as Value[]).length} values and ${sourceLabel(source.b)} ${(b.observed as Value[]).length}` };
  }
  if (lists.length === 0) {
    const result = one(a.observed as Value, b.observed as Value);
    return typeof result === 'string' ? { observed: undefined, note: result } : { observed: result };
  }
  const length = (lists[0] as Value[]).length;
  const at = (reading: Reading, index: number) => (Array.isArray(reading.observed) ? (reading.observed[index] as Value) : (reading.observed as Value));
  const results: number[] = [];
  for (let index = 0; index < length; index++) {
    const result = one(at(a, index), at(b, index));
    if (typeof result === 'string') return { observed: undefined, note: result };
    results.push(result);
  }
  return { observed: results, names: Array.isArray(a.observed) ? a.names : b.names };
}

/**
 * Returns what is wrong with an assertion, or `undefined` when it is usable.
 * Runs the evaluator on an empty observation, so config and run time agree.
 */
export function assertionProblem(assertion: Assertion): string | undefined {
  if (assertion.source.type === 'trend' && assertion.source.window < 60_000) return 'a trend window must be at least 1m';
  for (const base of baseSourcesOf(assertion.source)) {
    if (base.type !== 'json') continue;
    const { path } = base;
    try {
      assertValidJsonPath(path);
    } catch (error) {
      return `json path "${path}" is not valid JSONPath: ${(error as Error).message}`;
    }
  }
  if (assertion.when) {
    if ((assertion.when.source.type as string) === 'trend') return 'when: a guard cannot read a trend';
    const problem = assertionProblem({ ...assertion.when, severity: 'crit' });
    if (problem) return `when: ${problem}`;
  }
  const { op, value } = assertion;
  if ((op === 'exists' || op === '!exists') && value !== undefined && value !== true) {
    return `operator "${op}" takes no value`;
  }
  if (op !== 'exists' && op !== '!exists' && value === undefined) return `operator "${op}" needs a value`;
  if (op === 'between' && !(Array.isArray(value) && value.length === 2 && value.every(isNumeric))) {
    return 'operator "between" needs [low, high] numbers';
  }
  if (op === 'in' && !Array.isArray(value)) return 'operator "in" needs a list of values';
  if (['<', '<=', '>', '>='].includes(op) && !isNumeric(value as Value)) {
    return `operator "${op}" needs a number, got ${JSON.stringify(value)}`;
  }
  if (assertion.recover !== undefined) {
    if (!['<', '<=', '>', '>='].includes(op)) return `recover applies to <, <=, > and >= (not "${op}")`;
    const limit = Number(value);
    if ((op.startsWith('<') && assertion.recover > limit) || (op.startsWith('>') && assertion.recover < limit)) {
      return `recover ${assertion.recover} must be on the passing side of ${op} ${limit} (${op.startsWith('<') ? 'at or below' : 'at or above'} it)`;
    }
  }
  if (op === 'matches' || op === '!matches') {
    try {
      new RegExp(String(value), assertion.flags);
    } catch (error) {
      return `pattern ${JSON.stringify(value)} is not a valid regular expression: ${(error as Error).message}`;
    }
  }
  try {
    evaluate(assertion, { values: {} });
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

/** A stable short key for an assertion (remembers its failing-since across ticks). */
export function assertionKey(assertion: Assertion): string {
  const { source, op, value, flags, severity, match, when } = assertion;
  // Fields added later join the key only when set, so existing assertions keep their keys (and failing-since).
  const extra = match === 'any' || when ? [match ?? 'all', when ?? null] : [];
  return fnv1a(JSON.stringify([source, op, value ?? null, flags ?? '', severity, ...extra]));
}

function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(36);
}

// A list of observed values (a JSON wildcard, one value per row) passes when
// every value passes; `exists` and `contains` ask about the list as a whole.
function holds(op: Operator, observed: Observed | undefined, expected: Assertion['value'], flags?: string): boolean {
  if (op === 'exists') return observed !== undefined && !(Array.isArray(observed) && observed.length === 0);
  if (op === '!exists') return observed === undefined || (Array.isArray(observed) && observed.length === 0);
  if (observed === undefined) return false;
  if (Array.isArray(observed)) {
    if (op === 'contains') return observed.some((item) => holds('contains', item, expected, flags));
    if (op === '!contains') return observed.every((item) => holds('!contains', item, expected, flags));
    return observed.length > 0 && observed.every((item) => holds(op, item, expected, flags));
  }
  switch (op) {
    case '==':
      return same(observed, expected as Value);
    case '!=':
      return !same(observed, expected as Value);
    case '<':
      return numeric(observed) < numeric(expected as Value);
    case '<=':
      return numeric(observed) <= numeric(expected as Value);
    case '>':
      return numeric(observed) > numeric(expected as Value);
    case '>=':
      return numeric(observed) >= numeric(expected as Value);
    case 'between': {
      const [low, high] = expected as Value[];
      const n = numeric(observed);
      return n >= numeric(low as Value) && n <= numeric(high as Value);
    }
    case 'in':
      return (expected as Value[]).some((candidate) => same(observed, candidate));
    case 'contains':
      return text(observed).includes(text(expected as Value));
    case '!contains':
      return !text(observed).includes(text(expected as Value));
    case 'matches':
      return new RegExp(String(expected), flags).test(text(observed));
    case '!matches':
      return !new RegExp(String(expected), flags).test(text(observed));
  }
}

/** Numbers compare as numbers even when a driver returns them as text ("187"). */
function same(observed: Value, expected: Value): boolean {
  if (typeof expected === 'number' && isNumeric(observed)) return numeric(observed) === expected;
  if (typeof expected === 'boolean' && typeof observed === 'string') return observed === String(expected);
  if (typeof expected === 'string' && typeof observed !== 'string' && observed !== null) return String(observed) === expected;
  return observed === expected;
}

function isNumeric(value: Value | Value[] | undefined): boolean {
  if (typeof value === 'number') return !Number.isNaN(value);
  if (typeof value === 'string') return value.trim() !== '' && !Number.isNaN(Number(value));
  return false;
}

function numeric(value: Value): number {
  return isNumeric(value) ? Number(value) : Number.NaN;
}

function text(value: Value): string {
  return value === null ? '' : String(value);
}

const MAX_SHOWN = 120;

/**
 * How precisely numbers are shown: 0 as usual (`1h`, `1.5 KiB`, 4 significant
 * digits); 1 and 2 when an observed value and its threshold differ but would
 * read the same (`age = 1h 1s, expected < 1h`, not `age = 1h, expected < 1h`).
 */
type Precision = 0 | 1 | 2;
const PRECISIONS: readonly Precision[] = [0, 1, 2];

/** Formats a value for a message: strings quoted, long ones cut, numbers in their unit. */
export function formatValue(value: Value | undefined, unit?: Unit, precision: Precision = 0): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'string') {
    const shown = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'number' && unit) {
    if (unit === 's') return formatDuration(value * 1000, precision === 0 ? undefined : precision === 1 ? 'seconds' : 'ms');
    if (unit === 'bytes') return formatBytes(value, 1 + 2 * precision);
    return `${round(value, precision)}${unit === 'ms' ? ' ms' : unit}`;
  }
  if (typeof value === 'number') return String(round(value, precision));
  return String(value);
}

function round(value: number, precision: Precision = 0): number {
  return Number.isInteger(value) ? value : Number(value.toPrecision(4 + 4 * precision));
}

/** The least precision at which `observed` and the assertion's number read differently. */
function precisionFor(assertion: Assertion, observed: Observed | undefined, unit: Unit | undefined): Precision {
  const threshold = assertion.value;
  if (typeof observed !== 'number' || typeof threshold !== 'number' || observed === threshold) return 0;
  // "1.0 MiB" and "1 MiB" read alike.
  const read = (value: number, precision: Precision) => formatValue(value, unit, precision).replace(/(\d)\.0+(?!\d)/g, '$1');
  return PRECISIONS.find((precision) => read(observed, precision) !== read(threshold, precision)) ?? 2;
}

function expectation(assertion: Assertion, unit: Unit | undefined, precision: Precision = 0): string {
  const { op, value, flags } = assertion;
  const shown = (v: Value | undefined) => formatValue(v, unit, precision);
  switch (op) {
    case '==':
      return shown(value as Value);
    case '!=':
      return `not ${shown(value as Value)}`;
    case 'between': {
      const [low, high] = value as [Value, Value];
      if (assertion.source.type === 'status' && Number(low) % 100 === 0 && Number(high) === Number(low) + 99) {
        return `${Number(low) / 100}xx`;
      }
      return `between ${shown(low)} and ${shown(high)}`;
    }
    case 'in':
      return `one of ${(value as Value[]).map((v) => shown(v)).join(', ')}`;
    case 'contains':
      return `to contain ${shown(value as Value)}`;
    case '!contains':
      return `not to contain ${shown(value as Value)}`;
    case 'matches':
      return `to match /${String(value)}/${flags ?? ''}`;
    case '!matches':
      return `not to match /${String(value)}/${flags ?? ''}`;
    case 'exists':
      return 'to be present';
    case '!exists':
      return 'to be absent';
    default:
      return `${op} ${shown(value as Value)}`;
  }
}

function describe(assertion: Assertion, reading: Reading, pass: boolean, error?: string, atLeast = false): string {
  const { observed, names } = reading;
  const label = assertion.label ?? sourceLabel(assertion.source);
  const unit: Unit | undefined = assertion.unit ?? (assertion.source.type === 'latency' ? 'ms' : undefined);
  const precision = precisionFor(assertion, observed, unit);
  const expected = expectation(assertion, unit, precision);
  if (observed === undefined) {
    if (pass) return `${label} is absent`;
    return `${label} is missing${error ? ` (${error})` : ''}, expected ${expected}`;
  }
  if (assertion.source.type === 'body' && typeof observed === 'string') {
    const size = `body (${observed.length} characters)`;
    return pass ? size : `${size}, expected ${expected}`;
  }
  if (Array.isArray(observed) && names && names.length === observed.length && observed.length > 0) {
    const shown = describeNamed(assertion, label, observed, names, unit);
    return pass ? shown : `${shown}, expected ${expected}`;
  }
  const shownObserved = Array.isArray(observed) ? describeList(assertion, observed, unit) : `${atLeast ? 'at least ' : ''}${formatValue(observed, unit, precision)}`;
  return pass ? `${label} = ${shownObserved}` : `${label} = ${shownObserved}, expected ${expected}`;
}

const MAX_NAMED = 3;

/** A list whose items have names (series): `error_ratio{job="api"} = 0.07 (1 of 3 fail)`. */
function describeNamed(assertion: Assertion, label: string, observed: Value[], names: readonly string[], unit: Unit | undefined): string {
  const items = observed.map((value, index) => ({ value, name: names[index] as string, pass: holds(assertion.op, value, assertion.value, assertion.flags) }));
  const list = (chosen: typeof items) => chosen.slice(0, MAX_NAMED).map((item, index) => `${index === 0 ? `${label}${item.name.startsWith('{') ? '' : ' '}` : ''}${item.name} = ${formatValue(item.value, unit)}`).join(', ') + (chosen.length > MAX_NAMED ? `, … ${chosen.length - MAX_NAMED} more` : '');
  const passing = items.filter((item) => item.pass);
  const failing = items.filter((item) => !item.pass);
  if (assertion.match === 'any') {
    if (passing.length > 0) return `${list(passing)} (${passing.length} of ${items.length} pass)`;
    return `${list(items)} (none of ${items.length} passes)`;
  }
  if (failing.length === 0) return items.length > MAX_NAMED ? `${list(items)} (all ${items.length} pass)` : list(items);
  return failing.length === 1 && items.length === 1 ? list(failing) : `${list(failing)} (${failing.length} of ${items.length} fail)`;
}

function describeList(assertion: Assertion, observed: Value[], unit: Unit | undefined): string {
  if (observed.length === 0) return 'no values';
  if (assertion.match === 'any' && !['contains', '!contains'].includes(assertion.op)) {
    const passing = observed.filter((item) => holds(assertion.op, item, assertion.value, assertion.flags));
    if (passing.length > 0) return `${formatValue(passing[0], unit)} (${passing.length} of ${observed.length} values pass)`;
    return `[${observed.slice(0, 5).map((v) => formatValue(v, unit)).join(', ')}${observed.length > 5 ? `, … ${observed.length - 5} more` : ''}] (none passes)`;
  }
  const failing = observed.filter((item) => !holds(assertion.op, item, assertion.value, assertion.flags));
  if (failing.length === 0 || assertion.op === 'contains' || assertion.op === '!contains') {
    const shown = observed.slice(0, 5).map((v) => formatValue(v, unit));
    return `[${shown.join(', ')}${observed.length > 5 ? `, … ${observed.length - 5} more` : ''}]`;
  }
  return `${formatValue(failing[0], unit)} (${failing.length} of ${observed.length} values fail)`;
}
