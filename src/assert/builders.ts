// Typed helpers that write assertions for `checks/`:
//   status('2xx'), json('$.status').eq('ok'), latency().below({ warn: 500, crit: 2000 }),
//   header('access-control-allow-origin').eq('https://app.example.com'), body().contains('ok'),
//   value('connections').below(150).warn().for('5m')
// Each returns a builder whose toJSON() is plain assertion data: validation,
// storage and alerts only ever see the data.

import type { AssertionInput, BaseSource, Operator, Severity, SourceInput, Unit, Value } from './types';

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
  toJSON(): AssertionInput[] {
    return this.items.map((item) => item.toJSON());
  }
}

/** Anything `expect: [...]` accepts. */
export type Expectation = AssertionBuilder | LevelsBuilder | AssertionInput | AssertionInput[];

/** Warn and crit thresholds on one value. */
export interface Levels {
  warn?: number;
  crit?: number;
}

/** Comparisons available on every source. */
export class SourceBuilder {
  constructor(
    readonly source: SourceInput,
    readonly name?: string,
    readonly valueUnit?: Unit,
  ) {}

  /** Name the value in messages: `column('used_pct').label('connections used').unit('%').below(90)`. */
  label(text: string): SourceBuilder {
    return new SourceBuilder(this.source, text, this.valueUnit);
  }

  /** How the value reads in messages: `column('age_s').unit('s')` shows "26h". */
  unit(unit: Unit): SourceBuilder {
    return new SourceBuilder(this.source, this.name, unit);
  }

  #trend(fn: 'change' | 'changePct' | 'ratioToMedian', window: string): SourceBuilder {
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

  /** `below(150)` fails at 150 or more; `below({ warn: 500, crit: 2000 })` gives two levels. */
  below(limit: number): AssertionBuilder;
  below(levels: Levels): LevelsBuilder;
  below(limit: number | Levels): AssertionBuilder | LevelsBuilder {
    return this.threshold('<', limit);
  }

  /** `above(0.9)` fails at 0.9 or less; `above({ warn: 0.95, crit: 0.9 })` gives two levels. */
  above(limit: number): AssertionBuilder;
  above(levels: Levels): LevelsBuilder;
  above(limit: number | Levels): AssertionBuilder | LevelsBuilder {
    return this.threshold('>', limit);
  }

  private threshold(op: '<' | '>', limit: number | Levels): AssertionBuilder | LevelsBuilder {
    if (typeof limit === 'number') return this.make(op, limit);
    const items: AssertionBuilder[] = [];
    if (limit.warn !== undefined) items.push(this.make(op, limit.warn, undefined, 'warn'));
    if (limit.crit !== undefined) items.push(this.make(op, limit.crit, undefined, 'crit'));
    return new LevelsBuilder(items);
  }
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
