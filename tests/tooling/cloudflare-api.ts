// A stand-in for the part of Cloudflare's API v4 that `wrangler kv namespace
// list|create` call, answering in the API's documented envelope
// ({ success, errors, messages, result, result_info }), so the real wrangler runs
// against it (CLOUDFLARE_API_BASE_URL). Namespaces: GET/POST
// /accounts/{account_id}/storage/kv/namespaces, pages of `per_page` from `page` 1
// (an empty page ends wrangler's listing); a second namespace with a taken title
// is refused with code 10014, as the API does.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const ACCOUNT_ID = '5b1c3f0e9a8d4c2b7e6f5a4d3c2b1a09';
export const API_TOKEN = 'test-api-token-not-a-secret';

export interface Namespace {
  id: string;
  title: string;
  supports_url_encoding: boolean;
}

export interface CloudflareApi {
  /** What wrangler must set to use this stand-in. */
  env: Record<string, string>;
  namespaces: Namespace[];
  requests: Array<{ method: string; path: string; body: string }>;
  /** Answer every request with an authentication error (a revoked or wrong token). */
  rejectAuth: boolean;
  close(): Promise<void>;
}

export async function startCloudflareApi(): Promise<CloudflareApi> {
  const api: Omit<CloudflareApi, 'env' | 'close'> = { namespaces: [], requests: [], rejectAuth: false };
  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const url = new URL(req.url ?? '/', 'http://api');
    api.requests.push({ method: req.method ?? '', path: `${url.pathname}${url.search}`, body });
    const send = (status: number, envelope: Record<string, unknown>) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ success: status < 400, errors: [], messages: [], result: null, ...envelope }));
    };
    if (api.rejectAuth || req.headers.authorization !== `Bearer ${API_TOKEN}`) {
      return send(403, { errors: [{ code: 10000, message: 'Authentication error' }] });
    }
    if (url.pathname !== `/client/v4/accounts/${ACCOUNT_ID}/storage/kv/namespaces`) {
      return send(404, { errors: [{ code: 7003, message: 'Could not route to /client/v4' + url.pathname + ', perhaps your object identifier is invalid?' }] });
    }
    if (req.method === 'GET') {
      const page = Number(url.searchParams.get('page') ?? 1);
      const perPage = Number(url.searchParams.get('per_page') ?? 20);
      const sorted = [...api.namespaces].sort((a, b) => a.title.localeCompare(b.title));
      const result = sorted.slice((page - 1) * perPage, page * perPage);
      return send(200, { result, result_info: { page, per_page: perPage, count: result.length, total_count: sorted.length, total_pages: Math.ceil(sorted.length / perPage) } });
    }
    if (req.method === 'POST') {
      const { title } = JSON.parse(body) as { title: string };
      if (api.namespaces.some((namespace) => namespace.title === title)) {
        return send(400, { errors: [{ code: 10014, message: 'a namespace with this account ID and title already exists' }] });
      }
      const namespace = { id: randomBytes(16).toString('hex'), title, supports_url_encoding: true };
      api.namespaces.push(namespace);
      return send(200, { result: namespace });
    }
    return send(405, { errors: [{ code: 10405, message: 'Method not allowed' }] });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/client/v4`;
  return Object.assign(api, {
    env: { CLOUDFLARE_API_BASE_URL: base, CLOUDFLARE_API_TOKEN: API_TOKEN, CLOUDFLARE_ACCOUNT_ID: ACCOUNT_ID },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
