// The backups kind against both places backups land: Miniflare's local R2
// binding and an S3-compatible server (s3rver), with the same scenarios run
// against each. Objects carry their dates in their keys; the check's clock is
// set, nothing sleeps.
import { env } from 'cloudflare:workers';
import { AwsClient } from 'aws4fetch';
import { describe, expect, inject, it } from 'vitest';
import { judge } from '../../src/assert/judge';
import { backups, bucket, secret, type CheckInput } from '../../src/config';
import { validateConfig } from '../../src/config/validate';
import { runCheck } from '../../src/engine/runner';
import { subrequests } from '../../src/kinds/backups';
import { listR2, listS3, MAX_LIST_PAGES, type S3Location } from '../../src/kinds/object-store';
import { config, MINUTE, unique } from '../helpers';
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

/** `count` hourly backups, the newest at `newest`, keys `<prefix>2026-11-22T09-30-00Z.sql.gz`. */
async function hourly(backend: Backend, prefix: string, count: number, newest: number) {
  const keys = Array.from({ length: count }, (_, i) => `${prefix}${new Date(newest - i * HOUR).toISOString().slice(0, 19).replace(/:/g, '-')}Z.sql.gz`);
  for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((key) => backend.put(key, 2 * KiB)));
}

/** runOnce, with every request the check makes passing through `fetcher` (which hands it on to the real server). */
async function runWith(check: CheckInput, secrets: Record<string, unknown>, now: number, fetcher: typeof fetch) {
  const [loaded] = config({ checks: [check] }).checks;
  if (!loaded) throw new Error('no check');
  const result = await runCheck(loaded, undefined, { fetch: fetcher, env: secrets, now, deadline: Date.now() + 40_000 });
  return { ...result, judgement: judge(loaded.expect, result.observation, undefined, now) };
}

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

  // 216 hourly backups (9 days), the newest 30 minutes old, more than maxObjects 100 can show.
  it('a listing cut before the newest backup is unknown, never a stale newest; start-after skips to the window', async () => {
    const base = `${unique('hourly')}/`;
    const prefix = `${base}backup-`;
    await hourly(backend, prefix, 216, NOW - 30 * MINUTE);
    const hourlyCheck = (extra: Record<string, unknown>) => check(prefix, { maxAge: '2h', minBytes: undefined, retention: undefined, keyDateFormat: 'YYYY-MM-DD', ...extra });

    // The window (7d, from 2026-11-14) holds 202 of them: 100 cannot show the newest.
    const cut = await runOnce(hourlyCheck({ maxObjects: 100 }), backend.env(), undefined, NOW);
    expect(cut.judgement.status).toBe('unknown');
    expect(cut.message).toBe(
      `listing stopped after 100 objects (1 list request) under ${backend.name === 'R2 binding' ? 'TEST_BACKUPS' : 'backups'}/${prefix} after ${prefix}2026-11-14, ` +
        'before the newest backup: the 7d window holds more objects than that: raise maxObjects (at most 5000) or narrow the prefix or shorten the window',
    );
    expect(cut.observation.values).toEqual({ count: 100, pages: 1 });
    expect(cut.observation.facts).toBeUndefined();

    // Enough for the window: one request from start-after, the 14 older backups never listed.
    const whole = await runOnce(hourlyCheck({ maxObjects: 300 }), backend.env(), undefined, NOW);
    expect(whole.judgement.status).toBe('up');
    expect(whole.observation.values).toMatchObject({ count: 202, pages: 1, newest_age_s: 1800, newest_key: `${prefix}2026-11-22T09-30-00Z.sql.gz` });

    // Without keyDateFormat the listing starts at the oldest key.
    const noDates = await runOnce(hourlyCheck({ maxObjects: 100, keyDateFormat: undefined }), backend.env(), undefined, NOW);
    expect(noDates.judgement.status).toBe('unknown');
    expect(noDates.message).toMatch(/before the newest backup: if keys start with their date right after the prefix, set keyDateFormat so the listing starts at the retention window; or raise maxObjects \(at most 5000\) or narrow the prefix$/);

    // keyDateFormat, but the date is not right after the prefix: start-after skips nothing.
    const misplaced = await runOnce(check(base, { maxAge: '2h', retention: undefined, keyDateFormat: 'YYYY-MM-DD', maxObjects: 100 }), backend.env(), undefined, NOW);
    expect(misplaced.judgement.status).toBe('unknown');
    expect(misplaced.message).toMatch(new RegExp(`keyDateFormat YYYY-MM-DD needs keys whose date comes right after the prefix, but "${prefix}2026-11-13T10-30-00Z.sql.gz" does not, so the listing could not start at the window: set prefix to "${prefix}"$`));
  });
});

describe('bounded listing (2,000 hourly backups in the archive bucket)', () => {
  const archive = (extra: Record<string, unknown>) =>
    backups({ id: 'archive', s3: { endpoint: s3().endpoint, bucket: 'archive', accessKeyId: secret('S3_KEY'), secretAccessKey: secret('S3_SECRET') }, prefix: 'db/backup-', maxAge: '2h', ...extra } as never);
  const end = Date.UTC(2026, 10, 22, 10, 0);

  it('without key dates, listing stops at maxObjects and says the newest may be missing', async () => {
    const run = await runOnce(archive({ maxObjects: 1000 }), s3Secrets(), undefined, end);
    expect(run.judgement.status).toBe('unknown');
    expect(run.message).toMatch(/^listing stopped after 1000 objects \(1 list request\) under archive\/db\/backup-, before the newest backup: if keys start with their date right after the prefix, set keyDateFormat/);
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

describe('checksums on the newest backup', () => {
  const sha256Hex = async (body: string) => [...new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body)))].map((b) => b.toString(16).padStart(2, '0')).join('');

  it('R2: the object’s own checksums count (checksum-sha256), as well as custom metadata', async () => {
    const prefix = `${unique('sum')}/`;
    const body = 'x'.repeat(20 * KiB);
    await r2().put(`${prefix}2026-11-21T00-05-00Z.sql.gz`, body);
    // R2 verifies the SHA-256 it is given and keeps it with the object.
    await r2().put(`${prefix}2026-11-22T00-05-00Z.sql.gz`, body, { sha256: await sha256Hex(body) });
    const check = (p: string) => backups({ id: 'db', r2: 'TEST_BACKUPS', prefix: p, maxAge: '25h', requireMetadata: ['checksum-sha256'] });
    const run = await runOnce(check(prefix), { TEST_BACKUPS: r2() }, undefined, NOW);
    expect(run.judgement.status).toBe('up');
    expect(run.observation.values.missing_metadata).toBe('');

    const plain = `${unique('sum')}/`;
    await r2().put(`${plain}2026-11-22T00-05-00Z.sql.gz`, body);
    const without = await runOnce(check(plain), { TEST_BACKUPS: r2() }, undefined, NOW);
    expect(without.message).toBe('metadata missing on the newest backup = "checksum-sha256", expected ""');
  });

  // s3rver 3.7 keeps x-amz-meta-* but implements no x-amz-checksum-* at all, so
  // the S3 checksum path is pinned by the request Vigil signs, and the metadata
  // path by what s3rver answers.
  it('S3: the HEAD asks for checksums (x-amz-checksum-mode: ENABLED, signed) and reads x-amz-meta-*', async () => {
    const prefix = `${unique('sum')}/`;
    await daily(backends[1] as Backend, prefix, 1, 20 * KiB, 20 * KiB, { sha256: 'c0ffee' });
    const heads: Request[] = [];
    const recording: typeof fetch = (input, init) => {
      const request = new Request(input, init);
      if (request.method === 'HEAD') heads.push(request.clone());
      return fetch(request);
    };
    const check = backups({ id: 'db', s3: { endpoint: s3().endpoint, bucket: 'backups', accessKeyId: secret('S3_KEY'), secretAccessKey: secret('S3_SECRET') }, prefix, maxAge: '25h', requireMetadata: ['sha256'] });
    const run = await runWith(check, s3Secrets(), NOW, recording);
    expect(run.judgement.status).toBe('up');
    expect(heads).toHaveLength(1);
    expect(heads[0]?.headers.get('x-amz-checksum-mode')).toBe('ENABLED');
    expect(heads[0]?.headers.get('authorization')).toMatch(/SignedHeaders=[^,]*x-amz-checksum-mode/);
  });
});

describe('subrequests are bounded', () => {
  it('subrequests(options): list pages plus one HEAD for requireMetadata', () => {
    expect(subrequests({})).toBe(5);
    expect(subrequests({ maxObjects: 1 })).toBe(1);
    expect(subrequests({ maxObjects: 1500 })).toBe(2);
    expect(subrequests({ maxObjects: 5000, requireMetadata: ['sha256'] })).toBe(6);
  });

  it('maxObjects beyond what MAX_LIST_PAGES requests can list is a config error that says what to do', () => {
    const result = validateConfig({ checks: [backups({ id: 'db', r2: 'BACKUPS', prefix: 'db/', maxAge: '25h', maxObjects: 100_000 })] });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.problems).toContain(
        'check "db": maxObjects: at most 5000 (5 list requests of 1000, to stay within the subrequests a tick may make): give keyDateFormat so the listing starts at the retention window, or a narrower prefix',
      );
  });

  it('a listing stops after MAX_LIST_PAGES requests even when pages are short (S3 and R2)', async () => {
    const location: S3Location = { endpoint: s3().endpoint, bucket: 'archive', region: 'auto', accessKeyId: s3().accessKeyId, secretAccessKey: s3().secretAccessKey, pathStyle: true };
    const onS3 = await listS3(location, { prefix: 'db/backup-', maxObjects: 5000, pageSize: 100 }, (input, init) => fetch(input, init), new AbortController().signal);
    expect(onS3).toMatchObject({ pages: MAX_LIST_PAGES, truncated: true });
    expect(onS3.objects).toHaveLength(500);

    const prefix = `${unique('pages')}/`;
    await Promise.all(Array.from({ length: 12 }, (_, i) => r2().put(`${prefix}${String(i).padStart(2, '0')}`, 'x')));
    const onR2 = await listR2(r2(), { prefix, maxObjects: 5000, pageSize: 2 });
    expect(onR2).toMatchObject({ pages: MAX_LIST_PAGES, truncated: true });
    expect(onR2.objects.map((object) => object.key)).toEqual(Array.from({ length: 10 }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`));
  });
});

describe('R2 paging: startAfter and the cursor', () => {
  it('pages with the cursor from startAfter, within the prefix, in key order', async () => {
    const prefix = `${unique('r2page')}/`;
    const keys = Array.from({ length: 9 }, (_, i) => `${prefix}2026-11-${String(14 + i).padStart(2, '0')}T00-05-00Z.sql.gz`);
    // A neighbour outside the prefix that sorts among its keys' dates.
    await Promise.all([...keys, `${prefix.slice(0, -1)}-sibling/2026-11-20.sql.gz`].map((key) => r2().put(key, 'x'.repeat(100))));

    const all = await listR2(r2(), { prefix, maxObjects: 100, pageSize: 2 });
    expect(all).toMatchObject({ pages: 5, truncated: false });
    expect(all.objects.map((object) => object.key)).toEqual(keys);

    const fromWindow = await listR2(r2(), { prefix, startAfter: `${prefix}2026-11-17`, maxObjects: 100, pageSize: 2 });
    expect(fromWindow).toMatchObject({ pages: 3, truncated: false });
    expect(fromWindow.objects.map((object) => object.key)).toEqual(keys.slice(3));

    const cut = await listR2(r2(), { prefix, startAfter: `${prefix}2026-11-17`, maxObjects: 4, pageSize: 2 });
    expect(cut).toMatchObject({ pages: 2, truncated: true });
    expect(cut.objects.map((object) => object.key)).toEqual(keys.slice(3, 7));
  });
});
