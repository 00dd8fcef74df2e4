// Listing objects under a prefix in an R2 bucket (Worker binding) or any
// S3-compatible bucket (ListObjectsV2, signed with aws4fetch), and reading one
// object's metadata. Listing is paginated and bounded: at most `maxObjects`
// and MAX_LIST_PAGES requests, starting after `startAfter`.

import { AwsClient } from 'aws4fetch';
import { XMLParser } from 'fast-xml-parser';

export interface StoredObject {
  key: string;
  size: number;
  /** Upload / last-modified time (ms). */
  modified: number;
}

export interface Listing {
  objects: StoredObject[];
  /** List requests made. */
  pages: number;
  /** More objects exist than were listed. */
  truncated: boolean;
}

export interface ListRequest {
  prefix: string;
  /** List keys after this one (S3 start-after, R2 startAfter): lexicographic, so date-named keys can skip to a date. */
  startAfter?: string | undefined;
  maxObjects: number;
  /** Keys per list request; only tests make it smaller than LIST_PAGE_SIZE. */
  pageSize?: number;
}

export interface S3Location {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  pathStyle: boolean;
}

/** A failure that is the bucket's answer, not the network's (wrong credentials, no such bucket). */
export class BucketError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'BucketError';
  }
}

/** The most keys one list request returns, on S3 (max-keys) and R2 (limit) alike. */
export const LIST_PAGE_SIZE = 1000;
/**
 * The most list requests one run makes. Each is a subrequest (R2 binding calls
 * count too), and the free plan allows 50 per invocation for every check in a
 * tick: 5 pages + 1 HEAD, twice with the engine's retry, is 12.
 */
export const MAX_LIST_PAGES = 5;
/** The most objects one run can list. */
export const MAX_LISTED_OBJECTS = MAX_LIST_PAGES * LIST_PAGE_SIZE;

/** List requests needed for `maxObjects` (a server may return fewer keys a page, so this is a bound the loops also enforce). */
export function listPages(maxObjects: number): number {
  return Math.min(MAX_LIST_PAGES, Math.max(1, Math.ceil(maxObjects / LIST_PAGE_SIZE)));
}

interface R2ObjectLike {
  key: string;
  size: number;
  uploaded: Date;
  customMetadata?: Record<string, string>;
  checksums?: { toJSON(): { md5?: string; sha1?: string; sha256?: string; sha384?: string; sha512?: string } };
}

interface R2Like {
  list(options: { prefix?: string; cursor?: string; startAfter?: string; limit?: number }): Promise<{ objects: R2ObjectLike[]; truncated: boolean; cursor?: string }>;
  head(key: string): Promise<R2ObjectLike | null>;
}

export async function listR2(bucket: R2Like, request: ListRequest): Promise<Listing> {
  const { prefix, startAfter, maxObjects, pageSize = LIST_PAGE_SIZE } = request;
  const objects: StoredObject[] = [];
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    // No `include`: with metadata R2 may return fewer keys a page. Only the
    // newest backup's metadata matters, and headR2 reads it.
    const options: Parameters<R2Like['list']>[0] = { prefix, limit: Math.min(pageSize, maxObjects - objects.length) };
    // The cursor carries the position, startAfter included.
    if (cursor) options.cursor = cursor;
    else if (startAfter) options.startAfter = startAfter;
    const page = await bucket.list(options);
    pages++;
    for (const object of page.objects) objects.push({ key: object.key, size: object.size, modified: object.uploaded.getTime() });
    if (!page.truncated || !page.cursor) return { objects, pages, truncated: false };
    if (objects.length >= maxObjects || pages >= MAX_LIST_PAGES) return { objects, pages, truncated: true };
    cursor = page.cursor;
  }
}

/**
 * An R2 object's custom metadata and checksums (`checksum-md5`,
 * `checksum-sha256` ... as hex), from one head() call: the same names S3's HEAD gives.
 */
export async function headR2(bucket: R2Like, key: string): Promise<Record<string, string>> {
  const object = await bucket.head(key);
  if (!object) throw new Error(`${key} disappeared after it was listed`);
  const metadata: Record<string, string> = { ...object.customMetadata };
  for (const [algorithm, value] of Object.entries(object.checksums?.toJSON() ?? {})) if (value) metadata[`checksum-${algorithm}`] = value;
  return metadata;
}

const xml = new XMLParser({ ignoreAttributes: true, parseTagValue: false, isArray: (name) => name === 'Contents' });

function bucketUrl(location: S3Location, path = ''): URL {
  const endpoint = new URL(location.endpoint);
  if (location.pathStyle) return new URL(`${endpoint.origin}${endpoint.pathname.replace(/\/$/, '')}/${location.bucket}${path}`);
  return new URL(`${endpoint.protocol}//${location.bucket}.${endpoint.host}${path || '/'}`);
}

async function s3Request(location: S3Location, url: URL, method: string, fetcher: typeof fetch, signal: AbortSignal, headers: Record<string, string> = {}): Promise<Response> {
  const aws = new AwsClient({ accessKeyId: location.accessKeyId, secretAccessKey: location.secretAccessKey, service: 's3', region: location.region });
  const signed = await aws.sign(url.toString(), { method, headers });
  const response = await fetcher(signed, { signal });
  if (response.ok) return response;
  const text = method === 'HEAD' ? '' : await response.text();
  const error = (xml.parse(text) as { Error?: { Code?: string; Message?: string } }).Error;
  const code = error?.Code ?? `HTTP ${response.status}`;
  if (response.status === 403 || response.status === 401) throw new BucketError(`access denied (${code}): check the access key and secret`, false);
  if (code === 'NoSuchBucket' || response.status === 404) throw new BucketError(`bucket "${location.bucket}" does not exist (${code})`, false);
  throw new BucketError(`the bucket answered ${code}${error?.Message ? `: ${error.Message}` : ''}`, response.status >= 500);
}

export async function listS3(location: S3Location, request: ListRequest, fetcher: typeof fetch, signal: AbortSignal): Promise<Listing> {
  const { prefix, startAfter, maxObjects, pageSize = LIST_PAGE_SIZE } = request;
  const objects: StoredObject[] = [];
  let token: string | undefined;
  let pages = 0;
  for (;;) {
    const url = bucketUrl(location);
    url.searchParams.set('list-type', '2');
    url.searchParams.set('max-keys', String(Math.min(pageSize, maxObjects - objects.length)));
    if (prefix) url.searchParams.set('prefix', prefix);
    if (token) url.searchParams.set('continuation-token', token);
    else if (startAfter) url.searchParams.set('start-after', startAfter);
    const response = await s3Request(location, url, 'GET', fetcher, signal);
    pages++;
    const result = (xml.parse(await response.text()) as { ListBucketResult?: { Contents?: Array<{ Key: string; Size: string; LastModified: string }>; IsTruncated?: string; NextContinuationToken?: string } }).ListBucketResult;
    if (!result) throw new BucketError('the bucket did not answer a ListObjectsV2 result: is endpoint an S3 API URL?', false);
    for (const item of result.Contents ?? []) objects.push({ key: String(item.Key), size: Number(item.Size), modified: Date.parse(item.LastModified) });
    const truncated = result.IsTruncated === 'true';
    if (!truncated || !result.NextContinuationToken) return { objects, pages, truncated: false };
    if (objects.length >= maxObjects || pages >= MAX_LIST_PAGES) return { objects, pages, truncated: true };
    token = result.NextContinuationToken;
  }
}

/**
 * An object's user metadata (x-amz-meta-sha256 → `sha256`) and checksums
 * (x-amz-checksum-sha256 → `checksum-sha256`), from one HEAD request. S3 only
 * returns the checksum headers when the request asks for them
 * (x-amz-checksum-mode: ENABLED, signed like every other header).
 */
export async function headS3(location: S3Location, key: string, fetcher: typeof fetch, signal: AbortSignal): Promise<Record<string, string>> {
  const path = `/${key.split('/').map(encodeURIComponent).join('/')}`;
  const response = await s3Request(location, bucketUrl(location, path), 'HEAD', fetcher, signal, { 'x-amz-checksum-mode': 'ENABLED' });
  const metadata: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name.startsWith('x-amz-meta-')) metadata[name.slice('x-amz-meta-'.length)] = value;
    else if (name.startsWith('x-amz-checksum-')) metadata[name.slice('x-amz-'.length)] = value;
  });
  return metadata;
}
