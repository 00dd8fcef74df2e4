// The assertion evaluator: every operator, numbers given as text, lists,
// missing values, and the observed-vs-expected message.
import { describe, expect, it } from 'vitest';
import { body, column, differenceOf, eachRow, header, json, latency, percentOf, ratioOf, status, sumOf, value } from '../src/assert/builders';
import { validateConfig } from '../src/config/validate';
import { assertionProblem, evaluate } from '../src/assert/evaluate';
import { judge } from '../src/assert/judge';
import type { Assertion, AssertionInput, Observed } from '../src/assert/types';

import { toAssertion } from '../src/config/validate';

const crit = (input: AssertionInput): Assertion => toAssertion(input);
const data = (builder: { toJSON(): AssertionInput }) => crit(builder.toJSON());

describe('evaluate', () => {
  const cases: Array<[string, Assertion, Record<string, Observed>, boolean, string]> = [
    ['status equals', data(status(200)), { status: 200 }, true, 'status = 200'],
    ['status 2xx fails on 500', data(status('2xx')), { status: 500 }, false, 'status = 500, expected 2xx'],
    ['status list', data(status([200, 204])), { status: 204 }, true, 'status = 204'],
    ['json string equality', data(json('$.status').eq('ok')), { 'json:$.status': 'degraded' }, false, '$.status = "degraded", expected "ok"'],
    ['dotted path is JSONPath', data(json('services.database').eq('connected')), { 'json:$.services.database': 'connected' }, true, '$.services.database = "connected"'],
    ['numbers as text compare as numbers', data(value('connections').below(150)), { connections: '187' }, false, 'connections = "187", expected < 150'],
    ['latency has a unit', data(latency().below(2000)), { latencyMs: 2300 }, false, 'latency = 2300 ms, expected < 2000 ms'],
    ['missing value fails', data(json('$.status').eq('ok')), {}, false, '$.status is missing, expected "ok"'],
    ['exists', data(json('$.services.redis').exists()), { 'json:$.services.redis': 'connected' }, true, '$.services.redis = "connected"'],
    ['absent passes when missing', data(header('x-debug').absent()), {}, true, 'header x-debug is absent'],
    ['header contains', data(header('Content-Type').contains('json')), { 'header:content-type': 'application/json' }, true, 'header content-type = "application/json"'],
    ['regex with flags', data(json('$.msg').matches(/^OK$/i)), { 'json:$.msg': 'ok' }, true, '$.msg = "ok"'],
    ['not matches', data(body().notMatches(/error/)), { body: 'all error' }, false, 'body (9 characters), expected not to match /error/'],
    ['between', data(value('ratio').between(0.9, 1)), { ratio: 0.95 }, true, 'ratio = 0.95'],
    ['in', data(json('$.state').oneOf(['ok', 'healthy'])), { 'json:$.state': 'healthy' }, true, '$.state = "healthy"'],
    ['every listed value must pass', data(value('age').below(300)), { age: [10, 400, 20, 500] }, false, 'age = 400 (2 of 4 values fail), expected < 300'],
    ['contains on a list means one of them', data(json('$.tags[*]').contains('prod')), { 'json:$.tags[*]': ['dev', 'prod'] }, true, '$.tags[*] = ["dev", "prod"]'],
    ['boolean against text', data(json('$.ok').eq(true)), { 'json:$.ok': 'true' }, true, '$.ok = "true"'],
    ['not a number fails a comparison', data(value('n').below(5)), { n: 'abc' }, false, 'n = "abc", expected < 5'],
    ['label replaces the source name', data(value('numbackends').below(150).label('connections')), { numbackends: 187 }, false, 'connections = 187, expected < 150'],
    // Two values that differ are never shown alike: more precision until they read apart.
    ['durations a second apart', data(value('age').unit('s').below(3600)), { age: 3601 }, false, 'age = 1h 1s, expected < 1h'],
    ['durations apart by less than a second', data(value('age').unit('s').below(3600)), { age: 3600.4 }, false, 'age = 1h 400 ms, expected < 1h'],
    ['durations shown as usual when they read apart', data(value('age').unit('s').below(3600)), { age: 5400 }, false, 'age = 1h 30m, expected < 1h'],
    ['the same duration is the same', data(value('age').unit('s').below(3600)), { age: 3600 }, false, 'age = 1h, expected < 1h'],
    ['sizes that round alike', data(value('size').unit('bytes').below(1024 * 1024)), { size: 1024 * 1024 + 10 }, false, 'size = 1.00001 MiB, expected < 1 MiB'],
    ['numbers that round alike', data(value('lag').below(150)), { lag: 150.004 }, false, 'lag = 150.004, expected < 150'],
  ];
  it.each(cases)('%s', (_name, assertion, values, pass, message) => {
    const outcome = evaluate(assertion, { values });
    expect(outcome.pass).toBe(pass);
    expect(outcome.message).toBe(message);
  });

  it('names the reason a value is missing', () => {
    const outcome = evaluate(data(json('$.status').eq('ok')), { values: {}, error: 'response is not valid JSON: Unexpected token' });
    expect(outcome.message).toBe('$.status is missing (response is not valid JSON: Unexpected token), expected "ok"');
  });
});

describe('assertionProblem (config validation runs the same evaluator)', () => {
  it.each([
    [crit({ source: { type: 'json', path: '$..[' }, op: '==', value: 'ok' }), /json path "\$\.\.\[" is not valid JSONPath/],
    [crit({ source: { type: 'body' }, op: 'matches', value: '(unclosed' }), /not a valid regular expression/],
    [crit({ source: { type: 'status' }, op: '<', value: 'abc' }), /operator "<" needs a number/],
    [crit({ source: { type: 'status' }, op: 'between', value: [1] }), /needs \[low, high\]/],
    [crit({ source: { type: 'status' }, op: 'in', value: 200 }), /needs a list/],
    [crit({ source: { type: 'status' }, op: '==' }), /needs a value/],
  ])('%j', (assertion, problem) => {
    expect(assertionProblem(assertion)).toMatch(problem);
  });
  it('accepts good assertions', () => {
    expect(assertionProblem(data(json('$.items[*].state').eq('ok')))).toBeUndefined();
  });
});

describe('judge', () => {
  const assertions = [...latency().below({ warn: 500, crit: 2000 }).toJSON(), status('2xx').toJSON()].map(crit);
  it('warn failures degrade, crit failures take the check down', () => {
    expect(judge(assertions, { reached: true, values: { status: 200, latencyMs: 100 } }, undefined, 0).status).toBe('up');
    expect(judge(assertions, { reached: true, values: { status: 200, latencyMs: 900 } }, undefined, 0).status).toBe('degraded');
    const down = judge(assertions, { reached: true, values: { status: 503, latencyMs: 900 } }, undefined, 0);
    expect(down.status).toBe('down');
    expect(down.message).toBe('status = 503, expected 2xx; latency = 900 ms, expected < 500 ms');
  });
  it('unreachable is down with the error; unknown stays unknown', () => {
    expect(judge(assertions, { reached: false, values: {}, error: 'connection refused' }, undefined, 0)).toMatchObject({ status: 'down', message: 'connection refused' });
    expect(judge(assertions, { reached: false, unknown: true, values: {}, error: 'secret X is not set' }, undefined, 0)).toMatchObject({ status: 'unknown' });
  });
  it('`for` holds a failure back until it has lasted long enough', () => {
    const held = [crit(value('queue').below(10).for('5m').toJSON())];
    const failing = { reached: true, values: { queue: 50 } };
    const first = judge(held, failing, undefined, 0);
    expect(first.status).toBe('up');
    expect(first.pending).toHaveLength(1);
    expect(judge(held, failing, first.memory, 4 * 60_000).status).toBe('up');
    expect(judge(held, failing, first.memory, 5 * 60_000).status).toBe('down');
    const recovered = judge(held, { reached: true, values: { queue: 1 } }, first.memory, 6 * 60_000);
    expect(recovered.status).toBe('up');
    expect(recovered.memory).toEqual({});
  });

  /** Feeds values minute by minute (undefined: no value, waiting) and returns the statuses. */
  const run = (assertions: Assertion[], values: Array<number | undefined>) => {
    let memory: ReturnType<typeof judge>['memory'] | undefined;
    return values.map((v, minute) => {
      const observation = v === undefined ? { reached: true, values: {}, pending: { p95: 'no requests observed since the last scrape' } } : { reached: true, values: { p95: v } };
      const judgement = judge(assertions, observation, memory, minute * 60_000);
      memory = judgement.memory;
      return judgement.status;
    });
  };

  it('hysteresis holds a counted failure until the value is past the recovery line', () => {
    const line = [crit(value('p95').below(500).recoverAt(450).toJSON())];
    expect(run(line, [700, 480, 460, 440, 480])).toEqual(['down', 'down', 'down', 'up', 'up']);
  });

  it('a gap in the data neither clears nor forgets a failure (hysteresis and `for`)', () => {
    const line = [crit(value('p95').below(500).recoverAt(450).toJSON())];
    // An idle minute (no requests, no p95) between 700 and 480 must not let it recover.
    expect(run(line, [700, undefined, 480, 440])).toEqual(['down', 'down', 'down', 'up']);
    const held = [crit(value('p95').below(500).for('5m').toJSON())];
    // Failing with a gap every third minute still fires once 5 minutes have passed (at the next failing value).
    expect(run(held, [700, 700, undefined, 700, 700, undefined, 700])).toEqual(['up', 'up', 'up', 'up', 'up', 'up', 'down']);
  });

  it('hysteresis does not stretch a spike that never outlasted `for`', () => {
    const both = [crit(value('p95').below(500).recoverAt(450).for('5m').toJSON())];
    expect(run(both, [510, 480, 480, 480, 480, 480, 480])).toEqual(['up', 'up', 'up', 'up', 'up', 'up', 'up']);
    // A failure that did count holds on under the line.
    expect(run(both, [510, 510, 510, 510, 510, 510, 480, 480, 440])).toEqual(['up', 'up', 'up', 'up', 'up', 'down', 'down', 'down', 'up']);
  });
});

describe('derived values, quantifiers, guards and empty lists', () => {
  const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
  const at = (assertion: Assertion, values: Record<string, Observed>, labels?: Record<string, string[]>) => evaluate(assertion, { values, labels, now: NOW });

  it.each([
    ['ISO text', '2026-12-06T11:30:00Z', 1800],
    ['ISO with an offset', '2026-12-06T13:30:00+02:00', 1800],
    ['PostgreSQL text (space, +00)', '2026-12-06 11:30:00.5+00', 1799.5],
    ['PostgreSQL timestamp without zone (UTC)', '2026-12-06 11:00:00', 3600],
    ['epoch seconds', NOW / 1000 - 7200, 7200],
    ['epoch milliseconds', NOW - 60_000, 60],
    ['epoch seconds as text', String(NOW / 1000 - 10), 10],
  ])('age of %s', (_name, stamp, seconds) => {
    const outcome = at(data(json('$.lastRun').age().below('1h')), { 'json:$.lastRun': stamp as Observed });
    expect(outcome.observed).toBe(seconds);
    expect(outcome.pass).toBe(seconds < 3600);
  });

  it('an age over its limit reads as a duration; a value that is not a timestamp says so', () => {
    expect(at(data(json('$.lastRun').age().below('1h')), { 'json:$.lastRun': '2026-12-06T09:00:00Z' }).message).toBe('age of $.lastRun = 3h, expected < 1h');
    expect(at(data(json('$.lastRun').age().below('1h')), { 'json:$.lastRun': 'yesterday' }).message).toBe('age of $.lastRun is missing ($.lastRun = "yesterday" is not a timestamp), expected < 1h');
    expect(column('finished_at').age().below({ warn: '25h', crit: '49h' }).toJSON().map((item) => item.value)).toEqual([90_000, 176_400]);
  });

  it('count of JSON matches: none is 0, a scalar is 1', () => {
    const fewer = data(json('$.items[*]').count().below(10));
    expect(at(fewer, { 'json:$.items[*]': [1, 2, 3] })).toMatchObject({ pass: true, observed: 3, message: 'count of $.items[*] = 3' });
    expect(at(fewer, { 'json:$.items[*]': Array.from({ length: 12 }, (_, i) => i) }).message).toBe('count of $.items[*] = 12, expected < 10');
    expect(at(fewer, {}).observed).toBe(0);
    // Unreadable JSON is not "no items".
    expect(evaluate(fewer, { values: {}, error: 'response is not valid JSON' }).pass).toBe(false);
  });

  it('ratio, percent, difference and sum of two values', () => {
    expect(at(data(ratioOf(value('errors'), value('requests')).below(0.01)), { errors: 3, requests: 1000 })).toMatchObject({ pass: true, observed: 0.003 });
    expect(at(data(percentOf(column('with_embeddings'), column('total')).above(95)), { with_embeddings: 930, total: 1000 }).message).toBe('with_embeddings as % of total = 93%, expected > 95%');
    expect(at(data(differenceOf(json('$.produced'), json('$.consumed')).below(1000)), { 'json:$.produced': 5400, 'json:$.consumed': 5000 }).observed).toBe(400);
    expect(at(data(sumOf(value('waiting'), value('delayed')).below(500)), { waiting: 300, delayed: '250' }).message).toBe('waiting + delayed = 550, expected < 500');
    expect(at(data(ratioOf(value('errors'), value('requests')).below(0.01)), { errors: 0, requests: 0 }).message).toBe('errors ÷ requests is missing (cannot divide by requests = 0), expected < 0.01');
    // Row by row, and a list against one number.
    expect(at(data(ratioOf(eachRow('used'), eachRow('size')).below(0.9)), { 'rows:used': [1, 95], 'rows:size': [10, 100] }).message).toBe("each row's used ÷ each row's size = 0.95 (1 of 2 values fail), expected < 0.9");
    expect(at(data(ratioOf(eachRow('used'), value('total')).below(0.5)), { 'rows:used': [1, 2], total: 10 }).observed).toEqual([0.1, 0.2]);
  });

  it('named list items (series) are named in messages; any and every', () => {
    const labels = { error_ratio: ['{job="api"}', '{job="web"}', '{job="worker"}'] };
    const values = { error_ratio: [0.07, 0.01, 0.09] };
    expect(at(data(value('error_ratio').every().below(0.05)), values, labels).message).toBe('error_ratio{job="api"} = 0.07, {job="worker"} = 0.09 (2 of 3 fail), expected < 0.05');
    expect(at(data(value('error_ratio').any().below(0.05)), values, labels)).toMatchObject({ pass: true, message: 'error_ratio{job="web"} = 0.01 (1 of 3 pass)' });
    expect(at(data(value('error_ratio').any().below(0.005)), values, labels)).toMatchObject({ pass: false });
    expect(at(data(value('error_ratio').count().eq(3)), values, labels).pass).toBe(true);
    expect(at(data(value('x').any().below(5)), { x: [9, 3] })).toMatchObject({ pass: true, message: 'x = 3 (1 of 2 values pass)' });
  });

  it('an empty list: fail by default, or pass / unknown as asked', () => {
    expect(at(data(value('error_ratio').below(0.05)), { error_ratio: [] })).toMatchObject({ pass: false });
    expect(at(data(value('error_ratio').ifEmpty('pass').below(0.05)), { error_ratio: [] })).toMatchObject({ pass: true, message: 'error_ratio: no values, nothing to check' });
    const unknown = at(data(value('error_ratio').below(0.05).ifEmpty('unknown')), { error_ratio: [] });
    expect(unknown).toMatchObject({ pass: false, unknown: true });
    const judged = judge([data(value('error_ratio').below(0.05).ifEmpty('unknown')), data(value('rps').above(0))], { reached: true, values: { error_ratio: [], rps: 3 } }, undefined, NOW);
    expect(judged).toMatchObject({ status: 'unknown', message: 'error_ratio: no values, so it cannot be evaluated' });
    // A real failure still wins over "cannot evaluate".
    expect(judge([data(value('error_ratio').below(0.05).ifEmpty('unknown')), data(value('rps').above(5))], { reached: true, values: { error_ratio: [], rps: 3 } }, undefined, NOW).status).toBe('down');
  });

  it('a guard: the assertion is skipped (and passes) while it does not hold', () => {
    const guarded = data(value('error_ratio').below(0.05).when(value('rps').label('traffic').above(1)));
    expect(at(guarded, { error_ratio: 0.2, rps: 0.2 })).toMatchObject({ pass: true, skipped: true, message: 'error_ratio: skipped (traffic = 0.2, expected > 1)' });
    expect(at(guarded, { error_ratio: 0.2, rps: 40 })).toMatchObject({ pass: false, message: 'error_ratio = 0.2, expected < 0.05' });
    expect(judge([guarded], { reached: true, values: { error_ratio: 0.2, rps: 0.2 } }, undefined, NOW)).toMatchObject({ status: 'up', message: 'error_ratio: skipped (traffic = 0.2, expected > 1)' });
    // The guard is part of the data: serialisable, validated by the same evaluator.
    expect(JSON.parse(JSON.stringify(guarded)).when).toEqual({ source: { type: 'value', key: 'rps' }, op: '>', value: 1, label: 'traffic' });
    expect(assertionProblem({ ...guarded, when: { source: { type: 'value', key: 'rps' }, op: '>', value: 'lots' } })).toBe('when: operator ">" needs a number, got "lots"');
  });

  it('validates the data of derived sources and guards in config', () => {
    const problems = (expectations: unknown[]) => {
      const result = validateConfig({ checks: [{ kind: 'http', id: 'x', url: 'https://example.com', expect: expectations }] });
      return result.ok ? [] : result.problems;
    };
    expect(problems([json('$.lastRun').age().below('1h'), json('$.items[*]').count().below(10), ratioOf(json('$.a'), json('$.b')).below(1).when(status(200))])).toEqual([]);
    expect(problems([{ source: { type: 'count', of: { type: 'json', path: '$..[' } }, op: '<', value: 1 }])).toEqual([expect.stringMatching(/expect\[0\]: json path "\$\.\.\[" is not valid JSONPath/)]);
    expect(problems([{ source: { type: 'calc', fn: 'modulo', a: { type: 'status' }, b: { type: 'status' } }, op: '<', value: 1 }])).toEqual([expect.stringMatching(/expect\[0\]\.source\.fn/)]);
    expect(problems([value('x').below(1)])).toEqual([]);
    expect(() => json('$.lastRun').below('1h')).toThrow(/only for values in seconds or milliseconds/);
  });
});
