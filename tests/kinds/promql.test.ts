// The promql kind against a real Prometheus and a real VictoriaMetrics
// (tests/support/prometheus.ts) scraping the test exporter every second, and
// against a Loki stand-in that answers as Loki's HTTP API documents
// (https://grafana.com/docs/loki/latest/reference/loki-http-api/, "Query logs
// at a single point in time" and "Query logs within a range of time").
// Nothing is waited for with a fixed sleep: tests poll the store's API until
// the series they need are there.
import { describe, expect, inject, it } from 'vitest';
import { loki, promql, secret, series, type PromqlCheckInput } from '../../src/config';
import { validateConfig } from '../../src/config/validate';
import type { MetricsControl } from '../support/metrics';
import { program, targetUrl, unique } from '../helpers';
import { runOnce } from '../helpers/run-once';

const stack = () => inject('metricsStack');

async function traffic(instance: string, control: MetricsControl): Promise<void> {
  const response = await fetch(targetUrl(`/__metrics/${instance}`), { method: 'POST', body: JSON.stringify(control) });
  expect(response.status).toBe(204);
}

/** Polls an instant query until `ok` holds for its result (the store has scraped what the test needs). */
async function waitFor(base: string, query: string, ok: (result: Array<{ metric: Record<string, string>; value: [number, string] }>) => boolean, timeoutMs = 25_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const response = await fetch(`${base}/api/v1/query?${new URLSearchParams({ query })}`);
    const answer = (await response.json()) as { data?: { result?: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    last = JSON.stringify(answer.data?.result);
    if (answer.data?.result && ok(answer.data.result)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${query}: still not as expected after ${timeoutMs} ms: ${last}`);
}

const ERROR_RATIO = 'sum by (job) (rate(http_requests_total{status=~"5.."}[5s])) / sum by (job) (rate(http_requests_total[5s]))';
const check = (url: string, rest: Omit<PromqlCheckInput, 'kind' | 'id' | 'url'>): PromqlCheckInput => promql({ id: 'promql', url, confirmations: { down: 1, up: 1 }, ...rest });

describe.each([
  ['Prometheus', () => stack().prometheus, { api: 'prom-api', worker: 'prom-worker' }],
  ['VictoriaMetrics', () => stack().victoria, { api: 'vm-api', worker: 'vm-worker' }],
])('promql kind against %s', (name, base, instances) => {
  it('one value per series, named by its labels: every series passes, then the failing one is named', async () => {
    const ok = await runOnce(check(base(), { query: ERROR_RATIO, expect: [series().every().below({ warn: 0.01, crit: 0.05 })] }));
    expect(ok.judgement.status).toBe('up');
    // 2 errors in 1000 requests per scrape, in both jobs.
    expect(ok.observation.values.result).toEqual([expect.closeTo(0.002, 9), expect.closeTo(0.002, 9)]);
    expect(ok.observation.labels?.result).toEqual(['{job="api"}', '{job="worker"}']);
    expect(ok.message).toBe('result{job="api"} = 0.002, {job="worker"} = 0.002');

    await traffic(instances.worker, { errorRatio: 0.1 });
    try {
      // The 5 s window holds only the new traffic once the worker's ratio is exactly 100 in 1000.
      await waitFor(base(), ERROR_RATIO, (result) => result.some((s) => s.metric.job === 'worker' && Math.abs(Number(s.value[1]) - 0.1) < 1e-9));
      const down = await runOnce(check(base(), { query: ERROR_RATIO, expect: [series().every().below({ warn: 0.01, crit: 0.05 })] }));
      expect(down.judgement.status).toBe('down');
      expect(down.message).toBe('result{job="worker"} = 0.1 (1 of 2 fail), expected < 0.05');
      // "any series" still holds: the api job is fine.
      const any = await runOnce(check(base(), { query: ERROR_RATIO, expect: [series().any().below(0.05)] }));
      expect(any.judgement.status).toBe('up');
      expect(any.message).toBe('result{job="api"} = 0.002 (1 of 2 pass)');
      // The failing series are listed in the report for alerts.
      expect(down.observation.details).toEqual(['result{job="api"} = 0.002', expect.stringMatching(/^result\{job="worker"\} = 0\.1/)]);
    } finally {
      await traffic(instances.worker, { errorRatio: 0.002 });
    }
  });

  it('count of series, named queries, scalars and time() arithmetic', async () => {
    const run = await runOnce(
      check(base(), {
        queries: {
          targets_up: 'up == 1',
          scalar_up: 'scalar(count(up == 1))',
          process_age_s: 'time() - max(process_start_time_seconds{job="api"})',
        },
        expect: [series('targets_up').count().eq(5), series('targets_up').every().eq(1), series('scalar_up').eq(5), series('process_age_s').between(0, 86_400)],
      }),
    );
    expect(run.judgement.status).toBe('up');
    expect(run.observation.values.scalar_up).toBe(5);
  });

  it('a range query gives every point of every series', async () => {
    const run = await runOnce(check(base(), { queries: { rps: { query: 'sum(rate(http_requests_total[5s]))', range: { over: '6s', step: '2s' } } }, expect: [series('rps').every().above(0), series('rps').count().gte(3)] }));
    expect(run.judgement.status).toBe('up');
    expect((run.observation.labels?.rps ?? [])[0]).toMatch(/^\{\} at \d\d:\d\d$/);
  });

  it('a query whose guard leaves no series: unknown by default, "nothing to check" when asked', async () => {
    const guarded = 'sum by (job) (rate(http_requests_total{status=~"5.."}[5s])) and on (job) sum by (job) (rate(http_requests_total[5s])) > 1e12';
    const unknown = await runOnce(check(base(), { query: guarded, expect: [series().every().below(0.05)] }));
    expect(unknown.judgement.status).toBe('unknown');
    expect(unknown.message).toBe('result: no series, so it cannot be evaluated');
    const fine = await runOnce(check(base(), { query: guarded, expect: [series().ifEmpty('pass').every().below(0.05)] }));
    expect(fine.judgement.status).toBe('up');
    expect(fine.message).toBe('result: no series, nothing to check');
  });

  it('a query the server refuses is unknown, with the server\'s reason', async () => {
    const run = await runOnce(check(base(), { query: 'sum(rate(http_requests_total[5s])', expect: [series().below(1)] }));
    expect(run.judgement.status).toBe('unknown');
    expect(run.message).toMatch(name === 'Prometheus' ? /^result: the query was refused \(HTTP 400\): bad_data: invalid parameter "query": 1:34: parse error: unclosed left parenthesis$/ : /^result: the query was refused \(HTTP 422\): 422: error when executing query=/);
  });
});

describe('promql kind: errors as results', () => {
  it('an execution error (422) is unknown, with the reason', async () => {
    const run = await runOnce(check(stack().prometheus, { query: 'http_requests_total / ignoring(status) http_requests_total', expect: [series().below(1)] }));
    expect(run.judgement.status).toBe('unknown');
    expect(run.message).toMatch(/^result: the query was refused \(HTTP 422\): execution: found duplicate series for the match group/);
  });

  it('a query the server timed out (503, errorType timeout): down and retried, with the reason', async () => {
    // Prometheus 2.42 does not stop a slow subquery at the request's timeout, so a real 503 cannot be
    // produced on demand here: this answer is the one the API documents for "queries time out or abort"
    // (https://prometheus.io/docs/prometheus/latest/querying/api/#format-overview), served by the targets server.
    const name = unique('prom-503');
    await program(`${name}/api/v1/query`, { status: 503, json: { status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' } });
    const run = await runOnce(check(targetUrl(`/p/${name}`), { query: 'count_over_time(up[30d:1ms])', expect: [series().below(1)] }));
    expect(run.judgement.status).toBe('down');
    expect(run.attempts).toBe(2);
    expect(run.message).toBe('result: the API answered HTTP 503: timeout: query timed out in expression evaluation (after 1 retry)');
  });

  it('a wrong URL says so', async () => {
    // The targets server answers {"status":"ok"} there: JSON, but not Prometheus'.
    const run = await runOnce(check(targetUrl('/p/not-prometheus'), { query: 'up', expect: [series().eq(1)] }));
    expect(run.judgement.status).toBe('unknown');
    expect(run.message).toBe('result: the answer is JSON but not the Prometheus API\'s (no "status": "success"): is url the API\'s base URL?');
    const notFound = await runOnce(check(stack().prometheus.replace(/\/?$/, '/nothing-here'), { query: 'up', expect: [series().eq(1)] }));
    expect(notFound.judgement.status).toBe('unknown');
    expect(notFound.message).toMatch(/^result: no Prometheus API at http:\/\/127\.0\.0\.1:\d+\/nothing-here\/api\/v1\/query \(HTTP 404\)/);
  });

  it('validates its options', () => {
    const problems = (input: Partial<PromqlCheckInput>) => {
      const result = validateConfig({ checks: [{ kind: 'promql', id: 'p', url: 'http://prometheus:9090', ...input }] });
      return result.ok ? [] : result.problems;
    };
    expect(problems({ query: 'up' })).toEqual([]);
    expect(problems({})).toEqual([expect.stringMatching(/check "p": query: give a query/)]);
    expect(problems({ query: 'up', url: 'http://prometheus:9090/api/v1/query' })).toEqual([expect.stringMatching(/url: give the base URL/)]);
    expect(problems({ queries: { 'bad-name': 'up' } })).toEqual([expect.stringMatching(/queries\.bad-name: query names are letters/)]);
    expect(problems({ queries: { r: { query: 'up', range: { over: '1d', step: '1m' } } } })).toEqual([expect.stringMatching(/queries\.r\.range: 1440 points per series; at most 500/)]);
  });
});

describe('promql kind against Loki (metric queries over logs)', () => {
  const lokiUrl = () => stack().loki;
  const program = async (query: string, answer: { status?: number; body?: string; data?: unknown }) => {
    const response = await fetch(`${lokiUrl()}/__loki/answer`, { method: 'POST', body: JSON.stringify({ query, ...answer }) });
    expect(response.status).toBe(204);
  };
  const requests = async () => (await (await fetch(`${lokiUrl()}/__loki/requests`)).json()) as Array<{ path: string; params: Record<string, string>; authorization?: string; orgId?: string }>;

  it('errors in the logs in the last hour: /loki/api/v1/query, a vector of one number', async () => {
    const query = 'sum(count_over_time({app="api"} |= "error" [1h]))';
    await program(query, { data: { resultType: 'vector', result: [{ metric: {}, value: [1796534725.625, '57'] }] } });
    const run = await runOnce(loki({ id: 'log-errors', url: lokiUrl(), query, expect: [series().label('errors in the last hour').below({ warn: 10, crit: 100 })] }));
    expect(run.judgement.status).toBe('degraded');
    expect(run.message).toBe('errors in the last hour = 57, expected < 10');
    const sent = (await requests()).filter((r) => r.params.query === query);
    expect(sent[0]).toMatchObject({ path: '/loki/api/v1/query', params: { query } });
    // Loki has no timeout parameter: none is sent.
    expect(sent[0]?.params.timeout).toBeUndefined();
  });

  it('failed logins per IP over 10 an hour: one series per IP, the offenders named; tenant and basic auth sent', async () => {
    const query = 'sum by (ip) (count_over_time({app="api"} |= "login failed" | logfmt [1h]))';
    await program(query, {
      data: {
        resultType: 'vector',
        result: [
          { metric: { ip: '203.0.113.7' }, value: [1796534725.625, '42'] },
          { metric: { ip: '198.51.100.2' }, value: [1796534725.625, '3'] },
        ],
      },
    });
    await fetch(`${lokiUrl()}/__loki/tenant`, { method: 'POST', body: JSON.stringify({ tenant: 'acme', user: '123456', password: 'glc_loki-token-9f2e' }) });
    try {
      const run = await runOnce(
        loki({ id: 'failed-logins', url: lokiUrl(), query, auth: { username: '123456', password: secret('LOKI_TOKEN') }, headers: { 'X-Scope-OrgID': 'acme' }, expect: [series().label('failed logins').every().lte(10)] }),
        { LOKI_TOKEN: 'glc_loki-token-9f2e' },
      );
      expect(run.judgement.status).toBe('down');
      expect(run.message).toBe('failed logins{ip="203.0.113.7"} = 42 (1 of 2 fail), expected <= 10');
      const sent = (await requests()).filter((r) => r.params.query === query).pop();
      expect(sent).toMatchObject({ orgId: 'acme', authorization: `Basic ${btoa('123456:glc_loki-token-9f2e')}` });
      expect(JSON.stringify(run.observation)).not.toContain('glc_loki-token-9f2e');
    } finally {
      await fetch(`${lokiUrl()}/__loki/tenant`, { method: 'POST', body: '{}' });
    }
  });

  it('a range query asks /query_range with start, end and step', async () => {
    const query = 'sum(rate({app="api"} |= "error" [5m]))';
    await program(query, { data: { resultType: 'matrix', result: [{ metric: {}, values: [[1796534400, '0.1'], [1796534700, '0.3']] }] } });
    const run = await runOnce(loki({ id: 'log-rate', url: lokiUrl(), queries: { error_rate: { query, range: { over: '10m', step: '5m' } } }, expect: [series('error_rate').every().below(1)] }));
    expect(run.judgement.status).toBe('up');
    const sent = (await requests()).filter((r) => r.params.query === query).pop();
    expect(sent?.path).toBe('/loki/api/v1/query_range');
    expect(Number(sent?.params.end) - Number(sent?.params.start)).toBe(600);
    expect(sent?.params.step).toBe('300');
  });

  it("LogQL Loki cannot parse: 400 with a plain-text reason, shown as Loki gave it", async () => {
    const run = await runOnce(loki({ id: 'bad', url: lokiUrl(), query: 'sum(count_over_time({app="api"} |= [1h]', expect: [series().below(1)] }));
    expect(run.judgement.status).toBe('unknown');
    expect(run.message).toMatch(/^result: the query was refused \(HTTP 400\): parse error at line 1, col \d+: syntax error: unexpected \$end$/);
  });

  it('a log query (lines, not numbers) says how to count them', async () => {
    const query = '{app="api"} |= "error"';
    await program(query, { data: { resultType: 'streams', result: [{ stream: { app: 'api' }, values: [['1796534725000000000', 'error: boom']] }] } });
    const run = await runOnce(loki({ id: 'lines', url: lokiUrl(), query, expect: [series().below(1)] }));
    expect(run.judgement.status).toBe('unknown');
    expect(run.message).toMatch(/a log query returns log lines, not numbers: count them with a metric query such as sum\(count_over_time/);
  });
});
