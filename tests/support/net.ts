// Real servers for the network check kinds (websocket, tcp, dns, tls):
//   WebSocket  ws://…/echo (replies {"echo": <message>, "ok": true}), /text (replies "pong: <message>"),
//              /silent (accepts, never says anything), /reject (answers 403, no upgrade),
//              /hang (never answers the handshake), /slam (accepts, then closes with 1011);
//              GET /__ws/closes/<id> tells the close code a client (?id=<id>) sent
//   SMTP-like  a banner ("220 … ESMTP"), EHLO with STARTTLS, STARTTLS that upgrades to TLS with the
//              test certificate, QUIT
//   TLS        a server whose certificate (self-signed, made here with openssl) no client trusts
//   DoH        an RFC 8484 responder (GET ?dns=, POST application/dns-message) that also answers
//              Cloudflare/Google-style JSON (?name=&type=, accept: application/dns-json), for zones
//              the tests define with POST /__dns {name, rcode?, records: [{type, ttl, data}]}
// See tests/support/README.md.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import dnsPacket from 'dns-packet';
import { WebSocketServer } from 'ws';

export interface NetServers {
  /** http://127.0.0.1:<port>: WebSocket routes (ws:// on the same port) and /__ws/closes/<id>. */
  wsUrl: string;
  /** host:port of the SMTP-like banner server. */
  smtp: string;
  /** host:port of a TLS server whose certificate no client trusts. */
  untrustedTls: string;
  /** http://127.0.0.1:<port>: the DoH responder (/dns-query) and POST /__dns. */
  dohUrl: string;
  close(): Promise<void>;
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** A self-signed certificate for 127.0.0.1, valid for a day: enough for one test run. */
function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-tls-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=vigil-test', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } catch (error) {
    throw new Error(`openssl could not make the test certificate (Debian: apt-get install openssl): ${(error as Error).message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- WebSocket

async function startWebSockets(): Promise<{ url: string; close(): Promise<void> }> {
  const closes = new Map<string, number>();
  const hanging = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const match = /^\/__ws\/closes\/([^/]+)$/.exec(req.url ?? '');
    if (match) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ code: closes.get(match[1] as string) ?? null }));
      return;
    }
    res.writeHead(426, { 'content-type': 'text/plain' }).end('WebSocket only');
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://ws');
    socket.on('error', () => undefined);
    if (url.pathname === '/reject') {
      socket.end('HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: 9\r\nconnection: close\r\n\r\nforbidden');
      return;
    }
    if (url.pathname === '/hang') {
      hanging.add(socket as net.Socket);
      socket.on('close', () => hanging.delete(socket as net.Socket));
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const id = url.searchParams.get('id');
      ws.on('close', (code) => {
        if (id) closes.set(id, code);
      });
      ws.on('error', () => undefined);
      if (url.pathname === '/slam') return ws.close(1011, 'server error');
      if (url.pathname === '/silent') return;
      ws.on('message', (data, isBinary) => {
        const text = isBinary ? `<${(data as Buffer).length} bytes>` : String(data);
        if (url.pathname === '/text') ws.send(`pong: ${text}`);
        else {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // plain text is echoed as a string
          }
          ws.send(JSON.stringify({ echo: parsed, ok: true }));
        }
      });
    });
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of hanging) socket.destroy();
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------- SMTP-like banner server

/** Speaks enough SMTP for a banner check: 220 on connect, EHLO, STARTTLS (to TLS with `cert`), QUIT. */
function startSmtp(certificate: { key: string; cert: string }): net.Server {
  const secure = tls.createSecureContext(certificate);
  return net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.write('220 vigil-test ESMTP ready\r\n');
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      let end: number;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const verb = line.split(' ')[0]?.toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') socket.write('250-vigil-test\r\n250-SIZE 10240000\r\n250 STARTTLS\r\n');
        else if (verb === 'NOOP') socket.write('250 2.0.0 OK\r\n');
        else if (verb === 'QUIT') socket.end('221 2.0.0 Bye\r\n');
        else if (verb === 'STARTTLS') {
          socket.off('data', onData);
          socket.write('220 2.0.0 Ready to start TLS\r\n', () => {
            const upgraded = new tls.TLSSocket(socket, { isServer: true, secureContext: secure });
            upgraded.on('error', () => undefined);
            upgraded.on('secure', () => upgraded.write('220 vigil-test ESMTP over TLS\r\n'));
          });
          return;
        } else socket.write('502 5.5.2 Command not recognized\r\n');
      }
    };
    socket.on('data', onData);
  });
}

// ---------------------------------------------------------------- DNS over HTTPS (RFC 8484)

type RecordType = 'A' | 'AAAA' | 'CNAME' | 'MX' | 'TXT' | 'CAA' | 'NS';
interface ZoneRecord {
  type: RecordType;
  ttl?: number;
  /** A/AAAA/CNAME/NS: text; MX: {preference, exchange}; TXT: text or list of strings; CAA: {flags, tag, value}. */
  data: unknown;
}
interface ZoneName {
  rcode?: 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED';
  records: ZoneRecord[];
}

/** RFC 1035 type numbers, for the JSON answers (which give types as numbers). */
const TYPE_NUMBERS: Record<string, number> = { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28, CAA: 257 };
const RCODE_NUMBERS: Record<string, number> = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 };
const DEFAULT_TTL = 300;
/** A CNAME chain longer than this is a loop (resolvers give up around 8–16). */
const MAX_CNAME_HOPS = 8;

function answerRecord(name: string, record: ZoneRecord): dnsPacket.Answer {
  const base = { name, ttl: record.ttl ?? DEFAULT_TTL, class: 'IN' as const };
  switch (record.type) {
    case 'MX':
      return { ...base, type: 'MX', data: record.data as { preference: number; exchange: string } };
    case 'TXT':
      return { ...base, type: 'TXT', data: (Array.isArray(record.data) ? record.data : [record.data]).map(String) };
    case 'CAA':
      return { ...base, type: 'CAA', data: record.data as { flags: number; tag: 'issue' | 'issuewild' | 'iodef'; value: string } };
    default:
      return { ...base, type: record.type, data: String(record.data) } as dnsPacket.Answer;
  }
}

/** What a recursive resolver would answer for (name, type) from the defined zones: follows CNAMEs. */
function resolve(zones: Map<string, ZoneName>, qname: string, qtype: string): { rcode: string; answers: dnsPacket.Answer[] } {
  const answers: dnsPacket.Answer[] = [];
  let name = qname.toLowerCase().replace(/\.$/, '');
  for (let hop = 0; hop <= MAX_CNAME_HOPS; hop++) {
    const zone = zones.get(name);
    if (!zone) return { rcode: answers.length > 0 ? 'NOERROR' : 'NXDOMAIN', answers };
    if (zone.rcode && zone.rcode !== 'NOERROR') return { rcode: zone.rcode, answers: [] };
    const matching = zone.records.filter((record) => record.type === qtype);
    const cname = zone.records.find((record) => record.type === 'CNAME');
    if (matching.length > 0 || !cname || qtype === 'CNAME') {
      answers.push(...matching.map((record) => answerRecord(name, record)));
      return { rcode: 'NOERROR', answers };
    }
    answers.push(answerRecord(name, cname));
    name = String(cname.data).toLowerCase().replace(/\.$/, '');
  }
  return { rcode: 'SERVFAIL', answers: [] };
}

/** The JSON form Cloudflare (developers.cloudflare.com/1.1.1.1/encryption/dns-over-https/make-api-requests/dns-json/) and Google serve. */
function jsonData(answer: dnsPacket.Answer): string {
  const data = (answer as { data: unknown }).data;
  switch (answer.type) {
    case 'MX': {
      const mx = data as { preference: number; exchange: string };
      return `${mx.preference} ${mx.exchange}.`;
    }
    case 'TXT':
      return (data as string[]).map((part) => JSON.stringify(part)).join(' ');
    case 'CAA': {
      const caa = data as { flags: number; tag: string; value: string };
      return `${caa.flags} ${caa.tag} ${JSON.stringify(caa.value)}`;
    }
    case 'CNAME':
    case 'NS':
      return `${String(data)}.`;
    default:
      return String(data);
  }
}

async function readRequestBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function startDoh(): http.Server {
  const zones = new Map<string, ZoneName>();
  return http.createServer((req, res) => {
    handleDoh(zones, req, res).catch((error: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end(error.message);
    });
  });
}

async function handleDoh(zones: Map<string, ZoneName>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://doh');
  if (url.pathname === '/__dns' && req.method === 'POST') {
    const input = JSON.parse((await readRequestBody(req)).toString('utf8')) as { name: string } & ZoneName;
    zones.set(input.name.toLowerCase().replace(/\.$/, ''), { rcode: input.rcode, records: input.records ?? [] });
    res.writeHead(204).end();
    return;
  }
  if (url.pathname === '/hang') {
    req.socket.setTimeout(0);
    return;
  }
  if (url.pathname !== '/dns-query') {
    res.writeHead(404).end();
    return;
  }
  // JSON API: ?name=&type= (type by name or number), answered as application/dns-json.
  if (req.method === 'GET' && url.searchParams.has('name')) {
    const name = url.searchParams.get('name') as string;
    const typeParam = (url.searchParams.get('type') ?? 'A').toUpperCase();
    const type = /^\d+$/.test(typeParam) ? (Object.entries(TYPE_NUMBERS).find(([, n]) => String(n) === typeParam)?.[0] ?? typeParam) : typeParam;
    const { rcode, answers } = resolve(zones, name, type);
    const body = {
      Status: RCODE_NUMBERS[rcode] ?? 2,
      TC: false,
      RD: true,
      RA: true,
      AD: false,
      CD: false,
      Question: [{ name: name.endsWith('.') ? name : `${name}.`, type: TYPE_NUMBERS[type] ?? 0 }],
      ...(answers.length > 0 ? { Answer: answers.map((answer) => ({ name: `${answer.name}.`, type: TYPE_NUMBERS[answer.type] ?? 0, TTL: (answer as { ttl: number }).ttl, data: jsonData(answer) })) } : {}),
    };
    res.writeHead(200, { 'content-type': 'application/dns-json' }).end(JSON.stringify(body));
    return;
  }
  // RFC 8484 §4.1: GET with ?dns=<base64url without padding>, or POST with application/dns-message.
  let wire: Buffer;
  if (req.method === 'GET') {
    const param = url.searchParams.get('dns');
    if (!param || /[+/=]/.test(param)) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('dns parameter must be base64url without padding (RFC 8484 §4.1)');
      return;
    }
    wire = Buffer.from(param, 'base64url');
  } else if (req.method === 'POST') {
    if (req.headers['content-type'] !== 'application/dns-message') {
      res.writeHead(415, { 'content-type': 'text/plain' }).end('content-type must be application/dns-message (RFC 8484 §4.1)');
      return;
    }
    wire = await readRequestBody(req);
  } else {
    res.writeHead(405).end();
    return;
  }
  let query: dnsPacket.Packet;
  try {
    query = dnsPacket.decode(wire);
  } catch (error) {
    res.writeHead(400, { 'content-type': 'text/plain' }).end(`malformed DNS message: ${(error as Error).message}`);
    return;
  }
  const question = query.questions?.[0];
  if (!question) {
    res.writeHead(400, { 'content-type': 'text/plain' }).end('no question');
    return;
  }
  const { rcode, answers } = resolve(zones, question.name, question.type);
  const response = dnsPacket.encode({
    type: 'response',
    id: query.id ?? 0,
    // QR is set by type; RD copied, RA set, the rcode in the low bits.
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (RCODE_NUMBERS[rcode] ?? 2),
    questions: [question],
    answers,
  });
  // RFC 8484 §5.1: the freshness lifetime is the smallest TTL in the answer.
  const minTtl = answers.length > 0 ? Math.min(...answers.map((answer) => (answer as { ttl: number }).ttl)) : 0;
  res.writeHead(200, { 'content-type': 'application/dns-message', 'cache-control': `max-age=${minTtl}`, 'content-length': response.length }).end(response);
}

// ---------------------------------------------------------------- all of them

export async function startNetServers(): Promise<NetServers> {
  const certificate = selfSignedCertificate();
  const ws = await startWebSockets();
  const sockets = new Set<net.Socket>();
  const track = (server: net.Server) => {
    server.on('connection', (socket: net.Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    return server;
  };
  const smtp = track(startSmtp(certificate));
  const untrusted = track(tls.createServer(certificate, (socket) => {
    socket.on('error', () => undefined);
    socket.write('hello over TLS\r\n');
  }));
  untrusted.on('tlsClientError', () => undefined);
  const doh = startDoh();
  const [smtpPort, tlsPort, dohPort] = [await listen(smtp), await listen(untrusted), await listen(doh)];
  return {
    wsUrl: ws.url,
    smtp: `127.0.0.1:${smtpPort}`,
    untrustedTls: `127.0.0.1:${tlsPort}`,
    dohUrl: `http://127.0.0.1:${dohPort}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await ws.close();
      await Promise.all(
        [smtp, untrusted].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
      );
      await new Promise<void>((resolve) => {
        doh.closeAllConnections();
        doh.close(() => resolve());
      });
    },
  };
}
