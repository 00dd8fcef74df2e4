// The metrics kind against a live /metrics endpoint whose counters and
// histograms advance between scrapes (tests/support/metrics.ts): rates,
// ratios and quantiles crossing thresholds, counter resets, series that
// appear or disappear, malformed lines, huge expositions, odd label values;
// `for` and hysteresis on a controlled clock, with the alerts counted.
import { beforeEach, describe, expect, it } from 'vitest';
import { bearer, gauge, increase, metrics, quantile, rate, ratio, ratioOf, secret, slack, value, type ConfigInput } from '../../src/config';
import docs from '../fixtures/prometheus/prometheus-docs.prom?raw';
import type { Config } from '../../src/config/types';
import type { MetricExpr } from '../../src/kinds/metrics';
import { validateConfig } from '../../src/config/validate';
import type { MetricsControl } from '../support/metrics';
import { config, ledgerState, MINUTE, program, received, refusedUrl, reset, runTick, sinkUrl, T0, targetUrl, unique } from '../helpers';
import { runOnce } from '../helpers/run-once';

beforeEach(async () => {
  await reset();
});

const METRICS_TOKEN = 'metrics-scrape-token-5b7e';

async function traffic(instance: string, control: MetricsControl): Promise<void> {
  const post = () => fetch(targetUrl(`/__metrics/${instance}`), { method: 'POST', body: JSON.stringify(control) });
  // The target server drops idle keep-alive connections after 1 s; after a long test the pooled one may be gone.
  const response = await post().catch(post);
  expect(response.status).toBe(204);
}

/** The engine's latest state, as the ledger holds it. */
const readState = () => ledgerState();

/** The standard app metrics, as EarnTrack's runbook reads them. */
const APP_VALUES = {
  error_pct: ratio(rate('http_requests_total{status=~"5.."}'), rate('http_requests_total'), { scale: 100 }),
  rps: rate('http_requests_total'),
  p95_ms: quantile(0.95, 'http_request_duration_seconds', { scale: 1000 }),
  p99_ms: quantile(0.99, 'http_request_duration_seconds', { scale: 1000 }),
  memory: gauge('process_resident_memory_bytes'),
  cpu_pct: rate('process_cpu_seconds_total', { scale: 100 }),
};

function setup(checks: (url: string) => ConfigInput['checks'], instance = unique('app')) {
  const sink = unique('sink');
  const cfg: Config = config({ channels: { ops: slack({ webhookUrl: secret('SLACK_URL') }) }, checks: checks(targetUrl(`/metrics/${instance}`)) });
  const secrets = { SLACK_URL: sinkUrl(`/slack/${sink}`), METRICS_TOKEN };
  let time = T0;
  const tick = async (minutes = 1) => {
    time += minutes * MINUTE;
    await runTick(cfg, time, { secrets });
    return (await readState()).checks;
  };
  return { instance, sink, cfg, tick, alerts: async () => (await received(sink)).map((r) => JSON.parse(r.body).blocks[0].text.text as string) };
}

describe('metrics kind: values between scrapes', () => {
  it('waits for a second scrape, then computes rates, ratios, quantiles and gauges exactly', async () => {
    const app = setup((url) => [metrics({ id: 'app', url, values: APP_VALUES, expect: [value('error_pct').below({ warn: 1, crit: 5 })], confirmations: { down: 1, up: 1 } })]);
    let checks = await app.tick();
    // The first scrape has nothing to compare with: waiting is not failing.
    expect(checks.app?.status).toBe('up');
    expect(checks.app?.message).toBe('error_pct: needs a second scrape');

    checks = await app.tick();
    const values = (await runOnceValues(app.instance, (await readState()).checks.app?.memory));
    // 1000 requests a scrape: 700 GET (1 error) + 300 POST (1 error) over the 60 s between ticks.
    expect(checks.app?.message).toBe('error_pct = 0.2');
    // Its own scrape, a minute after the last tick's (the memory says when that was).
    expect(values.rps).toBeCloseTo(1000 / 60, 4);
    expect(values.error_pct).toBeCloseTo(0.2, 6);
    // 990 requests at 40 ms, 10 at 800 ms: p95 interpolates inside (0.025, 0.05], p99 is at its top.
    expect(values.p95_ms).toBeCloseTo(25 + 25 * (950 / 990), 3);
    expect(values.p99_ms).toBeCloseTo(50, 3);
    expect(values.memory).toBe(300 * 1024 * 1024);
    expect(values.cpu_pct).toBeCloseTo(10, 4);
  });

  it('an error rate crossing 1% degrades the check, crossing 5% takes it down, and it recovers', async () => {
    const app = setup((url) => [
      metrics({ id: 'errors', name: 'API errors', url, values: { error_pct: APP_VALUES.error_pct }, expect: [value('error_pct').label('5xx share').unit('%').below({ warn: 1, crit: 5 })], confirmations: { down: 1, up: 1 } }),
    ]);
    await app.tick();
    expect((await app.tick()).errors?.status).toBe('up');
    await traffic(app.instance, { errorRatio: 0.02 });
    let checks = await app.tick();
    expect(checks.errors?.status).toBe('degraded');
    expect(checks.errors?.message).toBe('5xx share = 2%, expected < 1%');
    await traffic(app.instance, { errorRatio: 0.08 });
    checks = await app.tick();
    expect(checks.errors?.status).toBe('down');
    expect(checks.errors?.message).toBe('5xx share = 8%, expected < 5%');
    await traffic(app.instance, { errorRatio: 0.001 });
    checks = await app.tick();
    expect(checks.errors?.status).toBe('up');
    expect(await app.alerts()).toEqual(['🟠 API errors is degraded', '🔴 API errors is down', expect.stringMatching(/^✅ API errors recovered after 2m/)]);
  });

  it('p95 crossing 500 ms, from the bucket increases since the last scrape (not lifetime totals)', async () => {
    const app = setup((url) => [metrics({ id: 'latency', url, values: { p95_ms: APP_VALUES.p95_ms }, expect: [value('p95_ms').unit('ms').below(500)], confirmations: { down: 1, up: 1 } })]);
    await app.tick();
    await app.tick();
    await traffic(app.instance, { slowRatio: 0.1 });
    let checks = await app.tick();
    // 100 of 1000 at 800 ms: rank 950 sits half-way into (0.5, 1].
    expect(checks.latency?.message).toBe('p95_ms = 750 ms, expected < 500 ms');
    expect(checks.latency?.status).toBe('down');
    // Lifetime buckets still hold that slow minute; the next scrape's increases do not.
    await traffic(app.instance, { slowRatio: 0.01 });
    checks = await app.tick();
    expect(checks.latency?.status).toBe('up');
    expect(checks.latency?.message).toBe('p95_ms = 48.99 ms');
  });

  it('a counter reset (process restart) counts from zero: no negative or giant rates', async () => {
    const app = setup((url) => [metrics({ id: 'app', url, values: APP_VALUES, expect: [value('rps').below(100), value('error_pct').below(1)], confirmations: { down: 1, up: 1 } })]);
    for (let i = 0; i < 4; i++) await app.tick();
    await traffic(app.instance, { restart: true });
    const checks = await app.tick();
    // After the restart the counters hold one scrape's traffic, less than before: that is the increase.
    expect(checks.app?.status).toBe('up');
    expect(checks.app?.message).toBe('rps = 16.67, error_pct = 0.2');
  });

  it('a series that appears (the first 5xx) counts from zero; a metric that disappears makes the check unknown', async () => {
    const app = setup((url) => [
      metrics({ id: 'errors', url, values: { errors: increase('http_requests_total{status="500"}', '1m'), memory: APP_VALUES.memory }, expect: [value('errors').below(50), value('memory').below(1e9)], confirmations: { down: 1, up: 1 } }),
    ]);
    await traffic(app.instance, { errorRatio: 0 });
    await app.tick();
    let checks = await app.tick();
    // No 5xx series at all yet: a missing series fails the assertion, and says why.
    expect(checks.errors?.status).toBe('down');
    expect(checks.errors?.message).toMatch(/^errors is missing \(errors: no series match http_requests_total\{status="500"\}\)/);
    await traffic(app.instance, { errorRatio: 0.1 });
    checks = await app.tick();
    // The 500 series appeared with 70 + 30 errors: all of them happened since the last scrape.
    expect(checks.errors?.message).toBe('errors = 100, expected < 50');
    // The whole family gone: Vigil cannot say anything about memory, which is not the same as too much of it.
    await traffic(app.instance, { errorRatio: 0.001, drop: ['process_resident_memory_bytes'] });
    checks = await app.tick();
    expect(checks.errors?.status).toBe('unknown');
    expect(checks.errors?.message).toBe('memory: the exposition has no metric process_resident_memory_bytes (a typo in the name, or not the exporter meant)');
  });

  it('increase is per its window, not per gap: missed scrapes do not multiply it', async () => {
    const app = setup((url) => [
      metrics({
        id: 'errors',
        url,
        values: { errors_5m: increase('http_requests_total{status="500"}', '5m'), requests_1m: increase('http_requests_total', '1m') },
        expect: [value('errors_5m').below(20), value('requests_1m').below(5000)],
        confirmations: { down: 1, up: 1 },
      }),
    ]);
    await app.tick();
    // 2 errors (GET 1, POST 1) and 1000 requests a minute: 10 errors per 5 minutes.
    expect((await app.tick()).errors?.message).toBe('errors_5m = 10, requests_1m = 1000');
    // Ten minutes without a scrape (failed scrapes, an evicted isolate) while the counters kept growing:
    // ten minutes of growth over ten minutes is still 10 errors per 5 minutes, not 20 (nor 100).
    await traffic(app.instance, { missed: 9 });
    const checks = await app.tick(10);
    expect(checks.errors?.message).toBe('errors_5m = 10, requests_1m = 1000');
    expect(checks.errors?.status).toBe('up');
  });

  it('a series missing from one scrape compares with its last value when it returns: no spike', async () => {
    const app = setup((url) => [metrics({ id: 'app', url, values: { rps: APP_VALUES.rps }, expect: [value('rps').below(100)], confirmations: { down: 1, up: 1 } })]);
    await app.tick();
    await app.tick();
    // A scrape without the family (an exporter hiccup): unknown for that scrape, nothing is forgotten.
    await traffic(app.instance, { drop: ['http_requests_total'] });
    const gap = (await app.tick()).app;
    expect(gap?.status).toBe('unknown');
    expect(gap?.message).toBe('rps: the exposition has no metric http_requests_total (a typo in the name, or not the exporter meant)');
    await traffic(app.instance, { drop: [] });
    const checks = await app.tick();
    // Two scrapes of traffic (2,000 requests) over the two minutes since the series was last seen.
    expect(checks.app?.message).toBe('rps = 16.67');
    expect(checks.app?.status).toBe('up');
  });

  it('a value added to the config waits for its second scrape instead of counting a lifetime', async () => {
    const instance = unique('app');
    const url = targetUrl(`/metrics/${instance}`);
    const before = await runOnce(metrics({ id: 'm', url, values: { errors: rate('http_requests_total{status="500"}') } }), {}, undefined, T0);
    const after = await runOnce(
      metrics({ id: 'm', url, values: { errors: rate('http_requests_total{status="500"}'), ok: rate('http_requests_total{status="200"}') } }),
      {},
      before.observation.memory,
      T0 + MINUTE,
    );
    expect(after.observation.values.errors).toBeCloseTo(2 / 60, 6);
    expect(after.observation.values.ok).toBeUndefined();
    expect(after.observation.pending).toEqual({ ok: 'http_requests_total{status="200"} is new: needs a second scrape' });
  });

  it('aggregates about 200,000 series in one group (no quadratic copy, no argument-list overflow)', async () => {
    const instance = unique('big');
    await traffic(instance, { padBytes: 20 * 1024 * 1024 });
    const run = await runOnce(
      metrics({
        id: 'big',
        url: targetUrl(`/metrics/${instance}`),
        maxBodyBytes: 32 * 1024 * 1024,
        values: { count: gauge('padding_series_total', { agg: 'count' }), max: gauge('padding_series_total', { agg: 'max' }), min: gauge('padding_series_total', { agg: 'min' }) },
      }),
    );
    const count = run.observation.values.count as number;
    expect(count).toBeGreaterThan(190_000);
    expect(run.observation.values).toMatchObject({ max: count - 1, min: 0 });
  });

  it('a ratio numerator with no matching series, or not exposed at all, is 0 and says so; a denominator not exposed is unknown', async () => {
    const instance = unique('typo');
    await traffic(instance, { errorRatio: 0 });
    const url = targetUrl(`/metrics/${instance}`);
    const twice = async (values: Record<string, MetricExpr>, assertions: NonNullable<Parameters<typeof metrics>[0]['expect']>) => {
      const check = metrics({ id: 'm', url, values, expect: assertions });
      const first = await runOnce(check, {}, undefined, T0);
      return { first, second: await runOnce(check, {}, first.observation.memory, T0 + MINUTE) };
    };
    // No 5xx yet (the 500 series does not exist), and app_errors_total declared by # TYPE with no series yet: both 0.
    const zero = await twice(
      { error_pct: ratio(rate('http_requests_total{status=~"5.."}'), rate('http_requests_total')), app_errors: ratio(rate('app_errors_total'), rate('http_requests_total')) },
      [value('error_pct').below(1), value('app_errors').below(1)],
    );
    expect(zero.second.observation.values).toMatchObject({ error_pct: 0, app_errors: 0 });
    expect(zero.second.judgement.status).toBe('up');
    expect(zero.second.observation.details).toEqual([
      'error_pct: numerator: no series match http_requests_total{status=~"5.."} (counted as 0)',
      'app_errors: numerator: no series match app_errors_total (counted as 0)',
    ]);
    // A numerator metric not exposed at all (Go's client shows no counter vector before its first count; or a typo): 0, named in the report.
    const unexposed = await twice({ error_pct: ratio(rate('http_request_total{status=~"5.."}'), rate('http_requests_total')) }, [value('error_pct').below(1)]);
    expect(unexposed.second.judgement.status).toBe('up');
    expect(unexposed.second.observation.values).toMatchObject({ error_pct: 0 });
    expect(unexposed.second.observation.details).toEqual(['error_pct: numerator: the exposition has no metric http_request_total (counted as 0; check the name if it should be there)']);
    // The same in a denominator, a gauge or a histogram.
    const others = await runOnce(
      metrics({ id: 'm', url, values: { a: ratio(rate('http_requests_total'), rate('http_requests_totl')), b: gauge('process_resident_memory'), c: quantile(0.95, 'http_request_duration') } }),
    );
    expect(others.judgement.status).toBe('unknown');
    expect(others.message).toBe(
      [
        'a: the exposition has no metric http_requests_totl (a typo in the name, or not the exporter meant)',
        'b: the exposition has no metric process_resident_memory (a typo in the name, or not the exporter meant)',
        'c: the exposition has no metric http_request_duration_bucket (a typo in the name, or not the exporter meant)',
      ].join('; '),
    );
    const result = validateConfig({
      checks: [metrics({ id: 'm', url: 'https://x.example/metrics', values: { r: ratio(rate('x', { by: ['status'] }), rate('x')), s: ratio(rate('x', { by: ['route'] }), rate('x', { by: ['route'] })) } })],
    });
    expect(result.ok ? [] : result.problems).toEqual(['check "m": values.r: numerator and denominator must group by the same labels (by: [status] vs [])']);
  });

  it('malformed lines are skipped and reported; the other values are still read', async () => {
    const app = setup((url) => [metrics({ id: 'app', url, values: { rps: APP_VALUES.rps }, expect: [value('rps').below(100)], confirmations: { down: 1, up: 1 } })]);
    await traffic(app.instance, { malformed: true });
    await app.tick();
    const checks = await app.tick();
    expect(checks.app?.status).toBe('up');
    expect(checks.app?.message).toBe('rps = 16.67');
    // Line 54: `http_requests_total{method="GET",route="/broken" 12`; line 55 belongs to no family the check reads.
    expect(checks.app?.report).toEqual(['unreadable line 54: "," or "}" was expected after the value of label route']);
  });

  it('a 20 MB exposition is not read past maxBodyBytes (1 MiB by default, what a free-plan invocation can parse); a raised limit reads it', async () => {
    const tooLarge = (limit: string) =>
      `the exposition is larger than ${limit} (maxBodyBytes): not evaluated rather than half-read. ` +
      "Narrow the scrape (e.g. node_exporter's ?collect[]=cpu) or, on a paid plan, raise maxBodyBytes (up to 32 MiB): parsing costs ~7.5 ms of CPU per MB and the free plan allows 10 ms";
    const check = (instance: string, maxBodyBytes?: number) =>
      metrics({ id: 'huge', url: targetUrl(`/metrics/${instance}`), values: { memory: APP_VALUES.memory }, expect: [value('memory').below(1e9)], ...(maxBodyBytes ? { maxBodyBytes } : {}) });
    const huge = unique('huge');
    await traffic(huge, { padBytes: 20 * 1024 * 1024 });
    const capped = await runOnce(check(huge));
    expect(capped.judgement.status).toBe('unknown');
    expect(capped.message).toBe(tooLarge('1 MiB'));
    const raised = await runOnce(check(huge, 32 * 1024 * 1024));
    expect(raised.judgement.status).toBe('up');
    expect(raised.observation.values.memory).toBe(300 * 1024 * 1024);
    // 1.5 MB is already past the default (about 11 ms of parsing); 2 MiB, on a paid plan, reads it.
    const large = unique('large');
    await traffic(large, { padBytes: 1.5 * 1024 * 1024 });
    expect((await runOnce(check(large))).message).toBe(tooLarge('1 MiB'));
    expect((await runOnce(check(large, 2 * 1024 * 1024))).judgement.status).toBe('up');
  });

  it('label values with quotes, backslashes and newlines are matched exactly', async () => {
    const instance = unique('odd');
    await traffic(instance, { oddLabels: true });
    const run = await runOnce(
      metrics({
        id: 'odd',
        url: targetUrl(`/metrics/${instance}`),
        values: {
          pool: gauge('app_errors_total{message="connect ECONNREFUSED \\"db\\" at C:\\\\pool"}'),
          multiline: gauge('app_errors_total{message=~"line one\\nline two.*"}'),
          // As in PromQL (RE2 with DotNL), "." matches the newline, and a leading (?i) ignores case.
          dot: gauge('app_errors_total{message=~"line one.line two.*"}'),
          caseless: gauge('app_errors_total{message=~"(?i)LINE ONE.*"}'),
          all: gauge('app_errors_total', { agg: 'count' }),
        },
      }),
    );
    expect(run.observation.values).toEqual({ latencyMs: expect.any(Number), pool: 1, multiline: 2, dot: 2, caseless: 2, all: 2 });
  });

  it('groups by label: every group must pass, and the report names them', async () => {
    const app = setup((url) => [
      metrics({
        id: 'routes',
        url,
        values: { error_pct: ratio(rate('http_requests_total{status=~"5.."}', { by: ['route'] }), rate('http_requests_total', { by: ['route'] }), { scale: 100 }) },
        expect: [value('error_pct').below(1)],
        confirmations: { down: 1, up: 1 },
      }),
    ]);
    await traffic(app.instance, { errorRatio: 0.005 });
    await app.tick();
    const checks = await app.tick();
    // round(700 × 0.005) = 4 of 700, round(300 × 0.005) = 2 of 300
    expect(checks.routes?.report).toEqual(['error_pct{route="/api/v1/earnings"} = 0.5714286', 'error_pct{route="/api/v1/auth/login"} = 0.6666667']);
    expect(checks.routes?.status).toBe('up');
  });

  it('aggregates rates, increases and gauges with sum, avg, max, min or count, optionally by label', async () => {
    const check = metrics({
      id: 'agg',
      url: targetUrl(`/metrics/${unique('agg')}`),
      values: {
        rps_avg: rate('http_requests_total', { agg: 'avg' }),
        rps_max: rate('http_requests_total', { agg: 'max', by: ['route'] }),
        per_status: increase('http_requests_total', '1m', { agg: 'count', by: ['status'] }),
        least: increase('http_requests_total', '1m', { agg: 'min' }),
        requests_avg: gauge('http_request_duration_seconds_count', { agg: 'avg' }),
        by_method: gauge('http_requests_total', { by: ['method'] }),
      },
    });
    const first = await runOnce(check, {}, undefined, T0);
    const second = await runOnce(check, {}, first.observation.memory, T0 + MINUTE);
    // A scrape's traffic: GET earnings 699 × 200 + 1 × 500, POST login 299 × 200 + 1 × 500, over 60 s; two scrapes so far.
    expect(second.observation.values).toEqual({
      latencyMs: expect.any(Number),
      rps_avg: 4.166667,
      rps_max: [11.65, 4.983333],
      per_status: [2, 2],
      least: 1,
      requests_avg: 1000,
      by_method: [1400, 600],
    });
    expect(second.observation.details).toEqual([
      'rps_max{route="/api/v1/earnings"} = 11.65',
      'rps_max{route="/api/v1/auth/login"} = 4.983333',
      'per_status{status="200"} = 2',
      'per_status{status="500"} = 2',
      'by_method{method="GET"} = 1400',
      'by_method{method="POST"} = 600',
    ]);
  });

  it('a +Inf bucket written "Inf" or "+inf" is read like a sample value: the quantile does not wait forever', async () => {
    for (const infBound of ['Inf', '+inf']) {
      const instance = unique('inf');
      await traffic(instance, { infBound });
      const check = metrics({ id: 'm', url: targetUrl(`/metrics/${instance}`), values: { p95_ms: APP_VALUES.p95_ms } });
      const first = await runOnce(check, {}, undefined, T0);
      const second = await runOnce(check, {}, first.observation.memory, T0 + MINUTE);
      expect(second.observation.pending, infBound).toBeUndefined();
      expect(second.observation.values.p95_ms).toBeCloseTo(25 + 25 * (950 / 990), 3);
    }
  });

  it('sends auth headers from secrets; a refused scrape is down', async () => {
    const instance = `private-${unique('app')}`;
    const url = targetUrl(`/metrics/${instance}`);
    const ok = await runOnce(metrics({ id: 'm', url, headers: { Authorization: bearer('METRICS_TOKEN') }, values: { memory: APP_VALUES.memory } }), { METRICS_TOKEN });
    expect(ok.judgement.status).toBe('up');
    const refused = await runOnce(metrics({ id: 'm', url, values: { memory: APP_VALUES.memory } }));
    expect(refused.judgement.status).toBe('down');
    expect(refused.message).toBe('the metrics endpoint answered HTTP 401');
  });

  it('too many counter series to remember is reported, not half-remembered', async () => {
    const instance = unique('wide');
    await traffic(instance, { padBytes: 200_000 });
    const run = await runOnce(metrics({ id: 'wide', url: targetUrl(`/metrics/${instance}`), values: { pad: rate('padding_series_total') }, expect: [value('pad').below(1)] }));
    expect(run.message).toMatch(/^pad: needs a second scrape$/);
    expect(run.observation.error).toMatch(/^\d{4} counter series matched, more than 1000 can be remembered for rates: narrow the selectors/);
    expect(run.observation.memory).toMatchObject({ counters: {}, selectors: [] });
  });

  it('invalid selectors and value names name the check and the field', () => {
    const result = validateConfig({
      checks: [
        metrics({ id: 'm', url: 'https://api.example.com/metrics', values: { bad: ratio(rate('http_requests_total{status=~5..}'), rate('http_requests_total')), p: quantile(0.95, 'rate(x[5m])') } }),
        metrics({ id: 'n', url: 'ftp://x/metrics', values: { 'p95-ms': gauge('x') } }),
      ],
    });
    const problems = result.ok ? [] : result.problems;
    expect(problems).toContainEqual(expect.stringMatching(/^check "m": values\.bad\.numerator\.selector: "http_requests_total\{status=~5\.\.\}": cannot read the label matchers/));
    expect(problems).toContainEqual(expect.stringMatching(/^check "m": values\.p\.histogram: "rate\(x\[5m\]\)": a metric name/));
    expect(problems).toContainEqual(expect.stringMatching(/^check "n": url: "ftp:\/\/x\/metrics" is not an http\(s\) URL/));
    expect(problems).toContainEqual(expect.stringMatching(/^check "n": values\.p95-ms: value names are letters, digits and _/));
  });
});

/** Scrapes once more with the given memory, a minute after it: the raw values. */
async function runOnceValues(instance: string, memory: unknown) {
  const remembered = memory as { at: number };
  const run = await runOnce(metrics({ id: 'app', url: targetUrl(`/metrics/${instance}`), values: APP_VALUES }), {}, memory as Record<string, unknown>, remembered.at + MINUTE);
  return run.observation.values;
}

describe('thresholds over time: for and hysteresis', () => {
  it('`for` holds a failure until it has lasted that long, like a Prometheus alert rule', async () => {
    const app = setup((url) => [metrics({ id: 'latency', url, values: { p95_ms: APP_VALUES.p95_ms }, expect: [value('p95_ms').unit('ms').below(500).for('5m')], confirmations: { down: 1, up: 1 } })]);
    await app.tick();
    await traffic(app.instance, { slowRatio: 0.1 });
    const statuses: string[] = [];
    for (let minute = 0; minute < 7; minute++) statuses.push((await app.tick())?.latency?.status ?? '?');
    // Failing from the first slow scrape; counted once 5 minutes have passed.
    expect(statuses).toEqual(['up', 'up', 'up', 'up', 'up', 'down', 'down']);
    // A brief spike shorter than `for` never alerts.
    await traffic(app.instance, { slowRatio: 0.01 });
    await app.tick();
    await traffic(app.instance, { slowRatio: 0.1 });
    await app.tick();
    await traffic(app.instance, { slowRatio: 0.01 });
    expect((await app.tick()).latency?.status).toBe('up');
    expect((await app.alerts()).length).toBe(2);
  });

  const hovering = async (hysteresis: boolean) => {
    const app = setup((url) => {
      const limit = value('connections').label('WebSocket connections').below(500);
      return [metrics({ id: 'ws', name: 'WebSockets', url, values: { connections: gauge('websocket_connections') }, expect: [hysteresis ? limit.hysteresis(10) : limit], confirmations: { down: 1, up: 1 } })];
    });
    const messages: string[] = [];
    // A value hovering at the line: 495, 505, 495, 505 ... for 20 minutes.
    for (let minute = 0; minute < 20; minute++) {
      await traffic(app.instance, { connections: minute % 2 === 0 ? 505 : 495 });
      messages.push((await app.tick()).ws?.message ?? '');
    }
    await traffic(app.instance, { connections: 440 });
    const final = await app.tick();
    return { alerts: await app.alerts(), messages, final: final.ws };
  };

  it('without hysteresis a value hovering at the threshold flaps: an alert every minute', async () => {
    const { alerts } = await hovering(false);
    expect(alerts.length).toBe(20);
  });

  it('with hysteresis it alerts once, and recovers only past the recovery line', async () => {
    const { alerts, messages, final } = await hovering(true);
    expect(alerts).toEqual(['🔴 WebSockets is down', expect.stringMatching(/^✅ WebSockets recovered after 20m/)]);
    expect(messages[1]).toBe('WebSocket connections = 495, expected < 450 to recover');
    expect(final?.status).toBe('up');
    expect(final?.message).toBe('WebSocket connections = 440');
  });

  it('hysteresis must sit on the passing side of a numeric threshold', () => {
    const result = validateConfig({
      checks: [
        metrics({ id: 'm', url: 'https://x.example/metrics', values: { v: gauge('x') }, expect: [value('v').below(500).recoverAt(600), value('v').above(10).recoverAt(5), value('v').eq(3).recoverAt(2)] }),
      ],
    });
    expect(result.ok ? [] : result.problems).toEqual([
      'check "m": expect[0]: recover 600 must be on the passing side of < 500 (at or below it)',
      'check "m": expect[1]: recover 5 must be on the passing side of > 10 (at or above it)',
      'check "m": expect[2]: recover applies to <, <=, > and >= (not "==")',
    ]);
    expect(() => value('v').eq(3).hysteresis(10)).toThrow(/hysteresis\(10\) needs/);
  });
});

describe('metrics kind: several replicas (targets)', () => {
  const rateValues = { rps: rate('http_requests_total'), error_pct: ratio(rate('http_requests_total{status=~"5.."}'), rate('http_requests_total'), { scale: 100 }) };
  const replicas = () => {
    const base = unique('replica');
    return ['a', 'b', 'c'].map((name) => `${base}-${name}`);
  };
  const scrapeAll = async (instances: string[], extra: string[] = [], memory?: Record<string, unknown>, now = T0) =>
    runOnce(metrics({ id: 'replicas', targets: [...instances.map((i) => targetUrl(`/metrics/${i}`)), ...extra], values: rateValues, expect: [value('rps').below(1e6)] }), {}, memory, now);

  it('sums counters per series across targets, and tracks a restart (counter reset) per target', async () => {
    const instances = replicas();
    const first = await scrapeAll(instances);
    expect(first.observation.pending).toEqual({ rps: 'needs a second scrape', error_pct: 'needs a second scrape' });
    const second = await scrapeAll(instances, [], first.observation.memory, T0 + MINUTE);
    // Three replicas, 1000 requests each per scrape, a minute apart.
    expect(second.observation.values.rps).toBeCloseTo(3000 / 60, 4);
    expect(second.observation.values).toMatchObject({ targets_up: 3, targets_total: 3 });

    // Replica b restarts: its counters start again from zero.
    await traffic(instances[1] as string, { restart: true });
    const third = await scrapeAll(instances, [], second.observation.memory, T0 + 2 * MINUTE);
    // Per target, b's drop is a reset: it counts its 1000 new requests. Summing the three counters
    // first and then taking the difference would give (3000 + 1000 + 3000 - 6000) / 60 ≈ 16.7.
    expect(third.observation.values.rps).toBeCloseTo(3000 / 60, 4);
    expect(third.observation.values.error_pct).toBeCloseTo(0.2, 6);
    // Then b errs 10% of the time: the 5xx share is the three replicas' together.
    await traffic(instances[1] as string, { errorRatio: 0.1 });
    const fourth = await scrapeAll(instances, [], third.observation.memory, T0 + 3 * MINUTE);
    expect(fourth.observation.values.error_pct).toBeCloseTo((100 * (2 + 100 + 2)) / 3000, 4);
  });

  it('a target that does not answer: values from the others, said in the report; none: down', async () => {
    const instances = replicas();
    const first = await scrapeAll(instances, [`${refusedUrl()}/metrics`]);
    const second = await scrapeAll(instances, [`${refusedUrl()}/metrics`], first.observation.memory, T0 + MINUTE);
    expect(second.observation.reached).toBe(true);
    expect(second.observation.values).toMatchObject({ targets_up: 3, targets_total: 4 });
    expect(second.observation.values.rps).toBeCloseTo(3000 / 60, 4);
    expect(second.observation.error).toMatch(/^1 of 4 targets not read \(http:\/\/127\.0\.0\.1:\d+\/metrics: .*\): values are from the others$/);
    // "Every replica answers" is an assertion on the counts.
    const all = await runOnce(metrics({ id: 'replicas', targets: [targetUrl(`/metrics/${instances[0]}`), `${refusedUrl()}/metrics`], values: rateValues, expect: [ratioOf(value('targets_up'), value('targets_total')).label('replicas answering').eq(1)] }));
    expect(all.judgement.status).toBe('down');
    // The kind's explanation comes first: which target did not answer.
    expect(all.message).toMatch(/^1 of 2 targets not read \(http:\/\/127\.0\.0\.1:\d+\/metrics: .*connection refused\): values are from the others; replicas answering = 0\.5, expected 1$/);
    const none = await runOnce(metrics({ id: 'replicas', targets: [`${refusedUrl()}/metrics`, `${refusedUrl()}/other`], values: rateValues }));
    expect(none.judgement.status).toBe('down');
    expect(none.message).toMatch(/^no target answered: /);
  });

  it('a target added to the list waits a scrape instead of counting its whole lifetime', async () => {
    const instances = replicas();
    // c has been serving for a while (five scrapes of traffic) before it is added.
    for (let i = 0; i < 5; i++) await fetch(targetUrl(`/metrics/${instances[2]}`));
    const first = await scrapeAll(instances.slice(0, 2));
    const second = await scrapeAll(instances, [], first.observation.memory, T0 + MINUTE);
    expect(second.observation.values.rps).toBeCloseTo(2000 / 60, 4);
    const third = await scrapeAll(instances, [], second.observation.memory, T0 + 2 * MINUTE);
    expect(third.observation.values.rps).toBeCloseTo(3000 / 60, 4);
  });

  it('validates url or targets', () => {
    const problems = (input: Record<string, unknown>) => {
      const result = validateConfig({ checks: [{ kind: 'metrics', id: 'm', values: { rps: rate('http_requests_total') }, ...input }] });
      return result.ok ? [] : result.problems;
    };
    expect(problems({ targets: ['https://a.example.com/metrics', 'https://b.example.com/metrics'] })).toEqual([]);
    expect(problems({})).toEqual([expect.stringMatching(/url: give url \(one endpoint\) or targets/)]);
    expect(problems({ url: 'https://a.example.com/metrics', targets: ['https://b.example.com/metrics'] })).toEqual([expect.stringMatching(/url: give url/)]);
    expect(problems({ targets: ['ftp://x'] })).toEqual([expect.stringMatching(/targets\[0\]: "ftp:\/\/x" is not an http\(s\) URL/)]);
    expect(config({ checks: [metrics({ id: 'm', targets: ['https://a.example.com/metrics', 'https://b.example.com/metrics'], values: { rps: rate('x_total') } })] }).checks[0]?.kind).toBe('metrics');
  });
});

describe('metrics kind: quantile() on a summary', () => {
  const serve = async (body: string) => {
    const name = unique('summary');
    await program(name, { body, headers: { 'content-type': 'text/plain; version=0.0.4' } });
    return targetUrl(`/p/${name}`);
  };

  it("reads the quantile the summary's client computed, when it offers it", async () => {
    const url = await serve(docs);
    const run = await runOnce(metrics({ id: 's', url, values: { p99: quantile(0.99, 'rpc_duration_seconds'), p50: quantile(0.5, 'rpc_duration_seconds') }, expect: [value('p99').below(100_000)] }));
    expect(run.observation.values).toMatchObject({ p99: 76656, p50: 4773 });
    expect(run.judgement.status).toBe('up');
  });

  it('a quantile the summary does not offer is unknown, with the ones it does', async () => {
    const url = await serve(docs);
    const run = await runOnce(metrics({ id: 's', url, values: { p95: quantile(0.95, 'rpc_duration_seconds') }, expect: [value('p95').below(1)] }));
    expect(run.judgement.status).toBe('unknown');
    expect(run.message).toBe('p95: rpc_duration_seconds is a summary: its client computes only the quantiles 0.01, 0.05, 0.5, 0.9, 0.99 (a summary cannot give any other); ask for one of those, or expose a histogram');
  });

  it("several series of a summary in one group: the highest, and the report says quantiles don't combine", async () => {
    const url = await serve(`# TYPE rpc_seconds summary\nrpc_seconds{service="a",quantile="0.9"} 0.2\nrpc_seconds{service="b",quantile="0.9"} 0.7\nrpc_seconds_sum{service="a"} 1\nrpc_seconds_count{service="a"} 5\n`);
    const run = await runOnce(metrics({ id: 's', url, values: { p90: quantile(0.9, 'rpc_seconds'), by_service: quantile(0.9, 'rpc_seconds', { by: ['service'] }) }, expect: [value('by_service').below(0.5)] }));
    expect(run.observation.values).toMatchObject({ p90: 0.7, by_service: [0.2, 0.7] });
    expect(run.observation.details).toContain('p90: rpc_seconds is a summary: quantiles of several series cannot be combined, so each group shows its highest');
    expect(run.message).toBe('by_service{service="b"} = 0.7 (1 of 2 fail), expected < 0.5');
  });
});
