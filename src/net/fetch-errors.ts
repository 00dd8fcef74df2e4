// Turning network failures into short messages that name what failed (DNS,
// TLS, a refused or reset connection), and giving up on a promise when the
// check's signal aborts (some streams ignore the signal).

import { formatDuration } from '../config/duration';

/**
 * How long the follow-up TCP connection that tells a DNS or TLS failure from
 * a refused or reset one may take (it is local to the failure: a host that
 * answers at all answers a SYN in well under this).
 */
export const PROBE_TIMEOUT_MS = 3_000;

// What workerd's fetch() throws carries nothing but a message (and `retryable`):
// in workerd/jsg/util.c++ (decodeTunneledException), a KJ exception of type
// DISCONNECTED becomes "Network connection lost." (a refused connection, a reset,
// the peer closing early), and any other KJ exception that is not a tunneled JS
// error (a DNS lookup that failed, a TLS certificate that is not trusted, a
// handshake that failed) becomes "internal error; reference = <id>", with the
// real description written only to the runtime's own log.
const WORKERD_DISCONNECTED = /^Network connection lost\.?$/;
const WORKERD_INTERNAL = /^internal error; reference = \w+$/;

/** Node's (undici's) error codes, from the `cause` of its "fetch failed". */
const NODE_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  UND_ERR_SOCKET: 'connection reset',
  EPIPE: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
};
const NODE_DNS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL']);
const NODE_TLS = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|EPROTO$|ERR_OSSL_)/;

interface Context {
  signal: AbortSignal;
  timeoutMs: number;
}

/**
 * `GET http://x/health: timed out after 10s`, `https://x/: DNS lookup failed
 * for x`, `connection refused` ... from what the error itself says. Use
 * diagnoseFetchError where a failure in workerd should be named too.
 */
export function describeFetchError(error: unknown, ctx: Context, target: string): string {
  return withTarget(target, ctx.signal.aborted ? `timed out after ${formatDuration(ctx.timeoutMs)}` : reason(error, hostOf(target)));
}

/**
 * Like describeFetchError, and when workerd's error does not say what failed
 * ("internal error; reference = ...", "Network connection lost."), a plain TCP
 * connection to the same host and port tells: it is refused for a name that
 * does not resolve (or a port nobody listens on), and it opens when the
 * failure came after connecting (a TLS handshake, a reset).
 */
export async function diagnoseFetchError(error: unknown, ctx: Context, url: string, target: string): Promise<string> {
  if (ctx.signal.aborted) return describeFetchError(error, ctx, target);
  const message = error instanceof Error ? error.message : String(error);
  const internal = WORKERD_INTERNAL.test(message);
  if (!internal && !WORKERD_DISCONNECTED.test(message)) return describeFetchError(error, ctx, target);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return describeFetchError(error, ctx, target);
  }
  const tls = parsed.protocol === 'https:';
  const port = Number(parsed.port || (tls ? 443 : 80));
  const opens = await tcpOpens(parsed.hostname, port, ctx.signal);
  let named: string;
  if (opens === undefined) named = internal ? 'connection failed before any response (DNS lookup or TLS handshake)' : 'connection lost (refused or reset)';
  else if (internal) {
    named = opens
      ? tls
        ? `TLS handshake failed: ${parsed.host} accepts connections, but its certificate is not trusted or its TLS is not accepted`
        : `connection failed after connecting to ${parsed.host}`
      : `DNS lookup failed for ${parsed.hostname}`;
  } else named = opens ? 'connection reset' : 'connection refused';
  return withTarget(target, named);
}

/**
 * What Cloudflare's own answers about an origin it could not use mean
 * (developers.cloudflare.com/support/troubleshooting/http-status-codes/):
 * any site behind Cloudflare answers them, and a Worker's fetch() on
 * Cloudflare gets some of them where workerd locally throws (530 with error
 * 1016 for a name Cloudflare's resolver cannot resolve: Workers' known issues).
 */
const CLOUDFLARE_STATUS: Record<number, string> = {
  520: 'the origin reset the connection or answered something Cloudflare could not read',
  521: 'connection refused',
  522: 'connection timed out',
  523: 'origin unreachable',
  524: 'the origin took too long to answer',
  525: 'TLS handshake failed',
  526: 'TLS certificate not valid',
};
/** Cloudflare 1xxx codes in a 530's body ("error code: 1016"). */
const CLOUDFLARE_CODE: Record<string, (host: string) => string> = {
  '1016': (host) => `DNS lookup failed for ${host}`,
  '1014': () => 'CNAME across Cloudflare accounts is not allowed',
  '1033': () => 'the Cloudflare Tunnel to the origin is down',
};
/** Read this much of a 530 to find its error code. */
export const CLOUDFLARE_ERROR_BODY_BYTES = 512;

/**
 * `DNS lookup failed for api.example.com (Cloudflare 530, error 1016)` for a
 * response that is Cloudflare's own error about the origin; undefined for
 * anything else. `body` is the start of the response (needed for 530 only).
 */
export function cloudflareOriginError(response: { status: number; headers: Headers }, url: string, body?: string): string | undefined {
  if (response.status < 520 || response.status > 530 || !/cloudflare/i.test(response.headers.get('server') ?? '')) return undefined;
  const host = hostOf(url) ?? 'the host';
  if (response.status === 530) {
    const code = /error code:?\s*(\d{4})/i.exec(body ?? '')?.[1];
    const meaning = code ? CLOUDFLARE_CODE[code] : undefined;
    return code ? `${meaning ? meaning(host) : 'Cloudflare could not reach the origin'} (Cloudflare 530, error ${code})` : undefined;
  }
  const meaning = CLOUDFLARE_STATUS[response.status];
  return meaning ? `${meaning} (Cloudflare ${response.status})` : undefined;
}

function withTarget(target: string, text: string): string {
  return target ? `${target}: ${text}` : text;
}

function hostOf(target: string): string | undefined {
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^/:?#\s]+)/i.exec(target.replace(/^[A-Z]+ /, ''));
  return match?.[1];
}

function reason(error: unknown, host: string | undefined): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown; hostname?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const causeMessage = typeof cause?.message === 'string' ? cause.message : undefined;
  if (code && NODE_DNS.has(code)) return `DNS lookup failed for ${typeof cause?.hostname === 'string' ? cause.hostname : (host ?? 'the host')}`;
  if (code && NODE_TLS.test(code)) return `TLS handshake failed: ${causeMessage ?? code}`;
  if (code && NODE_CAUSES[code]) return NODE_CAUSES[code] as string;
  if (WORKERD_DISCONNECTED.test(message)) return 'connection lost (refused or reset)';
  if (WORKERD_INTERNAL.test(message)) return 'connection failed before any response (DNS lookup or TLS handshake)';
  // Node's "fetch failed" says nothing by itself: its cause does.
  if (causeMessage && causeMessage !== message) return `connection failed: ${message}: ${causeMessage}`;
  return `connection failed: ${message}`;
}

interface Sockets {
  connect(address: { hostname: string; port: number }, options?: { secureTransport?: 'off' }): { opened: Promise<unknown>; closed: Promise<void>; close(): Promise<void> };
}

/** True when a TCP connection opens, false when it fails, undefined when it cannot be tried here. */
async function tcpOpens(hostname: string, port: number, signal: AbortSignal): Promise<boolean | undefined> {
  let sockets: Sockets;
  try {
    // Only workerd has it, and only workerd needs it: Node's errors say what failed.
    // `as string` keeps the CLI's typecheck (no workerd types) from resolving it;
    // the bundle still has the literal that Miniflare and wrangler need.
    sockets = (await import('cloudflare:sockets' as string)) as Sockets;
  } catch {
    return undefined;
  }
  const probeSignal = AbortSignal.any([signal, AbortSignal.timeout(PROBE_TIMEOUT_MS)]);
  let socket: ReturnType<Sockets['connect']> | undefined;
  try {
    socket = sockets.connect({ hostname, port }, { secureTransport: 'off' });
    // A socket that fails to open rejects `closed` too: nobody else waits on it.
    socket.closed.catch(() => undefined);
    await untilAborted(socket.opened, probeSignal);
    return true;
  } catch {
    return probeSignal.aborted ? undefined : false;
  } finally {
    socket?.close().catch(() => undefined);
  }
}

/** Resolves like `promise`, or rejects as soon as `signal` aborts. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
