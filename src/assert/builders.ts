// Typed helpers that write assertions for `checks/`:
//   status('2xx'), json('$.status').eq('ok'), latency().below({ warn: 500, crit: 2000 }),
//   header('access-control-allow-origin').eq('https://app.example.com'), body().contains('ok'),
//   value('connections').below(150).warn().for('5m')
// Each returns a builder whose toJSON() is plain assertion data: validation,
// storage and alerts only ever see the data.

import { parseDuration } from '../config/duration';
import type { AssertionInput, BaseSource, CalcFunction, Condition, Operator, Severity, SourceInput, Unit, Value } from './types';

/** Modifiers shared by one assertion and a warn/crit pair. */
interface Modifiers<Self> {
  /** Failing makes the check degraded instead of down. */
  warn(): Self;
  /** Failing makes the check down (the default). */
  crit(): Self;
  /** The failure must last this long before it counts: `.for('5m')`. */
  for(duration: string): Self;
  /** Name the value in messages: `.label('active connections')`. */
  label(text: string): Self;
  /**
   * Hysteresis: once failing, the value must get `pct` percent past the
   * threshold to pass again: `below(500).hysteresis(10)` fails at 500 and
   * recovers below 450.
   */
  hysteresis(pct: number): Self;
  /**
   * Applies only while `guard` holds; otherwise the assertion is skipped (it
   * passes, and its message says why): `.when(value('rps').label('traffic').above(1))`.
   */
  when(guard: AssertionBuilder): Self;
  /** What an empty list (no JSON match, no row, no series) means: `'fail'` (default), `'pass'` or `'unknown'`. */
  ifEmpty(mode: 'pass' | 'fail' | 'unknown'): Self;
}

/** A guard's data: the comparison only (no severity, `for` or hysteresis of its own). */
function conditionOf(guard: AssertionBuilder): Condition {
  const { source, op, value, flags, label, unit, severity, for: holdFor, recover, when } = guard.toJSON();
  if (source.type === 'trend') throw new Error('when(...): a guard cannot read a trend (change, changePct, vsMedian)');
  if (severity || holdFor || recover !== undefined || when) throw new Error('when(...): a guard is a plain comparison, without warn/crit, for, hysteresis or its own when');
  const condition: Condition = { source, op };
  if (value !== undefined) condition.value = value;
  if (flags) condition.flags = flags;
  if (label) condition.label = label;
  if (unit) condition.unit = unit;
  return condition;
}

/** The recovery line `pct` percent on the passing side of a threshold. */
function recoveryLine(op: Operator, limit: AssertionInput['value'], pct: number): number | undefined {
  if (typeof limit !== 'number' || !(pct > 0)) return undefined;
  const margin = Math.abs(limit) * (pct / 100);
  if (op === '<' || op === '<=') return limit - margin;
  if (op === '>' || op === '>=') return limit + margin;
  return undefined;
}

/** One assertion as written in config; `toJSON()` gives its plain data. */
export class AssertionBuilder implements Modifiers<AssertionBuilder> {
  readonly #data: AssertionInput;
  constructor(data: AssertionInput) {
    this.#data = data;
  }
  #with(change: Partial<AssertionInput>): AssertionBuilder {
    return new AssertionBuilder({ ...this.#data, ...change });
  }
  warn() {
    return this.#with({ severity: 'warn' });
  }
  crit() {
    return this.#with({ severity: 'crit' });
  }
  for(duration: string) {
    return this.#with({ for: duration });
  }
  label(text: string) {
    return this.#with({ label: text });
  }
  hysteresis(pct: number) {
    const recover = recoveryLine(this.#data.op, this.#data.value, pct);
    if (recover === undefined) throw new Error(`hysteresis(${pct}) needs a positive percentage and a <, <=, > or >= threshold`);
    return this.#with({ recover: Number(recover.toPrecision(12)) });
  }
  /** Hysteresis with an explicit line: `below(500).recoverAt(400)` fails at 500 and recovers below 400. */
  recoverAt(value: number) {
    return this.#with({ recover: value });
  }
  when(guard: AssertionBuilder) {
    return this.#with({ when: conditionOf(guard) });
  }
  ifEmpty(mode: 'pass' | 'fail' | 'unknown') {
    return this.#with({ ifEmpty: mode });
  }
  toJSON(): AssertionInput {
    return { ...this.#data };
  }
}

/** Two assertions on one value (warn and crit levels), e.g. `below({ warn: 500, crit: 2000 })`. */
export class LevelsBuilder implements Modifiers<LevelsBuilder> {
  constructor(readonly items: readonly AssertionBuilder[]) {}
  #each(apply: (item: AssertionBuilder) => AssertionBuilder): LevelsBuilder {
    return new LevelsBuilder(this.items.map(apply));
  }
  warn() {
    return this.#each((item) => item.warn());
  }
  crit() {
    return this.#each((item) => item.crit());
  }
  for(duration: string) {
    return this.#each((item) => item.for(duration));
  }
  label(text: string) {
    return this.#each((item) => item.label(text));
  }
  hysteresis(pct: number) {
    return this.#each((item) => item.hysteresis(pct));
  }
  when(guard: AssertionBuilder) {
    return this.#each((item) => item.when(guard));
  }
  ifEmpty(mode: 'pass' | 'fail' | 'unknown') {
    return this.#each((item) => item.ifEmpty(mode));
  }
  toJSON(): AssertionInput[] {
    return this.items.map((item) => item.toJSON());
  }
}

/** Anything `expect: [...]` accepts. */
export type Expectation = AssertionBuilder | LevelsBuilder | AssertionInput | AssertionInput[];

/**
 * Hysteresis of `pct` percent on every plain threshold (<, <=, >, >= on a
 * number, not a trend) among `expectations`: what the recipes' `hysteresis`
 * option does. Other assertions are left as they are.
 */
export function withHysteresis(expectations: Expectation[], pct: number | undefined): Expectation[] {
  if (pct === undefined) return expectations;
  const apply = (item: AssertionBuilder): AssertionBuilder => {
    const data = item.toJSON();
    const threshold = ['<', '<=', '>', '>='].includes(data.op) && typeof data.value === 'number' && data.source.type !== 'trend';
    return threshold ? item.hysteresis(pct) : item;
  };
  return expectations.map((entry) => (entry instanceof AssertionBuilder ? apply(entry) : entry instanceof LevelsBuilder ? new LevelsBuilder(entry.items.map(apply)) : entry));
}

/** Warn and crit thresholds on one value. */
export interface Levels {
  warn?: number;
  crit?: number;
}

/** Levels as `below`/`above` take them: on a value in seconds or milliseconds (`age()`, `.unit('s')`, `latency()`) a level may be a duration, `'1h'`. */
export interface ThresholdLevels {
  warn?: number | string;
  crit?: number | string;
}

/** How an assertion treats a list of values; see `every()`, `any()`, `ifEmpty()`. */
interface ListHandling {
  match?: 'all' | 'any';
  ifEmpty?: 'pass' | 'fail' | 'unknown';
}

/** Comparisons available on every source. */
export class SourceBuilder {
  constructor(
    readonly source: SourceInput,
    readonly name?: string,
    readonly valueUnit?: Unit,
    readonly list: ListHandling = {},
  ) {}

  /** Name the value in messages: `column('used_pct').label('connections used').unit('%').below(90)`. */
  label(text: string): SourceBuilder {
    return new SourceBuilder(this.source, text, this.valueUnit, this.list);
  }

  /** How the value reads in messages: `column('age_s').unit('s')` shows "26h". */
  unit(unit: Unit): SourceBuilder {
    return new SourceBuilder(this.source, this.name, unit, this.list);
  }

  /** Every value of a list must pass (the default): `series('error_ratio').every().below(0.05)`. */
  every(): SourceBuilder {
    return new SourceBuilder(this.source, this.name, this.valueUnit, { ...this.list, match: 'all' });
  }

  /** At least one value of a list must pass: `json('$.replicas[*].state').any().eq('streaming')`. */
  any(): SourceBuilder {
    return new SourceBuilder(this.source, this.name, this.valueUnit, { ...this.list, match: 'any' });
  }

  /** What an empty list means: `'fail'` (default), `'pass'` (nothing to check) or `'unknown'`. */
  ifEmpty(mode: 'pass' | 'fail' | 'unknown'): SourceBuilder {
    return new SourceBuilder(this.source, this.name, this.valueUnit, { ...this.list, ifEmpty: mode });
  }

  #base(what: string): BaseSource {
    const type = this.source.type;
    if (type === 'trend' || type === 'count' || type === 'age' || type === 'calc') throw new Error(`${what} reads a plain source, not a ${type}`);
    return this.source as BaseSource;
  }

  /** How many values the source has (JSON matches, rows, series; 0 when none): `json('$.items[*]').count().below(10)`. */
  count(): SourceBuilder {
    return new SourceBuilder({ type: 'count', of: this.#base('count()') }, this.name ? `${this.name} (count)` : undefined);
  }

  /**
   * Seconds since the timestamp the source holds (ISO 8601 or PostgreSQL text,
   * epoch seconds or milliseconds): `json('$.lastRun').age().below('1h')`.
   */
  age(): SourceBuilder {
    return new SourceBuilder({ type: 'age', of: this.#base('age()') }, this.name ? `age of ${this.name}` : undefined, 's', this.list);
  }

  #trend(fn: 'change' | 'changePct' | 'ratioToMedian', window: string): SourceBuilder {
    if (this.source.type !== 'trend') this.#base('a trend');
    if (this.source.type === 'trend') throw new Error('a trend of a trend is not supported');
    const name = this.name ? `${this.name}: ${fn === 'change' ? 'change' : fn === 'changePct' ? 'change' : 'ratio to median'} over ${window}` : undefined;
    return new SourceBuilder({ type: 'trend', of: this.source as BaseSource, fn, window }, name, fn === 'changePct' ? '%' : fn === 'change' ? this.valueUnit : undefined);
  }
  /** Now minus the value `window` ago: `value('failed').change('1h').below(10)`. */
  change(window: string) {
    return this.#trend('change', window);
  }
  /** Percentage change since `window` ago: `value('bytes').changePct('7d').below(20)`. */
  changePct(window: string) {
    return this.#trend('changePct', window);
  }
  /** Now divided by the median over `window`: `latency().vsMedian('24h').below(3)`. */
  vsMedian(window: string) {
    return this.#trend('ratioToMedian', window);
  }

  private make(op: Operator, value?: Value | Value[], flags?: string, severity?: Severity): AssertionBuilder {
    const input: AssertionInput = { source: this.source, op };
    if (this.list.match) input.match = this.list.match;
    if (this.list.ifEmpty) input.ifEmpty = this.list.ifEmpty;
    if (this.name) input.label = this.name;
    if (this.valueUnit) input.unit = this.valueUnit;
    if (value !== undefined) input.value = value;
    if (flags) input.flags = flags;
    if (severity) input.severity = severity;
    return new AssertionBuilder(input);
  }

  eq(value: Value) {
    return this.make('==', value);
  }
  ne(value: Value) {
    return this.make('!=', value);
  }
  lt(value: number) {
    return this.make('<', value);
  }
  lte(value: number) {
    return this.make('<=', value);
  }
  gt(value: number) {
    return this.make('>', value);
  }
  gte(value: number) {
    return this.make('>=', value);
  }
  between(low: number, high: number) {
    return this.make('between', [low, high]);
  }
  oneOf(values: Value[]) {
    return this.make('in', values);
  }
  contains(value: Value) {
    return this.make('contains', value);
  }
  notContains(value: Value) {
    return this.make('!contains', value);
  }
  matches(pattern: RegExp | string) {
    return typeof pattern === 'string' ? this.make('matches', pattern) : this.make('matches', pattern.source, pattern.flags);
  }
  notMatches(pattern: RegExp | string) {
    return typeof pattern === 'string' ? this.make('!matches', pattern) : this.make('!matches', pattern.source, pattern.flags);
  }
  exists() {
    return this.make('exists');
  }
  absent() {
    return this.make('!exists');
  }

  /** `below(150)` fails at 150 or more; `below({ warn: 500, crit: 2000 })` gives two levels; `age().below('1h')`. */
  below(limit: number | string): AssertionBuilder;
  below(levels: ThresholdLevels): LevelsBuilder;
  below(limit: number | string | ThresholdLevels): AssertionBuilder | LevelsBuilder {
    return this.threshold('<', limit);
  }

  /** `above(0.9)` fails at 0.9 or less; `above({ warn: 0.95, crit: 0.9 })` gives two levels. */
  above(limit: number | string): AssertionBuilder;
  above(levels: ThresholdLevels): LevelsBuilder;
  above(limit: number | string | ThresholdLevels): AssertionBuilder | LevelsBuilder {
    return this.threshold('>', limit);
  }

  /** A threshold as a number: a duration string ('1h') in the unit of a value in seconds or milliseconds. */
  #number(limit: number | string): number {
    if (typeof limit === 'number') return limit;
    const unit = this.valueUnit ?? (this.source.type === 'latency' ? 'ms' : undefined);
    const ms = parseDuration(limit);
    if (ms === undefined) throw new Error(`"${limit}" is not a duration such as "90s", "1h" or "7d"`);
    if (unit === 'ms') return ms;
    if (unit === 's') return ms / 1000;
    throw new Error(`a duration ("${limit}") is a threshold only for values in seconds or milliseconds (age(), latency(), .unit('s')): give a number`);
  }

  private threshold(op: '<' | '>', limit: number | string | ThresholdLevels): AssertionBuilder | LevelsBuilder {
    if (typeof limit === 'number' || typeof limit === 'string') return this.make(op, this.#number(limit));
    const items: AssertionBuilder[] = [];
    if (limit.warn !== undefined) items.push(this.make(op, this.#number(limit.warn), undefined, 'warn'));
    if (limit.crit !== undefined) items.push(this.make(op, this.#number(limit.crit), undefined, 'crit'));
    return new LevelsBuilder(items);
  }
}

function calc(fn: CalcFunction, a: SourceBuilder, b: SourceBuilder, join: string): SourceBuilder {
  const base = (side: SourceBuilder) => {
    const type = side.source.type;
    if (type === 'trend' || type === 'count' || type === 'age' || type === 'calc') throw new Error(`${fn}Of(...) takes plain sources (value, column, json ...), not a ${type}`);
    return side.source as BaseSource;
  };
  const name = a.name && b.name ? `${a.name} ${join} ${b.name}` : undefined;
  return new SourceBuilder({ type: 'calc', fn, a: base(a), b: base(b) }, name, fn === 'percent' ? '%' : fn === 'ratio' ? undefined : (a.valueUnit ?? b.valueUnit));
}

/** a ÷ b, two values of one check: `ratioOf(value('errors'), value('requests')).below(0.01)`. */
export function ratioOf(a: SourceBuilder, b: SourceBuilder): SourceBuilder {
  return calc('ratio', a, b, '÷');
}

/** 100 × a ÷ b: `percentOf(column('with_embeddings'), column('total')).above(95)`. */
export function percentOf(a: SourceBuilder, b: SourceBuilder): SourceBuilder {
  return calc('percent', a, b, 'as % of');
}

/** a − b: `differenceOf(json('$.produced'), json('$.consumed')).below(1000)` (a backlog). */
export function differenceOf(a: SourceBuilder, b: SourceBuilder): SourceBuilder {
  return calc('difference', a, b, '−');
}

/** a + b: `sumOf(value('waiting'), value('delayed')).below(500)`. */
export function sumOf(a: SourceBuilder, b: SourceBuilder): SourceBuilder {
  return calc('sum', a, b, '+');
}

/**
 * The HTTP status code. `status(200)`, `status('2xx')`, `status([200, 204])`,
 * or `status().between(200, 399)`.
 */
export function status(): SourceBuilder;
export function status(expected: number | `${1 | 2 | 3 | 4 | 5}xx` | number[]): AssertionBuilder;
export function status(expected?: number | string | number[]): SourceBuilder | AssertionBuilder {
  const builder = new SourceBuilder({ type: 'status' });
  if (expected === undefined) return builder;
  if (Array.isArray(expected)) return builder.oneOf(expected);
  if (typeof expected === 'number') return builder.eq(expected);
  const hundreds = Number(expected[0]) * 100;
  return builder.between(hundreds, hundreds + 99);
}

/** Response time in milliseconds: `latency().below({ warn: 500, crit: 2000 })`. */
export function latency(): SourceBuilder {
  return new SourceBuilder({ type: 'latency' });
}

/** A value from the JSON body: `json('$.services.database').eq('connected')` or `json('memory.heapUsed')`. */
export function json(path: string): SourceBuilder {
  return new SourceBuilder({ type: 'json', path });
}

/** A response header (case-insensitive): `header('content-type').contains('json')`. */
export function header(name: string): SourceBuilder {
  return new SourceBuilder({ type: 'header', name });
}

/** The response body as text: `body().contains('ok')`. */
export function body(): SourceBuilder {
  return new SourceBuilder({ type: 'body' });
}

/** A named value the check kind reports (a SQL column, a Redis INFO field, a metric). */
export function value(key: string): SourceBuilder {
  return new SourceBuilder({ type: 'value', key });
}

/**
 * The value of a `promql` check's query, one per series: `series().every().below(0.05)`,
 * `series('error_ratio').any().above(0)`, `series('pods_not_ready').count().eq(0)`.
 * A query that returns no series makes its assertions `unknown` (a typo in a metric
 * name is not a pass) unless told otherwise: `.ifEmpty('pass')` when the query's own
 * guard (`... and rate(x[5m]) > 1`) may leave nothing to check.
 */
export function series(name = 'result'): SourceBuilder {
  return new SourceBuilder({ type: 'value', key: name }, undefined, undefined, { ifEmpty: 'unknown' });
}

/** A column of the first row of a SQL result: `column('connections').below(150)`. */
export function column(name: string): SourceBuilder {
  return new SourceBuilder({ type: 'value', key: name });
}

/** The first column of the first row: `firstValue().eq(1)`. */
export function firstValue(): SourceBuilder {
  return new SourceBuilder({ type: 'value', key: 'value' });
}

/** How many rows a query returned: `rowCount().eq(0)`. */
export function rowCount(): SourceBuilder {
  return new SourceBuilder({ type: 'value', key: 'rowCount' });
}

/** A column in every row (each must pass): `eachRow('state_age_s').below(300)`. */
export function eachRow(name: string): SourceBuilder {
  return new SourceBuilder({ type: 'value', key: `rows:${name}` });
}

/** A Redis command's reply: `reply().eq('PONG')`. */
export function reply(): SourceBuilder {
  return new SourceBuilder({ type: 'value', key: 'reply' });
}

/** A field from Redis INFO: `info('used_memory')`, or derived `info('memory_used_pct')`, `info('keyspace_hit_pct')`. */
export function info(field: string): SourceBuilder {
  return new SourceBuilder({ type: 'value', key: `info:${field}` });
}
