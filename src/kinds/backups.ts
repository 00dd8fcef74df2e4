// Backup objects: looks where backups land (an R2 bucket binding or any
// S3-compatible bucket) and reports the newest backup's age and size, how it
// compares with the one before (a truncated dump is the classic silent
// failure), how many backups the retention window holds, and metadata.

import * as z from 'zod';
import type { Observed } from '../assert/types';
import { formatDuration, parseDuration } from '../config/duration';
import { durationSchema } from '../config/schema';
import { formatBytes } from '../format';
import { secretRefSchema, type Resolved } from '../config/secrets';
import { BucketError, headS3, listR2, listS3, type Listing, type S3Location } from './object-store';
import type { CheckKind, Observation } from './types';

export const DEFAULT_MAX_OBJECTS = 5000;
export const KEY_DATE_FORMATS = ['YYYY-MM-DD', 'YYYYMMDD'] as const;
const DAY = 86_400_000;

const options = z.strictObject({
  /** The name of an R2 bucket binding in wrangler.toml ([[r2_buckets]] binding = "BACKUPS") ... */
  r2: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
  /** ... or an S3-compatible bucket (AWS S3, R2's S3 API, MinIO, Backblaze B2 ...). */
  s3: z
    .strictObject({
      endpoint: z.string().url(),
      bucket: z.string().min(1),
      region: z.string().default('auto'),
      accessKeyId: secretRefSchema,
      secretAccessKey: secretRefSchema,
      /** https://endpoint/bucket/key (default) or https://bucket.endpoint/key. */
      pathStyle: z.boolean().default(true),
    })
    .optional(),
  /** Only keys under this prefix: "db/" or "db/backup-". */
  prefix: z.string().default(''),
  /** The retention window: backups counted in count_in_window / days_in_window. */
  window: durationSchema.default('7d'),
  /**
   * When keys carry their date right after the prefix in this format
   * ("db/2026-11-21T02-00.sql.gz" → 'YYYY-MM-DD'), listing starts at the window's
   * first day instead of the bucket's first key: a bucket of 100,000 old backups
   * costs one or two list requests.
   */
  keyDateFormat: z.enum(KEY_DATE_FORMATS).optional(),
  /** Stop listing after this many objects. */
  maxObjects: z.number().int().min(1).max(100_000).default(DEFAULT_MAX_OBJECTS),
  /** Metadata the newest backup must carry (R2 custom metadata, S3 x-amz-meta-* or checksum-*). */
  requireMetadata: z.array(z.string().min(1)).default([]),
});

type Options = Resolved<z.output<typeof options>>;

// Dates in keys: 2026-11-21T02-00-00, 2026-11-21_020000, 20261121-020000, 2026-11-21, 20261121.
const KEY_DATES = [
  /(\d{4})-(\d{2})-(\d{2})[T_ .-](\d{2})[:.-]?(\d{2})(?:[:.-]?(\d{2}))?/,
  /(?<!\d)(\d{4})(\d{2})(\d{2})[T_-](\d{2})(\d{2})(\d{2})?(?!\d)/,
  /(\d{4})-(\d{2})-(\d{2})/,
  /(?<!\d)(20\d{2})(\d{2})(\d{2})(?!\d)/,
];

/** The date in a backup's key (read as UTC), if it has one. */
export function keyDate(key: string): number | undefined {
  const name = key.slice(key.lastIndexOf('/') + 1) || key;
  for (const pattern of KEY_DATES) {
    const match = pattern.exec(name) ?? pattern.exec(key);
    if (!match) continue;
    const [, y, mo, d, h = '0', mi = '0', s = '0'] = match as unknown as string[];
    const time = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
    if (!Number.isNaN(time) && Number(mo) >= 1 && Number(mo) <= 12 && Number(d) >= 1 && Number(d) <= 31) return time;
  }
  return undefined;
}

function formatKeyDate(time: number, format: (typeof KEY_DATE_FORMATS)[number]): string {
  const iso = new Date(time).toISOString().slice(0, 10);
  return format === 'YYYY-MM-DD' ? iso : iso.replace(/-/g, '');
}

export const backupsKind: CheckKind<typeof options> = {
  options,
  sources: ['value', 'latency'],

  describe: (opts) => `backups in ${opts.r2 ? `R2 binding ${opts.r2}` : `s3 ${opts.s3?.bucket}`}/${opts.prefix}`,

  validate(opts) {
    const problems: Array<[string, string]> = [];
    if (!opts.r2 === !opts.s3) problems.push(['r2', 'give either r2 (an R2 binding name) or s3 (an S3-compatible bucket), not both']);
    return problems;
  },

  async run(opts, ctx): Promise<Observation> {
    const started = Date.now();
    const window = parseDuration(opts.window) ?? 7 * DAY;
    // One day of slack: a key's date may be a little before its upload.
    const startAfter = opts.keyDateFormat ? `${opts.prefix}${formatKeyDate(ctx.now - window - DAY, opts.keyDateFormat)}` : undefined;
    let listing: Listing;
    const s3: S3Location | undefined = opts.s3 ? { ...opts.s3 } : undefined;
    try {
      if (opts.r2) {
        const bucket = ctx.env[opts.r2] as Parameters<typeof listR2>[0] | undefined;
        if (!bucket || typeof bucket.list !== 'function') {
          return { reached: false, unknown: true, latencyMs: 0, values: {}, error: `option r2 names the binding ${opts.r2}, which is missing: add [[r2_buckets]] binding = "${opts.r2}" to wrangler.toml` };
        }
        listing = await listR2(bucket, opts.prefix, startAfter, opts.maxObjects);
      } else {
        listing = await listS3(s3 as S3Location, opts.prefix, startAfter, opts.maxObjects, ctx.fetch, ctx.signal);
      }
    } catch (error) {
      const latencyMs = Date.now() - started;
      if (error instanceof BucketError) return { reached: false, retryable: error.retryable, latencyMs, values: {}, error: error.message };
      return { reached: false, retryable: true, latencyMs, values: {}, error: `could not list the bucket: ${(error as Error).message}` };
    }

    const backups = listing.objects.map((object) => ({ ...object, time: keyDate(object.key) ?? object.modified })).sort((a, b) => a.time - b.time);
    const values: Record<string, Observed> = { count: backups.length, pages: listing.pages };
    const inWindow = backups.filter((backup) => backup.time >= ctx.now - window);
    values.count_in_window = inWindow.length;
    values.days_in_window = new Set(inWindow.map((backup) => new Date(backup.time).toISOString().slice(0, 10))).size;
    const newest = backups[backups.length - 1];
    const previous = backups[backups.length - 2];
    const where = `${opts.r2 ?? opts.s3?.bucket}/${opts.prefix}`;
    let error: string | undefined;
    if (newest) {
      values.newest_key = newest.key;
      values.newest_age_s = Math.round((ctx.now - newest.time) / 1000);
      values.newest_bytes = newest.size;
      // With no backup before it, the newest has nothing to have shrunk against.
      values.size_ratio = 1;
      if (previous) {
        values.previous_bytes = previous.size;
        if (previous.size > 0) values.size_ratio = Math.round((newest.size / previous.size) * 1000) / 1000;
      }
      if (opts.requireMetadata.length > 0) {
        try {
          const metadata = opts.r2 ? (newest.metadata ?? {}) : await headS3(s3 as S3Location, newest.key, ctx.fetch, ctx.signal);
          values.missing_metadata = opts.requireMetadata.filter((name) => !(name.toLowerCase() in lowerKeys(metadata))).join(', ');
        } catch (headError) {
          error = `could not read the newest backup's metadata: ${(headError as Error).message}`;
        }
      }
    } else {
      error = `no objects under ${where}${startAfter ? ` after ${startAfter}` : ''}`;
    }
    // A cut listing only matters to assertions about the newest backups (not to "does the bucket answer").
    const needsAll = ctx.wants.some((source) => source.type === 'value' && source.key !== 'count' && source.key !== 'pages' && source.key !== 'latencyMs');
    if (listing.truncated && !opts.keyDateFormat && needsAll) {
      return {
        reached: true,
        unknown: true,
        latencyMs: Date.now() - started,
        values,
        error: `listing stopped after ${listing.objects.length} objects under ${where}, so the newest backup may not be among them: set keyDateFormat (or a narrower prefix, or maxObjects)`,
      };
    }
    const latencyMs = Date.now() - started;
    values.latencyMs = latencyMs;
    const observation: Observation = { reached: true, latencyMs, values };
    if (error) observation.error = error;
    if (newest) {
      observation.facts = { last_backup_at: new Date(newest.time).toISOString() };
      observation.details = backups
        .slice(-5)
        .reverse()
        .map((backup) => `${backup.key}  ${formatBytes(backup.size)}  ${formatDuration(Math.max(0, ctx.now - backup.time))} old`);
    }
    return observation;
  },
};

function lowerKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key.toLowerCase(), value]));
}
