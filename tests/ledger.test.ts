// The ledger Durable Object, fault by fault: the single writer of the
// engine's state keeps its guarantees when KV refuses a put, when its own
// storage throws inside a transaction, when crons repeat or overlap, when it
// is evicted, when channels fail and come back, and when a tick's deadline
// passes with deliveries waiting. The deployed entry's cron reaches it over
// RPC, and a deployment of the KV-only design is imported without alerting
// again. (tests/probes.test.ts covers probe failures; the soak runs them all
// at once.)
import { createScheduledController, runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { http, secret, status, webhook, type ConfigInput } from '../src/config';
import type { Config } from '../src/config/types';
import type { WorkerEnv } from '../src/env';
import worker from '../src/index';
import { LEDGER_NAME } from '../src/ledger/durable-object';
import type { LedgerCore } from '../src/ledger/ledger';
import type { SqlStore } from '../src/ledger/storage';
import type { KV } from '../src/store/kv';
import { config, failNext, ledger, MINUTE, program, published, received, reset, sinkSigningSecret, sinkUrl, T0, targetUrl, testKV, unique } from './helpers';

beforeEach(async () => {
  await reset();
});

const at = (minutes: number) => T0 + minutes * MINUTE;

interface Hook {
  id: string;
  type: string;
  incident?: { id: string };
  unannounced?: { type: string };
}

function setup(extra: Partial<ConfigInput> = {}) {
  const target = unique('api');
  const sink = unique('hook');
  const cfg: Config = config({
    channels: { hooks: webhook({ url: secret('HOOK_URL'), signingSecret: sinkSigningSecret }) },
    checks: [http({ id: 'api', name: 'API', url: targetUrl(`/p/${target}`), expect: [status(200)] })],
    ...extra,
  });
  const secrets = { HOOK_URL: sinkUrl(`/hook/${sink}`) };
  const answer = (code: number) => program(target, { status: code });
  const hooks = async () => (await received(sink)).filter((request) => request.status < 300).map((request) => JSON.parse(request.body) as Hook);
  return { cfg, sink, secrets, answer, hooks };
}

/** The ledger's storage, whose next `failCommits` transactions throw after their writes (SQLite rolls them back). */
function failingStorage(message: string) {
  const control = {
    failCommits: 0,
    wrap: (store: SqlStore): SqlStore => ({
      exec: (query, ...bindings) => store.exec(query, ...bindings),
      transactionSync: (closure) =>
        store.transactionSync(() => {
          const result = closure();
          if (control.failCommits > 0) {
            control.failCommits--;
            throw new Error(message);
          }
          return result;
        }),
    }),
  };
  return control;
}

describe('the ledger keeps its guarantees', () => {
  it('a KV put that fails changes nothing but the page: alerts go out, the publish is retried next tick', async () => {
    const s = setup();
    let refuse = false;
    const flaky: KV = {
      get: (key) => testKV().get(key),
      put: (key, value, options) => (refuse ? Promise.reject(new Error('KV PUT failed: 429 Too Many Requests')) : testKV().put(key, value, options)),
      delete: (key) => testKV().delete(key),
    };
    const l = ledger(s.cfg, { secrets: s.secrets, kv: flaky });
    await s.answer(200);
    await l.tick(at(0));
    await s.answer(500);
    await l.tick(at(1));
    refuse = true;
    const down = await l.tick(at(2));
    expect(down.transitions).toEqual([{ check: 'api', from: 'up', to: 'down' }]);
    expect(down.delivery.delivered).toBe(1);
    expect(down.published.error).toMatch(/publishing the read model failed: KV PUT failed: 429/);
    expect((await published())?.view.status).toBe('up'); // the page still shows the last publish
    refuse = false;
    const next = await l.tick(at(3));
    expect(next.published.reason).toBe('change');
    expect((await published())?.view.status).toBe('down');
    expect((await s.hooks()).map((hook) => hook.type)).toEqual(['check.down']);
  });

  it('storage that throws inside the tick\'s transaction: nothing of that tick is sent; the next tick stores it and sends it once', async () => {
    const s = setup();
    const storage = failingStorage('SQLITE_IOERR: disk I/O error (injected)');
    const l = ledger(s.cfg, { secrets: s.secrets, store: storage.wrap });
    await s.answer(200);
    await l.tick(at(0));
    await s.answer(500);
    await l.tick(at(1));
    storage.failCommits = 1;
    const failed = await l.tick(at(2));
    expect(failed.transitions).toEqual([{ check: 'api', from: 'up', to: 'down' }]);
    expect(failed.storageError).toMatch(/SQLITE_IOERR/);
    expect(failed.delivery.attempted).toBe(0);
    expect(failed.published.reason).toBe(false);
    expect(await s.hooks()).toEqual([]);
    // What the transaction held was rolled back: storage still says up.
    const stored = await l.run((_core, storage) => storage.sql.exec<{ state: string }>("SELECT state FROM checks WHERE id = 'api'").toArray()[0]?.state);
    expect(JSON.parse(stored as string).status).toBe('up');
    // The next tick commits the decision it kept in memory, then sends it, once.
    const next = await l.tick(at(3));
    expect(next.storageError).toBeUndefined();
    expect(next.delivery.delivered).toBe(1);
    await l.tick(at(4));
    expect((await s.hooks()).map((hook) => hook.type)).toEqual(['check.down']);
  });

  it('storage that throws, then an eviction: the tick is as if it had not run, and the alert goes out once, later', async () => {
    const s = setup();
    const storage = failingStorage('SQLITE_IOERR (injected)');
    const l = ledger(s.cfg, { secrets: s.secrets, store: storage.wrap });
    await s.answer(200);
    await l.tick(at(0));
    await s.answer(500);
    await l.tick(at(1));
    storage.failCommits = 1;
    await l.tick(at(2));
    l.evict();
    // From storage: one failure seen (minute 1); minute 2 never happened. Minute 3 confirms.
    const confirmed = await l.tick(at(3));
    expect(confirmed.transitions).toEqual([{ check: 'api', from: 'up', to: 'down' }]);
    await l.tick(at(4));
    const hooks = await s.hooks();
    expect(hooks.map((hook) => hook.type)).toEqual(['check.down']);
  });

  it('deliveries stop starting at the deadline and resume next tick', async () => {
    // Eight checks go down at once; the channel hangs; six deliveries run at a time; the tick's deadline is 3 s.
    const targets = Array.from({ length: 8 }, () => unique('api'));
    const sink = unique('hook');
    const cfg = config({
      settings: { tickDeadline: '3s' },
      channels: { hooks: webhook({ url: sinkUrl(`/hook/${sink}`), signingSecret: sinkSigningSecret }) },
      checks: targets.map((target, i) => http({ id: `api-${i}`, url: targetUrl(`/p/${target}`), expect: [status(200)], confirmations: { down: 1 } })),
    });
    const l = ledger(cfg, { deps: { timeouts: { deliveryMs: 4_000 } } });
    for (const target of targets) await program(target, { status: 500 });
    await failNext(sink, { mode: 'hang', times: 6 });
    const started = Date.now();
    const report = await l.tick(at(0));
    // Six hang together until the delivery timeout (4 s); the other two would start after the deadline: they wait.
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(report.delivery).toMatchObject({ attempted: 6, delivered: 0, retrying: 6, deferred: 2 });
    const next = await l.tick(at(1) + 60 * MINUTE);
    expect(next.delivery.delivered).toBe(8);
  });

  it('a problem alert is never delivered after its own recovery: both waiting become one message that says both', async () => {
    const s = setup();
    const l = ledger(s.cfg, { secrets: s.secrets });
    await s.answer(200);
    await l.tick(at(0));
    await s.answer(500);
    await l.tick(at(1));
    // The channel fails: the down alert waits (retried at minutes 3, then 5).
    await failNext(s.sink, { mode: '500', times: 10 });
    expect((await l.tick(at(2))).delivery).toMatchObject({ attempted: 1, retrying: 1 });
    await s.answer(200);
    await l.tick(at(3));
    await l.tick(at(4)); // recovered, while the down alert is still waiting
    await failNext(s.sink, { mode: '500', times: 0 });
    const state = await l.state();
    expect(state.outbox.map((entry) => [entry.event?.type, entry.unannounced?.type])).toEqual([['recovered', 'down']]);
    await l.tick(at(10));
    const hooks = await s.hooks();
    expect(hooks.map((hook) => [hook.type, hook.unannounced?.type])).toEqual([['check.recovered', 'check.down']]);
  });

  it('when a channel answers 2xx again, what waits for it goes at once, not at its backed-off time', async () => {
    const targets = [unique('a'), unique('b')];
    const sink = unique('hook');
    const cfg = config({
      channels: { hooks: webhook({ url: sinkUrl(`/hook/${sink}`), signingSecret: sinkSigningSecret }) },
      checks: targets.map((target, i) => http({ id: `c${i}`, url: targetUrl(`/p/${target}`), expect: [status(200)], confirmations: { down: 1 } })),
    });
    const l = ledger(cfg);
    // c0 goes down; its alert fails three times: backed off to 1, 2, then 4 minutes.
    await program(targets[0] as string, { status: 500 });
    await failNext(sink, { mode: '500', times: 3 });
    await l.tick(at(0));
    await l.tick(at(1));
    await l.tick(at(3));
    const waiting = (await l.state()).outbox[0];
    expect(waiting?.nextAt).toBe(at(7));
    // c1 goes down at minute 4: its alert is delivered (the channel works again) ...
    await program(targets[1] as string, { status: 500 });
    const report = await l.tick(at(4));
    // ... and c0's, backed off until minute 7, goes right after it, in the same tick.
    expect(report.delivery.delivered).toBe(2);
    expect((await received(sink)).filter((r) => r.status < 300)).toHaveLength(2);
  });
});

describe('the deployed Worker and its ledger Durable Object', () => {
  it('the cron handler calls the ledger over RPC; the ledger stores the tick and publishes', async () => {
    const time = Math.floor(Date.now() / MINUTE) * MINUTE;
    // The entry wrangler deploys (src/index.ts), its handler run as the cron runs it.
    await worker.scheduled(createScheduledController({ scheduledTime: time, cron: '* * * * *' }), env as unknown as WorkerEnv);
    const namespace = (env as unknown as { LEDGER: DurableObjectNamespace }).LEDGER;
    const stub = namespace.get(namespace.idFromName(LEDGER_NAME));
    const stored = await runInDurableObject(stub, (_instance, state) => state.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'last_tick'").toArray()[0]?.value);
    expect(Number(stored)).toBe(time);
    const snapshot = await runInDurableObject(stub, (instance) => (instance as unknown as { core: LedgerCore }).core.snapshot());
    expect(Object.keys(snapshot.checks).length).toBeGreaterThan(0);
    expect((await published())?.lastTick).toBe(time);
    // /health reads what was published.
    const health = await exports.default.fetch('https://vigil.example.com/health');
    expect(health.status).toBe(200);
  });
});

describe('migration from the KV-only design', () => {
  it('imports the old state on the first tick without announcing open incidents again', async () => {
    const s = setup();
    // What a KV-only deployment left: the check down since minute -30, its incident open, the channel told.
    const incident = { id: 'api-old', checkId: 'api', status: 'down', startedAt: at(-30), cause: 'status = 500, expected 200', lastMessage: 'status = 500, expected 200', notified: ['hooks'], lastNotifiedAt: at(-29) };
    const old = {
      v: 1,
      lastTick: at(-1),
      checks: { api: { status: 'down', since: at(-30), confirmed: true, alerted: 'down', changes: [[at(-120), 'up'], [at(-30), 'down']], lastRun: at(-1) } },
      incidents: [incident],
      outbox: [],
      delivered: ['api:down:old>hooks'],
      failed: [],
      writes: { day: '2026-11-22', count: 12 },
    };
    await testKV().put('state', JSON.stringify(old));
    await testKV().put('history', JSON.stringify({ v: 1, days: { '2026-11-21': { api: [86_000, 0, 400, 0, 120] } } }));
    const l = ledger(s.cfg, { secrets: s.secrets });
    await s.answer(500);
    const first = await l.tick(at(0));
    expect(first.transitions).toEqual([]);
    expect(first.events).toBe(0);
    const state = await l.state();
    expect(state.incidents.map((i) => [i.id, i.endedAt])).toEqual([['api-old', undefined]]);
    expect(state.history['2026-11-21']?.api?.[2]).toBe(400);
    // The recovery goes to the channel that heard of the old incident.
    await s.answer(200);
    await l.tick(at(1));
    await l.tick(at(2));
    expect((await s.hooks()).map((hook) => [hook.type, hook.incident?.id])).toEqual([['check.recovered', 'api-old']]);
    // The old keys stay (a rollback still finds them).
    expect(await testKV().get('state')).not.toBeNull();
  });
});
