// Reads a response body with a size cap, so a 50 MB or never-ending body can
// neither exhaust memory nor hang the tick (the caller's signal still applies).

export interface BoundedBody {
  text: string;
  bytes: number;
  /** The body was longer than the cap and was cut off. */
  truncated: boolean;
}

/** Reads at most `maxBytes` of a response's (or request's) body as UTF-8, then cancels the rest. */
export async function readBoundedBody(response: { body: ReadableStream<Uint8Array> | null }, maxBytes: number): Promise<BoundedBody> {
  const read = await readBoundedBytes(response, maxBytes);
  return { text: new TextDecoder().decode(read.bytes), bytes: read.bytes.byteLength, truncated: read.truncated };
}

/** Reads at most `maxBytes` of a body as bytes (a binary answer such as a DNS message), then cancels the rest. */
export async function readBoundedBytes(response: { body: ReadableStream<Uint8Array> | null }, maxBytes: number): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  if (!response.body) return { bytes: new Uint8Array(0), truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  let truncated = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const room = maxBytes - bytes;
      if (value.byteLength > room) {
        chunks.push(value.subarray(0, room));
        bytes += room;
        truncated = true;
        break;
      }
      chunks.push(value);
      bytes += value.byteLength;
    }
  } finally {
    if (truncated) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
  const joined = new Uint8Array(bytes);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { bytes: joined, truncated };
}

/** Discards a body we do not need, without waiting for it. */
export function discardBody(response: Response): void {
  response.body?.cancel().catch(() => undefined);
}

/**
 * The most of a request body read and thrown away past the part kept: a
 * client's request is answered only after its body is consumed (workerd
 * resets the connection, and under `wrangler dev` restarts the Worker, when a
 * handler answers with most of a body unread). Beyond this the rest is cancelled.
 */
export const REQUEST_DRAIN_MAX = 1024 * 1024;

/** Keeps the first `maxBytes` of a request's body and reads the rest away (up to REQUEST_DRAIN_MAX). */
export async function readRequestBody(request: Request, maxBytes: number): Promise<BoundedBody> {
  if (!request.body) return { text: '', bytes: 0, truncated: false };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let kept = 0;
  let seen = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      seen += value.byteLength;
      const room = maxBytes - kept;
      if (room > 0) {
        const part = value.byteLength > room ? value.subarray(0, room) : value;
        chunks.push(part);
        kept += part.byteLength;
      }
      if (seen > maxBytes + REQUEST_DRAIN_MAX) {
        await reader.cancel().catch(() => undefined);
        break;
      }
    }
  } finally {
    reader.releaseLock();
  }
  const joined = new Uint8Array(kept);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.byteLength;
  }
  // A multi-byte character cut at the limit decodes as U+FFFD; drop it.
  const text = new TextDecoder().decode(joined).replace(/\uFFFD$/, '');
  return { text, bytes: kept, truncated: seen > kept };
}
