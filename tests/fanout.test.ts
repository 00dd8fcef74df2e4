// Fan-out: more due checks than one invocation's six connections are spread
// over CheckRunner invocations (ctx.exports), with the same results as
// running them here; the subrequest budget defers what does not fit.
import { reset } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { backups, http, latency, status } from '../src/config';
import { tick } from '../src/engine/tick';
import { runGroupFrom } from '../src/worker';
import { config, MINUTE, T0, targetUrl, testKV, unique, workerEnv } from './helpers';

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

  it('never holds more than six connections open in one invocation', async () => {
    const group = unique('six');
    const cfg = config({ settings: { fanOut: false }, checks: checks(14, `/inflight?group=${group}&ms=300`) });
    const report = await tick({ config: cfg, kv: testKV(), env: {}, fetch: (i, init) => fetch(i, init) }, T0);
    expect(report.ran).toHaveLength(14);
    const { max } = (await (await fetch(targetUrl(`/inflight-max?group=${group}`))).json()) as { max: number };
    expect(max).toBe(6); // six at once (not fewer: they do run concurrently), never seven
  });

  it('counts what each kind spends: a backups check lists up to five pages per attempt', async () => {
    // Worst case 5 pages × 2 attempts = 10 subrequests each; 50 − 10 kept for deliveries leaves room for four here.
    const backupChecks = Array.from({ length: 6 }, (_, i) => backups({ id: `b${i + 1}`, r2: 'TEST_BACKUPS', prefix: `none-${i}/`, maxAge: '1d' }));
    const here = await tick({ config: config({ settings: { fanOut: false }, checks: backupChecks }), kv: testKV(), env: workerEnv(), fetch: (i, init) => fetch(i, init) }, T0);
    expect(here.ran).toEqual(['b1', 'b2', 'b3', 'b4']);
    expect(here.deferred).toEqual(['b5', 'b6']);
    // Spread out, a group takes five of them (50 each there), not six.
    await reset();
    const spread = await tick({ config: config({ checks: [...backupChecks, ...checks(2, '/ok?')] }), kv: testKV(), env: workerEnv(), fetch: (i, init) => fetch(i, init), runGroup }, T0);
    expect(spread.groups).toBe(2);
    expect(spread.ran).toHaveLength(8);
  });

  it('when the invocation of a group fails, runs here only what fits the budget left here', async () => {
    const failing = async () => {
      throw new Error('invocation limit');
    };
    // Two groups (5 + 3 backups checks at 10 subrequests each); 40 − 2 group calls leaves 38 here: three checks.
    const backupChecks = Array.from({ length: 8 }, (_, i) => backups({ id: `b${i + 1}`, r2: 'TEST_BACKUPS', prefix: `none-${i}/`, maxAge: '1d' }));
    const report = await tick({ config: config({ checks: backupChecks }), kv: testKV(), env: workerEnv(), fetch: (i, init) => fetch(i, init), runGroup: failing }, T0);
    expect(report.groups).toBe(2);
    expect(report.ran).toHaveLength(3);
    expect(report.deferred).toHaveLength(5);
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
