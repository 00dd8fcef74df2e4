// The backups kind against both places backups land: Miniflare's local R2
// binding and an S3-compatible server (s3rver), with the same scenarios run
// against each. Objects carry their dates in their keys; the check's clock is
// set, nothing sleeps.
import { env } from 'cloudflare:workers';
import { AwsClient } from 'aws4fetch';
import { describe, expect, inject, it } from 'vitest';
import { backups, bucket, secret } from '../../src/config';
import { MINUTE, unique } from '../helpers';
import { runOnce } from '../helpers/run-once';

const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 10, 22, 10, 0);
const KiB = 1024;

const r2 = () => (env as unknown as { TEST_BACKUPS: R2Bucket }).TEST_BACKUPS;
const s3 = () => inject('s3');
const s3Secrets = () => ({ S3_KEY: s3().accessKeyId, S3_SECRET: s3().secretAccessKey });

/** A place backups land, for the shared scenarios. */
interface Backend {
  name: string;
  put(key: string, bytes: number, metadata?: Record<string, string>): Promise<void>;
  where(): Record<string, unknown>;
  env(): Record<string, unknown>;
}

const backends: Backend[] = [
  {
    name: 'R2 binding',
    put: async (key, bytes, metadata) => {
      await r2().put(key, 'x'.repeat(bytes), metadata ? { customMetadata: metadata } : undefined);
    },
    where: () => ({ r2: 'TEST_BACKUPS' }),
    env: () => ({ TEST_BACKUPS: r2() }),
  },
  {
    name: 'S3 (s3rver)',
    put: async (key, bytes, metadata) => {
      const aws = new AwsClient({ accessKeyId: s3().accessKeyId, secretAccessKey: s3().secretAccessKey, service: 's3', region: 'auto' });
      const headers = Object.fromEntries(Object.entries(metadata ?? {}).map(([name, value]) => [`x-amz-meta-${name}`, value]));
      const response = await aws.fetch(`${s3().endpoint}/backups/${key}`, { method: 'PUT', body: 'x'.repeat(bytes), headers });
      if (!response.ok) throw new Error(`PUT ${key}: ${response.status}`);
    },
    where: () => ({ s3: { endpoint: s3().endpoint, bucket: 'backups', accessKeyId: secret('S3_KEY'), secretAccessKey: secret('S3_SECRET') } }),
    env: s3Secrets,
  },
];

/** Daily backups at 00:05 UTC for the `days` days before NOW, oldest first, `bytes` each (the last one `lastBytes`). */
async function daily(backend: Backend, prefix: string, days: number, bytes = 100 * KiB, lastBytes = bytes, metadata?: Record<string, string>) {
  for (let back = days - 1; back >= 0; back--) {
    const time = Date.UTC(2026, 10, 22 - back, 0, 5);
    const stamp = new Date(time).toISOString().slice(0, 19).replace(/:/g, '-');
    await backend.put(`${prefix}${stamp}Z.sql.gz`, back === 0 ? lastBytes : bytes, back === 0 ? metadata : undefined);
  }
}

describe.each(backends)('backups on $name', (backend) => {
  const check = (prefix: string, extra: Record<string, unknown> = {}) =>
    backups({ id: 'db-backups', ...backend.where(), prefix, maxAge: '25h', minBytes: 10 * KiB, retention: { days: 7 }, ...extra } as never);

  it('fresh, plausible, seven days retained: up (R28, R29)', async () => {
    const prefix = `${unique('db')}/`;
    await daily(backend, prefix, 7);
    const run = await runOnce(check(prefix), backend.env(), undefined, NOW);
    expect(run.judgement.status).toBe('up');
    expect(run.observation.values).toMatchObject({ count: 7, days_in_window: 7, newest_bytes: 100 * KiB, size_ratio: 1, newest_age_s: (9 * 60 + 55) * 60 });
    expect(run.observation.details?.[0]).toMatch(/2026-11-22T00-05-00Z\.sql\.gz {2}100 KiB {2}9h 55m old$/);
  });

  it('older than the RPO: down', async () => {
    const prefix = `${unique('db')}/`;
    await daily(backend, prefix, 7);
    const run = await runOnce(check(prefix), backend.env(), undefined, NOW + 2 * DAY);
    expect(run.judgement.status).toBe('down');
    // Two days on, the retention window also lacks two days.
    expect(run.message).toBe('age of the newest backup = 2d 9h, expected < 1d 1h; days with a backup in the last 7d = 5, expected >= 7');
  });

  it('much smaller than the one before (a truncated dump): down', async () => {
    const prefix = `${unique('db')}/`;
    await daily(backend, prefix, 3, 100 * KiB, 12 * KiB);
    const run = await runOnce(check(prefix, { retention: undefined }), backend.env(), undefined, NOW);
    expect(run.judgement.status).toBe('down');
    expect(run.message).toBe('size of the newest backup ÷ the one before = 0.12, expected >= 0.5');
  });

  it('smaller than the floor: down', async () => {
    const prefix = `${unique('db')}/`;
    await daily(backend, prefix, 1, 2 * KiB);
    const run = await runOnce(check(prefix, { retention: undefined }), backend.env(), undefined, NOW);
    expect(run.message).toBe('size of the newest backup = 2 KiB, expected >= 10 KiB');
  });

  it('fewer days than the retention promises: degraded', async () => {
    const prefix = `${unique('db')}/`;
    await daily(backend, prefix, 5);
    const run = await runOnce(check(prefix), backend.env(), undefined, NOW);
    expect(run.judgement.status).toBe('degraded');
    expect(run.message).toBe('days with a backup in the last 7d = 5, expected >= 7');
  });

  it('required metadata on the newest backup', async () => {
    const prefix = `${unique('db')}/`;
    await daily(backend, prefix, 2);
    const without = await runOnce(check(prefix, { retention: undefined, requireMetadata: ['sha256'] }), backend.env(), undefined, NOW);
    expect(without.judgement.status).toBe('degraded');
    expect(without.message).toBe('metadata missing on the newest backup = "sha256", expected ""');
    const signed = `${unique('db')}/`;
    await daily(backend, signed, 2, 100 * KiB, 100 * KiB, { sha256: 'c0ffee' });
    expect((await runOnce(check(signed, { retention: undefined, requireMetadata: ['sha256'] }), backend.env(), undefined, NOW)).judgement.status).toBe('up');
  });

  it('nothing under the prefix: down, saying so', async () => {
    const run = await runOnce(check(`${unique('none')}/`), backend.env(), undefined, NOW);
    expect(run.judgement.status).toBe('down');
    expect(run.message).toMatch(/^age of the newest backup is missing \(no objects under .*\/none-[0-9a-f]+\/\), expected < 1d 1h/);
  });

  it('keys without a date: their upload time counts (the clock is set past it)', async () => {
    const prefix = `${unique('plain')}/`;
    await backend.put(`${prefix}latest.dump`, 50 * KiB);
    const fresh = await runOnce(check(prefix, { retention: undefined }), backend.env(), undefined, Date.now() + HOUR);
    expect(fresh.judgement.status).toBe('up');
    const stale = await runOnce(check(prefix, { retention: undefined }), backend.env(), undefined, Date.now() + 30 * HOUR);
    expect(stale.message).toMatch(/^age of the newest backup = 1d [56]h, expected < 1d 1h$/);
  });
});

describe('bounded listing (2,000 hourly backups in the archive bucket)', () => {
  const archive = (extra: Record<string, unknown>) =>
    backups({ id: 'archive', s3: { endpoint: s3().endpoint, bucket: 'archive', accessKeyId: secret('S3_KEY'), secretAccessKey: secret('S3_SECRET') }, prefix: 'db/backup-', maxAge: '2h', ...extra } as never);
  const end = Date.UTC(2026, 10, 22, 10, 0);

  it('without key dates, listing stops at maxObjects and says the newest may be missing', async () => {
    const run = await runOnce(archive({ maxObjects: 1000 }), s3Secrets(), undefined, end);
    expect(run.judgement.status).toBe('unknown');
    expect(run.message).toMatch(/^listing stopped after 1000 objects under archive\/db\/backup-, so the newest backup may not be among them: set keyDateFormat/);
    expect(run.observation.values.pages).toBe(1);
  });

  it('with keyDateFormat, listing starts at the retention window: one request', async () => {
    const run = await runOnce(archive({ keyDateFormat: 'YYYYMMDD', window: '7d', retention: { count: 168 } }), s3Secrets(), undefined, end);
    expect(run.judgement.status).toBe('up');
    expect(run.observation.values).toMatchObject({ pages: 1, newest_key: 'db/backup-20261122-090000.sql.gz', newest_age_s: 3600, count_in_window: 168 });
    expect(Number(run.observation.values.count)).toBeLessThan(250);
  });

  it('pages through everything when asked to, with continuation tokens', async () => {
    const run = await runOnce(archive({ maxObjects: 5000 }), s3Secrets(), undefined, end);
    expect(run.observation.values).toMatchObject({ count: 2000, pages: 2, newest_age_s: 3600 });
  });
});

describe('the bucket itself (R32)', () => {
  it('reachable with the configured credentials', async () => {
    const run = await runOnce(bucket({ id: 'videos', s3: { endpoint: s3().endpoint, bucket: 'videos', accessKeyId: secret('S3_KEY'), secretAccessKey: secret('S3_SECRET') } }), s3Secrets(), undefined, NOW);
    expect(run.judgement.status).toBe('up');
    expect(run.observation.values.count).toBe(2);
  });

  it('unknown credentials and a missing bucket are down, not retried', async () => {
    const where = { endpoint: s3().endpoint, accessKeyId: secret('S3_KEY'), secretAccessKey: secret('S3_SECRET') };
    const denied = await runOnce(bucket({ id: 'videos', s3: { ...where, bucket: 'videos' } }), { S3_KEY: 'AKIA-REVOKED', S3_SECRET: 'x' }, undefined, NOW);
    expect(denied.judgement.status).toBe('down');
    expect(denied.message).toBe('access denied (InvalidAccessKeyId): check the access key and secret');
    expect(denied.attempts).toBe(1);
    const missing = await runOnce(bucket({ id: 'videos', s3: { ...where, bucket: 'no-such-bucket' } }), s3Secrets(), undefined, NOW);
    expect(missing.message).toBe('bucket "no-such-bucket" does not exist (NoSuchBucket)');
  });

  it('an R2 binding that is not in wrangler.toml: unknown, saying what to add', async () => {
    const run = await runOnce(bucket({ id: 'b', r2: 'BACKUPS' }), {}, undefined, NOW);
    expect(run.judgement.status).toBe('unknown');
    expect(run.message).toBe('option r2 names the binding BACKUPS, which is missing: add [[r2_buckets]] binding = "BACKUPS" to wrangler.toml');
  });
});
