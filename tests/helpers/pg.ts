// PostgreSQL helpers for tests in workerd: connection strings from the test
// setup, postgres checks wired to the local Neon endpoints, and an admin
// client (superuser, writes allowed) to set up conditions.
import { Client } from '@neondatabase/serverless';
import { inject } from 'vitest';
import type { PostgresCheckInput } from '../../src/config';

export const pgUrls = () => inject('pg');

/** The secrets a check needs: DATABASE_URL (primary, superuser) and friends. */
export function pgSecrets(): Record<string, string> {
  const pg = inject('pg');
  return { DATABASE_URL: pg.primary, READER_URL: pg.reader, PLAIN_URL: pg.plain, REPLICA_URL: pg.replica, SCRATCH_URL: pg.scratch };
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
