// The probe Durable Object: runs a group of checks in its own I/O context
// (its own 6 connections and subrequests), placed where the ledger asks with a
// `locationHint`. It holds no state; it has the same config as the ledger, so
// the ledger sends check ids, not checks.

import { DurableObject } from 'cloudflare:workers';
import type { Config } from '../config/types';
import type { RunResult } from '../engine/runner';
import type { WorkerEnv } from '../env';
import { runProbeGroup, type ProbeRequest, type ProbeTransport } from './pool';

export interface ProbeRpc {
  run(request: ProbeRequest): Promise<RunResult[]>;
}

export function probeClass(config: Config) {
  return class Probe extends DurableObject<WorkerEnv> implements ProbeRpc {
    run(request: ProbeRequest): Promise<RunResult[]> {
      return runProbeGroup(config, this.env as Record<string, unknown>, (input, init) => fetch(input, init), request);
    }
  };
}

/**
 * Probes by name through the PROBE namespace. A location hint applies when
 * the object is first created, so a probe named for a region stays there
 * (Durable Objects docs, "Data location": hints are best effort).
 */
export function probeTransport<ProbeObject extends ProbeRpc & Rpc.DurableObjectBranded>(namespace: DurableObjectNamespace<ProbeObject>): ProbeTransport {
  return {
    run(name, region, request) {
      const id = namespace.idFromName(name);
      const stub = region ? namespace.get(id, { locationHint: region as DurableObjectLocationHint }) : namespace.get(id);
      return stub.run(request) as Promise<RunResult[]>;
    },
  };
}
