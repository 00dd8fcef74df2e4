// End to end: data checks whose drivers' own errors quote the password run in
// the Worker's scheduled handler, and the password appears nowhere Vigil keeps
// or shows: KV, /api/status, the page, alerts, the logs. The raw driver texts
// are checked to hold the password first, so the test can fail.
import { neon } from '@neondatabase/serverless';
import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { pg, postgres, secret, webhook } from '../src/config';
import { ledgerDump, MINUTE, received, reset, sinkUrl, testVigil, unique } from './helpers';
import { admin, pgUrls } from './helpers/pg';
import { SINK_SIGNING_SECRET } from './support/recorded';

const MARKER = 'S3cretMarker-7f3a9c';
const ECHO = `SELECT '${MARKER}'::int AS n`;

interface KVList {
  list(options?: { cursor?: string }): Promise<{ keys: Array<{ name: string }>; list_complete: boolean; cursor?: string }>;
  get(key: string): Promise<string | null>;
}

let spies: MockInstance[] = [];

beforeEach(async () => {
  await reset();
  spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) => vi.spyOn(console, method));
});

afterEach(() => {
  for (const spy of spies) spy.mockRestore();
});

/** Every argument logged through console.*, errors with their stacks. */
function logged(): string {
  return spies
    .flatMap((spy) => spy.mock.calls.flat())
    .map((arg) => (arg instanceof Error ? `${arg.message}\n${arg.stack ?? ''}` : typeof arg === 'string' ? arg : JSON.stringify(arg)))
    .join('\n');
}

async function everyKVValue(): Promise<string> {
  const kv = (env as unknown as { VIGIL_KV: KVList }).VIGIL_KV;
  const values: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await kv.list(cursor ? { cursor } : {});
    for (const { name } of page.keys) values.push(`${name}=${(await kv.get(name)) ?? ''}`);
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return values.join('\n');
}

describe('a password quoted by a driver error', () => {
  it('is not in the ledger, KV, /api/status, the page, the alerts or the logs', async () => {
    const reader = pgUrls().reader;
    const unparsable = reader.replace(/@([^/]+)\//, '@$1\\');
    // The raw texts really carry it: PostgreSQL quoting the value, the driver quoting the connection string.
    expect(await admin(ECHO, [], reader).then(() => '', (error: Error) => error.message)).toContain(MARKER);
    expect(await neon(unparsable)`SELECT 1`.then(() => '', (error: Error) => error.message)).toContain(MARKER);

    const sinkId = unique('leak');
    const down = { confirmations: { down: 1 } };
    const worker = testVigil({
      page: { title: 'Redaction' },
      channels: { hooks: webhook({ url: secret('HOOK_URL'), signingSecret: secret('HOOK_SECRET') }) },
      checks: [
        postgres({ id: 'pg-echo', name: 'Echo over WebSocket', connection: secret('LEAKY_DB'), query: ECHO, wsProxy: pgUrls().wsProxy, ...down }),
        postgres({ id: 'pg-echo-http', name: 'Echo over HTTP', connection: secret('LEAKY_DB'), query: ECHO, transport: 'http', httpEndpoint: pgUrls().httpEndpoint, ...down }),
        pg.ping({ id: 'pg-unparsable', name: 'Unparsable', connection: secret('LEAKY_URL'), transport: 'http', httpEndpoint: pgUrls().httpEndpoint, ...down }),
        pg.ping({ id: 'pg-wrong-user', name: 'Wrong user', connection: secret('WRONG_USER_URL'), wsProxy: pgUrls().wsProxy, ...down }),
      ],
    }, {
      secrets: {
        LEAKY_DB: reader,
        LEAKY_URL: unparsable,
        WRONG_USER_URL: reader.replace('://vigil_reader:', '://nobody:'),
        HOOK_URL: sinkUrl(`/hook/${sinkId}`),
        HOOK_SECRET: SINK_SIGNING_SECRET,
      },
    });
    const now = Date.now() - (Date.now() % MINUTE);
    await worker.tick(now - MINUTE);
    await worker.tick(now);

    const api = await worker.fetch('/api/status');
    const status = (await api.clone().json()) as { checks: Array<{ id: string; status: string; message: string }> };
    // The checks did fail, with the errors that carried the password.
    expect(Object.fromEntries(status.checks.map((c) => [c.id, c.status]))).toEqual({ 'pg-echo': 'down', 'pg-echo-http': 'down', 'pg-unparsable': 'unknown', 'pg-wrong-user': 'down' });
    expect(status.checks.find((c) => c.id === 'pg-echo')?.message).toMatch(/^query failed \(22P02\): invalid input syntax for type integer/);
    const alerts = await received(sinkId);
    expect(alerts.length).toBeGreaterThanOrEqual(3);

    const surfaces: Record<string, string> = {
      ledger: await ledgerDump(worker.config),
      kv: await everyKVValue(),
      api: await api.text(),
      page: await (await worker.fetch('/')).text(),
      summary: await (await worker.fetch('/api/v2/summary.json')).text(),
      alerts: JSON.stringify(alerts),
      logs: logged(),
    };
    expect(surfaces.page).toContain('Echo over WebSocket');
    for (const [surface, text] of Object.entries(surfaces)) {
      expect(text.includes(MARKER), surface).toBe(false);
      expect(text.includes(unparsable), surface).toBe(false);
    }
  });
});
