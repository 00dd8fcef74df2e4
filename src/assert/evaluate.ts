// The one assertion evaluator: it judges observations at run time and, run on
// an empty observation, validates assertions in config (bad regex, bad path).

import { assertValidJsonPath, sourceKey, sourceLabel } from './sources';
import { formatDuration } from '../config/duration';
import { formatBytes } from '../format';
import type { Assertion, Observed, Operator, Outcome, Unit, Value } from './types';

/** What the evaluator needs from an observation. */
export interface Evidence {
  values: Record<string, Observed | undefined>;
  /** Why values may be missing (unparseable JSON, body over the limit ...). */
  error?: string;
}

/** Evaluates one assertion against an observation's values. */
export function evaluate(assertion: Assertion, evidence: Evidence): Outcome {
  const key = assertionKey(assertion);
  const observed = evidence.values[sourceKey(assertion.source)];
  const pass = holds(assertion.op, observed, assertion.value, assertion.flags);
  return { assertion, key, pass, observed, message: describe(assertion, observed, pass, evidence.error) };
}

/**
 * Returns what is wrong with an assertion, or `undefined` when it is usable.
 * Runs the evaluator on an empty observation, so config and run time agree.
 */
export function assertionProblem(assertion: Assertion): string | undefined {
  const base = assertion.source.type === 'trend' ? assertion.source.of : assertion.source;
  if (assertion.source.type === 'trend' && assertion.source.window < 60_000) return 'a trend window must be at least 1m';
  if (base.type === 'json') {
    const { path } = base;
    try {
      assertValidJsonPath(path);
    } catch (error) {
      return `json path "${path}" is not valid JSONPath: ${(error as Error).message}`;
    }
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
  const { source, op, value, flags, severity } = assertion;
  return fnv1a(JSON.stringify([source, op, value ?? null, flags ?? '', severity]));
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

function describe(assertion: Assertion, observed: Observed | undefined, pass: boolean, error?: string): string {
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
  const shownObserved = Array.isArray(observed) ? describeList(assertion, observed, unit) : formatValue(observed, unit, precision);
  return pass ? `${label} = ${shownObserved}` : `${label} = ${shownObserved}, expected ${expected}`;
}

function describeList(assertion: Assertion, observed: Value[], unit: Unit | undefined): string {
  if (observed.length === 0) return 'no values';
  const failing = observed.filter((item) => !holds(assertion.op, item, assertion.value, assertion.flags));
  if (failing.length === 0 || assertion.op === 'contains' || assertion.op === '!contains') {
    const shown = observed.slice(0, 5).map((v) => formatValue(v, unit));
    return `[${shown.join(', ')}${observed.length > 5 ? `, … ${observed.length - 5} more` : ''}]`;
  }
  return `${formatValue(failing[0], unit)} (${failing.length} of ${observed.length} values fail)`;
}
