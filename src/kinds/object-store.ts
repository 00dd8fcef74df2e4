// Listing objects under a prefix in an R2 bucket (Worker binding) or any
// S3-compatible bucket (ListObjectsV2, signed with aws4fetch). Listing is
// paginated and bounded: at most `maxObjects`, starting after `startAfter`.

import { AwsClient } from 'aws4fetch';
import { XMLParser } from 'fast-xml-parser';

export interface StoredObject {
  key: string;
  size: number;
  /** Upload / last-modified time (ms). */
  modified: number;
  metadata?: Record<string, string>;
}

export interface Listing {
  objects: StoredObject[];
  /** List requests made. */
  pages: number;
  /** More objects exist than were listed. */
  truncated: boolean;
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

const PAGE_SIZE = 1000;

interface R2Like {
  list(options: { prefix?: string; cursor?: string; startAfter?: string; limit?: number; include?: Array<'customMetadata' | 'httpMetadata'> }): Promise<{
    objects: Array<{ key: string; size: number; uploaded: Date; customMetadata?: Record<string, string> }>;
    truncated: boolean;
    cursor?: string;
  }>;
}

export async function listR2(bucket: R2Like, prefix: string, startAfter: string | undefined, maxObjects: number): Promise<Listing> {
  const objects: StoredObject[] = [];
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const options: Parameters<R2Like['list']>[0] = { prefix, limit: Math.min(PAGE_SIZE, maxObjects - objects.length), include: ['customMetadata'] };
    if (cursor) options.cursor = cursor;
    else if (startAfter) options.startAfter = startAfter;
    const page = await bucket.list(options);
    pages++;
    for (const object of page.objects) {
      const stored: StoredObject = { key: object.key, size: object.size, modified: object.uploaded.getTime() };
      if (object.customMetadata) stored.metadata = object.customMetadata;
      objects.push(stored);
    }
    if (!page.truncated || !page.cursor) return { objects, pages, truncated: false };
    if (objects.length >= maxObjects) return { objects, pages, truncated: true };
    cursor = page.cursor;
  }
}

const xml = new XMLParser({ ignoreAttributes: true, parseTagValue: false, isArray: (name) => name === 'Contents' });

function bucketUrl(location: S3Location, path = ''): URL {
  const endpoint = new URL(location.endpoint);
  if (location.pathStyle) return new URL(`${endpoint.origin}${endpoint.pathname.replace(/\/$/, '')}/${location.bucket}${path}`);
  return new URL(`${endpoint.protocol}//${location.bucket}.${endpoint.host}${path || '/'}`);
}

async function s3Request(location: S3Location, url: URL, method: string, fetcher: typeof fetch, signal: AbortSignal): Promise<Response> {
  const aws = new AwsClient({ accessKeyId: location.accessKeyId, secretAccessKey: location.secretAccessKey, service: 's3', region: location.region });
  const signed = await aws.sign(url.toString(), { method });
  const response = await fetcher(signed, { signal });
  if (response.ok) return response;
  const text = method === 'HEAD' ? '' : await response.text();
  const error = (xml.parse(text) as { Error?: { Code?: string; Message?: string } }).Error;
  const code = error?.Code ?? `HTTP ${response.status}`;
  if (response.status === 403 || response.status === 401) throw new BucketError(`access denied (${code}): check the access key and secret`, false);
  if (code === 'NoSuchBucket' || response.status === 404) throw new BucketError(`bucket "${location.bucket}" does not exist (${code})`, false);
  throw new BucketError(`the bucket answered ${code}${error?.Message ? `: ${error.Message}` : ''}`, response.status >= 500);
}

export async function listS3(location: S3Location, prefix: string, startAfter: string | undefined, maxObjects: number, fetcher: typeof fetch, signal: AbortSignal): Promise<Listing> {
  const objects: StoredObject[] = [];
  let token: string | undefined;
  let pages = 0;
  for (;;) {
    const url = bucketUrl(location);
    url.searchParams.set('list-type', '2');
    url.searchParams.set('max-keys', String(Math.min(PAGE_SIZE, maxObjects - objects.length)));
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
    if (objects.length >= maxObjects) return { objects, pages, truncated: true };
    token = result.NextContinuationToken;
  }
}

/** An object's user metadata (x-amz-meta-*) and checksum headers, from a HEAD request. */
export async function headS3(location: S3Location, key: string, fetcher: typeof fetch, signal: AbortSignal): Promise<Record<string, string>> {
  const path = `/${key.split('/').map(encodeURIComponent).join('/')}`;
  const response = await s3Request(location, bucketUrl(location, path), 'HEAD', fetcher, signal);
  const metadata: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name.startsWith('x-amz-meta-')) metadata[name.slice('x-amz-meta-'.length)] = value;
    else if (name.startsWith('x-amz-checksum-')) metadata[name.slice('x-amz-'.length)] = value;
  });
  return metadata;
}
