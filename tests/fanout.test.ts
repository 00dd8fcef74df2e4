// Fan-out: more due checks than one invocation's six connections are spread
// over CheckRunner invocations (ctx.exports), with the same results as
// running them here; the subrequest budget defers what does not fit.
import { reset } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { http, latency, status } from '../src/config';
import { tick } from '../src/engine/tick';
import { runGroupFrom } from '../src/worker';
import { config, MINUTE, T0, targetUrl, testKV } from './helpers';

beforeEach(async () => {
  await reset();
});

const checks = (count: number, path = '/slow?ms=200') =>
  Array.from({ length: count }, (_, i) => http({ id: `c${i + 1}`, url: targetUrl(`${path}&i=${i}`), expect: [status(200), latency().below(5000)] }));

const runGroup = runGroupFrom({ exports } as unknown as ExecutionContext);

describe('fan-out over CheckRunner invocations', () => {
  it('runs 20 checks in 4 groups of at most 6, all up', async () => {
    expect(runGroup).toBeDefined();
    const cfg = config({ checks: checks(20) });
    const report = await tick({ config: cfg, kv: testKV(), env: {}, fetch: (i, init) => fetch(i, init), runGroup }, T0);
    expect(report.groups).toBe(4);
    expect(report.ran).toHaveLength(20);
    expect(report.transitions.filter((t) => t.to === 'up')).toHaveLength(20);
  });

  it('stays in this invocation when six or fewer are due, or when fanOut is off', async () => {
    const few = await tick({ config: config({ checks: checks(6) }), kv: testKV(), env: {}, fetch: (i, init) => fetch(i, init), runGroup }, T0);
    expect(few.groups).toBe(1);
    await reset();
    const off = await tick({ config: config({ settings: { fanOut: false }, checks: checks(8) }), kv: testKV(), env: {}, fetch: (i, init) => fetch(i, init), runGroup }, T0);
    expect(off.groups).toBe(1);
    expect(off.ran).toHaveLength(8);
  });

  it('runs a group here when its invocation fails', async () => {
    const failing = async () => {
      throw new Error('invocation limit');
    };
    const report = await tick({ config: config({ checks: checks(8, '/ok?') }), kv: testKV(), env: {}, fetch: (i, init) => fetch(i, init), runGroup: failing }, T0);
    expect(report.ran).toHaveLength(8);
    expect(report.transitions.every((t) => t.to === 'up')).toBe(true);
  });

  it('defers what does not fit in the subrequest budget to the next tick', async () => {
    // 12 subrequests: 10 kept for deliveries leaves 2 groups of 6.
    const cfg = config({ settings: { subrequests: 12 }, checks: checks(20, '/ok?') });
    const deps = { config: cfg, kv: testKV(), env: {}, fetch: (i: RequestInfo | URL, init?: RequestInit) => fetch(i, init), runGroup };
    const first = await tick(deps, T0);
    expect(first.ran).toHaveLength(12);
    expect(first.deferred).toHaveLength(8);
    const second = await tick(deps, T0 + MINUTE);
    expect(second.ran.slice(0, 8).sort()).toEqual([...first.deferred].sort());
  });
});
