// Raw TCP through the Workers runtime's connect() (cloudflare:sockets), for the
// tcp and tls kinds: loading it where it exists, and reading line-based replies
// with a size cap, so a chatty or silent server can neither flood nor hang a check.

export type SecureTransport = 'off' | 'on' | 'starttls';

/** The part of workerd's Socket the kinds use (types from @cloudflare/workers-types, restated for the Node build). */
export interface TcpSocket {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly opened: Promise<{ remoteAddress?: string; localAddress?: string }>;
  readonly closed: Promise<void>;
  close(): Promise<void>;
  startTls(options?: { expectedServerHostname?: string }): TcpSocket;
}

export type Connect = (address: { hostname: string; port: number }, options?: { secureTransport?: SecureTransport; allowHalfOpen?: boolean }) => TcpSocket;

/**
 * connect() from cloudflare:sockets, or undefined outside workerd (`npm run
 * check` runs kinds in Node, which has no such module).
 */
export async function loadConnect(): Promise<Connect | undefined> {
  try {
    // A string-typed specifier: the module's types live in workers-types, which the Node build does not load.
    const sockets = (await import('cloudflare:sockets' as string)) as { connect?: Connect };
    return typeof sockets.connect === 'function' ? sockets.connect : undefined;
  } catch {
    return undefined;
  }
}

export const NOT_IN_WORKERS = 'raw sockets need the Workers runtime (connect() from cloudflare:sockets): this check runs under npm start, npm test and on Cloudflare, not in npm run check';

/** Where a reply read stopped. */
export interface Reply {
  text: string;
  /** The server closed the connection (nothing more will come). */
  ended: boolean;
  /** The reply was longer than the cap and was cut off. */
  truncated: boolean;
}

/**
 * A reply is complete once it ends with a newline, unless its last line is an
 * SMTP/FTP continuation ("250-SIZE ..."), which promises more lines.
 */
function complete(text: string): boolean {
  if (!text.endsWith('\n')) return false;
  const lines = text.replace(/\r?\n$/, '').split(/\r?\n/);
  return !/^\d{3}-/.test(lines[lines.length - 1] ?? '');
}

/** Reads one line-based reply (or until the server closes, or `maxBytes`). The caller's signal ends a silent wait. */
export async function readReply(reader: ReadableStreamDefaultReader<Uint8Array>, maxBytes: number): Promise<Reply> {
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { text, ended: true, truncated: false };
    const room = maxBytes - bytes;
    if (value.byteLength > room) return { text: text + decoder.decode(value.subarray(0, room)), ended: false, truncated: true };
    bytes += value.byteLength;
    text += decoder.decode(value, { stream: true });
    if (complete(text)) return { text, ended: false, truncated: false };
  }
}

/** The first line of a reply, without its line ending, for messages. */
export function firstLine(text: string): string {
  return (text.split(/\r?\n/)[0] ?? '').trim();
}

/** A connection the peer drops rejects `closed`; the check reports that through its reads, not as an unhandled rejection. */
export function watchClosed(socket: TcpSocket): void {
  socket.closed.catch(() => undefined);
}

/** Lets go of a socket's streams even while a timed-out read is still pending on them. */
export function releaseQuietly(reader: ReadableStreamDefaultReader<Uint8Array>, writer: WritableStreamDefaultWriter<Uint8Array>): void {
  for (const release of [() => reader.releaseLock(), () => writer.releaseLock()]) {
    try {
      release();
    } catch {
      // already released, or the runtime refuses while a read is pending: the socket is closed next anyway
    }
  }
}

/** Closes a socket without waiting on a peer that may never answer. */
export function closeQuietly(socket: TcpSocket | undefined): void {
  socket?.close().catch(() => undefined);
}
