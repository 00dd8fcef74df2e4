// WebSocket check: the handshake the way a Worker makes one (fetch with
// `Upgrade: websocket`, then response.webSocket.accept()), optionally one
// message sent and the first reply read (text, or JSON for json(...) paths),
// and a clean close (code 1000).

import * as z from 'zod';
import { normalizeJsonPath, readJsonPath, sourceKey } from '../assert/sources';
import type { AssertionInput, Observed } from '../assert/types';
import { formatDuration, parseDuration } from '../config/duration';
import { durationSchema } from '../config/schema';
import { stringOrSecret } from '../config/secrets';
import { formatBytes } from '../format';
import { describeFetchError } from '../net/fetch-errors';
import { discardBody } from '../net/read-body';
import { withoutQuery } from './urls';
import type { CheckKind, Observation, RunContext } from './types';
import { userAgent } from '../net/user-agent';

export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024; // a reply worth asserting on is far smaller
export const MAX_MESSAGE_BYTES_LIMIT = 16 * 1024 * 1024; // a Worker has 128 MB; stay far below
/** RFC 6455 §7.4.1: 1000 is a normal closure. */
export const NORMAL_CLOSURE = 1000;
const CLOSE_REASON = 'vigil check done';

const options = z.strictObject({
  /** wss://, ws://, https:// or http:// (fetch needs http(s); ws(s) is translated). May be a secret when it carries a token. */
  url: stringOrSecret,
  /** Handshake headers (Origin, Authorization, cookies); values may be secrets. */
  headers: z.record(z.string(), stringOrSecret).default({}),
  /** Subprotocols offered in Sec-WebSocket-Protocol; the one the server picks is the value `protocol`. */
  protocols: z.array(z.string().min(1)).min(1).optional(),
  /** One message sent after the handshake: text as is, an object as JSON. */
  send: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  /** Wait for a message from the server (default: when `send` is set). Without `send`, a greeting the server sends first. */
  receive: z.boolean().optional(),
  /** How long to wait for that message (default: the rest of the check's timeout). */
  replyTimeout: durationSchema.optional(),
  /** A longer message is cut off here and reported, never buffered whole. */
  maxMessageBytes: z.number().int().positive().max(MAX_MESSAGE_BYTES_LIMIT).default(DEFAULT_MAX_MESSAGE_BYTES),
});

type Options = z.output<typeof options>;

/** ws(s):// → http(s)://, which is what fetch accepts for an upgrade. */
export function handshakeUrl(text: string): string | undefined {
  try {
    const url = new URL(text);
    if (url.protocol === 'ws:') url.protocol = 'http:';
    else if (url.protocol === 'wss:') url.protocol = 'https:';
    else if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return url.toString();
  } catch {
    return undefined;
  }
}

function wantsReply(opts: Options): boolean {
  return opts.receive ?? opts.send !== undefined;
}

/** The server side of an upgrade as workerd hands it over (types restated: the Node build has no workers-types). */
interface AcceptedSocket {
  accept(): void;
  send(message: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'message', listener: (event: { data: string | ArrayBuffer }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
  addEventListener(type: 'error', listener: (event: { message?: string }) => void): void;
  removeEventListener(type: 'message' | 'close' | 'error', listener: (event: never) => void): void;
}

type Reply = { kind: 'message'; text: string; truncated: boolean } | { kind: 'closed'; code: number; reason: string } | { kind: 'error'; message: string } | { kind: 'timeout' };

/** The first message, the server's close, an error, or the reply timeout: whichever comes first. */
function firstEvent(ws: AcceptedSocket, maxBytes: number, waitMs: number, signal: AbortSignal): Promise<Reply> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish({ kind: 'timeout' }), waitMs);
    const onAbort = () => finish({ kind: 'timeout' });
    const onMessage = (event: { data: string | ArrayBuffer }) => {
      const data = event.data;
      const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : new Uint8Array(data);
      const truncated = bytes.byteLength > maxBytes;
      finish({ kind: 'message', text: new TextDecoder().decode(truncated ? bytes.subarray(0, maxBytes) : bytes), truncated });
    };
    const onClose = (event: { code: number; reason: string }) => finish({ kind: 'closed', code: event.code, reason: event.reason });
    const onError = (event: { message?: string }) => finish({ kind: 'error', message: event.message || 'WebSocket error' });
    function finish(reply: Reply) {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      ws.removeEventListener('message', onMessage);
      ws.removeEventListener('close', onClose);
      ws.removeEventListener('error', onError);
      resolve(reply);
    }
    signal.addEventListener('abort', onAbort, { once: true });
    ws.addEventListener('message', onMessage);
    ws.addEventListener('close', onClose);
    ws.addEventListener('error', onError);
  });
}

function closeCleanly(ws: AcceptedSocket): void {
  try {
    ws.close(NORMAL_CLOSURE, CLOSE_REASON);
  } catch {
    // already closed by the server
  }
}

/** How much of a reply `reply()` holds: messages quote it, so it stays short; `body()` has it whole. */
const REPLY_VALUE_CHARS = 200;

function readReplyValues(text: string, ctx: RunContext, values: Record<string, Observed>): string | undefined {
  values.body = text;
  values.reply = text.length > REPLY_VALUE_CHARS ? `${text.slice(0, REPLY_VALUE_CHARS)}…` : text;
  const jsonSources = ctx.wants.filter((source) => source.type === 'json');
  if (jsonSources.length === 0) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return `the reply is not valid JSON: ${(error as Error).message} (it starts ${JSON.stringify(text.trim().slice(0, 40))})`;
  }
  for (const source of jsonSources) {
    const found = readJsonPath(parsed, source.path);
    if (found !== undefined) values[`json:${normalizeJsonPath(source.path)}`] = found;
  }
  return undefined;
}

export const websocketKind: CheckKind<typeof options> = {
  options,
  sources: ['status', 'latency', 'header', 'json', 'body', 'value'],
  // One upgrade request; messages on the open socket are not subrequests.
  subrequests: () => 1,

  describe: (opts) => `WebSocket ${typeof opts.url === 'string' ? withoutQuery(opts.url) : `secret ${opts.url.$secret}`}`,

  validate(opts) {
    const problems: Array<[string, string]> = [];
    if (typeof opts.url === 'string' && !handshakeUrl(opts.url)) problems.push(['url', `"${opts.url}" is not a ws(s):// or http(s):// URL`]);
    if (opts.replyTimeout && !wantsReply(opts)) problems.push(['replyTimeout', 'only applies when the check waits for a message (send, or receive: true)']);
    if (opts.receive === false && opts.send === undefined) problems.push(['receive', 'false without send: there is nothing to wait for (leave it out)']);
    return problems;
  },

  defaultAssertions(): AssertionInput[] {
    return [{ source: { type: 'status' }, op: '==', value: 101 }];
  },

  async run(opts, ctx): Promise<Observation> {
    const url = handshakeUrl(opts.url);
    if (!url) return { reached: false, unknown: true, latencyMs: 0, values: {}, error: 'option url is not a ws(s):// or http(s):// URL' };
    if (!('WebSocketPair' in globalThis)) {
      return { reached: false, unknown: true, latencyMs: 0, values: {}, error: 'a WebSocket handshake through fetch needs the Workers runtime: this check runs under npm start, npm test and on Cloudflare, not in npm run check' };
    }
    const where = `WebSocket ${withoutQuery(url)}`;
    const headers = new Headers(opts.headers);
    headers.set('upgrade', 'websocket');
    if (opts.protocols) headers.set('sec-websocket-protocol', opts.protocols.join(', '));
    if (!headers.has('user-agent')) headers.set('user-agent', userAgent());

    const started = Date.now();
    let response: Response;
    try {
      response = await ctx.fetch(url, { headers, signal: ctx.signal });
    } catch (error) {
      return { reached: false, retryable: true, latencyMs: Date.now() - started, values: {}, error: describeFetchError(error, ctx, where) };
    }
    const handshakeMs = Date.now() - started;
    const values: Record<string, Observed> = { status: response.status, handshakeMs };
    for (const source of ctx.wants) {
      if (source.type !== 'header') continue;
      const found = response.headers.get(source.name);
      if (found !== null) values[sourceKey(source)] = found;
    }
    const ws = (response as Response & { webSocket?: AcceptedSocket | null }).webSocket;
    if (response.status !== 101 || !ws) {
      discardBody(response);
      values.latencyMs = handshakeMs;
      // The server answered, but not with an upgrade: the status assertion (101 by default) judges it.
      return { reached: true, latencyMs: handshakeMs, values, error: `the server answered ${response.status} instead of switching protocols (101)` };
    }
    ws.accept();
    const protocol = response.headers.get('sec-websocket-protocol');
    if (protocol) values.protocol = protocol;

    try {
      if (!wantsReply(opts)) {
        values.latencyMs = handshakeMs;
        return { reached: true, latencyMs: handshakeMs, values };
      }
      const sentAt = Date.now();
      const left = ctx.timeoutMs - (sentAt - started);
      const waitMs = Math.max(1, Math.min(left, opts.replyTimeout ? (parseDuration(opts.replyTimeout) as number) : left));
      const reply = firstEvent(ws, opts.maxMessageBytes, waitMs, ctx.signal);
      if (opts.send !== undefined) ws.send(typeof opts.send === 'string' ? opts.send : JSON.stringify(opts.send));
      const event = await reply;
      const latencyMs = Date.now() - started;
      values.latencyMs = latencyMs;
      const waited = opts.send !== undefined ? 'a reply' : 'a message';
      switch (event.kind) {
        case 'timeout':
          return { reached: false, retryable: true, latencyMs, values, error: `${where}: connected (handshake ${formatDuration(handshakeMs)}), but no ${waited.slice(2)} within ${formatDuration(waitMs)}` };
        case 'closed':
          values.closeCode = event.code;
          return { reached: false, retryable: true, latencyMs, values, error: `${where}: the server closed the connection (code ${event.code}${event.reason ? ` ${JSON.stringify(event.reason)}` : ''}) before ${waited}` };
        case 'error':
          return { reached: false, retryable: true, latencyMs, values, error: `${where}: ${event.message} before ${waited}` };
        case 'message': {
          values.replyMs = Date.now() - sentAt;
          if (event.truncated) return { reached: true, latencyMs, values, error: `the ${waited.slice(2)} is larger than the ${formatBytes(opts.maxMessageBytes)} limit (maxMessageBytes)` };
          const problem = readReplyValues(event.text, ctx, values);
          return problem ? { reached: true, latencyMs, values, error: problem } : { reached: true, latencyMs, values };
        }
      }
    } finally {
      closeCleanly(ws);
    }
  },
};
