// Probes: more due checks than the ledger's six connections are spread over
// probe Durable Objects, each request its own I/O context, with the same
// results as running them in the ledger; a probe that fails or times out
// hands what fits back to the ledger; checks with regions run once per region
// in probes placed with a location hint, and a quorum decides.
import { beforeEach, describe, expect, it } from 'vitest';
import { backups, http, latency, secret, slack, status } from '../src/config';
import type { Config } from '../src/config/types';
import type { RunResult } from '../src/engine/runner';
import type { ProbeRequest, ProbeTransport } from '../src/probe/pool';
import { config, ledger, ledgerState, MINUTE, program, received, reset, runTick, sinkUrl, T0, targetUrl, testProbes, unique, workerEnv } from './helpers';

beforeEach(async () => {
  await reset();
});

const checks = (count: number, path = '/slow?ms=200') =>
  Array.from({ length: count }, (_, i) => http({ id: `c${i + 1}`, url: targetUrl(`${path}&i=${i}`), expect: [status(200), latency().below(5000)] }));

/** A ledger whose probes are real Durable Objects running this config, recording every request. */
function withProbes(cfg: Config, options: { fail?: (name: string) => boolean; hang?: boolean; secrets?: Record<string, string> } = {}) {
  const calls: Array<{ name: string; region: string | undefined; checks: string[] }> = [];
  const env = workerEnv(options.secrets);
  const real = testProbes(cfg, env, { calls, ...(options.fail ? { fail: options.fail } : {}) });
  const probes: ProbeTransport = options.hang ? { run: (name, region, request: ProbeRequest) => (calls.push({ name, region, checks: request.checks }), new Promise<RunResult[]>(() => undefined)) } : real;
  return { ledger: ledger(cfg, { deps: { probes }, ...(options.secrets ? { secrets: options.secrets } : {}) }), calls };
}

describe('probe Durable Objects', () => {
  it('runs 20 checks in 4 probes of at most 6, in parallel, all up', async () => {
    const { ledger: l, calls } = withProbes(config({ checks: checks(20) }));
    const started = Date.now();
    const report = await l.tick(T0);
    const wall = Date.now() - started;
    expect(report.probes).toBe(4);
    expect(calls.map((call) => call.checks.length).sort()).toEqual([2, 6, 6, 6]);
    expect(new Set(calls.map((call) => call.name)).size).toBe(4); // four distinct objects: four I/O contexts
    expect(report.ran).toHaveLength(20);
    expect(report.transitions.filter((t) => t.to === 'up')).toHaveLength(20);
    // 200 ms each: in parallel it takes about one check's time, not four rounds.
    expect(wall).toBeLessThan(4 * 200);
  });

  it('stays in the ledger when six or fewer are due, or when fanOut is off', async () => {
    const few = withProbes(config({ checks: checks(6) }));
    expect((await few.ledger.tick(T0)).probes).toBe(0);
    await reset();
    const off = withProbes(config({ settings: { fanOut: false }, checks: checks(8) }));
    const report = await off.ledger.tick(T0);
    expect(report.probes).toBe(0);
    expect(report.ran).toHaveLength(8);
  });

  it('runs the checks of a failed probe in the ledger', async () => {
    const { ledger: l } = withProbes(config({ checks: checks(8, '/ok?') }), { fail: () => true });
    const report = await l.tick(T0);
    expect(report.probeFailures).toBe(2);
    expect(report.ran).toHaveLength(8);
    expect(report.transitions.every((t) => t.to === 'up')).toBe(true);
  });

  it('gives up on a probe that does not answer by the deadline: its checks wait for the next tick, the tick ends', async () => {
    const cfg = config({ settings: { tickDeadline: '2s' }, checks: checks(8, '/ok?') });
    const { ledger: l } = withProbes(cfg, { hang: true });
    const started = Date.now();
    const report = await l.tick(T0);
    // The deadline (2 s) plus the grace a probe gets (5 s), then the checks that fit run in the ledger if time is left: none is.
    expect(Date.now() - started).toBeLessThan(9_000);
    expect(report.probeFailures).toBe(2);
    expect(report.deferred).toHaveLength(8);
    expect((await ledgerState(cfg)).deferred).toHaveLength(8);
  });

  it('never holds more than six connections open in the ledger, and spreads the rest', async () => {
    const group = unique('six');
    const cfg = config({ settings: { fanOut: false }, checks: checks(14, `/inflight?group=${group}&ms=300`) });
    const report = await runTick(cfg, T0);
    expect(report.ran).toHaveLength(14);
    const { max } = (await (await fetch(targetUrl(`/inflight-max?group=${group}`))).json()) as { max: number };
    expect(max).toBe(6); // six at once (not fewer: they do run concurrently), never seven

    // Spread over probes, the 14 run at once: three probes, each its own six.
    await reset();
    const spread = unique('spread');
    const probes = withProbes(config({ checks: checks(14, `/inflight?group=${spread}&ms=300`) }));
    await probes.ledger.tick(T0);
    const seen = (await (await fetch(targetUrl(`/inflight-max?group=${spread}`))).json()) as { max: number };
    expect(seen.max).toBe(14);
  });

  it('counts what each kind spends: a backups check lists up to five pages per attempt', async () => {
    // Worst case 5 pages × 2 attempts = 10 subrequests each; 50 − 10 kept for deliveries leaves room for four in the ledger.
    const backupChecks = Array.from({ length: 6 }, (_, i) => backups({ id: `b${i + 1}`, r2: 'TEST_BACKUPS', prefix: `none-${i}/`, maxAge: '1d' }));
    const here = await runTick(config({ settings: { fanOut: false }, checks: backupChecks }), T0);
    expect(here.ran).toEqual(['b1', 'b2', 'b3', 'b4']);
    expect(here.deferred).toEqual(['b5', 'b6']);
    // Spread out, a probe takes five of them (50 each there), not six.
    await reset();
    const spread = withProbes(config({ checks: [...backupChecks, ...checks(2, '/ok?')] }));
    const report = await spread.ledger.tick(T0);
    expect(spread.calls.map((call) => call.checks.length).sort()).toEqual([3, 5]);
    expect(report.ran).toHaveLength(8);
  });

  it('when a probe fails, the ledger runs only what fits the budget it has left', async () => {
    // Two probes (5 + 3 backups checks at 10 subrequests each); the ledger's 40 take four.
    const backupChecks = Array.from({ length: 8 }, (_, i) => backups({ id: `b${i + 1}`, r2: 'TEST_BACKUPS', prefix: `none-${i}/`, maxAge: '1d' }));
    const { ledger: l } = withProbes(config({ checks: backupChecks }), { fail: () => true });
    const report = await l.tick(T0);
    expect(report.probes).toBe(2);
    expect(report.ran).toHaveLength(4);
    expect(report.deferred).toHaveLength(4);
  });

  it('defers what does not fit in the ledger\'s subrequest budget to the next tick, and runs it first then', async () => {
    // 16 subrequests: 10 kept for deliveries leaves 6, three checks (2 each with a retry).
    const cfg = config({ settings: { subrequests: 16, fanOut: false }, checks: checks(5, '/ok?') });
    const first = await runTick(cfg, T0);
    expect(first.ran).toHaveLength(3);
    expect(first.deferred).toHaveLength(2);
    const second = await runTick(cfg, T0 + MINUTE);
    expect(second.ran.slice(0, 2).sort()).toEqual([...first.deferred].sort());
  });
});

describe('regions and quorum', () => {
  function regional(quorum?: number) {
    const target = unique('api');
    const sink = unique('ops');
    const cfg = config({
      channels: { ops: slack({ webhookUrl: secret('SLACK_URL') }) },
      checks: [http({ id: 'api', name: 'API', url: targetUrl(`/p/${target}`), regions: ['weur', 'enam', 'apac'], ...(quorum ? { quorum } : {}), confirmations: { down: 1, up: 1 } })],
    });
    const secrets = { SLACK_URL: sinkUrl(`/slack/${sink}`) };
    const probes = withProbes(cfg, { secrets });
    return { target, sink, cfg, ...probes };
  }

  it('runs once per region, in probes placed with a location hint', async () => {
    const r = regional();
    await program(r.target, { json: { status: 'ok' } });
    const report = await r.ledger.tick(T0);
    expect(r.calls.map((call) => [call.name, call.region]).sort()).toEqual([
      ['apac:0', 'apac'],
      ['enam:0', 'enam'],
      ['weur:0', 'weur'],
    ]);
    expect(report.transitions).toEqual([{ check: 'api', from: 'unknown', to: 'up' }]);
    const state = await r.ledger.state();
    expect(Object.keys(state.checks.api?.regions ?? {}).sort()).toEqual(['apac', 'enam', 'weur']);
  });

  it('one region seeing it down is a regional problem (up, noted); a quorum of regions is an outage, and the alert names them', async () => {
    const r = regional();
    await program(r.target, { json: { status: 'ok' } });
    await r.ledger.tick(T0);
    // apac's network has trouble reaching the target.
    await program(`${r.target}@apac`, { status: 503 });
    const one = await r.ledger.tick(T0 + MINUTE);
    expect(one.transitions).toEqual([]);
    let state = await r.ledger.state();
    expect(state.checks.api?.status).toBe('up');
    expect(state.checks.api?.message).toMatch(/\(down in apac only: status = 503, expected 2xx; below the quorum of 2\)$/);
    expect(await received(r.sink)).toEqual([]);
    // enam too: two of three, the default quorum (a majority).
    await program(`${r.target}@enam`, { status: 503 });
    const two = await r.ledger.tick(T0 + 2 * MINUTE);
    expect(two.transitions).toEqual([{ check: 'api', from: 'up', to: 'down' }]);
    state = await r.ledger.state();
    expect(state.incidents[0]?.regions).toEqual(['enam', 'apac']);
    const alert = JSON.stringify(JSON.parse((await received(r.sink))[0]?.body ?? '{}'));
    expect(alert).toContain('down in enam, apac (2 of 3, quorum 2)');
    expect(alert).toContain('enam, apac failing; weur up');
  });

  it('quorum 1: any region seeing it down is down', async () => {
    const r = regional(1);
    await program(r.target, { json: { status: 'ok' } });
    await program(`${r.target}@weur`, { status: 500 });
    await r.ledger.tick(T0);
    expect((await r.ledger.state()).checks.api?.status).toBe('down');
  });

  it('validation: known regions, each once, a quorum they can meet', async () => {
    const { validateConfig } = await import('../src/config/validate');
    const result = validateConfig({
      checks: [
        http({ id: 'a', url: 'https://a.example', regions: ['weur', 'mars' as never] }),
        http({ id: 'b', url: 'https://b.example', regions: ['weur', 'weur'] }),
        http({ id: 'c', url: 'https://c.example', regions: ['weur', 'enam'], quorum: 3 }),
        http({ id: 'd', url: 'https://d.example', quorum: 2 }),
      ],
    });
    expect(result.ok ? [] : result.problems).toEqual([
      'check "a": regions[1]: "mars" is not one of "wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"',
      'check "b": regions: each region once',
      'check "c": quorum: at most the number of regions (2)',
      'check "d": quorum: applies to checks with regions',
    ]);
  });
});
