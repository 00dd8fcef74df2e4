// Host and container recipes: what `df`, `uptime`, `free` and `kubectl get
// pods` tell a person, read from the exporters that publish it, since a
// Worker can run none of those commands. Each recipe returns an ordinary
// `promql` check (asking Prometheus, VictoriaMetrics, Mimir ... that scrape
// the exporter), or with `.scrape` a `metrics` check that reads the exporter's
// /metrics itself.
//   nodeExporter.diskFree({ id: 'disk', url: 'http://prometheus:9090' })
//   nodeExporter.scrape.diskFree({ id: 'disk', url: 'https://node.example.com/metrics' })
// Metric names: node_exporter (https://github.com/prometheus/node_exporter),
// kube-state-metrics (docs/metrics/workload/pod-metrics.md), cAdvisor
// (docs/storage/prometheus.md).

import { series, value, withHysteresis, type Expectation, type Levels } from '../assert/builders';
import { atMost, levels } from './recipe-levels';
import type { CheckInput } from '../config';
import { gauge, increase, rate, ratio } from './metrics';

type PromqlInput = Extract<CheckInput, { kind: 'promql' }>;
type MetricsInput = Extract<CheckInput, { kind: 'metrics' }>;

/** A promql recipe takes the check's fields and how to reach the API, not the queries. */
export type PromqlRecipeBase = Omit<PromqlInput, 'kind' | 'api' | 'query' | 'queries' | 'expect' | 'name'> & { name?: string; expect?: Expectation[]; hysteresis?: number };
/** A scrape recipe takes the check's fields and the exporter's URL (or targets), not the values. */
export type ScrapeRecipeBase = Omit<MetricsInput, 'kind' | 'values' | 'expect' | 'name'> & { name?: string; expect?: Expectation[]; hysteresis?: number };

/**
 * Filesystems that are not disks: node_exporter reports them too (its own
 * default excludes only some). overlay is a container's root, tmpfs lives in memory.
 */
export const NOT_DISKS = 'tmpfs|devtmpfs|overlay|squashfs|nsfs|ramfs|autofs|fuse.lxcfs|tracefs|cgroup2?';



function promql(base: PromqlRecipeBase, name: string, queries: PromqlInput['queries'], expect: Expectation[]): PromqlInput {
  const { expect: extra = [], name: given, hysteresis, ...rest } = base;
  return { kind: 'promql', ...rest, name: given ?? name, queries, expect: [...withHysteresis(expect, hysteresis), ...extra] };
}

function scrape(base: ScrapeRecipeBase, name: string, values: MetricsInput['values'], expect: Expectation[]): MetricsInput {
  const { expect: extra = [], name: given, hysteresis, ...rest } = base;
  return { kind: 'metrics', ...rest, name: given ?? name, values, expect: [...withHysteresis(expect, hysteresis), ...extra] };
}

/** Label matchers inside a selector's braces: the filesystem filter, and an optional mountpoint regex. */
function diskMatchers(mountpoints?: string): string {
  return `fstype!~"${NOT_DISKS}"${mountpoints ? `,mountpoint=~${JSON.stringify(mountpoints)}` : ''}`;
}

type Window = '1' | '5' | '15';

export const nodeExporter = {
  /**
   * Free disk space in % of each filesystem, per instance and mountpoint
   * ("df -h": alert when a disk is over 80/90% full). Default: degraded under 20% free, down under 10%.
   * `mountpoints` is a regular expression (`'/|/var/lib/postgresql'`).
   */
  diskFree(base: PromqlRecipeBase & { freePct?: number | Levels; mountpoints?: string }) {
    const { freePct, mountpoints, ...rest } = base;
    const m = diskMatchers(mountpoints);
    return promql(rest, 'Disk space', { free_pct: `100 * max by (instance, mountpoint) (node_filesystem_avail_bytes{${m}}) / max by (instance, mountpoint) (node_filesystem_size_bytes{${m}})` }, [
      series('free_pct').label('disk free').unit('%').every().above(levels(freePct, { warn: 20, crit: 10 })),
    ]);
  },

  /** Load average per CPU ("uptime" against nproc): default the 5-minute load, degraded above 1.5 per CPU, down above 3. */
  loadPerCpu(base: PromqlRecipeBase & { below?: number | Levels; window?: Window }) {
    const { below, window = '5', ...rest } = base;
    return promql(rest, 'Load per CPU', { load_per_cpu: `max by (instance) (node_load${window}) / count by (instance) (node_cpu_seconds_total{mode="idle"})` }, [
      series('load_per_cpu').label(`${window}-minute load per CPU`).every().below(levels(below, { warn: 1.5, crit: 3 })),
    ]);
  },

  /** Memory available in % of total ("free -m": MemAvailable, not MemFree). Default: degraded under 15%, down under 5%. */
  memoryAvailable(base: PromqlRecipeBase & { availablePct?: number | Levels }) {
    const { availablePct, ...rest } = base;
    return promql(rest, 'Memory available', { available_pct: '100 * max by (instance) (node_memory_MemAvailable_bytes) / max by (instance) (node_memory_MemTotal_bytes)' }, [
      series('available_pct').label('memory available').unit('%').every().above(levels(availablePct, { warn: 15, crit: 5 })),
    ]);
  },

  /** The same recipes reading node_exporter's own /metrics (one host per check, or `targets`). */
  scrape: {
    diskFree(base: ScrapeRecipeBase & { freePct?: number | Levels; mountpoints?: string }) {
      const { freePct, mountpoints, ...rest } = base;
      const m = diskMatchers(mountpoints);
      const by = { by: ['mountpoint'], agg: 'max' as const };
      return scrape(rest, 'Disk space', { free_pct: ratio(gauge(`node_filesystem_avail_bytes{${m}}`, by), gauge(`node_filesystem_size_bytes{${m}}`, by), { scale: 100 }) }, [
        value('free_pct').label('disk free').unit('%').above(levels(freePct, { warn: 20, crit: 10 })),
      ]);
    },
    loadPerCpu(base: ScrapeRecipeBase & { below?: number | Levels; window?: Window }) {
      const { below, window = '5', ...rest } = base;
      return scrape(rest, 'Load per CPU', { load_per_cpu: ratio(gauge(`node_load${window}`, { agg: 'max' }), gauge('node_cpu_seconds_total{mode="idle"}', { agg: 'count' })) }, [
        value('load_per_cpu').label(`${window}-minute load per CPU`).below(levels(below, { warn: 1.5, crit: 3 })),
      ]);
    },
    memoryAvailable(base: ScrapeRecipeBase & { availablePct?: number | Levels }) {
      const { availablePct, ...rest } = base;
      return scrape(rest, 'Memory available', { available_pct: ratio(gauge('node_memory_MemAvailable_bytes'), gauge('node_memory_MemTotal_bytes'), { scale: 100 }) }, [
        value('available_pct').label('memory available').unit('%').above(levels(availablePct, { warn: 15, crit: 5 })),
      ]);
    },
  },
};

/** `namespace="shop"` inside a selector's braces, when given. */
function inNamespace(namespace: string | undefined, first = false): string {
  return namespace ? `${first ? '' : ','}namespace=${JSON.stringify(namespace)}` : '';
}

export const kubernetes = {
  /**
   * Pods that are not ready (kube-state-metrics: "kubectl get pods" READY 0/1).
   * Default: none; each one is named. `max` allows a few (then the count is checked, and the report names them).
   */
  podsNotReady(base: PromqlRecipeBase & { namespace?: string; max?: number | Levels }) {
    const { namespace, max, ...rest } = base;
    const selector = `kube_pod_status_ready{condition="false"${inNamespace(namespace)}}`;
    const expect = max === undefined ? [series('not_ready').label('pod not ready').every().eq(0)] : [series('not_ready_total').label('pods not ready').below(atMost(max, {}))];
    return promql(rest, 'Pods not ready', { not_ready: `sum by (namespace, pod) (${selector})`, not_ready_total: `sum(${selector})` }, expect);
  },

  /** Container restarts per pod within `window` (kube-state-metrics; "kubectl get pods" RESTARTS). Default: degraded above 3 an hour. */
  restarts(base: PromqlRecipeBase & { namespace?: string; window?: string; max?: number | Levels }) {
    const { namespace, window = '1h', max, ...rest } = base;
    return promql(rest, 'Pod restarts', { restarts: `sum by (namespace, pod) (increase(kube_pod_container_status_restarts_total{${inNamespace(namespace, true)}}[${window}]))` }, [
      series('restarts').label(`restarts in ${window}`).every().below(atMost(max, { warn: 3 })),
    ]);
  },

  /** Each container's memory working set in % of its limit (cAdvisor; OOM kills come at 100%). Default: degraded above 80%, down above 90%. */
  containerMemory(base: PromqlRecipeBase & { namespace?: string; usedPct?: number | Levels }) {
    const { namespace, usedPct, ...rest } = base;
    const m = `container!=""${inNamespace(namespace)}`;
    return promql(
      rest,
      'Container memory',
      // Containers without a limit report 0: "> 0" leaves them out rather than divide by zero.
      { memory_pct: `100 * max by (namespace, pod, container) (container_memory_working_set_bytes{${m}}) / max by (namespace, pod, container) (container_spec_memory_limit_bytes{${m}} > 0)` },
      [series('memory_pct').label('memory of limit').unit('%').every().below(levels(usedPct, { warn: 80, crit: 90 }))],
    );
  },

  /** The share of CPU periods each container was throttled in (cAdvisor: its CPU limit is too low). Default: degraded above 25%. */
  cpuThrottling(base: PromqlRecipeBase & { namespace?: string; window?: string; throttledPct?: number | Levels }) {
    const { namespace, window = '5m', throttledPct, ...rest } = base;
    const m = `container!=""${inNamespace(namespace)}`;
    return promql(
      rest,
      'CPU throttling',
      { throttled_pct: `100 * sum by (namespace, pod, container) (rate(container_cpu_cfs_throttled_periods_total{${m}}[${window}])) / sum by (namespace, pod, container) (rate(container_cpu_cfs_periods_total{${m}}[${window}]))` },
      [series('throttled_pct').label('CPU periods throttled').unit('%').every().ifEmpty('pass').below(levels(throttledPct, { warn: 25 }))],
    );
  },

  /** The same recipes reading kube-state-metrics' or the kubelet's cAdvisor /metrics itself. */
  scrape: {
    podsNotReady(base: ScrapeRecipeBase & { namespace?: string }) {
      const { namespace, ...rest } = base;
      return scrape(rest, 'Pods not ready', { not_ready: gauge(`kube_pod_status_ready{condition="false"${inNamespace(namespace)}}`, { by: ['namespace', 'pod'] }) }, [
        value('not_ready').label('pod not ready').every().eq(0),
      ]);
    },
    restarts(base: ScrapeRecipeBase & { namespace?: string; window?: string; max?: number | Levels }) {
      const { namespace, window = '1h', max, ...rest } = base;
      const selector = `kube_pod_container_status_restarts_total${namespace ? `{${inNamespace(namespace, true)}}` : ''}`;
      return scrape(rest, 'Pod restarts', { restarts: increase(selector, window, { by: ['namespace', 'pod'] }) }, [
        value('restarts').label(`restarts in ${window}`).every().below(atMost(max, { warn: 3 })),
      ]);
    },
    containerMemory(base: ScrapeRecipeBase & { namespace?: string; usedPct?: number | Levels }) {
      const { namespace, usedPct, ...rest } = base;
      const m = `container!=""${inNamespace(namespace)}`;
      const by = { by: ['namespace', 'pod', 'container'], agg: 'max' as const };
      return scrape(rest, 'Container memory', { memory_pct: ratio(gauge(`container_memory_working_set_bytes{${m}}`, by), gauge(`container_spec_memory_limit_bytes{${m}}`, by), { scale: 100 }) }, [
        value('memory_pct').label('memory of limit').unit('%').every().below(levels(usedPct, { warn: 80, crit: 90 })),
      ]);
    },
    cpuThrottling(base: ScrapeRecipeBase & { namespace?: string; throttledPct?: number | Levels }) {
      const { namespace, throttledPct, ...rest } = base;
      const m = `container!=""${inNamespace(namespace)}`;
      const by = { by: ['namespace', 'pod', 'container'] };
      return scrape(rest, 'CPU throttling', { throttled_pct: ratio(rate(`container_cpu_cfs_throttled_periods_total{${m}}`, by), rate(`container_cpu_cfs_periods_total{${m}}`, by), { scale: 100 }) }, [
        value('throttled_pct').label('CPU periods throttled').unit('%').every().below(levels(throttledPct, { warn: 25 })),
      ]);
    },
  },
};
