// The assertion language: what a check expects of an observation, as plain
// data that can be validated, stored, shown on the page and put in alerts.

import type { Value } from '../model/state';

export type { Value };
/** An observed value, or several (a JSON path with a wildcard, one per SQL row). */
export type Observed = Value | Value[];

/** Where an assertion reads its value from. */
export type Source =
  | { type: 'status' }
  | { type: 'latency' }
  | { type: 'header'; name: string }
  | { type: 'json'; path: string }
  | { type: 'body' }
  /** A named value a kind reports: a SQL column, an INFO field, a metric ... */
  | { type: 'value'; key: string }
  /** Another source compared with its own past over `window` ms (see assert/trend.ts). */
  | { type: 'trend'; of: BaseSource; fn: TrendFunction; window: number }
  | DerivedSource;

/**
 * A value the evaluator computes from others of the same observation:
 * `count` how many values a source has (JSON matches, rows, series; 0 when missing),
 * `age` the seconds since the timestamp a source holds (ISO text, epoch seconds or
 * milliseconds, a PostgreSQL timestamp), `calc` arithmetic between two sources.
 */
export type DerivedSource = { type: 'count'; of: BaseSource } | { type: 'age'; of: BaseSource } | { type: 'calc'; fn: CalcFunction; a: BaseSource; b: BaseSource };

/** `ratio` a ÷ b, `percent` 100 × a ÷ b, `difference` a − b, `sum` a + b. */
export const CALC_FUNCTIONS = ['ratio', 'percent', 'difference', 'sum'] as const;
export type CalcFunction = (typeof CALC_FUNCTIONS)[number];

/** A source read straight from an observation: neither a trend nor derived. */
export type BaseSource = Exclude<Source, { type: 'trend' | 'count' | 'age' | 'calc' }>;
/** What a guard (`when`) may read: anything but a trend (trends are computed for top-level sources only). */
export type GuardSource = Exclude<Source, { type: 'trend' }>;

/**
 * `change`: now minus the value `window` ago; `changePct`: that as a percentage
 * of the old value; `ratioToMedian`: now divided by the median over the window.
 */
export type TrendFunction = 'change' | 'changePct' | 'ratioToMedian';

export type SourceType = Source['type'];

export const OPERATORS = [
  '==',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  'between',
  'in',
  'contains',
  '!contains',
  'matches',
  '!matches',
  'exists',
  '!exists',
] as const;
export type Operator = (typeof OPERATORS)[number];

export type Severity = 'warn' | 'crit';

/** One expectation: `source op value`, failing with `severity`. */
export interface Assertion {
  source: Source;
  op: Operator;
  /** The expected value: a Value, a list for `in`, `[low, high]` for `between`, a pattern for `matches`. */
  value?: Value | Value[];
  /** Regular expression flags for `matches` (e.g. "i"). */
  flags?: string;
  /** `warn` makes the check degraded, `crit` makes it down. */
  severity: Severity;
  /** Milliseconds the failure must last before it counts (config: `for: '5m'`). */
  for?: number;
  /**
   * Hysteresis for `<`, `<=`, `>`, `>=`: once failing, the value must get past
   * this line (on the passing side of `value`) before the assertion passes
   * again, so a value hovering at the threshold does not flap:
   * `< 500` with recover 450 fails at 500 and passes again below 450.
   */
  recover?: number;
  /** Shown instead of the source's own name in messages. */
  label?: string;
  /** How values read in messages: 'ms' → "2300 ms", 's' → "26h", 'bytes' → "3.1 MiB", '%' → "91%". */
  unit?: Unit;
  /**
   * Over a list of values (JSON matches, rows, series): `all` (default) every
   * value must pass, `any` at least one.
   */
  match?: 'all' | 'any';
  /**
   * An empty list (no JSON match, no row, a query that returned no series):
   * `fail` (default), `pass` (nothing to check, e.g. a guard in the query
   * removed every series), or `unknown` (the check cannot be evaluated).
   */
  ifEmpty?: 'pass' | 'fail' | 'unknown';
  /** The assertion applies only while this holds; otherwise it is skipped (and passes): `.when(value('rps').above(1))`. */
  when?: Condition;
}

/** A guard: a comparison that must hold for an assertion to apply. */
export interface Condition {
  source: GuardSource;
  op: Operator;
  value?: Value | Value[];
  flags?: string;
  label?: string;
  unit?: Unit;
}

export const UNITS = ['ms', 's', 'bytes', '%'] as const;
export type Unit = (typeof UNITS)[number];

/** A source as written in config: a trend's window is a duration string there. */
export type SourceInput = BaseSource | DerivedSource | { type: 'trend'; of: BaseSource; fn: TrendFunction; window: string };

/** The input form of an assertion in config: durations are strings there. */
export interface AssertionInput extends Omit<Assertion, 'for' | 'severity' | 'source'> {
  source: SourceInput;
  severity?: Severity;
  for?: string;
}

/** The result of one assertion against one observation. */
export interface Outcome {
  assertion: Assertion;
  /** Stable key of the assertion, used to remember how long it has failed. */
  key: string;
  pass: boolean;
  observed: Observed | undefined;
  /** `connections = 187, expected < 150` */
  message: string;
  /** Its guard (`when`) did not hold: it passes without being judged. */
  skipped?: true;
  /** It could not be evaluated (an empty list with `ifEmpty: 'unknown'`): the check is unknown unless something fails. */
  unknown?: true;
}
