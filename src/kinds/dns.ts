// DNS check through DNS over HTTPS: RFC 8484 wire format (GET ?dns= or POST
// application/dns-message, encoded and decoded by dns-packet), or the JSON API
// Cloudflare and Google serve (application/dns-json). Values: the rcode, the
// records of the asked type as text, their TTLs, and SPF/DMARC fields of TXT.

import dnsPacket from 'dns-packet';
import * as z from 'zod';
import { SourceBuilder } from '../assert/builders';
import type { AssertionInput, Observed } from '../assert/types';
import { stringOrSecret } from '../config/secrets';
import { describeFetchError, untilAborted } from '../net/fetch-errors';
import { readBoundedBytes } from '../net/read-body';
import { isHttpUrl, withoutQuery } from './urls';
import type { CheckKind, Observation } from './types';

/** Cloudflare's public resolver (1.1.1.1); it answers both the wire format and JSON. */
export const DEFAULT_RESOLVER = 'https://cloudflare-dns.com/dns-query';
/** RFC 1035 §4.2.2: a DNS message is at most 65,535 bytes; a JSON answer for the same data stays well inside 4×. */
const MAX_ANSWER_BYTES = 256 * 1024;

export const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'CAA', 'NS'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];
/** RFC 1035 §3.2.2, RFC 3596 (AAAA), RFC 8659 (CAA). */
const TYPE_NUMBERS: Record<string, number> = { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28, CAA: 257 };
const TYPE_NAMES = Object.fromEntries(Object.entries(TYPE_NUMBERS).map(([name, number]) => [number, name])) as Record<number, string>;
/** RFC 1035 §4.1.1 and RFC 6895 §2.3: the response codes a resolver gives in the header. */
const RCODES: Record<number, string> = { 0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED', 6: 'YXDOMAIN', 7: 'YXRRSET', 8: 'NXRRSET', 9: 'NOTAUTH', 10: 'NOTZONE' };
const HOSTNAME = /^(?=.{1,253}\.?$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.?$/i;

const options = z.strictObject({
  /** The name to look up: example.com, _dmarc.example.com (`name` is the check's name on the page). */
  domain: z.string().min(1),
  type: z.enum(RECORD_TYPES).default('A'),
  /**
   * A DNS-over-HTTPS endpoint: https://cloudflare-dns.com/dns-query, https://dns.google/dns-query,
   * https://dns.quad9.net/dns-query ...; a secret when it names your account (NextDNS profiles).
   */
  resolver: stringOrSecret.default(DEFAULT_RESOLVER),
  /** 'wire': RFC 8484 (any DoH resolver); 'json': the JSON API (Cloudflare, Google: https://dns.google/resolve). */
  format: z.enum(['wire', 'json']).default('wire'),
  /** RFC 8484 allows both; GET answers are cacheable. Wire format only. */
  method: z.enum(['GET', 'POST']).default('GET'),
});

type Options = z.output<typeof options>;

/** One answer record, as text and TTL. */
interface Found {
  type: string;
  name: string;
  ttl: number;
  text: string;
}

const trimDot = (name: string) => name.replace(/\.$/, '').toLowerCase();

/** RFC 3597 §5 generic form ("\# 19 00 05 69 73 ..."), which Cloudflare's JSON API uses for CAA. */
function genericBytes(text: string): Uint8Array | undefined {
  const match = /^\\#\s+(\d+)\s*([0-9a-f\s]*)$/i.exec(text.trim());
  if (!match) return undefined;
  const hex = (match[2] as string).replace(/\s+/g, '');
  if (hex.length !== Number(match[1]) * 2) return undefined;
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

/** RFC 8659 §4.1: flags, tag length, tag, value. */
function caaFromBytes(bytes: Uint8Array): string | undefined {
  if (bytes.length < 2) return undefined;
  const tagLength = bytes[1] as number;
  const decoder = new TextDecoder();
  return `${bytes[0]} ${decoder.decode(bytes.subarray(2, 2 + tagLength))} "${decoder.decode(bytes.subarray(2 + tagLength))}"`;
}

/** TXT data in presentation form ("a" "b") joined, the way SPF and DMARC read it (RFC 7208 §3.3). */
function txtFromPresentation(text: string): string {
  const parts = [...text.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) => (match[1] as string).replace(/\\(.)/g, '$1'));
  return parts.length > 0 ? parts.join('') : text;
}

function fromWire(answer: dnsPacket.Answer): Found | undefined {
  const base = { type: answer.type, name: trimDot(answer.name), ttl: (answer as { ttl?: number }).ttl ?? 0 };
  const data = (answer as { data: unknown }).data;
  switch (answer.type) {
    case 'A':
    case 'AAAA':
      return { ...base, text: String(data).toLowerCase() };
    case 'CNAME':
    case 'NS':
      return { ...base, text: trimDot(String(data)) };
    case 'MX': {
      const mx = data as { preference?: number; exchange: string };
      return { ...base, text: `${mx.preference ?? 0} ${trimDot(mx.exchange)}` };
    }
    case 'TXT': {
      const parts = (Array.isArray(data) ? data : [data]) as Array<string | Uint8Array>;
      return { ...base, text: parts.map((part) => (typeof part === 'string' ? part : new TextDecoder().decode(part))).join('') };
    }
    case 'CAA': {
      const caa = data as { flags?: number; tag: string; value: string };
      return { ...base, text: `${caa.flags ?? 0} ${caa.tag} "${caa.value}"` };
    }
    default:
      return undefined;
  }
}

function fromJson(answer: { name?: string; type?: number; TTL?: number; data?: string }): Found | undefined {
  const type = TYPE_NAMES[answer.type ?? -1];
  if (!type || typeof answer.data !== 'string') return undefined;
  const base = { type, name: trimDot(answer.name ?? ''), ttl: answer.TTL ?? 0 };
  const data = answer.data.trim();
  switch (type) {
    case 'A':
    case 'AAAA':
      return { ...base, text: data.toLowerCase() };
    case 'CNAME':
    case 'NS':
      return { ...base, text: trimDot(data) };
    case 'MX': {
      const [preference, exchange] = data.split(/\s+/);
      return { ...base, text: `${Number(preference)} ${trimDot(exchange ?? '')}` };
    }
    case 'TXT':
      return { ...base, text: txtFromPresentation(data) };
    case 'CAA': {
      const generic = genericBytes(data);
      if (generic) {
        const text = caaFromBytes(generic);
        return text ? { ...base, text } : undefined;
      }
      const match = /^(\d+)\s+(\S+)\s+"?(.*?)"?$/.exec(data);
      return match ? { ...base, text: `${match[1]} ${match[2]} "${match[3]}"` } : undefined;
    }
    default:
      return undefined;
  }
}

/** base64url without padding, as RFC 8484 §4.1 asks for the dns parameter. */
function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** DMARC tags (RFC 7489 §6.3): "v=DMARC1; p=reject; rua=mailto:…" → { p: 'reject', ... }. */
function tags(record: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of record.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) out[part.slice(0, at).trim().toLowerCase()] = part.slice(at + 1).trim();
  }
  return out;
}

/** SPF and DMARC fields of TXT answers: the records that count, how many, and the DMARC policy. */
function mailPolicyValues(texts: string[], values: Record<string, Observed>): void {
  // RFC 7208 §4.5: a record is SPF when it starts with "v=spf1" followed by a space or its end.
  const spf = texts.filter((text) => /^v=spf1(\s|$)/i.test(text));
  values.spfCount = spf.length;
  if (spf.length === 1) values.spf = spf[0] as string;
  else if (spf.length > 1) values.spf = spf;
  // RFC 7489 §6.6.3: records not starting with "v=DMARC1" are discarded.
  const dmarc = texts.filter((text) => /^v=DMARC1\s*(;|$)/i.test(text));
  values.dmarcCount = dmarc.length;
  if (dmarc.length === 1) {
    values.dmarc = dmarc[0] as string;
    const policy = tags(dmarc[0] as string).p;
    if (policy !== undefined) values.dmarcPolicy = policy.toLowerCase();
  }
}

/** The records of the asked type as text: `records().oneOf(['192.0.2.1'])`, `records().contains('v=spf1')`. */
export function records(): SourceBuilder {
  return new SourceBuilder({ type: 'value', key: 'records' });
}

/** The response code: `rcode().eq('NXDOMAIN')`. */
export function rcode(): SourceBuilder {
  return new SourceBuilder({ type: 'value', key: 'rcode' });
}

function problemWithName(name: string): string | undefined {
  return HOSTNAME.test(name) ? undefined : `"${name}" is not a DNS name such as example.com or _dmarc.example.com`;
}

export const dnsKind: CheckKind<typeof options> = {
  options,
  sources: ['value', 'latency'],
  subrequests: () => 1,

  describe: (opts: Options) => `DNS ${opts.type} ${opts.domain} via ${typeof opts.resolver === 'string' ? withoutQuery(opts.resolver) : `secret ${opts.resolver.$secret}`}`,

  validate(opts) {
    const problems: Array<[string, string]> = [];
    const nameProblem = problemWithName(opts.domain);
    if (nameProblem) problems.push(['domain', nameProblem]);
    if (typeof opts.resolver === 'string' && !isHttpUrl(opts.resolver)) problems.push(['resolver', `"${opts.resolver}" is not an http(s) URL of a DNS-over-HTTPS endpoint`]);
    if (opts.format === 'json' && opts.method === 'POST') problems.push(['method', 'the JSON API is GET only; POST is for the wire format']);
    return problems;
  },

  /** Without an assertion on a value, the name must resolve: rcode NOERROR. */
  defaultAssertions(): AssertionInput[] {
    return [{ source: { type: 'value', key: 'rcode' }, op: '==', value: 'NOERROR' }];
  },

  async run(opts, ctx): Promise<Observation> {
    const nameProblem = problemWithName(opts.domain);
    if (nameProblem) return { reached: false, unknown: true, latencyMs: 0, values: {}, error: `option domain ${nameProblem}` };
    if (!isHttpUrl(opts.resolver)) return { reached: false, unknown: true, latencyMs: 0, values: {}, error: 'option resolver is not an http(s) URL' };
    // The origin only: a resolver's path can name an account (NextDNS profiles).
    const where = `DoH ${new URL(opts.resolver).origin}`;
    const started = Date.now();
    let request: { url: string; init: RequestInit };
    if (opts.format === 'json') {
      const url = new URL(opts.resolver);
      url.searchParams.set('name', opts.domain);
      url.searchParams.set('type', opts.type);
      request = { url: url.toString(), init: { headers: { accept: 'application/dns-json' } } };
    } else {
      // RFC 8484 §4.1: id 0 keeps GET answers cacheable; recursion desired, as a stub resolver asks.
      const query = new Uint8Array(dnsPacket.encode({ type: 'query', id: 0, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: opts.type, name: opts.domain, class: 'IN' }] }));
      if (opts.method === 'GET') {
        const url = new URL(opts.resolver);
        url.searchParams.set('dns', base64url(query));
        request = { url: url.toString(), init: { headers: { accept: 'application/dns-message' } } };
      } else {
        request = { url: opts.resolver, init: { method: 'POST', body: query, headers: { accept: 'application/dns-message', 'content-type': 'application/dns-message' } } };
      }
    }

    let bytes: Uint8Array;
    let status: number;
    try {
      const response = await ctx.fetch(request.url, { ...request.init, signal: ctx.signal });
      status = response.status;
      const read = await untilAborted(readBoundedBytes(response, MAX_ANSWER_BYTES), ctx.signal);
      if (read.truncated) return { reached: false, latencyMs: Date.now() - started, values: {}, error: `${where}: the answer is larger than ${MAX_ANSWER_BYTES / 1024} KiB: not a DNS answer` };
      if (status !== 200) {
        const said = new TextDecoder().decode(read.bytes).trim().slice(0, 120);
        return { reached: false, retryable: status >= 500, latencyMs: Date.now() - started, values: {}, error: `${where} answered HTTP ${status}${said ? `: ${said}` : ''}` };
      }
      bytes = read.bytes;
    } catch (error) {
      return { reached: false, retryable: true, latencyMs: Date.now() - started, values: {}, error: describeFetchError(error, ctx, where) };
    }

    let code: string;
    let found: Found[];
    try {
      ({ code, found } = opts.format === 'json' ? parseJsonAnswer(new TextDecoder().decode(bytes)) : parseWireAnswer(bytes));
    } catch (error) {
      return { reached: false, latencyMs: Date.now() - started, values: {}, error: `${where}: the answer is not ${opts.format === 'json' ? 'DNS JSON' : 'a DNS message'}: ${(error as Error).message}` };
    }
    const latencyMs = Date.now() - started;
    const asked = found.filter((record) => record.type === opts.type);
    const values: Record<string, Observed> = { rcode: code, count: asked.length, latencyMs };
    if (asked.length > 0) {
      values.records = asked.map((record) => record.text);
      values.first = asked[0]?.text as string;
      values.ttl = Math.min(...asked.map((record) => record.ttl));
      values.ttls = asked.map((record) => record.ttl);
    }
    const cnames = found.filter((record) => record.type === 'CNAME' && opts.type !== 'CNAME');
    if (cnames.length > 0) values.cnames = cnames.map((record) => record.text);
    if (opts.type === 'TXT') mailPolicyValues(asked.map((record) => record.text), values);
    return { reached: true, latencyMs, values };
  },
};

function parseWireAnswer(bytes: Uint8Array): { code: string; found: Found[] } {
  // dns-packet works on Node Buffers (nodejs_compat provides them in Workers).
  const packet = dnsPacket.decode(Buffer.from(bytes));
  const code = RCODES[(packet.flags ?? 0) & 0xf] ?? `RCODE${(packet.flags ?? 0) & 0xf}`;
  return { code, found: (packet.answers ?? []).map(fromWire).filter((record): record is Found => record !== undefined) };
}

function parseJsonAnswer(text: string): { code: string; found: Found[] } {
  const body = JSON.parse(text) as { Status?: number; Answer?: Array<{ name?: string; type?: number; TTL?: number; data?: string }> };
  if (typeof body.Status !== 'number') throw new Error('no Status field');
  return { code: RCODES[body.Status] ?? `RCODE${body.Status}`, found: (body.Answer ?? []).map(fromJson).filter((record): record is Found => record !== undefined) };
}
