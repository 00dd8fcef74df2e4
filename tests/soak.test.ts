// A short run of the chaos soak (bench/soak-core.ts; `npm run soak` runs it
// for thousands of ticks in Node) on a real Durable Object's SQLite storage:
// channels failing and hanging, KV puts failing, storage throwing inside the
// ledger's transactions, crons repeated, overlapping and missed, evictions,
// probes failing and hanging; the independent model of the alerts must find
// nothing lost, duplicated or out of order.
import { describe, expect, it } from 'vitest';
import { expectedAlerts, runSoak } from '../bench/soak-core';
import { sqlStoreOf } from '../src/ledger/durable-object';
import { config, ledger } from './helpers';

describe('the chaos soak', () => {
  it('the model: two failures in a row confirm, a blip does not, recoveries need two', () => {
    const ups = (pattern: string) => [...pattern].map((c) => c === 'u');
    expect(expectedAlerts('c', ups('uuduuddduuduu')).map((a) => a.type)).toEqual(['down', 'recovered']);
    // A first result that is down needs its confirmation too.
    expect(expectedAlerts('c', ups('ddu')).map((a) => a.type)).toEqual(['down']);
  });

  it('500 ticks with every fault: nothing lost, duplicated or out of order, KV within budget', async () => {
    const soak = ledger(config({ checks: [] }), { name: 'soak' });
    const result = await soak.run((_core, storage) => runSoak(sqlStoreOf(storage), { ticks: 500, seed: 7 }));
    // Every kind of fault happened.
    for (const [fault, count] of Object.entries(result.faults)) expect(count, fault).toBeGreaterThan(0);
    expect(result.expected).toBeGreaterThan(100);
    expect({ lost: result.lost, duplicated: result.duplicated, outOfOrder: result.outOfOrder, unexpected: result.unexpected, problems: result.problems }).toEqual({ lost: 0, duplicated: 0, outOfOrder: 0, unexpected: 0, problems: [] });
    expect(result.delivered).toBe(result.expected);
    // The read model's KV writes stay inside 70% of the free plan's 1,000 a day, flappers and all.
    for (const day of result.days.filter((d) => d.ticks >= 400)) expect(day.kvWrites * (1440 / day.ticks)).toBeLessThanOrEqual(700);
  }, 300_000);
});
