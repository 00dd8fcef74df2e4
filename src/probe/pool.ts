// Spreading a tick's checks over probe Durable Objects. Each probe request has
// its own I/O context (its own 6 simultaneous connections and subrequest
// budget) and its own CPU limit, and distinct probe objects run in parallel,
// so 20 checks at 200 ms take about 200 ms, not four rounds of six. A check
// with `regions` runs once per region, in a probe placed there with a
// `locationHint`. Limits and sources: docs/performance.md.

import { configuredSecrets } from '../config/secrets';
import type { Check, Config } from '../config/types';
import { mapLimit } from '../engine/concurrency';
import { runCheck, type RunDeps, type RunResult } from '../engine/runner';
import type { CheckOutcome, RunDue, RunDueReport } from '../engine/tick';
import { kinds } from '../kinds';
import type { EngineState, KindMemory } from '../model/state';

/** What the ledger sends a probe: check ids (the probe has the same config), their kind memories and the tick's times. */
export interface ProbeRequest {
  checks: string[];
  memories: Array<KindMemory | undefined>;
  /** The tick's scheduled time. */
  now: number;
  /** Wall-clock time after which no attempt starts. */
  deadline: number;
  /** The region the probe was placed in, if any (checks' kind memory is kept per region). */
  region?: string;
}

/** Sends a group to the probe named `name` (placed near `region` when given); rejects when the probe fails. */
export interface ProbeTransport {
  run(name: string, region: string | undefined, request: ProbeRequest): Promise<RunResult[]>;
}

/** A probe call that has not answered this long after the tick's deadline is given up (its checks wait for the next tick). */
export const PROBE_GRACE_MS = 5_000;
/**
 * Probe requests one tick may make. A Durable Object call is a subrequest to
 * an internal service, limited to 1,000 per request whatever the plan
 * (Workers limits, "Subrequests"); the rest is left for KV and spare.
 */
export const MAX_PROBES_PER_TICK = 900;
/** Subrequests the ledger keeps for deliveries when it runs checks itself. */
export const DELIVERY_RESERVE = 10;

export interface PoolDeps {
  config: Config;
  env: Record<string, unknown>;
  /** The ledger's own fetch (checks that run in the ledger). */
  fetch: typeof fetch;
  /** Probe Durable Objects; without it every check runs in the ledger. */
  transport?: ProbeTransport;
  clock?: () => number;
  /** How long past the deadline a probe may take to answer (default PROBE_GRACE_MS; the soak shortens it). */
  graceMs?: number;
}

interface Unit {
  check: Check;
  region?: string;
}

/** The tick's runner: local kinds in the ledger, network checks in probes (or in the ledger when few, or when fan-out is off). */
export function probePool(deps: PoolDeps): RunDue {
  const { config } = deps;
  const { settings } = config;
  const clock = deps.clock ?? (() => Date.now());
  return async (due: Check[], state: EngineState, now: number, deadline: number): Promise<RunDueReport> => {
    const outcomes = new Map<string, CheckOutcome>();
    const report: RunDueReport = { outcomes, probes: 0, probeFailures: 0, subrequests: 0 };
    // Every configured secret, not only a check's own: a target can echo another's.
    const secrets = configuredSecrets(config, deps.env);
    const here = (check: Check, region?: string): RunDeps => {
      const runDeps: RunDeps = { fetch: deps.fetch, env: deps.env, now, deadline, secrets };
      if (kinds[check.kind].local) runDeps.pings = (id) => state.pings[id];
      if (region) runDeps.region = region;
      return runDeps;
    };
    const memoryOf = (unit: Unit) => (unit.region ? state.checks[unit.check.id]?.regions?.[unit.region]?.memory : state.checks[unit.check.id]?.memory);
    const record = (unit: Unit, result: RunResult | undefined) => {
      if (!result) return;
      if (!unit.region) {
        outcomes.set(unit.check.id, { result });
        return;
      }
      const outcome = outcomes.get(unit.check.id) ?? { regions: {} };
      (outcome.regions ??= {})[unit.region] = result;
      outcomes.set(unit.check.id, outcome);
    };

    const local = due.filter((check) => kinds[check.kind].local);
    const remote = due.filter((check) => !kinds[check.kind].local);
    // Local kinds read the ledger's memory: no connection, no subrequest.
    await Promise.all(local.map(async (check) => record({ check }, await runCheck(check, state.checks[check.id]?.memory, here(check)))));

    let budget = Math.max(1, settings.subrequests - DELIVERY_RESERVE);
    const runHere = async (units: Unit[]) => {
      const fits = within(units, budget);
      budget -= fits.reduce((sum, unit) => sum + worstCase(unit.check), 0);
      const results = await mapLimit(fits, settings.maxConcurrency, (unit) =>
        clock() < deadline ? runCheck(unit.check, memoryOf(unit), here(unit.check, unit.region)) : Promise.resolve(undefined),
      );
      fits.forEach((unit, i) => {
        record(unit, results[i]);
        report.subrequests += (results[i]?.attempts ?? 0) * requestsPerAttempt(unit.check);
      });
    };

    const units: Unit[] = remote.flatMap((check) => (check.regions?.length ? check.regions.map((region) => ({ check, region })) : [{ check }]));
    if (!deps.transport) {
      // No probes (the CLI, or a test without them): every region's run happens here.
      await runHere(units);
      return report;
    }
    const placed = units.filter((unit) => unit.region !== undefined);
    const anywhere = units.filter((unit) => unit.region === undefined);
    // Few checks (or fan-out off): the ledger's own six connections do, and a
    // probe request would cost more than it saves. Checks with regions always
    // go to probes placed there.
    const inProbes = !settings.fanOut || anywhere.length <= settings.maxConcurrency ? placed : [...anywhere, ...placed];
    const ledgerRun = inProbes === placed ? runHere(anywhere) : Promise.resolve();
    const groups = packGroups(inProbes, settings.checksPerProbe, settings.subrequests).slice(0, MAX_PROBES_PER_TICK);
    const transport = deps.transport;
    const counters = new Map<string, number>();
    await Promise.all([
      ledgerRun,
      ...groups.map(async (group) => {
        const region = group[0]?.region;
        const place = region ?? 'any';
        const index = counters.get(place) ?? 0;
        counters.set(place, index + 1);
        const request: ProbeRequest = { checks: group.map((unit) => unit.check.id), memories: group.map(memoryOf), now, deadline };
        if (region) request.region = region;
        report.probes++;
        try {
          const results = await withTimeout(transport.run(`${place}:${index}`, region, request), Math.max(1, deadline - clock()) + (deps.graceMs ?? PROBE_GRACE_MS));
          group.forEach((unit, i) => record(unit, results[i]));
        } catch (error) {
          // The probe failed (not a check): what fits runs here, the rest waits for the next tick.
          report.probeFailures++;
          console.error(`vigil: probe ${place}:${index} failed; running what fits of its ${group.length} checks in the ledger: ${(error as Error)?.message ?? error}`);
          if (!region) await runHere(group);
        }
      }),
    ]);
    return report;
  };
}

/** Subrequests one attempt of a check makes at most (its kind says; one by default). */
export function requestsPerAttempt(check: Check): number {
  return kinds[check.kind].subrequests?.(check.options as never) ?? 1;
}

/** The most a check can use in a tick: a retry repeats its attempt. */
function worstCase(check: Check): number {
  return requestsPerAttempt(check) * (check.retry ? 2 : 1);
}

/** The first units, in order, whose worst cases fit in `budget`. */
function within(units: Unit[], budget: number): Unit[] {
  let used = 0;
  let count = 0;
  for (const unit of units) {
    used += worstCase(unit.check);
    if (used > budget) break;
    count++;
  }
  return units.slice(0, count);
}

/**
 * Groups of at most `size` units of one region whose worst cases fit in
 * `budget` each, in order, first fit (a check beyond the budget on its own
 * gets a group alone).
 */
export function packGroups<T extends Unit>(units: T[], size: number, budget: number): T[][] {
  const groups: Array<{ units: T[]; used: number; region: string | undefined }> = [];
  for (const unit of units) {
    const cost = worstCase(unit.check);
    const open = groups.find((group) => group.region === unit.region && group.units.length < size && group.used + cost <= budget);
    if (open) {
      open.units.push(unit);
      open.used += cost;
    } else groups.push({ units: [unit], used: cost, region: unit.region });
  }
  return groups.map((group) => group.units);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${Math.round(ms / 1000)}s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs a group in a probe: each check as the tick would, `maxConcurrency` at a time, with this invocation's fetch. */
export async function runProbeGroup(config: Config, env: Record<string, unknown>, fetcher: typeof fetch, request: ProbeRequest): Promise<RunResult[]> {
  const byId = new Map(config.checks.map((check) => [check.id, check]));
  return mapLimit(request.checks, config.settings.maxConcurrency, async (id, i) => {
    const check = byId.get(id);
    if (!check) {
      // The ledger and this probe run different versions of the config (a deploy in progress).
      return { observation: { reached: false, unknown: true, latencyMs: 0, values: {}, error: `check "${id}" is not in this version's config` }, attempts: 0, secrets: [] };
    }
    if (kinds[check.kind].local) {
      return { observation: { reached: false, unknown: true, latencyMs: 0, values: {}, error: `${check.kind} checks run in the ledger` }, attempts: 0, secrets: [] };
    }
    return runCheck(check, request.memories[i], { fetch: fetcher, env, now: request.now, deadline: request.deadline, secrets: configuredSecrets(config, env), ...(request.region ? { region: request.region } : {}) });
  });
}
