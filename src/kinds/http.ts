// HTTP check: one request (following redirects itself, so each hop is
// counted and a loop is reported), bounded body read, and the values that
// status, latency, header, JSON-path and body assertions need.

import * as z from 'zod';
import { normalizeJsonPath, readJsonPath, sourceKey } from '../assert/sources';
import type { AssertionInput, Observed } from '../assert/types';
import { stringOrSecret } from '../config/secrets';
import { formatBytes } from '../format';
import { CLOUDFLARE_ERROR_BODY_BYTES, cloudflareOriginError, describeFetchError, diagnoseFetchError, untilAborted } from '../net/fetch-errors';
import { discardBody, readBoundedBody } from '../net/read-body';
import { isHttpUrl, withoutQuery } from './urls';
import type { CheckKind, Observation } from './types';
import { userAgent } from '../net/user-agent';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024; // enough for any health or metrics JSON
export const MAX_BODY_BYTES_LIMIT = 16 * 1024 * 1024; // a Worker has 128 MB; stay far below
export const DEFAULT_MAX_REDIRECTS = 5;
/**
 * Headers still sent after a redirect to another origin. Any other configured
 * header may be a credential (Authorization, Cookie, X-Api-Key: secret(...)),
 * and a redirect must never carry it to a host the operator did not name.
 */
const CROSS_ORIGIN_HEADERS = new Set(['accept', 'accept-language', 'content-type', 'origin', 'user-agent']);

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

const options = z.strictObject({
  /** The URL to request; may be a secret when it carries a token. */
  url: stringOrSecret,
  method: z.enum(METHODS).default('GET'),
  /** Request headers; values may be secrets: `{ Authorization: secret('API_KEY_HEADER') }`. */
  headers: z.record(z.string(), stringOrSecret).default({}),
  /** A string is sent as is; an object is sent as JSON. */
  body: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  followRedirects: z.boolean().default(true),
  maxRedirects: z.number().int().min(0).max(20).default(DEFAULT_MAX_REDIRECTS),
  /** At most this many bytes of the body are read; more is reported, never buffered. */
  maxBodyBytes: z.number().int().positive().max(MAX_BODY_BYTES_LIMIT).default(DEFAULT_MAX_BODY_BYTES),
});

type Options = z.output<typeof options>;

export const httpKind: CheckKind<typeof options> = {
  options,
  sources: ['status', 'latency', 'header', 'json', 'body', 'value'],

  describe: (opts) => `${opts.method} ${typeof opts.url === 'string' ? withoutQuery(opts.url) : `secret ${opts.url.$secret}`}`,

  validate(opts) {
    const problems: Array<[string, string]> = [];
    if (typeof opts.url === 'string' && !isHttpUrl(opts.url)) problems.push(['url', `"${opts.url}" is not an http(s) URL`]);
    if (opts.body !== undefined && (opts.method === 'GET' || opts.method === 'HEAD')) {
      problems.push(['body', `a ${opts.method} request cannot have a body`]);
    }
    return problems;
  },

  defaultAssertions(opts: Options): AssertionInput[] {
    const range: [number, number] = opts.followRedirects ? [200, 299] : [200, 399];
    return [{ source: { type: 'status' }, op: 'between', value: range }];
  },

  async run(opts, ctx): Promise<Observation> {
    if (!isHttpUrl(opts.url)) {
      return { reached: false, unknown: true, latencyMs: 0, values: {}, error: 'option url is not an http(s) URL' };
    }
    let headers = new Headers(opts.headers);
    let requestBody: string | undefined;
    if (typeof opts.body === 'string') requestBody = opts.body;
    else if (opts.body !== undefined) {
      requestBody = JSON.stringify(opts.body);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    }
    // The region tells a target's logs (and a regional check's quorum) where the probe ran.
    if (!headers.has('user-agent')) headers.set('user-agent', userAgent(ctx.region));

    const started = Date.now();
    let url = opts.url;
    let method: string = opts.method;
    const hops: string[] = [];
    let response: Response;
    try {
      for (;;) {
        response = await ctx.fetch(url, { method, headers, body: requestBody, redirect: 'manual', signal: ctx.signal });
        const location = response.headers.get('location');
        if (!opts.followRedirects || !isRedirect(response.status) || !location) break;
        if (hops.length >= opts.maxRedirects) {
          discardBody(response);
          const latencyMs = Date.now() - started;
          return {
            reached: true,
            latencyMs,
            values: { status: response.status, latencyMs },
            error: `stopped after ${opts.maxRedirects} redirects: ${[...hops, withoutQuery(url)].join(' → ')}`,
          };
        }
        discardBody(response);
        const next = new URL(location, url);
        const crossOrigin = next.origin !== new URL(url).origin;
        // A 307/308 re-sends the body, which may hold secrets: not to a host the operator did not name.
        if (crossOrigin && requestBody !== undefined && (response.status === 307 || response.status === 308)) {
          const latencyMs = Date.now() - started;
          return {
            reached: true,
            latencyMs,
            values: { status: response.status, latencyMs },
            error: `not following a ${response.status} redirect to another origin (${next.origin}): it would re-send the request body there`,
          };
        }
        hops.push(withoutQuery(url));
        if (crossOrigin) headers = withoutCredentials(headers);
        url = next.toString();
        // Browsers and fetch turn a redirected POST into a GET (except 307/308).
        if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
          method = 'GET';
          requestBody = undefined;
        }
      }
    } catch (error) {
      const latencyMs = Date.now() - started;
      return { reached: false, retryable: true, latencyMs, values: {}, error: await diagnoseFetchError(error, ctx, url, withoutQuery(url)) };
    }

    const values: Record<string, Observed> = { status: response.status };
    for (const source of ctx.wants) {
      if (source.type === 'header') values[sourceKey(source)] = response.headers.get(source.name);
    }
    // A header that is absent reads as missing, not as null.
    for (const [key, value] of Object.entries(values)) if (value === null && key.startsWith('header:')) delete values[key];

    const wantsBody = ctx.wants.some((source) => source.type === 'body' || source.type === 'json');
    let error: string | undefined;
    if (wantsBody && method !== 'HEAD') {
      try {
        const read = await untilAborted(readBoundedBody(response, opts.maxBodyBytes), ctx.signal);
        values.body = read.text;
        if (read.truncated) error = `response body is larger than the ${formatBytes(opts.maxBodyBytes)} limit (maxBodyBytes)`;
        const jsonSources = ctx.wants.filter((source) => source.type === 'json');
        if (jsonSources.length > 0 && !read.truncated) {
          const parsed = parseJson(read.text);
          if (parsed.ok) {
            for (const source of jsonSources) {
              const found = readJsonPath(parsed.value, source.path);
              if (found !== undefined) values[`json:${normalizeJsonPath(source.path)}`] = found;
            }
          } else {
            error = `response is not valid JSON: ${parsed.error}`;
          }
        }
      } catch (readError) {
        return {
          reached: false,
          retryable: true,
          latencyMs: Date.now() - started,
          values: { status: response.status },
          error: `reading the body: ${describeFetchError(readError, ctx, withoutQuery(url))}`,
        };
      }
    } else if (response.status === 530) {
      // Cloudflare's 530 says what failed only in its body ("error code: 1016").
      const start = await untilAborted(readBoundedBody(response, CLOUDFLARE_ERROR_BODY_BYTES), ctx.signal).catch(() => undefined);
      error = cloudflareOriginError(response, url, start?.text);
    } else {
      discardBody(response);
    }
    error ??= cloudflareOriginError(response, url, typeof values.body === 'string' ? values.body : undefined);
    const latencyMs = Date.now() - started;
    values.latencyMs = latencyMs;
    return error ? { reached: true, latencyMs, values, error } : { reached: true, latencyMs, values };
  },
};

function withoutCredentials(headers: Headers): Headers {
  const kept = new Headers();
  headers.forEach((value, name) => {
    if (CROSS_ORIGIN_HEADERS.has(name)) kept.set(name, value);
  });
  return kept;
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const preview = text.trim().slice(0, 40);
    return { ok: false, error: `${(error as Error).message}${preview ? ` (body starts ${JSON.stringify(preview)})` : ' (empty body)'}` };
  }
}
