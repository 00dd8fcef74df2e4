// TCP check through connect() (cloudflare:sockets): connect time, and
// optionally the server's banner (SMTP "220", FTP, SSH), one command and its
// reply (Redis "PING" → "+PONG"), with TLS from the start or after STARTTLS.

import * as z from 'zod';
import { SourceBuilder } from '../assert/builders';
import type { Observed } from '../assert/types';
import { redact, stringOrSecret } from '../config/secrets';
import { describeFetchError, untilAborted } from '../net/fetch-errors';
import { closeQuietly, firstLine, loadConnect, NOT_IN_WORKERS, readReply, releaseQuietly, watchClosed, type Reply, type TcpSocket } from '../net/sockets';
import type { CheckKind, Observation } from './types';

/** Enough for a banner or a status reply; a server that says more is cut off and told. */
export const DEFAULT_MAX_REPLY_BYTES = 4 * 1024;
export const MAX_REPLY_BYTES_LIMIT = 64 * 1024;
/**
 * Cloudflare's TCP sockets documentation: Workers cannot open outbound
 * connections to port 25 (SMTP relay); submission ports 465 and 587 work.
 */
const BLOCKED_PORTS = new Set([25]);
const LINE_ENDINGS = { crlf: '\r\n', lf: '\n', none: '' } as const;

const options = z.strictObject({
  /** Hostname or IP address (no scheme, no port); may be a secret. */
  host: stringOrSecret,
  port: z.number().int().min(1).max(65_535),
  /** 'on': TLS from the first byte (SMTPS 465, IMAPS 993); 'starttls': plain first, upgraded after `beforeTls`. */
  secureTransport: z.enum(['off', 'on', 'starttls']).default('off'),
  /** Read what the server says first (SMTP, FTP, SSH, POP3 greet the client) as the value `banner`. */
  banner: z.boolean().default(false),
  /** With 'starttls': commands sent and answered before the upgrade, e.g. ['EHLO vigil.check', 'STARTTLS']. */
  beforeTls: z.array(z.string().min(1).max(512)).min(1).optional(),
  /** One command sent after connecting (after TLS with 'starttls'); its reply is the value `reply`. May be a secret (AUTH ...). */
  send: stringOrSecret.optional(),
  /** What ends each command sent: 'crlf' (SMTP, Redis inline commands, FTP), 'lf' or 'none'. */
  lineEnding: z.enum(['crlf', 'lf', 'none']).default('crlf'),
  /** At most this many bytes of a banner or reply are read. */
  maxReplyBytes: z.number().int().positive().max(MAX_REPLY_BYTES_LIMIT).default(DEFAULT_MAX_REPLY_BYTES),
});

type Options = z.output<typeof options>;

/** The server's greeting, read with `banner: true`: `banner().matches(/^220 /)`. */
export function banner(): SourceBuilder {
  return new SourceBuilder({ type: 'value', key: 'banner' });
}

function target(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** A bare hostname or IP address: no scheme, path or port, which connect() would misread. */
function hostProblem(host: string): string | undefined {
  if (host.trim() === '') return 'is empty';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host) || host.includes('/')) return `"${host}" must be a hostname or IP address, without a scheme or path`;
  if (/^[^:]+:\d+$/.test(host)) return `"${host}" must not carry a port: use the port option`;
  return undefined;
}

export const tcpKind: CheckKind<typeof options> = {
  options,
  sources: ['value', 'latency'],
  // connect() opens one connection; Cloudflare counts it with the invocation's subrequests.
  subrequests: () => 1,

  describe: (opts) => {
    const host = typeof opts.host === 'string' ? opts.host : `secret ${opts.host.$secret}`;
    return `tcp ${target(host, opts.port)}${opts.secureTransport === 'on' ? ' (TLS)' : opts.secureTransport === 'starttls' ? ' (STARTTLS)' : ''}`;
  },

  validate(opts: Options) {
    const problems: Array<[string, string]> = [];
    if (typeof opts.host === 'string') {
      const problem = hostProblem(opts.host);
      if (problem) problems.push(['host', problem]);
    }
    if (BLOCKED_PORTS.has(opts.port)) problems.push(['port', `Workers cannot open connections to port ${opts.port} (Cloudflare blocks it for connect()): check the submission port 587 or 465 instead`]);
    if (opts.secureTransport === 'starttls' && !opts.beforeTls) problems.push(['beforeTls', "secureTransport 'starttls' needs the commands that ask for TLS, e.g. ['EHLO vigil.check', 'STARTTLS']"]);
    if (opts.secureTransport === 'starttls' && opts.send === undefined) problems.push(['send', "secureTransport 'starttls' needs a command to send over TLS (e.g. 'EHLO vigil.check'): only an answer over TLS shows the upgrade worked"]);
    if (opts.beforeTls && opts.secureTransport !== 'starttls') problems.push(['beforeTls', "is only used with secureTransport 'starttls'"]);
    return problems;
  },

  async run(opts, ctx): Promise<Observation> {
    const hostIssue = hostProblem(opts.host);
    if (hostIssue) return { reached: false, unknown: true, latencyMs: 0, values: {}, error: `option host ${hostIssue}` };
    const connect = await loadConnect();
    if (!connect) return { reached: false, unknown: true, latencyMs: 0, values: {}, error: NOT_IN_WORKERS };

    const where = `tcp ${target(opts.host, opts.port)}`;
    const eol = LINE_ENDINGS[opts.lineEnding];
    const values: Record<string, Observed> = {};
    const started = Date.now();
    const elapsed = () => Date.now() - started;
    let socket: TcpSocket | undefined;
    try {
      socket = connect({ hostname: opts.host, port: opts.port }, { secureTransport: opts.secureTransport });
      watchClosed(socket);
      await untilAborted(socket.opened, ctx.signal);
    } catch (error) {
      closeQuietly(socket);
      const hint = opts.secureTransport === 'on' ? ' (refused, unreachable, an address Workers may not reach, or a TLS handshake the runtime rejected: untrusted, expired or wrong-name certificate)' : '';
      return { reached: false, retryable: true, latencyMs: elapsed(), values: {}, error: `${describeFetchError(error, ctx, where)}${hint}` };
    }
    values.connectMs = elapsed();
    if (opts.secureTransport === 'on') values.tls = true;

    let live: TcpSocket = socket;
    let reader = live.readable.getReader();
    let writer = live.writable.getWriter();
    const exchange = async (what: string, command?: string): Promise<Reply | Observation> => {
      try {
        if (command !== undefined) await untilAborted(writer.write(new TextEncoder().encode(command + eol)), ctx.signal);
        const reply = await untilAborted(readReply(reader, opts.maxReplyBytes), ctx.signal);
        if (reply.ended && reply.text === '') return { reached: false, retryable: true, latencyMs: elapsed(), values: { ...values }, error: `${where}: the server closed the connection before ${what}` };
        return reply;
      } catch (error) {
        return { reached: false, retryable: true, latencyMs: elapsed(), values: { ...values }, error: `${describeFetchError(error, ctx, where)} (waiting for ${what})` };
      }
    };
    const failed = (result: Reply | Observation): result is Observation => 'reached' in result;
    // A server may repeat a command it refused ("unknown command 'AUTH …'"), and `send` may be a secret.
    const sent = opts.send !== undefined ? [opts.send] : [];
    const text = (reply: Reply) => redact(reply.text.replace(/\r?\n$/, ''), sent);
    const notes: string[] = [];
    const note = (reply: Reply, what: string) => {
      if (reply.truncated) notes.push(`${what} is longer than ${opts.maxReplyBytes} bytes (maxReplyBytes): cut off`);
    };

    try {
      if (opts.banner) {
        const greeting = await exchange('its banner');
        if (failed(greeting)) return greeting;
        values.banner = text(greeting);
        note(greeting, 'the banner');
      }
      if (opts.secureTransport === 'starttls') {
        let last: Reply | undefined;
        for (const command of opts.beforeTls ?? []) {
          const answer = await exchange(`the reply to ${command.split(' ')[0]}`, command);
          if (failed(answer)) return answer;
          last = answer;
        }
        if (last) values.startTlsReply = text(last);
        releaseQuietly(reader, writer);
        live = live.startTls({ expectedServerHostname: opts.host });
        watchClosed(live);
        reader = live.readable.getReader();
        writer = live.writable.getWriter();
        values.tls = false;
      }
      if (opts.send !== undefined) {
        const answer = await exchange('a reply', opts.send);
        if (failed(answer)) {
          // After STARTTLS the runtime reports a rejected handshake only as a closed connection.
          if (opts.secureTransport === 'starttls') {
            return { ...answer, retryable: false, error: `${where}: no answer over TLS after STARTTLS: the TLS handshake failed (the runtime rejects untrusted, expired or wrong-name certificates) or the server closed the connection (${values.startTlsReply ? `it had said ${JSON.stringify(firstLine(String(values.startTlsReply)))}` : 'no reply to STARTTLS'})` };
          }
          return answer;
        }
        values.reply = text(answer);
        if (opts.secureTransport === 'starttls') values.tls = true;
        note(answer, 'the reply');
      }
    } finally {
      releaseQuietly(reader, writer);
      closeQuietly(live);
    }
    const latencyMs = elapsed();
    values.latencyMs = latencyMs;
    return notes.length > 0 ? { reached: true, latencyMs, values, error: notes.join('; ') } : { reached: true, latencyMs, values };
  },
};
