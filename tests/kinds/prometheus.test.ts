// The exposition parser and series selectors, against the format examples in
// the Prometheus documentation and output shaped like real exporters.
import { describe, expect, it } from 'vitest';
import { bucketQuantile } from '../../src/kinds/metrics';
import { matches, parseExposition, parseSelector, type Sample } from '../../src/kinds/prometheus';
import docs from '../fixtures/prometheus/prometheus-docs.prom?raw';
import nodeExporter from '../fixtures/prometheus/node-exporter.prom?raw';
import postgresExporter from '../fixtures/prometheus/postgres-exporter.prom?raw';
import promClient from '../fixtures/prometheus/prom-client.prom?raw';

const sampleLines = (text: string) => text.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#')).length;
const find = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
const one = (samples: Sample[], name: string, labels: Record<string, string> = {}) => {
  const found = find(samples, name, labels);
  expect(found, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
  return found[0] as Sample;
};

describe('the exposition format examples from the Prometheus documentation', () => {
  const parsed = parseExposition(docs);

  it('read every sample line, with no errors', () => {
    expect(parsed.errors).toEqual([]);
    expect(parsed.samples).toHaveLength(sampleLines(docs));
  });

  it('counters with labels and timestamps', () => {
    expect(one(parsed.samples, 'http_requests_total', { code: '200' })).toEqual({
      name: 'http_requests_total',
      labels: { method: 'post', code: '200' },
      series: 'http_requests_total{method="post",code="200"}',
      value: 1027,
      timestamp: 1395066363000,
    });
    // Several spaces between labels and value.
    expect(one(parsed.samples, 'http_requests_total', { code: '400' }).value).toBe(3);
    expect(parsed.types.http_requests_total).toBe('counter');
  });

  it('escaped backslashes, quotes and newlines in label values', () => {
    const sample = one(parsed.samples, 'msdos_file_access_time_seconds');
    expect(sample.labels).toEqual({ path: 'C:\\DIR\\FILE.TXT', error: 'Cannot find file:\n"FILE.TXT"' });
    expect(sample.value).toBe(1.458255915e9);
  });

  it('a line with no labels or timestamp; +Inf with a negative timestamp', () => {
    expect(one(parsed.samples, 'metric_without_timestamp_and_labels')).toEqual({ name: 'metric_without_timestamp_and_labels', labels: {}, series: 'metric_without_timestamp_and_labels', value: 12.47 });
    expect(one(parsed.samples, 'something_weird')).toMatchObject({ value: Infinity, timestamp: -3982045, labels: { problem: 'division by zero' } });
  });

  it('a histogram: buckets by le including +Inf, _sum and _count', () => {
    expect(parsed.types.http_request_duration_seconds).toBe('histogram');
    const buckets = find(parsed.samples, 'http_request_duration_seconds_bucket');
    expect(buckets.map((b) => [b.labels.le, b.value])).toEqual([
      ['0.05', 24054],
      ['0.1', 33444],
      ['0.2', 100392],
      ['0.5', 129389],
      ['1', 133988],
      ['+Inf', 144320],
    ]);
    expect(one(parsed.samples, 'http_request_duration_seconds_sum').value).toBe(53423);
    expect(one(parsed.samples, 'http_request_duration_seconds_count').value).toBe(144320);
  });

  it('a summary: quantiles, _sum in exponent notation and _count', () => {
    expect(parsed.types.rpc_duration_seconds).toBe('summary');
    expect(one(parsed.samples, 'rpc_duration_seconds', { quantile: '0.99' }).value).toBe(76656);
    expect(one(parsed.samples, 'rpc_duration_seconds_sum').value).toBe(17560473);
    expect(one(parsed.samples, 'rpc_duration_seconds_count').value).toBe(2693);
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
  it('node_exporter: a label value holding " # " is not mistaken for an exemplar', () => {
    const parsed = parseExposition(nodeExporter);
    expect(parsed.errors).toEqual([]);
    expect(parsed.samples).toHaveLength(sampleLines(nodeExporter));
    expect(one(parsed.samples, 'node_uname_info').labels.version).toBe('#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)');
    expect(one(parsed.samples, 'node_filesystem_size_bytes', { mountpoint: '/' }).value).toBe(82565394432);
    expect(find(parsed.samples, 'node_cpu_seconds_total', { mode: 'idle' }).map((s) => s.value)).toEqual([1234567.89, 1234500]);
    expect(one(parsed.samples, 'go_gc_duration_seconds', { quantile: '0' }).value).toBe(2.3051e-5);
  });

  it('prom-client: blank lines between families, labelled histograms', () => {
    const parsed = parseExposition(promClient);
    expect(parsed.errors).toEqual([]);
    expect(parsed.samples).toHaveLength(sampleLines(promClient));
    expect(one(parsed.samples, 'process_resident_memory_bytes').value).toBe(187179008);
    expect(one(parsed.samples, 'http_requests_total', { status: '500' }).value).toBe(12);
    expect(one(parsed.samples, 'http_request_duration_seconds_bucket', { le: '+Inf' }).labels).toEqual({ le: '+Inf', method: 'GET', route: '/api/v1/earnings', status_code: '200' });
    expect(one(parsed.samples, 'nodejs_version_info').labels.version).toBe('v20.11.1');
  });

  it('postgres_exporter: label values with spaces and parentheses', () => {
    const parsed = parseExposition(postgresExporter);
    expect(parsed.errors).toEqual([]);
    expect(parsed.samples).toHaveLength(sampleLines(postgresExporter));
    expect(one(parsed.samples, 'pg_stat_activity_count', { state: 'idle in transaction (aborted)' }).value).toBe(0);
    expect(find(parsed.samples, 'pg_stat_activity_count').reduce((sum, s) => sum + s.value, 0)).toBe(45);
    expect(one(parsed.samples, 'pg_database_size_bytes').value).toBe(2831155000);
  });
});

describe('parsing edge cases', () => {
  it('OpenMetrics: exemplars and # EOF', () => {
    const parsed = parseExposition('# TYPE foo counter\nfoo_total{a="b"} 17 1520879607.789 # {trace_id="KOO5S4vxi0o"} 0.67\n# EOF\n');
    expect(parsed.errors).toEqual([]);
    expect(parsed.samples).toEqual([{ name: 'foo_total', labels: { a: 'b' }, series: 'foo_total{a="b"}', value: 17, timestamp: 1520879607.789 }]);
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

  it('malformed lines are reported with their number; the rest is read', () => {
    const text = ['good 1', 'bad{a="x" 2', 'this line is not a sample at all', 'value_missing{a="b"}', 'num{a="b"} twelve', '{a="b"} 3', 'also_good{a="b"} 2'].join('\n');
    const parsed = parseExposition(text);
    expect(parsed.samples.map((s) => s.name)).toEqual(['good', 'also_good']);
    expect(parsed.errors).toHaveLength(5);
    expect(parsed.errors[0]).toMatch(/^line 2: /);
    expect(parsed.errors[3]).toBe('line 5: "twelve" is not a number');
    expect(parsed.errors[4]).toMatch(/^line 6: a metric name was expected/);
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
    expect(() => parseSelector('m{status=~"(5"}')).toThrow(/regular expression|Unterminated/i);
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
});
