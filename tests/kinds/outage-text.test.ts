// The exact text an outage puts in an alert: a short cause, not a driver's or
// a library's internals (issue 13). The real servers are stopped through the
// test control server; the driver's own words stay in `raw` for the CLI.
import { describe, expect, it } from 'vitest';
import { backups, pg, postgres, secret, upstash } from '../../src/config';
import type { AlertEvent } from '../../src/engine/types';
import { alertMessage } from '../../src/notify/message';
import { config, control, sleep, T0 } from '../helpers';
import { pgSecrets, pgUrls, viaLocalNeon } from '../helpers/pg';
import { redisSecrets } from '../helpers/redis';
import { runOnce } from '../helpers/run-once';

const scratchPort = () => new URL(pgUrls().scratch.replace(/^postgres(ql)?:/, 'http:')).port;

describe('PostgreSQL outages', () => {
  it.each(['websocket', 'http'] as const)('over %s: a database that goes away mid-query is "database connection lost", one that is gone "cannot connect"', async (transport) => {
    const slow = viaLocalNeon(postgres({ id: 'db', connection: secret('SCRATCH_URL'), query: 'SELECT pg_sleep(5)', retry: false }), transport);
    const pending = runOnce(slow, pgSecrets());
    await sleep(700);
    await control('/pg/scratch/stop');
    try {
      const lost = await pending;
      expect(lost.judgement.status).toBe('down');
      expect(lost.message).toBe('database connection lost (127.0.0.1)');
      expect(lost.observation.raw).toBe('Connection terminated unexpectedly');
      const gone = await runOnce(viaLocalNeon(pg.ping({ id: 'db', connection: secret('SCRATCH_URL'), retry: false }), transport), pgSecrets());
      expect(gone.judgement.status).toBe('down');
      expect(gone.message).toBe(`cannot connect to the database (127.0.0.1:${scratchPort()})`);
      // Never the driver's "Can't call WebSocket send() after close()" (a close() in cleanup hid the real error).
      expect(gone.observation.raw).not.toMatch(/send\(\) after close/);
      expect(gone.observation.raw).toMatch(transport === 'http' ? /could not connect to the database: connect ECONNREFUSED/ : /Connection terminated unexpectedly/);
    } finally {
      await control('/pg/scratch/start');
    }
  });

  it('a wrong password names the user, and nothing else', async () => {
    const secrets = { WRONG: pgUrls().reader.replace(pgUrls().markerPassword, 'not-the-password') };
    const run = await runOnce(viaLocalNeon(pg.ping({ id: 'db', connection: secret('WRONG') })), secrets);
    expect(run.message).toBe('authentication failed for user "vigil_reader"');
    expect(run.observation.raw).toBe('password authentication failed for user "vigil_reader" (SQLSTATE 28P01)');
    expect(JSON.stringify(run)).not.toContain(pgUrls().markerPassword);
  });
});

describe('Redis outages', () => {
  it('a Redis behind the REST endpoint that is down is "Redis REST endpoint answered 503", not the pipeline', async () => {
    await control('/redis/scratch/stop');
    try {
      const queue = await runOnce(upstash.queue({ id: 'q', url: secret('SCRATCH_REDIS_REST_URL'), token: secret('UPSTASH_REDIS_REST_TOKEN'), queue: 'email', retry: false }), redisSecrets());
      expect(queue.judgement.status).toBe('down');
      expect(queue.message).toBe('Redis REST endpoint answered 503');
      expect(queue.observation.raw).toMatch(/^HTTP 503: Redis is unavailable: /);
      expect(queue.observation.raw).not.toContain('command was');
      const ping = await runOnce(upstash.ping({ id: 'r', url: secret('SCRATCH_REDIS_REST_URL'), token: secret('UPSTASH_REDIS_REST_TOKEN'), retry: false }), redisSecrets());
      expect(ping.message).toBe('Redis REST endpoint answered 503');
    } finally {
      await control('/redis/scratch/start');
    }
  });
});

describe('titles name the check, not only the recipe', () => {
  it('a recipe\'s default name carries the check id; a name given is kept', () => {
    const cfg = config({
      checks: [
        pg.ping({ id: 'db-main', connection: secret('DATABASE_URL') }),
        pg.ping({ id: 'db-replica', connection: secret('REPLICA_URL') }),
        pg.prismaMigrations({ id: 'db-migrations', connection: secret('DATABASE_URL') }),
        upstash.queue({ id: 'jobs', url: secret('U'), token: secret('T'), queue: 'email' }),
        upstash.ping({ id: 'cache', url: secret('U'), token: secret('T') }),
        backups({ id: 'db-backups', r2: 'BACKUPS', maxAge: '25h' }),
        pg.ping({ id: 'billing-db', name: 'Billing database', connection: secret('DATABASE_URL') }),
      ],
    });
    expect(cfg.checks.map((check) => check.name)).toEqual(['PostgreSQL (db-main)', 'PostgreSQL (db-replica)', 'Database migrations (db-migrations)', 'Queue email (jobs)', 'Redis (cache)', 'Backups (db-backups)', 'Billing database']);
    const down = (check: { id: string; name: string }): AlertEvent => ({ id: `${check.id}:down:${T0}`, type: 'down', at: T0, check, status: 'down', previous: 'up', severity: 'critical', since: T0, summary: 'database connection lost (db.internal)', details: [] });
    const titles = cfg.checks.slice(0, 2).map((check) => alertMessage(down(check)).title);
    expect(titles).toEqual(['PostgreSQL (db-main) is down', 'PostgreSQL (db-replica) is down']);
  });
});
