// `npm run soak -- --ticks 10000 --seed 7 [--checks 12] [--flappers 2]`:
// the chaos soak (bench/soak-core.ts) in Node, the ledger on sql.js. Prints
// what the model expected and what the channels got, and per simulated day
// the KV writes, ledger rows written and Durable Object requests. Exits 1
// when an alert was lost, duplicated or out of order.

import { runSoak } from './soak-core';
import { sqlJsStore } from './sqljs-store';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? undefined : Number(process.argv[index + 1]);
  return value !== undefined && Number.isFinite(value) ? value : fallback;
}

const ticks = option('ticks', 2000);
const seed = option('seed', 1);
const started = Date.now();
// The ledger logs every fault it meets; the soak injects thousands.
const quiet = () => undefined;
console.error = quiet;
console.warn = quiet;
const log = console.log;
console.log = quiet;
const result = await runSoak(await sqlJsStore(), { ticks, seed, checks: option('checks', 12), flappers: option('flappers', 2), progress: (line) => process.stderr.write(`${line}\n`) });

log(`\n## soak: ${ticks} ticks (+ a quiet tail), seed ${seed}, ${Math.round((Date.now() - started) / 1000)} s\n`);
log('| alerts expected | delivered | lost | duplicated | out of order | unexpected | resent with the same key | combined problem+recovery |');
log('|---|---|---|---|---|---|---|---|');
log(`| ${result.expected} | ${result.delivered} | ${result.lost} | ${result.duplicated} | ${result.outOfOrder} | ${result.unexpected} | ${result.resentSameKey} | ${result.combined} |`);
log(`\nfaults injected: ${Object.entries(result.faults).map(([name, count]) => `${name} ${count}`).join(', ')}\n`);
log('| simulated day | ticks | KV writes | ledger rows written | Durable Object requests | alerts delivered |');
log('|---|---|---|---|---|---|');
for (const day of result.days) log(`| ${day.day} | ${day.ticks} | ${day.kvWrites} | ${day.rowsWritten} | ${day.durableObjectRequests} | ${day.alertsDelivered} |`);
for (const problem of result.problems) log(`problem: ${problem}`);
process.exit(result.lost + result.duplicated + result.outOfOrder + result.unexpected > 0 ? 1 : 0);
