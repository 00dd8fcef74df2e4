// The exposition parser and series selectors, against the format examples in
// the Prometheus documentation and output shaped like real exporters.
import { describe, expect, it } from 'vitest';
import { bucketQuantile } from '../../src/kinds/metrics';
import { matcherRegExp, matches, parseExposition, parseNumber, parseSelector, type Sample } from '../../src/kinds/prometheus';
import docs from '../fixtures/prometheus/prometheus-docs.prom?raw';
import nodeExporter from '../fixtures/prometheus/node-exporter.prom?raw';
import postgresExporter from '../fixtures/prometheus/postgres-exporter.prom?raw';
import promClient from '../fixtures/prometheus/prom-client.prom?raw';

/** Samples as [name, labels, value] (plus the timestamp when there is one), for whole-list comparisons. */
const rows = (samples: Sample[]) => samples.map((s) => (s.timestamp === undefined ? [s.name, s.labels, s.value] : [s.name, s.labels, s.value, s.timestamp]));
const family = (samples: Sample[], ...names: string[]) => rows(samples.filter((s) => names.includes(s.name)));
const find = (samples: Sample[], name: string) => samples.filter((s) => s.name === name);

describe('the exposition format examples from the Prometheus documentation', () => {
  const parsed = parseExposition(docs);

  it('parse to exactly these samples and types, with no errors', () => {
    expect(parsed.errors).toEqual([]);
    expect(parsed.types).toEqual({ http_requests_total: 'counter', http_request_duration_seconds: 'histogram', rpc_duration_seconds: 'summary' });
    expect(parsed.samples).toEqual([
      // Several spaces between labels and value; millisecond timestamps.
      { name: 'http_requests_total', labels: { method: 'post', code: '200' }, series: 'http_requests_total{method="post",code="200"}', value: 1027, timestamp: 1395066363000 },
      { name: 'http_requests_total', labels: { method: 'post', code: '400' }, series: 'http_requests_total{method="post",code="400"}', value: 3, timestamp: 1395066363000 },
      // Escaped backslashes, quotes and newlines in label values.
      {
        name: 'msdos_file_access_time_seconds',
        labels: { path: 'C:\\DIR\\FILE.TXT', error: 'Cannot find file:\n"FILE.TXT"' },
        series: 'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""}',
        value: 1.458255915e9,
      },
      { name: 'metric_without_timestamp_and_labels', labels: {}, series: 'metric_without_timestamp_and_labels', value: 12.47 },
      // +Inf with a negative timestamp.
      { name: 'something_weird', labels: { problem: 'division by zero' }, series: 'something_weird{problem="division by zero"}', value: Infinity, timestamp: -3982045 },
      ...(
        [
          ['0.05', 24054],
          ['0.1', 33444],
          ['0.2', 100392],
          ['0.5', 129389],
          ['1', 133988],
          ['+Inf', 144320],
        ] as const
      ).map(([le, value]) => ({ name: 'http_request_duration_seconds_bucket', labels: { le }, series: `http_request_duration_seconds_bucket{le="${le}"}`, value })),
      { name: 'http_request_duration_seconds_sum', labels: {}, series: 'http_request_duration_seconds_sum', value: 53423 },
      { name: 'http_request_duration_seconds_count', labels: {}, series: 'http_request_duration_seconds_count', value: 144320 },
      ...(
        [
          ['0.01', 3102],
          ['0.05', 3272],
          ['0.5', 4773],
          ['0.9', 9001],
          ['0.99', 76656],
        ] as const
      ).map(([quantile, value]) => ({ name: 'rpc_duration_seconds', labels: { quantile }, series: `rpc_duration_seconds{quantile="${quantile}"}`, value })),
      // Exponent notation.
      { name: 'rpc_duration_seconds_sum', labels: {}, series: 'rpc_duration_seconds_sum', value: 17560473 },
      { name: 'rpc_duration_seconds_count', labels: {}, series: 'rpc_duration_seconds_count', value: 2693 },
    ]);
  });

  it('histogram_quantile over those buckets, as Prometheus computes it', () => {
    const buckets = find(parsed.samples, 'http_request_duration_seconds_bucket').map((b) => [b.labels.le === '+Inf' ? Infinity : Number(b.labels.le), b.value] as [number, number]);
    // rank 72160 falls in (0.1, 0.2]: 0.1 + 0.1 × (72160 − 33444) / (100392 − 33444)
    expect(bucketQuantile(0.5, buckets.map((b) => [...b]))).toBeCloseTo(0.1 + (0.1 * (72160 - 33444)) / (100392 - 33444), 10);
    // A rank in the +Inf bucket answers the highest finite bound.
    expect(bucketQuantile(0.99, buckets.map((b) => [...b]))).toBe(1);
    // The lowest bucket interpolates from zero.
    expect(bucketQuantile(0.1, buckets.map((b) => [...b]))).toBeCloseTo(0.05 * (14432 / 24054), 10);
    expect(bucketQuantile(0.5, [[Infinity, 0]])).toBeNaN();
    expect(bucketQuantile(0.5, [[0.1, 0], [Infinity, 0]])).toBeNaN();
  });
});

describe('output shaped like real exporters', () => {
  it('node_exporter (Go client: sorted families and labels, %g numbers; a label value holding " # " is not an exemplar)', () => {
    const parsed = parseExposition(nodeExporter);
    expect(parsed.errors).toEqual([]);
    expect(parsed.samples).toHaveLength(48);
    expect(parsed.types).toEqual({
      go_gc_duration_seconds: 'summary',
      go_goroutines: 'gauge',
      go_info: 'gauge',
      node_boot_time_seconds: 'gauge',
      node_cpu_seconds_total: 'counter',
      node_disk_io_time_seconds_total: 'counter',
      node_filesystem_avail_bytes: 'gauge',
      node_filesystem_size_bytes: 'gauge',
      node_load1: 'gauge',
      node_memory_MemAvailable_bytes: 'gauge',
      node_memory_MemTotal_bytes: 'gauge',
      node_network_receive_bytes_total: 'counter',
      node_scrape_collector_duration_seconds: 'gauge',
      node_scrape_collector_success: 'gauge',
      node_textfile_scrape_error: 'gauge',
      node_uname_info: 'gauge',
      process_resident_memory_bytes: 'gauge',
      promhttp_metric_handler_errors_total: 'counter',
      promhttp_metric_handler_requests_total: 'counter',
    });
    expect(family(parsed.samples, 'go_gc_duration_seconds', 'go_gc_duration_seconds_sum', 'go_gc_duration_seconds_count', 'go_info', 'node_boot_time_seconds')).toEqual([
      ['go_gc_duration_seconds', { quantile: '0' }, 2.3051e-5],
      ['go_gc_duration_seconds', { quantile: '0.25' }, 3.4712e-5],
      ['go_gc_duration_seconds', { quantile: '0.5' }, 4.1102e-5],
      ['go_gc_duration_seconds', { quantile: '0.75' }, 6.2003e-5],
      ['go_gc_duration_seconds', { quantile: '1' }, 0.000814401],
      ['go_gc_duration_seconds_sum', {}, 0.101239418],
      ['go_gc_duration_seconds_count', {}, 1921],
      ['go_info', { version: 'go1.21.4' }, 1],
      ['node_boot_time_seconds', {}, 1706774405],
    ]);
    const modes = ['idle', 'iowait', 'irq', 'nice', 'softirq', 'steal', 'system', 'user'];
    expect(family(parsed.samples, 'node_cpu_seconds_total')).toEqual(
      [
        [1234567.89, 1234.56, 0, 12.34, 345.67, 89.01, 5678.9, 23456.78],
        [1234500, 1111.11, 0, 10.2, 301.4, 77.7, 5555.55, 22222.22],
      ].flatMap((values, cpu) => values.map((value, i) => ['node_cpu_seconds_total', { cpu: String(cpu), mode: modes[i] }, value])),
    );
    const root = { device: '/dev/vda1', fstype: 'ext4', mountpoint: '/' };
    const run = { device: 'tmpfs', fstype: 'tmpfs', mountpoint: '/run' };
    expect(family(parsed.samples, 'node_filesystem_avail_bytes', 'node_filesystem_size_bytes', 'node_memory_MemAvailable_bytes', 'node_memory_MemTotal_bytes', 'node_network_receive_bytes_total')).toEqual([
      ['node_filesystem_avail_bytes', root, 24593104896],
      ['node_filesystem_avail_bytes', run, 415485952],
      ['node_filesystem_size_bytes', root, 82565394432],
      ['node_filesystem_size_bytes', run, 416030720],
      ['node_memory_MemAvailable_bytes', {}, 16230711296],
      ['node_memory_MemTotal_bytes', {}, 25152266240],
      ['node_network_receive_bytes_total', { device: 'eth0' }, 9876543210],
      ['node_network_receive_bytes_total', { device: 'lo' }, 123456000],
    ]);
    expect(family(parsed.samples, 'node_uname_info', 'process_resident_memory_bytes', 'promhttp_metric_handler_requests_total')).toEqual([
      ['node_uname_info', { domainname: '(none)', machine: 'x86_64', nodename: 'db-1', release: '6.1.0-18-amd64', sysname: 'Linux', version: '#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)' }, 1],
      ['process_resident_memory_bytes', {}, 22695936],
      ['promhttp_metric_handler_requests_total', { code: '200' }, 4561],
      ['promhttp_metric_handler_requests_total', { code: '500' }, 0],
      ['promhttp_metric_handler_requests_total', { code: '503' }, 0],
    ]);
  });

  it('prom-client (Node): blank lines between families, le first in histogram labels, a declared family with no series yet', () => {
    const parsed = parseExposition(promClient);
    expect(parsed.errors).toEqual([]);
    expect(parsed.samples).toHaveLength(46);
    expect(parsed.types).toEqual({
      process_cpu_user_seconds_total: 'counter',
      process_cpu_system_seconds_total: 'counter',
      process_cpu_seconds_total: 'counter',
      process_start_time_seconds: 'gauge',
      process_resident_memory_bytes: 'gauge',
      process_open_fds: 'gauge',
      nodejs_eventloop_lag_seconds: 'gauge',
      nodejs_eventloop_lag_p99_seconds: 'gauge',
      nodejs_active_handles: 'gauge',
      nodejs_active_handles_total: 'gauge',
      nodejs_heap_size_used_bytes: 'gauge',
      nodejs_heap_space_size_used_bytes: 'gauge',
      nodejs_version_info: 'gauge',
      nodejs_gc_duration_seconds: 'histogram',
      http_requests_total: 'counter',
      payout_jobs_failed_total: 'counter',
      http_request_duration_seconds: 'histogram',
    });
    expect(family(parsed.samples, 'process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_active_handles', 'nodejs_version_info', 'payout_jobs_failed_total')).toEqual([
      ['process_cpu_seconds_total', {}, 168.777],
      ['process_resident_memory_bytes', {}, 187179008],
      ['nodejs_eventloop_lag_seconds', {}, 0.004567123],
      ['nodejs_active_handles', { type: 'WriteStream' }, 2],
      ['nodejs_active_handles', { type: 'Server' }, 1],
      ['nodejs_active_handles', { type: 'Socket' }, 4],
      ['nodejs_version_info', { version: 'v20.11.1', major: '20', minor: '11', patch: '1' }, 1],
    ]);
    expect(family(parsed.samples, 'http_requests_total')).toEqual([
      ['http_requests_total', { method: 'GET', route: '/api/v1/earnings', status: '200' }, 15320],
      ['http_requests_total', { method: 'GET', route: '/api/v1/earnings', status: '500' }, 12],
      ['http_requests_total', { method: 'POST', route: '/api/v1/auth/login', status: '200' }, 881],
      ['http_requests_total', { method: 'POST', route: '/api/v1/auth/login', status: '401' }, 57],
    ]);
    const kind = { kind: 'minor' };
    expect(family(parsed.samples, 'nodejs_gc_duration_seconds_bucket', 'nodejs_gc_duration_seconds_sum', 'nodejs_gc_duration_seconds_count')).toEqual([
      ...(
        [
          ['0.001', 1203],
          ['0.01', 1288],
          ['0.1', 1290],
          ['1', 1290],
          ['2', 1290],
          ['5', 1290],
          ['+Inf', 1290],
        ] as const
      ).map(([le, value]) => ['nodejs_gc_duration_seconds_bucket', { le, ...kind }, value]),
      ['nodejs_gc_duration_seconds_sum', kind, 0.9822391470000003],
      ['nodejs_gc_duration_seconds_count', kind, 1290],
    ]);
    const route = { method: 'GET', route: '/api/v1/earnings', status_code: '200' };
    const bounds = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];
    const counts = [120, 820, 5210, 11002, 14230, 15100, 15290, 15315, 15319, 15320, 15320, 15320];
    expect(family(parsed.samples, 'http_request_duration_seconds_bucket', 'http_request_duration_seconds_sum', 'http_request_duration_seconds_count')).toEqual([
      ...bounds.map((le, i) => ['http_request_duration_seconds_bucket', { le, ...route }, counts[i]]),
      ['http_request_duration_seconds_sum', route, 612.88],
      ['http_request_duration_seconds_count', route, 15320],
    ]);
  });

  it('postgres_exporter: every connection state per database, label values with spaces, parentheses and commas', () => {
    const parsed = parseExposition(postgresExporter);
    expect(parsed.errors).toEqual([]);
    expect(parsed.samples).toHaveLength(32);
    expect(parsed.types).toEqual({
      go_goroutines: 'gauge',
      pg_database_size_bytes: 'gauge',
      pg_exporter_last_scrape_duration_seconds: 'gauge',
      pg_exporter_last_scrape_error: 'gauge',
      pg_exporter_scrapes_total: 'counter',
      pg_locks_count: 'gauge',
      pg_settings_max_connections: 'gauge',
      pg_settings_shared_buffers_bytes: 'gauge',
      pg_stat_activity_count: 'gauge',
      pg_stat_activity_max_tx_duration: 'gauge',
      pg_stat_database_blks_hit: 'counter',
      pg_stat_database_blks_read: 'counter',
      pg_stat_database_deadlocks: 'counter',
      pg_stat_database_numbackends: 'gauge',
      pg_static: 'untyped',
      pg_up: 'gauge',
      process_open_fds: 'gauge',
    });
    const server = 'postgres:5432';
    const states = ['active', 'disabled', 'fastpath function call', 'idle', 'idle in transaction', 'idle in transaction (aborted)'];
    expect(family(parsed.samples, 'pg_stat_activity_count')).toEqual(
      [
        ['postgres', [1, 0, 0, 0, 0, 0]],
        ['railway', [3, 0, 0, 41, 1, 0]],
      ].flatMap(([datname, values]) => (values as number[]).map((value, i) => ['pg_stat_activity_count', { datname, server, state: states[i] }, value])),
    );
    const railway = { datid: '16384', datname: 'railway', server };
    expect(family(parsed.samples, 'pg_up', 'pg_settings_max_connections', 'pg_settings_shared_buffers_bytes', 'pg_database_size_bytes', 'pg_stat_database_blks_hit', 'pg_stat_database_numbackends', 'pg_static')).toEqual([
      ['pg_database_size_bytes', { datname: 'postgres', server }, 7631727],
      ['pg_database_size_bytes', { datname: 'railway', server }, 2831155000],
      ['pg_settings_max_connections', {}, 100],
      ['pg_settings_shared_buffers_bytes', {}, 134217728],
      ['pg_stat_database_blks_hit', railway, 84629871],
      ['pg_stat_database_numbackends', railway, 45],
      ['pg_static', { server, short_version: '15.5.0', version: 'PostgreSQL 15.5 (Debian 15.5-1.pgdg120+1) on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14) 12.2.0, 64-bit' }, 1],
      ['pg_up', {}, 1],
    ]);
  });
});

describe('parsing edge cases', () => {
  it('OpenMetrics: exemplars and # EOF', () => {
    const parsed = parseExposition('# TYPE foo counter\nfoo_total{a="b"} 17 1520879607.789 # {trace_id="KOO5S4vxi0o"} 0.67\n# EOF\n');
    expect(parsed.errors).toEqual([]);
    expect(parsed.samples).toEqual([{ name: 'foo_total', labels: { a: 'b' }, series: 'foo_total{a="b"}', value: 17, timestamp: 1520879607.789 }]);
  });

  it("numbers as Prometheus (Go's ParseFloat) reads them: Inf and NaN in any case and sign", () => {
    const parsed = parseExposition(['a Inf', 'b +inf', 'c -INF', 'd nan', 'e Infinity', 'f 1e3', 'g .5', 'h twelve'].join('\n'));
    expect(parsed.samples.map((s) => [s.name, s.value])).toEqual([
      ['a', Infinity],
      ['b', Infinity],
      ['c', -Infinity],
      ['d', Number.NaN],
      ['e', Infinity],
      ['f', 1000],
      ['g', 0.5],
    ]);
    expect(parsed.errors).toEqual(['line 8: "twelve" is not a number']);
    expect(['+Inf', 'Inf', '+inf', 'inf', '1', '0.25'].map(parseNumber)).toEqual([Infinity, Infinity, Infinity, Infinity, 1, 0.25]);
  });

  it('NaN, -Inf, negative and exponent values; CRLF line ends; a trailing comma in labels', () => {
    const parsed = parseExposition('a NaN\r\nb -Inf\r\nc -1.5e-3\r\nd{x="1",} 2\r\n');
    expect(parsed.errors).toEqual([]);
    expect(parsed.samples[0]?.value).toBeNaN();
    expect(parsed.samples.slice(1).map((s) => [s.name, s.value, s.labels])).toEqual([
      ['b', -Infinity, {}],
      ['c', -0.0015, {}],
      ['d', 2, { x: '1' }],
    ]);
  });

  it('blanks before a line and between a name and its labels, as the format allows', () => {
    const parsed = parseExposition('  indented 1\nspaced {a="b"} 2\n\t\n');
    expect(parsed.errors).toEqual([]);
    expect(parsed.samples.map((s) => [s.name, s.labels, s.value])).toEqual([
      ['indented', {}, 1],
      ['spaced', { a: 'b' }, 2],
    ]);
    expect(parseExposition('  indented 1\n', (name) => name === 'indented').samples).toHaveLength(1);
  });

  it('a label value with "}" and "{" inside quotes', () => {
    const parsed = parseExposition('errors_total{message="line one\\nline two } {x=\\"1\\"}"} 4\n');
    expect(parsed.errors).toEqual([]);
    expect(parsed.samples[0]?.labels.message).toBe('line one\nline two } {x="1"}');
  });

  it('malformed lines are reported with their number and what was wrong; the rest is read', () => {
    const text = [
      'good 1',
      'bad{a="x" 2',
      'this line is not a sample at all',
      'value_missing{a="b"}',
      'num{a="b"} twelve',
      '{a="b"} 3',
      'no_comma{a="x" b="y"} 1',
      'cut{a="x',
      'also_good{a="b"} 2',
    ].join('\n');
    const parsed = parseExposition(text);
    expect(parsed.samples.map((s) => s.name)).toEqual(['good', 'also_good']);
    expect(parsed.errors).toEqual([
      'line 2: "," or "}" was expected after the value of label a',
      'line 3: "line" is not a number',
      'line 4: a value was expected',
      'line 5: "twelve" is not a number',
      'line 6: a metric name was expected',
      'line 7: "," or "}" was expected after the value of label a',
      'line 8: label a: the value is not closed',
    ]);
  });

  it('keep() skips unwanted families before reading their labels', () => {
    const parsed = parseExposition(`${promClient}\nbroken{ 1\n`, (name) => name === 'process_resident_memory_bytes');
    expect(parsed.samples).toEqual([{ name: 'process_resident_memory_bytes', labels: {}, series: 'process_resident_memory_bytes', value: 187179008 }]);
    // The malformed line belongs to a skipped family: not reported.
    expect(parsed.errors).toEqual([]);
  });
});

describe('series selectors', () => {
  it('parse names and the four matchers', () => {
    expect(parseSelector('up')).toEqual({ name: 'up', matchers: [] });
    expect(parseSelector(' http_requests_total{status=~"5..", method!="OPTIONS",route!~"/health|/metrics",job="api"} ')).toEqual({
      name: 'http_requests_total',
      matchers: [
        { label: 'status', op: '=~', value: '5..' },
        { label: 'method', op: '!=', value: 'OPTIONS' },
        { label: 'route', op: '!~', value: '/health|/metrics' },
        { label: 'job', op: '=', value: 'api' },
      ],
    });
    expect(parseSelector('m{msg="say \\"hi\\""}').matchers[0]?.value).toBe('say "hi"');
  });

  it('reject what PromQL would, with the selector in the message', () => {
    expect(() => parseSelector('5xx_total')).toThrow(/"5xx_total": a metric name/);
    expect(() => parseSelector('rate(http_requests_total[5m])')).toThrow(/a metric name/);
    expect(() => parseSelector('m{status="5"')).toThrow(/not closed/);
    expect(() => parseSelector('m{status=5}')).toThrow(/cannot read the label matchers at "status=5"/);
    expect(() => parseSelector('m{status=~"(5"}')).toThrow('"m{status=~"(5"}": status=~"(5" is not a valid regular expression: Unterminated group');
  });

  it('match like PromQL: anchored regular expressions; a missing label is ""', () => {
    const { matchers } = parseSelector('m{status=~"5..",route!~"/health"}');
    expect(matches({ status: '503', route: '/api' }, matchers)).toBe(true);
    expect(matches({ status: '5030', route: '/api' }, matchers)).toBe(false);
    expect(matches({ status: '500', route: '/health' }, matchers)).toBe(false);
    expect(matches({ status: '500', route: '/healthz' }, matchers)).toBe(true);
    expect(matches({ status: '500' }, parseSelector('m{route=""}').matchers)).toBe(true);
    expect(matches({ status: '500' }, parseSelector('m{status!="500"}').matchers)).toBe(false);
  });

  it('compile regular expressions as PromQL does (RE2 with DotNL): "." matches a newline, a leading (?i) ignores case', () => {
    const message = 'connect failed:\nECONNREFUSED';
    expect(matches({ message }, parseSelector('m{message=~"connect failed:.ECONN.*"}').matchers)).toBe(true);
    expect(matches({ message }, parseSelector('m{message=~"connect.*"}').matchers)).toBe(true);
    expect(matches({ message }, parseSelector('m{message!~".*REFUSED"}').matchers)).toBe(false);
    expect(matches({ method: 'get' }, parseSelector('m{method=~"(?i)GET|HEAD"}').matchers)).toBe(true);
    expect(matches({ method: 'Head' }, parseSelector('m{method!~"(?i)get|head"}').matchers)).toBe(false);
    expect(matches({ method: 'get' }, parseSelector('m{method=~"GET|HEAD"}').matchers)).toBe(false);
    // Still anchored after the flag: "(?i)get" does not match "target".
    expect(matches({ method: 'target' }, parseSelector('m{method=~"(?i)get"}').matchers)).toBe(false);
    expect(matcherRegExp('(?i)a.b').flags).toBe('is');
  });
});
