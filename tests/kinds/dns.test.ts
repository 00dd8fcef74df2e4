// The dns kind against a local DNS-over-HTTPS responder (tests/support/net.ts)
// that answers per RFC 8484 (GET ?dns= base64url, POST application/dns-message)
// and in the JSON form Cloudflare and Google serve, for zones each test defines.
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { dns, domain, rcode, records, value } from '../../src/config';
import { validateConfig } from '../../src/config/validate';
import { unique } from '../helpers';
import { runOnce } from '../helpers/run-once';

const resolver = () => `${inject('net').dohUrl}/dns-query`;

/** Defines `name` on the responder: its records, or an rcode such as SERVFAIL. */
async function zone(name: string, records: Array<{ type: string; ttl?: number; data: unknown }>, rcode?: string): Promise<void> {
  const response = await fetch(`${inject('net').dohUrl}/__dns`, { method: 'POST', body: JSON.stringify({ name, records, rcode }) });
  if (response.status !== 204) throw new Error(`defining ${name}: ${response.status}`);
}

const FORMATS = [
  { format: 'wire', method: 'GET' },
  { format: 'wire', method: 'POST' },
  { format: 'json', method: 'GET' },
] as const;

describe.each(FORMATS)('dns kind, $format format by $method', ({ format, method }) => {
  const check = (input: Omit<Parameters<typeof dns>[0], 'resolver' | 'format' | 'method'>) => dns({ ...input, resolver: resolver(), format, method });

  it('reads A and AAAA records with their TTLs', async () => {
    const name = `${unique('www')}.example.test`;
    await zone(name, [
      { type: 'A', ttl: 300, data: '192.0.2.10' },
      { type: 'A', ttl: 120, data: '192.0.2.11' },
      { type: 'AAAA', ttl: 600, data: '2001:db8::10' },
    ]);
    const a = await runOnce(check({ id: 'a', domain: name, type: 'A', expect: [records().oneOf(['192.0.2.10', '192.0.2.11']), value('ttl').above(60)] }));
    expect(a.judgement.status).toBe('up');
    expect(a.observation.values).toMatchObject({ rcode: 'NOERROR', count: 2, records: ['192.0.2.10', '192.0.2.11'], ttl: 120, ttls: [300, 120] });
    const aaaa = await runOnce(check({ id: 'aaaa', domain: name, type: 'AAAA', expect: [records().eq('2001:db8::10')] }));
    expect(aaaa.judgement.status).toBe('up');
    expect(aaaa.observation.values.ttl).toBe(600);
  });

  it('follows a CNAME to the address, and reads the CNAME itself', async () => {
    const alias = `${unique('app')}.example.test`;
    const target = `${unique('lb')}.example.test`;
    await zone(target, [{ type: 'A', ttl: 60, data: '198.51.100.7' }]);
    await zone(alias, [{ type: 'CNAME', ttl: 3600, data: target }]);
    const viaA = await runOnce(check({ id: 'a', domain: alias, type: 'A', expect: [records().eq('198.51.100.7')] }));
    expect(viaA.judgement.status).toBe('up');
    expect(viaA.observation.values.cnames).toEqual([target]);
    const cname = await runOnce(check({ id: 'c', domain: alias, type: 'CNAME', expect: [records().eq(target), value('ttl').eq(3600)] }));
    expect(cname.judgement.status).toBe('up');
  });

  it('reads MX, TXT and CAA records as text', async () => {
    const name = `${unique('mail')}.example.test`;
    await zone(name, [
      { type: 'MX', ttl: 3600, data: { preference: 10, exchange: 'mx1.mail.example.net' } },
      { type: 'MX', ttl: 3600, data: { preference: 20, exchange: 'mx2.mail.example.net' } },
      { type: 'TXT', ttl: 300, data: ['v=spf1 include:_spf.google.com ', '~all'] },
      { type: 'TXT', ttl: 300, data: 'google-site-verification=abc123' },
      { type: 'CAA', ttl: 3600, data: { flags: 0, tag: 'issue', value: 'letsencrypt.org' } },
    ]);
    const mx = await runOnce(check({ id: 'mx', domain: name, type: 'MX', expect: [records().contains('mx1.mail.example.net')] }));
    expect(mx.judgement.status).toBe('up');
    expect(mx.observation.values.records).toEqual(['10 mx1.mail.example.net', '20 mx2.mail.example.net']);
    const txt = await runOnce(check({ id: 'txt', domain: name, type: 'TXT', expect: [records().contains('google-site-verification=')] }));
    expect(txt.observation.values.records).toEqual(['v=spf1 include:_spf.google.com ~all', 'google-site-verification=abc123']);
    expect(txt.observation.values).toMatchObject({ spfCount: 1, spf: 'v=spf1 include:_spf.google.com ~all' });
    const caa = await runOnce(check({ id: 'caa', domain: name, type: 'CAA', expect: [records().eq('0 issue "letsencrypt.org"')] }));
    expect(caa.judgement.status).toBe('up');
  });

  it('NXDOMAIN and SERVFAIL are rcodes: down by default, up when asserted', async () => {
    const missing = `${unique('gone')}.example.test`;
    const nx = await runOnce(check({ id: 'nx', domain: missing }));
    expect(nx.judgement.status).toBe('down');
    expect(nx.message).toBe('rcode = "NXDOMAIN", expected "NOERROR"');
    const expected = await runOnce(check({ id: 'nx', domain: missing, expect: [rcode().eq('NXDOMAIN')] }));
    expect(expected.judgement.status).toBe('up');
    const broken = `${unique('broken')}.example.test`;
    await zone(broken, [], 'SERVFAIL');
    const servfail = await runOnce(check({ id: 'sf', domain: broken }));
    expect(servfail.judgement.status).toBe('down');
    expect(servfail.observation.values.rcode).toBe('SERVFAIL');
  });

  it('an address outside the expected set fails, naming it', async () => {
    const name = `${unique('moved')}.example.test`;
    await zone(name, [{ type: 'A', data: '203.0.113.99' }]);
    const run = await runOnce(domain.resolvesTo({ id: 'r', domain: name, addresses: ['192.0.2.10'], resolver: resolver(), format, method }));
    expect(run.judgement.status).toBe('down');
    expect(run.message).toContain('203.0.113.99');
  });
});

describe('dns recipes', () => {
  it('SPF: exactly one v=spf1 record, with the includes asked for', async () => {
    const name = `${unique('spf')}.example.test`;
    await zone(name, [{ type: 'TXT', data: 'v=spf1 include:_spf.google.com include:amazonses.com -all' }, { type: 'TXT', data: 'other=1' }]);
    const good = await runOnce(domain.spf({ id: 'spf', domain: name, includes: ['_spf.google.com', 'amazonses.com'], resolver: resolver() }));
    expect(good.judgement.status).toBe('up');
    const missingInclude = await runOnce(domain.spf({ id: 'spf', domain: name, includes: ['sendgrid.net'], resolver: resolver() }));
    expect(missingInclude.judgement.status).toBe('down');
    expect(missingInclude.message).toContain('SPF record');
    const twice = `${unique('spf2')}.example.test`;
    await zone(twice, [{ type: 'TXT', data: 'v=spf1 -all' }, { type: 'TXT', data: 'v=spf1 include:x.example ~all' }]);
    const two = await runOnce(domain.spf({ id: 'spf', domain: twice, resolver: resolver() }));
    expect(two.judgement.status).toBe('down');
    expect(two.message).toBe('SPF records (v=spf1) = 2, expected 1');
  });

  it('DMARC: _dmarc TXT with p= quarantine or reject by default', async () => {
    const name = `${unique('dmarc')}.example.test`;
    await zone(`_dmarc.${name}`, [{ type: 'TXT', data: 'v=DMARC1; p=none; rua=mailto:dmarc@example.test' }]);
    const weak = await runOnce(domain.dmarc({ id: 'dmarc', domain: name, resolver: resolver() }));
    expect(weak.judgement.status).toBe('down');
    expect(weak.message).toBe('DMARC policy (p=) = "none", expected one of "quarantine", "reject"');
    const any = await runOnce(domain.dmarc({ id: 'dmarc', domain: name, policy: ['none', 'quarantine', 'reject'], resolver: resolver() }));
    expect(any.judgement.status).toBe('up');
    const none = await runOnce(domain.dmarc({ id: 'dmarc', domain: `${unique('nodmarc')}.example.test`, resolver: resolver() }));
    expect(none.judgement.status).toBe('down');
  });

  it('resolvesTo passes when every address is expected', async () => {
    const name = `${unique('ok')}.example.test`;
    await zone(name, [{ type: 'A', data: '192.0.2.1' }, { type: 'A', data: '192.0.2.2' }]);
    const run = await runOnce(domain.resolvesTo({ id: 'r', domain: name, addresses: ['192.0.2.1', '192.0.2.2', '192.0.2.3'], resolver: resolver() }));
    expect(run.judgement.status).toBe('up');
  });

  it('a resolver that answers HTTP errors is down; bad names are config errors', async () => {
    const run = await runOnce(dns({ id: 'd', domain: 'example.test', resolver: `${inject('net').dohUrl}/nope`, retry: false }));
    expect(run.judgement.status).toBe('down');
    expect(run.message).toMatch(/^DoH http:\/\/127\.0\.0\.1:\d+ answered HTTP 404/);
    const result = validateConfig({ checks: [dns({ id: 'd', domain: 'https://example.com', format: 'json', method: 'POST' })] });
    expect(result.ok ? [] : result.problems).toEqual([
      'check "d": domain: "https://example.com" is not a DNS name such as example.com or _dmarc.example.com',
      'check "d": method: the JSON API is GET only; POST is for the wire format',
    ]);
  });
});
