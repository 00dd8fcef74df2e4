// A real Prometheus, a real VictoriaMetrics and a real node_exporter for the
// promql kind and the host recipes, from the machine's Debian packages
// (apt-get install prometheus victoria-metrics prometheus-node-exporter):
//   node_exporter   filesystem, loadavg, meminfo and cpu collectors only (quick to scrape)
//   Prometheus      scrapes every second: jobs api and worker (the test exporter,
//                   /metrics/prom-api and /metrics/prom-worker on the targets server) and node
//   VictoriaMetrics the same jobs from /metrics/vm-api and /metrics/vm-worker (its own
//                   counters, so each store sees whole scrapes of traffic), and node
//   both also scrape the kube-state-metrics and cAdvisor fixtures (tests/fixtures/prometheus/)
// Each runs on a free port with its data in a temporary directory, removed on close.

import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './postgres';

export interface MetricsStack {
  prometheusUrl: string;
  victoriaUrl: string;
  nodeExporterUrl: string;
  close(): Promise<void>;
}

/** Scrape interval of both stores: quick tests, and rate(...[5s]) has points. */
export const SCRAPE_INTERVAL = '1s';
/** The jobs both stores scrape from the targets server, and the exporter instance of each. */
export const PROM_JOBS = { api: 'prom-api', worker: 'prom-worker' } as const;
export const VM_JOBS = { api: 'vm-api', worker: 'vm-worker' } as const;

function binary(name: string, pkg: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`${name} not found: install it (Debian: apt-get install ${pkg})`);
  }
}

interface Process {
  child: ChildProcess;
  log: string;
}

function start(bin: string, args: string[], dir: string, name: string): Process {
  const log = join(dir, `${name}.log`);
  const out = openSync(log, 'a');
  const child = spawn(bin, args, { stdio: ['ignore', out, out], cwd: dir });
  return { child, log };
}

async function stop(process: Process | undefined): Promise<void> {
  if (!process || process.child.exitCode !== null || process.child.signalCode !== null) return;
  const exited = new Promise((resolve) => process.child.once('exit', resolve));
  process.child.kill('SIGTERM');
  const timer = setTimeout(() => process.child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Polls `check` until it is true: the servers' own readiness, never a fixed sleep. */
async function until(what: string, check: () => Promise<boolean>, processes: Process[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const p of processes) {
      if (p.child.exitCode !== null) throw new Error(`${what}: the process exited (${p.child.exitCode}); log:\n${readFileSync(p.log, 'utf8').slice(-2000)}`);
    }
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what}: not ready after ${timeoutMs / 1000}s; logs:\n${processes.map((p) => readFileSync(p.log, 'utf8').slice(-1500)).join('\n---\n')}`);
}

/** True when the instant query `query` returns at least `min` series. */
export async function hasSeries(apiBase: string, query: string, min = 1): Promise<boolean> {
  const response = await fetch(`${apiBase}/api/v1/query?${new URLSearchParams({ query })}`);
  if (!response.ok) return false;
  const answer = (await response.json()) as { data?: { result?: unknown[] } };
  return (answer.data?.result?.length ?? 0) >= min;
}

/** Exporter fixtures the stores scrape too (tests/fixtures/prometheus/), by job. */
export const FIXTURE_JOBS = { 'kube-state-metrics': 'kube-state-metrics.prom', cadvisor: 'cadvisor.prom' } as const;

function scrapeConfig(targetsHost: string, nodeHost: string, jobs: Record<string, string>): string {
  const job = (name: string, path: string) => `  - job_name: ${name}\n    metrics_path: ${path}\n    static_configs:\n      - targets: ['${targetsHost}']\n`;
  const app = [
    ...Object.entries(jobs).map(([name, instance]) => job(name, `/metrics/${instance}`)),
    ...Object.entries(FIXTURE_JOBS).map(([name, file]) => job(name, `/fixtures/prometheus/${file}`)),
  ].join('');
  return `global:\n  scrape_interval: ${SCRAPE_INTERVAL}\n  scrape_timeout: ${SCRAPE_INTERVAL}\nscrape_configs:\n${app}  - job_name: node\n    static_configs:\n      - targets: ['${nodeHost}']\n`;
}

export async function startMetricsStack(targetsUrl: string): Promise<MetricsStack> {
  const bins = {
    prometheus: binary('prometheus', 'prometheus'),
    victoria: binary('victoria-metrics', 'victoria-metrics'),
    node: binary('prometheus-node-exporter', 'prometheus-node-exporter'),
  };
  const dir = mkdtempSync(join(tmpdir(), 'vigil-metrics-'));
  const [nodePort, promPort, vmPort] = [await freePort(), await freePort(), await freePort()];
  const targetsHost = new URL(targetsUrl).host;
  const nodeHost = `127.0.0.1:${nodePort}`;
  const processes: Process[] = [];
  const close = async () => {
    await Promise.all(processes.map(stop));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    processes.push(
      start(
        bins.node,
        [`--web.listen-address=${nodeHost}`, '--collector.disable-defaults', '--collector.filesystem', '--collector.loadavg', '--collector.meminfo', '--collector.cpu', '--log.level=warn'],
        dir,
        'node-exporter',
      ),
    );
    writeFileSync(join(dir, 'prometheus.yml'), scrapeConfig(targetsHost, nodeHost, PROM_JOBS));
    processes.push(
      start(
        bins.prometheus,
        [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'prometheus-data')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--storage.tsdb.retention.time=2h', '--log.level=warn'],
        dir,
        'prometheus',
      ),
    );
    writeFileSync(join(dir, 'victoria.yml'), scrapeConfig(targetsHost, nodeHost, VM_JOBS));
    processes.push(
      start(
        bins.victoria,
        [
          `-storageDataPath=${join(dir, 'victoria-data')}`,
          `-httpListenAddr=127.0.0.1:${vmPort}`,
          `-promscrape.config=${join(dir, 'victoria.yml')}`,
          // By default VictoriaMetrics hides the last 30 s of samples from queries; the tests read fresh ones.
          '-search.latencyOffset=0s',
          '-retentionPeriod=1d',
          '-loggerLevel=WARN',
        ],
        dir,
        'victoria-metrics',
      ),
    );
    const prometheusUrl = `http://127.0.0.1:${promPort}`;
    const victoriaUrl = `http://127.0.0.1:${vmPort}`;
    const nodeExporterUrl = `http://${nodeHost}`;
    await until('prometheus-node-exporter', async () => (await fetch(`${nodeExporterUrl}/metrics`)).ok, processes);
    // Every job scraped and each store holding two scrapes of the exporter (rate() needs two points).
    for (const [name, url] of [
      ['Prometheus', prometheusUrl],
      ['VictoriaMetrics', victoriaUrl],
    ] as const) {
      await until(`${name}: all jobs up`, () => hasSeries(url, 'up == 1', 3 + Object.keys(FIXTURE_JOBS).length), processes);
      await until(`${name}: rates`, () => hasSeries(url, 'sum by (job) (rate(http_requests_total[5s])) > 0', 2), processes);
    }
    return { prometheusUrl, victoriaUrl, nodeExporterUrl, close };
  } catch (error) {
    await close();
    throw error;
  }
}
