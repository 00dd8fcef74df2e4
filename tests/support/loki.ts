// A stand-in for Loki's query API (Loki cannot run here: there is no Debian
// package). It answers as Loki documents in "Loki HTTP API"
// (https://grafana.com/docs/loki/latest/reference/loki-http-api/):
//   GET /loki/api/v1/query?query=&time=&limit=&direction=         instant (metric) queries
//   GET /loki/api/v1/query_range?query=&start=&end=&step=          range queries
// Success: {"status":"success","data":{"resultType":"vector"|"matrix"|"streams","result":[...],"stats":{...}}};
// a query Loki cannot parse: 400 with a plain-text body ("parse error at line 1, col 12: ...").
// Answers are programmed per query by the tests (POST /__loki/answer {query, status?, body?, data?});
// every request is recorded (GET /__loki/requests) so tests can check what the kind sent:
// the path, the query, the time parameters, Authorization and X-Scope-OrgID.
// With a tenant set (POST /__loki/tenant {tenant, user, password}), requests must carry
// that X-Scope-OrgID and basic auth, as a multi-tenant Loki behind a gateway (or Grafana Cloud) wants.

import http from 'node:http';
import type { AddressInfo } from 'node:net';

interface Programmed {
  status: number;
  /** Raw body (errors are plain text), or `data` wrapped in Loki's success envelope. */
  body?: string;
  data?: unknown;
}

export interface LokiRequest {
  path: string;
  params: Record<string, string>;
  authorization?: string;
  orgId?: string;
}

const PARSE_ERROR = (query: string) => `parse error at line 1, col ${Math.max(1, query.length)}: syntax error: unexpected $end`;

export async function startLoki(): Promise<{ url: string; close(): Promise<void> }> {
  const answers = new Map<string, Programmed>();
  const requests: LokiRequest[] = [];
  let tenant: { tenant: string; user: string; password: string } | undefined;

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://loki');
    const send = (status: number, body: string, type = 'application/json') => res.writeHead(status, { 'content-type': type }).end(body);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const input = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
    if (url.pathname === '/__loki/answer' && req.method === 'POST') {
      const { query, ...answer } = input as { query: string } & Partial<Programmed>;
      answers.set(query, { status: answer.status ?? 200, ...answer });
      return send(204, '');
    }
    if (url.pathname === '/__loki/tenant' && req.method === 'POST') {
      tenant = input.tenant ? (input as typeof tenant) : undefined;
      return send(204, '');
    }
    if (url.pathname === '/__loki/requests') return send(200, JSON.stringify(requests));

    if (url.pathname !== '/loki/api/v1/query' && url.pathname !== '/loki/api/v1/query_range') return send(404, '404 page not found\n', 'text/plain');
    if (req.method !== 'GET' && req.method !== 'POST') return send(405, 'method not allowed\n', 'text/plain');
    const params = Object.fromEntries(url.searchParams);
    requests.push({ path: url.pathname, params, authorization: req.headers.authorization, orgId: req.headers['x-scope-orgid'] as string | undefined });
    if (tenant) {
      const expected = `Basic ${Buffer.from(`${tenant.user}:${tenant.password}`).toString('base64')}`;
      if (req.headers.authorization !== expected) return send(401, 'Unauthorized\n', 'text/plain');
      if (req.headers['x-scope-orgid'] !== tenant.tenant) return send(401, 'no org id\n', 'text/plain');
    }
    const query = params.query;
    if (!query) return send(400, 'query parameter is required\n', 'text/plain; charset=utf-8');
    // Range queries need start < end and a step (Loki defaults a missing step; Vigil always sends one).
    if (url.pathname.endsWith('query_range') && !(Number(params.start) < Number(params.end))) return send(400, 'end timestamp must not be before or equal to start time\n', 'text/plain; charset=utf-8');
    const answer = answers.get(query);
    if (!answer) return send(400, `${PARSE_ERROR(query)}\n`, 'text/plain; charset=utf-8');
    if (answer.body !== undefined) return send(answer.status, answer.body, answer.status === 200 ? 'application/json' : 'text/plain; charset=utf-8');
    return send(answer.status, JSON.stringify({ status: 'success', data: { ...(answer.data as object), stats: { summary: { bytesProcessedPerSecond: 0, linesProcessedPerSecond: 0, totalBytesProcessed: 0, totalLinesProcessed: 0, execTime: 0.001 } } } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
