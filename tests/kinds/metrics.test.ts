// The metrics kind against a live /metrics endpoint whose counters and
// histograms advance between scrapes (tests/support/metrics.ts): rates,
// ratios and quantiles crossing thresholds, counter resets, series that
// appear or disappear, malformed lines, huge expositions, odd label values;
// `for` and hysteresis on a controlled clock, with the alerts counted.
import { reset } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import { bearer, gauge, increase, metrics, quantile, rate, ratio, secret, slack, value, type ConfigInput } from '../../src/config';
import type { Config } from '../../src/config/types';
import { validateConfig } from '../../src/config/validate';
import { readState as readEngineState } from '../../src/store/kv';
import type { MetricsControl } from '../support/metrics';
import { config, MINUTE, received, runTick, sinkUrl, T0, targetUrl, testKV, unique } from '../helpers';
import { runOnce } from '../helpers/run-once';

beforeEach(async () => {
  await reset();
});

const METRICS_TOKEN = 'metrics-scrape-token-5b7e';

async function traffic(instance: string, control: MetricsControl): Promise<void> {
  const response = await fetch(targetUrl(`/__metrics/${instance}`), { method: 'POST', body: JSON.stringify(control) });
  expect(response.status).toBe(204);
}

/** The engine's latest state: this isolate's copy (ticks write KV only on changes and flushes). */
const readState = () => readEngineState(testKV(), T0);

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

  it('a series that appears (the first 5xx) counts from zero; one that disappears fails', async () => {
    const app = setup((url) => [
      metrics({ id: 'errors', url, values: { errors: increase('http_requests_total{status="500"}'), memory: APP_VALUES.memory }, expect: [value('errors').below(50), value('memory').below(1e9)], confirmations: { down: 1, up: 1 } }),
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
    await traffic(app.instance, { errorRatio: 0.001, drop: ['process_resident_memory_bytes'] });
    checks = await app.tick();
    expect(checks.errors?.status).toBe('down');
    expect(checks.errors?.message).toMatch(/^memory is missing \(memory: no series match process_resident_memory_bytes\)/);
  });

  it('a series missing from one scrape compares with its last value when it returns: no spike', async () => {
    const app = setup((url) => [metrics({ id: 'app', url, values: { rps: APP_VALUES.rps }, expect: [value('rps').below(100)], confirmations: { down: 1, up: 1 } })]);
    await app.tick();
    await app.tick();
    // A scrape without the family (an exporter hiccup): the value is missing, nothing is forgotten.
    await traffic(app.instance, { drop: ['http_requests_total'] });
    expect((await app.tick()).app?.message).toMatch(/^rps is missing/);
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

  it('a ratio whose numerator matches nothing is 0 and says so; mismatched grouping is a config error', async () => {
    const instance = unique('typo');
    const check = metrics({ id: 'm', url: targetUrl(`/metrics/${instance}`), values: { error_pct: ratio(rate('http_request_total{status=~"5.."}'), rate('http_requests_total')) } });
    const first = await runOnce(check, {}, undefined, T0);
    const second = await runOnce(check, {}, first.observation.memory, T0 + MINUTE);
    expect(second.observation.values.error_pct).toBe(0);
    expect(second.observation.details).toEqual(['error_pct: numerator: no series match http_request_total{status=~"5.."} (counted as 0)']);
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
    expect(checks.app?.report?.[0]).toMatch(/^unreadable line \d+: "=" was expected after label route|^unreadable line \d+: /);
  });

  it('a 20 MB exposition is not read past maxBodyBytes; a raised limit reads it', async () => {
    const instance = unique('huge');
    await traffic(instance, { padBytes: 20 * 1024 * 1024 });
    const check = (maxBodyBytes?: number) => metrics({ id: 'huge', url: targetUrl(`/metrics/${instance}`), values: { memory: APP_VALUES.memory }, expect: [value('memory').below(1e9)], ...(maxBodyBytes ? { maxBodyBytes } : {}) });
    const capped = await runOnce(check());
    expect(capped.judgement.status).toBe('unknown');
    expect(capped.message).toBe('the exposition is larger than 4 MiB (maxBodyBytes): not evaluated rather than half-read');
    const raised = await runOnce(check(32 * 1024 * 1024));
    expect(raised.judgement.status).toBe('up');
    expect(raised.observation.values.memory).toBe(300 * 1024 * 1024);
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
          all: gauge('app_errors_total', { agg: 'count' }),
        },
      }),
    );
    expect(run.observation.values).toMatchObject({ pool: 1, multiline: 2, all: 2 });
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
