// PostgreSQL helpers for tests in workerd: connection strings from the test
// setup, postgres checks wired to the local Neon endpoints, and an admin
// client (superuser, writes allowed) to set up conditions.
import { Client } from '@neondatabase/serverless';
import { inject } from 'vitest';
import type { CheckInput, PostgresCheckInput } from '../../src/config';
import { resolveSecrets } from '../../src/config/secrets';
import { kinds, type Observation } from '../../src/kinds';
import { config, T0 } from './index';

export const pgUrls = () => inject('pg');

/** The secrets a check needs: DATABASE_URL (primary, superuser) and friends. */
export function pgSecrets(): Record<string, string> {
  const pg = inject('pg');
  return { DATABASE_URL: pg.primary, READER_URL: pg.reader, PLAIN_URL: pg.plain, REPLICA_URL: pg.replica, SCRATCH_URL: pg.scratch };
}

/**
 * The least-privilege role without pg_read_all_stats (tests/support/postgres.ts
 * NO_STATS_ROLE), same marker password as the reader.
 */
export function noStatsUrl(): string {
  return inject('pg').reader.replace('://vigil_reader:', '://vigil_nostats:');
}

/** A connection string whose session reads unqualified names from `schema` first. */
export function withSearchPath(url: string, schema: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

/** Points a postgres check at the local WebSocket proxy (or the HTTP /sql endpoint). */
export function viaLocalNeon<T extends PostgresCheckInput>(check: T, transport: 'websocket' | 'http' = 'websocket'): T {
  const pg = inject('pg');
  return transport === 'http' ? { ...check, transport: 'http', httpEndpoint: pg.httpEndpoint } : { ...check, transport: 'websocket', wsProxy: pg.wsProxy };
}

/** A superuser client through the local WebSocket proxy; remember to end() it. */
export async function adminClient(url = inject('pg').primary): Promise<Client> {
  const client = new Client({ connectionString: url });
  const proxy = inject('pg').wsProxy.replace(/^ws:\/\//, '');
  client.neonConfig.wsProxy = (host, port) => `${proxy}?address=${host}:${port}`;
  client.neonConfig.useSecureWebSocket = false;
  client.neonConfig.pipelineConnect = false;
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

export async function admin(sql: string, params: unknown[] = [], url?: string): Promise<Array<Record<string, unknown>>> {
  const client = await adminClient(url);
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Runs only the check's kind, without the engine around it (which redacts
 * secrets again): what the kind itself lets out.
 */
export async function observeKindOnly(check: CheckInput, secrets: Record<string, string>, timeoutMs = 10_000): Promise<Observation> {
  const [loaded] = config({ checks: [check] }).checks;
  if (!loaded) throw new Error('no check');
  const { value } = resolveSecrets(loaded.options, secrets);
  const signal = AbortSignal.timeout(timeoutMs);
  const wants = loaded.expect.map((assertion) => assertion.source);
  return kinds[loaded.kind].run(value as never, { signal, timeoutMs, fetch: (input, init) => fetch(input, init), wants, now: T0, memory: undefined, env: secrets, checkId: loaded.id });
}
