// The assertion evaluator: every operator, numbers given as text, lists,
// missing values, and the observed-vs-expected message.
import { describe, expect, it } from 'vitest';
import { body, header, json, latency, status, value } from '../src/assert/builders';
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
