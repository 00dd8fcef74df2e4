// POSTing a payload to a chat or webhook endpoint and classifying the answer:
// 2xx delivered; 429 and 5xx retried later (honouring Retry-After); other 4xx
// are permanent (a revoked webhook will not start working by itself).

import { redact } from '../config/secrets';
import { diagnoseFetchError } from '../net/fetch-errors';
import { readBoundedBody } from '../net/read-body';
import type { DeliveryResult, SendContext } from './types';

const MAX_ERROR_BODY = 200;

export async function postPayload(
  url: string,
  body: string | FormData | URLSearchParams,
  headers: Record<string, string>,
  ctx: SendContext,
  timeoutMs: number,
): Promise<DeliveryResult> {
  const target = safeTarget(url);
  let response: Response;
  try {
    response = await ctx.fetch(url, { method: 'POST', headers, body, signal: ctx.signal, redirect: 'manual' });
  } catch (error) {
    return { ok: false, retryable: true, error: await diagnoseFetchError(error, { signal: ctx.signal, timeoutMs }, url, target) };
  }
  if (response.ok) {
    if (ctx.onAnswer) {
      const read = await readBoundedBody(response, MAX_ERROR_BODY).catch(() => ({ text: '' }));
      ctx.onAnswer(`${target}: HTTP ${response.status}${read.text.trim() ? ` ${redact(read.text, [url]).trim()}` : ''}`);
    } else {
      await response.body?.cancel().catch(() => undefined);
    }
    return { ok: true };
  }
  // Only the start of an error page is needed, and a channel could answer with anything.
  const read = await readBoundedBody(response, MAX_ERROR_BODY).catch(() => ({ text: '' }));
  const text = redact(read.text, [url]);
  const error = `${target}: HTTP ${response.status}${text ? ` ${text.trim()}` : ''}`;
  if (response.status === 429) {
    const retryAfterMs = retryAfter(response.headers.get('retry-after'), text, ctx.now);
    return retryAfterMs === undefined ? { ok: false, retryable: true, error } : { ok: false, retryable: true, retryAfterMs, error };
  }
  return { ok: false, retryable: response.status >= 500 || response.status === 408, error };
}

/**
 * Retry-After in seconds or as an HTTP date; Discord puts `retry_after`
 * (seconds) in the JSON body, Telegram puts it in `parameters.retry_after`.
 */
export function retryAfter(header: string | null, body: string, now: number): number | undefined {
  if (header) {
    const seconds = Number(header);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(header);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  try {
    const parsed = JSON.parse(body) as { retry_after?: unknown; parameters?: { retry_after?: unknown } };
    const seconds = parsed.retry_after ?? parsed.parameters?.retry_after;
    if (typeof seconds === 'number') return Math.max(0, seconds * 1000);
  } catch {
    // not JSON
  }
  return undefined;
}

/** The host of a webhook URL: the path of a Slack or Discord webhook is its secret. */
function safeTarget(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'webhook';
  }
}
