// Certificate check. A Worker cannot see the certificate a server presents:
// connect()'s socket.opened gives only the remote address (workerd
// src/workerd/api/sockets.h, SocketInfo), fetch responses carry no peer
// certificate, and node:tls getPeerCertificate() is not implemented in workerd
// (src/node/internal/internal_tls_wrap.ts). So this kind says exactly what it can:
//   handshake  connect() with TLS succeeds only when the runtime accepts the
//              certificate presented now (trusted chain, in its validity period, right name)
//   ct         when the newest certificate issued for the name expires, from Certificate
//              Transparency logs (Cert Spotter's documented API, or crt.sh's JSON): issuance,
//              not deployment
//   exporter   when the certificate your own prober saw expires: blackbox_exporter's
//              probe_ssl_earliest_cert_expiry, cert-manager's certmanager_certificate_expiration_timestamp_seconds

import * as z from 'zod';
import { SourceBuilder, type AssertionBuilder, type LevelsBuilder } from '../assert/builders';
import type { Observed } from '../assert/types';
import { formatDuration, parseDuration } from '../config/duration';
import { secretRefSchema, stringOrSecret } from '../config/secrets';
import { describeFetchError, untilAborted } from '../net/fetch-errors';
import { readBoundedBody } from '../net/read-body';
import { closeQuietly, loadConnect, NOT_IN_WORKERS, watchClosed, type TcpSocket } from '../net/sockets';
import { matches, parseExposition, parseSelector } from './prometheus';
import { isHttpUrl, withoutQuery } from './urls';
import type { CheckKind, Observation, RunContext } from './types';
import { userAgent } from '../net/user-agent';

/** A CT answer for one name, or an exporter's page: a few MB at most. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
export const DEFAULT_CT_URLS = { certspotter: 'https://api.certspotter.com', crtsh: 'https://crt.sh' } as const;
export const DEFAULT_EXPIRY_METRIC = 'probe_ssl_earliest_cert_expiry';
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

const options = z.strictObject({
  /** The name the certificate is for (and, for the handshake, where to connect). */
  host: z.string().min(1),
  port: z.number().int().min(1).max(65_535).default(443),
  /** Connect with TLS: down when the runtime rejects the certificate presented now. */
  handshake: z.boolean().default(true),
  /** Expiry from Certificate Transparency logs. */
  ct: z
    .strictObject({
      /** 'certspotter': SSLMate's documented API (api.certspotter.com/v1/issuances); 'crtsh': crt.sh's JSON output. */
      provider: z.enum(['certspotter', 'crtsh']).default('certspotter'),
      /** Another deployment of the same API. */
      url: z.string().optional(),
      /** Cert Spotter API key, for more than the unauthenticated hourly allowance. */
      apiKey: secretRefSchema.optional(),
    })
    .optional(),
  /** Expiry from a Prometheus exporter that probes the certificate (blackbox_exporter, cert-manager). */
  exporter: z
    .strictObject({
      /** The metrics URL, e.g. http://blackbox:9115/probe?module=http_2xx&target=https://api.example.com. */
      url: stringOrSecret,
      /** The series holding the expiry as Unix seconds; the earliest matching one counts. */
      selector: z.string().min(1).default(DEFAULT_EXPIRY_METRIC),
      headers: z.record(z.string(), stringOrSecret).default({}),
    })
    .optional(),
});

type Options = z.output<typeof options>;

/** Seconds until the certificate expires: `expiresIn().above('21d')`, `expiresIn().above({ warn: '30d', crit: '7d' })`. */
export function expiresIn() {
  const source = new SourceBuilder({ type: 'value', key: 'expiresInS' }).label('certificate expires in').unit('s');
  const seconds = (duration: string) => {
    const ms = parseDuration(duration);
    if (ms === undefined) throw new Error(`expiresIn(): "${duration}" is not a duration such as "21d"`);
    return ms / 1000;
  };
  function above(limit: string): AssertionBuilder;
  function above(levels: { warn?: string; crit?: string }): LevelsBuilder;
  function above(limit: string | { warn?: string; crit?: string }): AssertionBuilder | LevelsBuilder {
    if (typeof limit === 'string') return source.above(seconds(limit));
    return source.above({ ...(limit.warn ? { warn: seconds(limit.warn) } : {}), ...(limit.crit ? { crit: seconds(limit.crit) } : {}) });
  }
  return { above };
}

/** Does a certificate name (possibly a wildcard) cover `host`? RFC 6125 §6.4.3: "*" covers one left-most label. */
function covers(pattern: string, host: string): boolean {
  const name = pattern.trim().toLowerCase().replace(/\.$/, '');
  if (name === host) return true;
  if (!name.startsWith('*.')) return false;
  const dot = host.indexOf('.');
  return dot > 0 && host.slice(dot + 1) === name.slice(2);
}

interface Issuance {
  notBefore: number;
  notAfter: number;
  issuer: string;
}

/** crt.sh dates are UTC without a zone ("2026-02-01T23:59:59"). */
function utc(text: string): number {
  return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`);
}

function readCertspotter(body: unknown, host: string): Issuance[] {
  if (!Array.isArray(body)) throw new Error('expected a JSON array of issuances');
  return (body as Array<{ dns_names?: string[]; not_before?: string; not_after?: string; issuer?: { friendly_name?: string; name?: string }; revoked?: boolean }>)
    .filter((issuance) => !issuance.revoked && (issuance.dns_names ?? []).some((name) => covers(name, host)))
    .map((issuance) => ({ notBefore: utc(issuance.not_before ?? ''), notAfter: utc(issuance.not_after ?? ''), issuer: issuance.issuer?.friendly_name ?? issuance.issuer?.name ?? '' }));
}

function readCrtsh(body: unknown, host: string): Issuance[] {
  if (!Array.isArray(body)) throw new Error('expected a JSON array of certificates');
  return (body as Array<{ name_value?: string; common_name?: string; not_before?: string; not_after?: string; issuer_name?: string }>)
    .filter((entry) => [...(entry.name_value ?? '').split('\n'), entry.common_name ?? ''].some((name) => name && covers(name, host)))
    .map((entry) => ({ notBefore: utc(entry.not_before ?? ''), notAfter: utc(entry.not_after ?? ''), issuer: /(?:^|,\s*)CN=([^,]+)/.exec(entry.issuer_name ?? '')?.[1] ?? entry.issuer_name ?? '' }));
}

type Expiry = { at: number; source: string; issuer?: string; certificates?: number } | { problem: string };

async function fetchText(url: string, headers: HeadersInit, ctx: RunContext, where: string): Promise<{ text: string } | { problem: string }> {
  try {
    const response = await ctx.fetch(url, { headers, signal: ctx.signal });
    const body = await untilAborted(readBoundedBody(response, MAX_BODY_BYTES), ctx.signal);
    if (response.status !== 200) return { problem: `${where} answered HTTP ${response.status}` };
    if (body.truncated) return { problem: `${where}: the answer is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB` };
    return { text: body.text };
  } catch (error) {
    return { problem: describeFetchError(error, ctx, where) };
  }
}

async function expiryFromCt(ct: NonNullable<Options['ct']> & { apiKey?: string }, host: string, ctx: RunContext): Promise<Expiry> {
  const now = ctx.now;
  const base = (ct.url ?? DEFAULT_CT_URLS[ct.provider]).replace(/\/+$/, '');
  const url = new URL(ct.provider === 'certspotter' ? `${base}/v1/issuances` : `${base}/`);
  if (ct.provider === 'certspotter') {
    // Documented at sslmate.com/help/reference/ct_search_api_v1: unexpired issuances for the name, wildcards too.
    url.searchParams.set('domain', host);
    url.searchParams.set('match_wildcards', 'true');
    url.searchParams.append('expand', 'dns_names');
    url.searchParams.append('expand', 'issuer');
  } else {
    url.searchParams.set('q', host);
    url.searchParams.set('output', 'json');
    url.searchParams.set('exclude', 'expired');
  }
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': userAgent() };
  if (ct.apiKey) headers.authorization = `Bearer ${ct.apiKey}`;
  const where = `CT (${ct.provider}) ${withoutQuery(url.toString())}`;
  const fetched = await fetchText(url.toString(), headers, ctx, where);
  if ('problem' in fetched) return fetched;
  let issuances: Issuance[];
  try {
    const body = JSON.parse(fetched.text) as unknown;
    issuances = ct.provider === 'certspotter' ? readCertspotter(body, host) : readCrtsh(body, host);
  } catch (error) {
    return { problem: `${where}: unreadable answer: ${(error as Error).message}` };
  }
  const current = issuances.filter((issuance) => Number.isFinite(issuance.notAfter) && issuance.notBefore <= now && issuance.notAfter > now);
  if (current.length === 0) return { problem: `${where}: no unexpired certificate for ${host} in the logs` };
  const newest = current.reduce((a, b) => (b.notAfter > a.notAfter ? b : a));
  return { at: newest.notAfter, source: ct.provider === 'certspotter' ? 'Cert Spotter' : 'crt.sh', issuer: newest.issuer, certificates: current.length };
}

async function expiryFromExporter(exporter: { url: string; selector: string; headers: Record<string, string> }, ctx: RunContext): Promise<Expiry> {
  const where = `exporter ${withoutQuery(exporter.url)}`;
  const fetched = await fetchText(exporter.url, { accept: 'text/plain', ...exporter.headers }, ctx, where);
  if ('problem' in fetched) return fetched;
  const selector = parseSelector(exporter.selector);
  const samples = parseExposition(fetched.text, (name) => name === selector.name).samples.filter((sample) => sample.name === selector.name && matches(sample.labels, selector.matchers) && Number.isFinite(sample.value));
  if (samples.length === 0) return { problem: `${where} has no series ${exporter.selector} (did the probe fail? blackbox_exporter omits it when the TLS connection failed)` };
  return { at: Math.min(...samples.map((sample) => sample.value)) * 1000, source: `exporter (${selector.name})` };
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export const tlsKind: CheckKind<typeof options> = {
  options,
  sources: ['value', 'latency'],
  subrequests: (opts) => (opts.handshake ? 1 : 0) + (opts.ct ? 1 : 0) + (opts.exporter ? 1 : 0),

  describe: (opts) => `TLS ${opts.host}:${opts.port}${opts.ct ? ` + CT (${opts.ct.provider})` : ''}${opts.exporter ? ' + exporter' : ''}`,

  validate(opts) {
    const problems: Array<[string, string]> = [];
    if (!HOSTNAME.test(opts.host)) problems.push(['host', `"${opts.host}" is not a hostname such as api.example.com`]);
    if (!opts.handshake && !opts.ct && !opts.exporter) problems.push(['handshake', 'nothing to check: keep the handshake, or add ct or exporter for the expiry']);
    if (opts.ct?.url !== undefined && !isHttpUrl(opts.ct.url)) problems.push(['ct.url', `"${opts.ct.url}" is not an http(s) URL`]);
    if (opts.exporter && typeof opts.exporter.url === 'string' && !isHttpUrl(opts.exporter.url)) problems.push(['exporter.url', `"${opts.exporter.url}" is not an http(s) URL`]);
    if (opts.exporter) {
      try {
        parseSelector(opts.exporter.selector);
      } catch (error) {
        problems.push(['exporter.selector', (error as Error).message]);
      }
    }
    if (opts.ct?.apiKey && opts.ct.provider !== 'certspotter') problems.push(['ct.apiKey', 'only Cert Spotter takes an API key']);
    return problems;
  },

  async run(opts, ctx): Promise<Observation> {
    if (opts.exporter && !isHttpUrl(opts.exporter.url)) return { reached: false, unknown: true, latencyMs: 0, values: {}, error: 'option exporter.url is not an http(s) URL' };
    const started = Date.now();
    const values: Record<string, Observed> = {};
    const said: string[] = [];

    if (opts.handshake) {
      const connect = await loadConnect();
      if (!connect) return { reached: false, unknown: true, latencyMs: 0, values: {}, error: NOT_IN_WORKERS };
      let socket: TcpSocket | undefined;
      try {
        socket = connect({ hostname: opts.host, port: opts.port }, { secureTransport: 'on' });
        watchClosed(socket);
        await untilAborted(socket.opened, ctx.signal);
      } catch (error) {
        return {
          reached: false,
          retryable: true,
          latencyMs: Date.now() - started,
          values: { tls: false },
          error: `${describeFetchError(error, ctx, `TLS ${opts.host}:${opts.port}`)}: no TLS session (the runtime rejects an untrusted, expired or wrong-name certificate the same way as a refused connection)`,
        };
      } finally {
        closeQuietly(socket);
      }
      values.tls = true;
      values.handshakeMs = Date.now() - started;
      said.push(`TLS handshake OK: the certificate ${opts.host}:${opts.port} presents is trusted and valid today`);
    }

    const sources: Array<Promise<Expiry>> = [];
    if (opts.ct) sources.push(expiryFromCt(opts.ct as NonNullable<Options['ct']> & { apiKey?: string }, opts.host.toLowerCase(), ctx));
    if (opts.exporter) sources.push(expiryFromExporter(opts.exporter as { url: string; selector: string; headers: Record<string, string> }, ctx));
    const found = await Promise.all(sources);
    const problems = found.filter((entry): entry is { problem: string } => 'problem' in entry).map((entry) => entry.problem);
    const expiries = found.filter((entry): entry is Exclude<Expiry, { problem: string }> => 'at' in entry);
    const pending: Record<string, string> = {};
    if (expiries.length > 0) {
      // With both sources, the earlier date is the one to act on.
      const first = expiries.reduce((a, b) => (b.at < a.at ? b : a));
      values.expiresAt = new Date(first.at).toISOString();
      values.expiresInS = Math.round((first.at - ctx.now) / 1000);
      values.expirySource = first.source;
      if (first.issuer) values.issuer = first.issuer;
      if (first.certificates !== undefined) values.certificates = first.certificates;
      const left = first.at - ctx.now;
      const when = `${day(first.at)} (${left > 0 ? `in ${formatDuration(left)}` : `${formatDuration(-left)} ago`})`;
      said.push(
        first.source.startsWith('exporter')
          ? `the certificate your exporter saw expires ${when}`
          : `the newest certificate for ${opts.host} in CT logs (${first.source}) expires ${when}; CT shows issuance, not which certificate the server presents`,
      );
    } else if (opts.ct || opts.exporter) {
      // The CT service or exporter being unavailable is not the certificate expiring: expiresIn() waits, and the message says why.
      pending.expiresInS = `no expiry date: ${problems.join('; ')}`;
      said.push(`expiry unknown: ${problems.join('; ')}`);
    }
    if (!opts.ct && !opts.exporter && ctx.wants.some((source) => source.type === 'value' && source.key === 'expiresInS')) {
      return { reached: true, unknown: true, latencyMs: Date.now() - started, values, error: 'expiresIn() needs ct or exporter: a Worker cannot read the certificate a server presents' };
    }
    const latencyMs = Date.now() - started;
    values.latencyMs = latencyMs;
    const observation: Observation = { reached: true, latencyMs, values, verdict: { status: 'up', message: said.join('; ') || 'checked' } };
    if (Object.keys(pending).length > 0) observation.pending = pending;
    if (problems.length > 0 && expiries.length > 0) observation.details = problems;
    return observation;
  },
};
