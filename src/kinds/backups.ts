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
import { BucketError, headR2, headS3, LIST_PAGE_SIZE, listPages, listR2, listS3, MAX_LIST_PAGES, MAX_LISTED_OBJECTS, type Listing, type S3Location } from './object-store';
import type { CheckKind, Observation } from './types';

/** As many as one run may list (MAX_LIST_PAGES requests). */
export const DEFAULT_MAX_OBJECTS = MAX_LISTED_OBJECTS;
export const KEY_DATE_FORMATS = ['YYYY-MM-DD', 'YYYYMMDD'] as const;
type KeyDateFormat = (typeof KEY_DATE_FORMATS)[number];
const DAY = 86_400_000;
/** A key's date at its start, by format ("2026-11-22T00-30.sql.gz"), and anywhere in it. */
const DATE_AT_START: Record<KeyDateFormat, RegExp> = { 'YYYY-MM-DD': /^\d{4}-\d{2}-\d{2}/, YYYYMMDD: /^\d{8}/ };
const DATE_INSIDE: Record<KeyDateFormat, RegExp> = { 'YYYY-MM-DD': /\d{4}-\d{2}-\d{2}/, YYYYMMDD: /(?<!\d)\d{8}/ };

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
   * ("db/2026-11-21T02-00.sql.gz" → 'YYYY-MM-DD'), listing starts after the key
   * of the window's first day (start-after) instead of the bucket's first key:
   * a bucket of 100,000 old backups costs what the window holds.
   */
  keyDateFormat: z.enum(KEY_DATE_FORMATS).optional(),
  /** Stop listing after this many objects (at most MAX_LISTED_OBJECTS: see validate). */
  maxObjects: z.number().int().min(1).default(DEFAULT_MAX_OBJECTS),
  /** Metadata the newest backup must carry: R2 custom metadata or checksums (checksum-sha256), S3 x-amz-meta-* or x-amz-checksum-* (checksum-sha256). */
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

function formatKeyDate(time: number, format: KeyDateFormat): string {
  const iso = new Date(time).toISOString().slice(0, 10);
  return format === 'YYYY-MM-DD' ? iso : iso.replace(/-/g, '');
}

/**
 * The most subrequests one attempt of a backups check makes: its list requests
 * (R2 binding calls count like fetches), plus one HEAD for `requireMetadata`.
 * The engine's one retry can double it. `subrequests({})` is 5 (the defaults);
 * `subrequests({ maxObjects: 1 })` (a bucket reachability check) is 1.
 */
export function subrequests(opts: { maxObjects?: number; requireMetadata?: readonly string[] }): number {
  return listPages(opts.maxObjects ?? DEFAULT_MAX_OBJECTS) + (opts.requireMetadata?.length ? 1 : 0);
}

export const backupsKind: CheckKind<typeof options> = {
  options,
  sources: ['value', 'latency'],
  subrequests,

  describe: (opts) => `backups in ${opts.r2 ? `R2 binding ${opts.r2}` : `s3 ${opts.s3?.bucket}`}/${opts.prefix}`,

  validate(opts) {
    const problems: Array<[string, string]> = [];
    if (!opts.r2 === !opts.s3) problems.push(['r2', 'give either r2 (an R2 binding name) or s3 (an S3-compatible bucket), not both']);
    if (opts.maxObjects > MAX_LISTED_OBJECTS) {
      problems.push([
        'maxObjects',
        `at most ${MAX_LISTED_OBJECTS} (${MAX_LIST_PAGES} list requests of ${LIST_PAGE_SIZE}, to stay within the subrequests a tick may make): ` +
          'give keyDateFormat so the listing starts at the retention window, or a narrower prefix',
      ]);
    }
    return problems;
  },

  async run(opts, ctx): Promise<Observation> {
    const started = Date.now();
    const window = parseDuration(opts.window) ?? 7 * DAY;
    // One day of slack: a key's date may be a little before its upload.
    const startAfter = opts.keyDateFormat ? `${opts.prefix}${formatKeyDate(ctx.now - window - DAY, opts.keyDateFormat)}` : undefined;
    const request = { prefix: opts.prefix, startAfter, maxObjects: opts.maxObjects };
    const where = `${opts.r2 ?? opts.s3?.bucket}/${opts.prefix}`;
    let listing: Listing;
    const s3: S3Location | undefined = opts.s3 ? { ...opts.s3 } : undefined;
    const bucket = opts.r2 ? (ctx.env[opts.r2] as Parameters<typeof listR2>[0] | undefined) : undefined;
    try {
      if (opts.r2) {
        if (!bucket || typeof bucket.list !== 'function') {
          return { reached: false, unknown: true, latencyMs: 0, values: {}, error: `option r2 names the binding ${opts.r2}, which is missing: add [[r2_buckets]] binding = "${opts.r2}" to wrangler.toml` };
        }
        listing = await listR2(bucket, request);
      } else {
        listing = await listS3(s3 as S3Location, request, ctx.fetch, ctx.signal);
      }
    } catch (error) {
      const latencyMs = Date.now() - started;
      if (error instanceof BucketError) return { reached: false, retryable: error.retryable, latencyMs, values: {}, error: error.message };
      return { reached: false, retryable: true, latencyMs, values: {}, error: `could not list the bucket: ${(error as Error).message}` };
    }

    const values: Record<string, Observed> = { count: listing.objects.length, pages: listing.pages };
    // Listings come in key order, oldest names first: a cut listing has not
    // seen the newest backups, so it must not name one (a false "down", or a
    // stale "last backup" on the page). "Does the bucket answer" needs no more.
    const needsNewest = ctx.wants.some((source) => source.type === 'value' && source.key !== 'count' && source.key !== 'pages' && source.key !== 'latencyMs');
    if (listing.truncated && needsNewest) {
      return { reached: true, unknown: true, latencyMs: Date.now() - started, values, error: truncatedMessage(opts, listing, where, startAfter) };
    }

    const backups = listing.objects.map((object) => ({ ...object, time: keyDate(object.key) ?? object.modified })).sort((a, b) => a.time - b.time);
    const inWindow = backups.filter((backup) => backup.time >= ctx.now - window);
    values.count_in_window = inWindow.length;
    values.days_in_window = new Set(inWindow.map((backup) => new Date(backup.time).toISOString().slice(0, 10))).size;
    const newest = backups[backups.length - 1];
    const previous = backups[backups.length - 2];
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
          const metadata = bucket ? await headR2(bucket, newest.key) : await headS3(s3 as S3Location, newest.key, ctx.fetch, ctx.signal);
          values.missing_metadata = opts.requireMetadata.filter((name) => !(name.toLowerCase() in lowerKeys(metadata))).join(', ');
        } catch (headError) {
          error = `could not read the newest backup's metadata: ${(headError as Error).message}`;
        }
      }
    } else {
      error = `no objects under ${where}${startAfter ? ` after ${startAfter}` : ''}`;
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

/** Why a cut listing cannot show the newest backup, and what to change. */
function truncatedMessage(opts: Options, listing: Listing, where: string, startAfter: string | undefined): string {
  const requests = `${listing.pages} list request${listing.pages === 1 ? '' : 's'}`;
  const seen = `listing stopped after ${listing.objects.length} objects (${requests}) under ${where}${startAfter ? ` after ${startAfter}` : ''}, before the newest backup`;
  const raise = opts.maxObjects < MAX_LISTED_OBJECTS ? `raise maxObjects (at most ${MAX_LISTED_OBJECTS}) or ` : '';
  const format = opts.keyDateFormat;
  if (!format) return `${seen}: if keys start with their date right after the prefix, set keyDateFormat so the listing starts at the retention window; or ${raise}narrow the prefix`;
  // start-after only skips old backups when the date is the first thing after the prefix.
  const misplaced = listing.objects.find((object) => !DATE_AT_START[format].test(object.key.slice(opts.prefix.length)));
  if (misplaced) {
    const date = DATE_INSIDE[format].exec(misplaced.key.slice(opts.prefix.length));
    const fix = date ? `set prefix to "${misplaced.key.slice(0, opts.prefix.length + date.index)}"` : 'narrow the prefix to keys that start with their date';
    return `${seen}: keyDateFormat ${format} needs keys whose date comes right after the prefix, but "${misplaced.key}" does not, so the listing could not start at the window: ${fix}`;
  }
  return `${seen}: the ${opts.window} window holds more objects than that: ${raise}narrow the prefix or shorten the window`;
}

function lowerKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key.toLowerCase(), value]));
}
