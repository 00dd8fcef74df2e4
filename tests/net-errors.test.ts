// Network failures are named after what failed, against the real conditions
// (tests/support/faults.ts): a name that does not resolve, a certificate
// nobody trusts, a refused port and a connection reset mid-request. workerd
// itself says only "internal error; reference = ..." or "Network connection lost.".
import { inject } from 'vitest';
import { describe, expect, it } from 'vitest';
import { http } from '../src/config';
import { refusedUrl } from './helpers';
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
