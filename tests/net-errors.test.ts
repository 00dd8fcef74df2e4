// Network failures are named after what failed, against the real conditions
// (tests/support/faults.ts): a name that does not resolve, a certificate
// nobody trusts, a refused port and a connection reset mid-request. workerd
// itself says only "internal error; reference = ..." or "Network connection lost.".
import { inject } from 'vitest';
import { describe, expect, it } from 'vitest';
import { gauge, http, metrics } from '../src/config';
import { postPayload } from '../src/notify/post';
import { program, refusedUrl, targetUrl, unique } from './helpers';
import { runOnce } from './helpers/run-once';

const once = (url: string) => runOnce(http({ id: 'net', url, retry: false, timeout: '10s' }));

describe('a failed connection says what failed', () => {
  it('a name that does not resolve: DNS lookup failed', async () => {
    for (const url of ['http://vigil-no-such-host.invalid/health', 'https://vigil-no-such-host.invalid/health']) {
      const run = await once(url);
      expect(run.judgement.status).toBe('down');
      expect(run.message).toBe(`${url}: DNS lookup failed for vigil-no-such-host.invalid`);
    }
  });

  it('a certificate nobody trusts: TLS handshake failed', async () => {
    const url = `${inject('faults').untrustedTlsUrl}/health`;
    const run = await once(url);
    expect(run.judgement.status).toBe('down');
    expect(run.message).toMatch(new RegExp(`^${url.replace(/[.]/g, '\\.')}: TLS handshake failed: `));
  });

  it('a port nobody listens on: connection refused', async () => {
    const run = await once(`${refusedUrl()}/health`);
    expect(run.message).toBe(`${refusedUrl()}/health: connection refused`);
  });

  it('a server that resets the connection: connection reset', async () => {
    const url = `${inject('faults').resetUrl}/health`;
    const run = await once(url);
    expect(run.message).toBe(`${url}: connection reset`);
  });
});

describe('the same names elsewhere', () => {
  it('a metrics scrape', async () => {
    const url = 'http://vigil-no-such-host.invalid/metrics';
    const run = await runOnce(metrics({ id: 'm', url, values: { up: gauge('up') }, retry: false }));
    expect(run.message).toBe(`${url}: DNS lookup failed for vigil-no-such-host.invalid`);
  });

  it('a channel delivery', async () => {
    const ctx = { fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init), signal: AbortSignal.timeout(10_000), now: Date.now(), clock: () => Date.now(), deliveryId: 'd' };
    const result = await postPayload(`${refusedUrl()}/hook/x`, '{}', {}, ctx, 10_000);
    expect(result).toEqual({ ok: false, retryable: true, error: `${new URL(refusedUrl()).host}: connection refused` });
  });
});

describe("Cloudflare's own answers about an origin", () => {
  // What a site behind Cloudflare, or a Worker's fetch() on Cloudflare, gets (Cloudflare's documented 5xx errors).
  const answer = async (status: number, body: string, server = 'cloudflare') => {
    const name = unique('cf');
    await program(name, { status, body, headers: { server, 'content-type': 'text/plain' } });
    return (await runOnce(http({ id: 'cf', url: targetUrl(`/p/${name}`), retry: false }))).message;
  };

  it('are named, with the status', async () => {
    expect(await answer(530, 'error code: 1016')).toBe('DNS lookup failed for 127.0.0.1 (Cloudflare 530, error 1016); status = 530, expected 2xx');
    expect(await answer(525, '')).toBe('TLS handshake failed (Cloudflare 525); status = 525, expected 2xx');
    expect(await answer(521, '')).toBe('connection refused (Cloudflare 521); status = 521, expected 2xx');
  });

  it('a 52x from anything else is just a status', async () => {
    expect(await answer(521, '', 'nginx')).toBe('status = 521, expected 2xx');
  });
});
