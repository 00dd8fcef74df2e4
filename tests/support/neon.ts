// What Neon's local-development setup provides, so @neondatabase/serverless in
// workerd reaches the local PostgreSQL as it reaches Neon:
//   - a WebSocket→TCP bridge (like Neon's wsproxy): ws://127.0.0.1:<port>/v2?address=<host>:<port>
//     used by Pool/Client with neonConfig.wsProxy;
//   - an HTTP SQL endpoint (like Neon's /sql): POST /sql with the Neon-Connection-String
//     header and {query, params} or {queries: [...]}, answered in the driver's format
//     (raw text values, array mode, 400 with the PostgreSQL error's fields).
// Only loopback addresses are bridged.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import pg from 'pg';
import { WebSocketServer } from 'ws';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
const RAW_TEXT = { getTypeParser: () => (value: string) => value };

export interface NeonProxies {
  /** For neonConfig.wsProxy / the postgres kind's `wsProxy` option. */
  wsProxy: string;
  /** For the postgres kind's `httpEndpoint` option. */
  httpEndpoint: string;
  close(): Promise<void>;
}

function startBridge(): Promise<{ server: WebSocketServer; port: number }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('connection', (socket, request) => {
    const address = new URL(request.url ?? '/', 'http://bridge').searchParams.get('address') ?? '';
    const separator = address.lastIndexOf(':');
    const host = address.slice(0, separator);
    const port = Number(address.slice(separator + 1));
    if (!LOOPBACK.has(host) || !port) {
      socket.close(1008, 'only loopback addresses are bridged');
      return;
    }
    const tcp = net.connect(port, host === 'localhost' ? '127.0.0.1' : host);
    const pending: Buffer[] = [];
    let connected = false;
    tcp.on('connect', () => {
      connected = true;
      for (const chunk of pending) tcp.write(chunk);
      pending.length = 0;
    });
    socket.on('message', (data: Buffer) => (connected ? tcp.write(data) : pending.push(data)));
    tcp.on('data', (data) => socket.send(data));
    tcp.on('error', () => socket.close(1011, 'database connection failed'));
    tcp.on('close', () => socket.close());
    socket.on('close', () => tcp.destroy());
    socket.on('error', () => tcp.destroy());
  });
  return new Promise((resolve) => server.on('listening', () => resolve({ server, port: (server.address() as AddressInfo).port })));
}

interface SqlQuery {
  query: string;
  params?: unknown[];
}

function format(result: pg.QueryResult) {
  return {
    command: result.command,
    rowCount: result.rowCount,
    rows: result.rows,
    rowAsArray: true,
    fields: result.fields.map((field) => ({ ...field })),
  };
}

function pgError(error: unknown) {
  const e = error as Record<string, unknown>;
  const fields = ['code', 'severity', 'detail', 'hint', 'position', 'internalPosition', 'internalQuery', 'where', 'schema', 'table', 'column', 'dataType', 'constraint', 'file', 'line', 'routine'];
  return Object.fromEntries([['message', String(e.message ?? error)], ...fields.filter((f) => e[f] !== undefined).map((f) => [f, e[f]])]);
}

async function handleSql(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SqlQuery | { queries: SqlQuery[] };
  const connectionString = String(req.headers['neon-connection-string'] ?? '');
  const host = new URL(connectionString.replace(/^postgres(ql)?:/, 'http:')).hostname;
  if (!LOOPBACK.has(host)) {
    res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'only loopback databases are served here' }));
    return;
  }
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    const e = error as { code?: string };
    // Neon answers 400 with the PostgreSQL error for authentication; a dead server is a 5xx.
    if (e.code && /^28/.test(e.code)) res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify(pgError(error)));
    else res.writeHead(503, { 'content-type': 'text/plain' }).end(`could not connect to the database: ${(error as Error).message}`);
    return;
  }
  // Like Neon, one statement per query (the extended protocol, forced here by naming it).
  let statement = 0;
  const run = (q: SqlQuery) => client.query({ name: `q${statement++}`, text: q.query, values: q.params ?? [], rowMode: 'array', types: RAW_TEXT });
  try {
    if ('queries' in body) {
      const isolation = req.headers['neon-batch-isolation-level'];
      const readOnly = req.headers['neon-batch-read-only'] === 'true';
      const deferrable = req.headers['neon-batch-deferrable'] === 'true';
      const mode = [isolation ? `ISOLATION LEVEL ${String(isolation).replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase()}` : '', readOnly ? 'READ ONLY' : '', deferrable ? 'DEFERRABLE' : ''].filter(Boolean).join(' ');
      await client.query(`BEGIN ${mode}`);
      const results = [];
      try {
        for (const q of body.queries) results.push(format(await run(q)));
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results }));
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(format(await run(body))));
    }
  } catch (error) {
    res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify(pgError(error)));
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function startNeonProxies(): Promise<NeonProxies> {
  const bridge = await startBridge();
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://sql').pathname !== '/sql') {
      res.writeHead(404).end();
      return;
    }
    handleSql(req, res).catch((error: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end(error.message);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    wsProxy: `ws://127.0.0.1:${bridge.port}/v2`,
    httpEndpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/sql`,
    close: async () => {
      for (const client of bridge.server.clients) client.terminate();
      await new Promise<void>((resolve) => bridge.server.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
