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
