// Host and container recipes: node_exporter's against the real
// prometheus-node-exporter running on this machine (read through the real
// Prometheus and VictoriaMetrics, and scraped directly), kube-state-metrics
// and cAdvisor against fixture expositions with their documented metric names
// (tests/fixtures/prometheus/), scraped by Prometheus and directly.
import { describe, expect, inject, it } from 'vitest';
import { kubernetes, nodeExporter } from '../../src/config';
import { parseExposition } from '../../src/kinds/prometheus';
import { program, T0, targetUrl, unique } from '../helpers';
import { runOnce } from '../helpers/run-once';
import ksm from '../fixtures/prometheus/kube-state-metrics.prom?raw';

const stack = () => inject('metricsStack');
const MINUTE = 60_000;

/** What node_exporter itself says right now, to check the recipes' arithmetic against. */
async function nodeFacts() {
  const text = await (await fetch(`${stack().nodeExporter}/metrics`)).text();
  const samples = parseExposition(text).samples;
  const one = (name: string) => samples.find((s) => s.name === name)?.value as number;
  const root = (name: string) => samples.find((s) => s.name === name && s.labels.mountpoint === '/')?.value as number;
  return {
    memoryPct: (100 * one('node_memory_MemAvailable_bytes')) / one('node_memory_MemTotal_bytes'),
    diskPct: (100 * root('node_filesystem_avail_bytes')) / root('node_filesystem_size_bytes'),
    cpus: samples.filter((s) => s.name === 'node_cpu_seconds_total' && s.labels.mode === 'idle').length,
    load5: one('node_load5'),
  };
}

/** Polls the store until an instant query has a series (the fixture jobs are scraped every second). */
async function waitFor(base: string, query: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const answer = (await (await fetch(`${base}/api/v1/query?${new URLSearchParams({ query })}`)).json()) as { data?: { result?: unknown[] } };
    if ((answer.data?.result?.length ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${query}: no series`);
}

describe.each([
  ['Prometheus', () => stack().prometheus],
  ['VictoriaMetrics', () => stack().victoria],
])('node_exporter recipes through %s (promql)', (_name, base) => {
  it('disk free % per mountpoint, memory available %, load per CPU: the same numbers node_exporter gives', async () => {
    const facts = await nodeFacts();
    const disk = await runOnce(nodeExporter.diskFree({ id: 'disk', url: base() }));
    expect(disk.judgement.status).not.toBe('unknown');
    const names = disk.observation.labels?.free_pct ?? [];
    const root = names.findIndex((name) => /mountpoint="\/"/.test(name));
    expect(root).toBeGreaterThanOrEqual(0);
    expect((disk.observation.values.free_pct as number[])[root]).toBeCloseTo(facts.diskPct, 0);
    // Only disks: no tmpfs or overlay among the series.
    expect(names.join(' ')).not.toMatch(/tmpfs|overlay/);

    const memory = await runOnce(nodeExporter.memoryAvailable({ id: 'memory', url: base() }));
    expect(Math.abs(((memory.observation.values.available_pct as number[])[0] as number) - facts.memoryPct)).toBeLessThan(3);

    const load = await runOnce(nodeExporter.loadPerCpu({ id: 'load', url: base(), below: 1000 }));
    expect(load.judgement.status).toBe('up');
    // The load moves as the machine works; it stays within a factor of the one just read.
    const perCpu = (load.observation.values.load_per_cpu as number[])[0] as number;
    expect(perCpu).toBeGreaterThanOrEqual(0);
    expect(perCpu).toBeLessThan(facts.load5 / facts.cpus + 5);
    expect(memory.observation.labels?.available_pct).toEqual([expect.stringMatching(/^\{instance="127\.0\.0\.1:\d+"\}$/)]);
  });

  it('a disk past its threshold is named by instance and mountpoint', async () => {
    // More free space than any disk has: every mountpoint fails, and the message names them.
    const run = await runOnce(nodeExporter.diskFree({ id: 'disk', url: base(), freePct: { warn: 100.5 }, mountpoints: '/' }));
    expect(run.judgement.status).toBe('degraded');
    expect(run.message).toMatch(/^disk free\{instance="127\.0\.0\.1:\d+",mountpoint="\/"\} = [\d.]+%, expected > 100\.5%$/);
  });
});

describe('node_exporter recipes scraping its /metrics', () => {
  it('the same three numbers, from the exposition', async () => {
    const url = `${stack().nodeExporter}/metrics`;
    const facts = await nodeFacts();
    const disk = await runOnce(nodeExporter.scrape.diskFree({ id: 'disk', url, mountpoints: '/' }));
    expect((disk.observation.values.free_pct as number[])[0]).toBeCloseTo(facts.diskPct, 0);
    const memory = await runOnce(nodeExporter.scrape.memoryAvailable({ id: 'memory', url }));
    expect(Math.abs((memory.observation.values.available_pct as number) - facts.memoryPct)).toBeLessThan(3);
    const load = await runOnce(nodeExporter.scrape.loadPerCpu({ id: 'load', url, below: 1000 }));
    expect(load.judgement.status).toBe('up');
    expect(load.observation.values.load_per_cpu).toBeLessThan(facts.load5 / facts.cpus + 5);
    const full = await runOnce(nodeExporter.scrape.diskFree({ id: 'disk', url, mountpoints: '/', freePct: 100.5 }));
    expect(full.judgement.status).toBe('down');
    expect(full.message).toMatch(/^disk free\{mountpoint="\/"\} = [\d.]+%, expected > 100\.5%$/);
  });
});

describe('kube-state-metrics and cAdvisor recipes through Prometheus (promql)', () => {
  const base = () => stack().prometheus;

  it('pods not ready are named; a namespace without any is up', async () => {
    await waitFor(base(), 'kube_pod_status_ready');
    const run = await runOnce(kubernetes.podsNotReady({ id: 'pods', url: base() }));
    expect(run.judgement.status).toBe('down');
    expect(run.message).toBe('pod not ready{namespace="shop",pod="worker-5c2b"} = 1 (1 of 3 fail), expected 0');
    expect((await runOnce(kubernetes.podsNotReady({ id: 'pods', url: base(), namespace: 'kube-system' }))).judgement.status).toBe('up');
    // Allowing one: the count is checked.
    expect((await runOnce(kubernetes.podsNotReady({ id: 'pods', url: base(), max: 1 }))).judgement.status).toBe('up');
  });

  it('restarts within the hour (the fixture is static: none new) and container memory against its limit', async () => {
    await waitFor(base(), 'container_memory_working_set_bytes');
    const restarts = await runOnce(kubernetes.restarts({ id: 'restarts', url: base() }));
    expect(restarts.judgement.status).toBe('up');
    const memory = await runOnce(kubernetes.containerMemory({ id: 'memory', url: base() }));
    expect(memory.judgement.status).toBe('down');
    expect(memory.message).toBe('memory of limit{container="worker",namespace="shop",pod="worker-5c2b"} = 95% (1 of 2 fail), expected < 90%');
  });
});

describe('kube-state-metrics and cAdvisor recipes scraping the exporters', () => {
  it('pods not ready, and container memory, from the fixture expositions', async () => {
    const pods = await runOnce(kubernetes.scrape.podsNotReady({ id: 'pods', url: targetUrl('/fixtures/prometheus/kube-state-metrics.prom') }));
    expect(pods.message).toBe('pod not ready{namespace="shop",pod="worker-5c2b"} = 1 (1 of 3 fail), expected 0');
    const memory = await runOnce(kubernetes.scrape.containerMemory({ id: 'memory', url: targetUrl('/fixtures/prometheus/cadvisor.prom') }));
    expect(memory.judgement.status).toBe('down');
    expect(memory.message).toBe('memory of limit{namespace="shop",pod="worker-5c2b",container="worker"} = 95% (1 of 2 fail), expected < 90%');
  });

  it('restarts: the counter grows by 5 in 10 minutes, 30 an hour, and the pod is named', async () => {
    const name = unique('ksm');
    await program(name, { body: ksm, headers: { 'content-type': 'text/plain; version=0.0.4' } });
    const check = kubernetes.scrape.restarts({ id: 'restarts', url: targetUrl(`/p/${name}`) });
    const first = await runOnce(check, {}, undefined, T0);
    await program(name, { body: ksm.replace('container="worker"} 7', 'container="worker"} 12'), headers: { 'content-type': 'text/plain; version=0.0.4' } });
    const second = await runOnce(check, {}, first.observation.memory, T0 + 10 * MINUTE);
    expect(second.judgement.status).toBe('degraded');
    expect(second.message).toBe('restarts in 1h{namespace="shop",pod="worker-5c2b"} = 30 (1 of 3 fail), expected < 4');
  });
});
