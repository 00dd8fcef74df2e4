// The tls kind. A Worker cannot read the certificate a server presents (see
// src/kinds/tls.ts), so this tests what the kind does instead: the TLS
// handshake against a real local TLS server whose certificate (made by the
// test setup with openssl) the runtime does not trust, and the expiry from
// payloads in the documented formats of Cert Spotter's API
// (sslmate.com/help/reference/ct_search_api_v1), crt.sh's JSON output, and
// the Prometheus text of blackbox_exporter and cert-manager.
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { expiresIn, secret, tls } from '../../src/config';
import { validateConfig } from '../../src/config/validate';
import { program, T0, targetUrl, unique } from '../helpers';
import { runOnce } from '../helpers/run-once';

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const crtshDate = (ms: number) => new Date(ms).toISOString().slice(0, 19);

/** GET /v1/issuances?domain=…&expand=dns_names&expand=issuer, as Cert Spotter documents it. */
function certspotter(entries: Array<{ names: string[]; from: number; until: number; issuer?: string; revoked?: boolean }>) {
  return entries.map((entry, i) => ({
    id: String(1000 + i),
    tbs_sha256: 'a'.repeat(64),
    cert_sha256: 'b'.repeat(64),
    dns_names: entry.names,
    pubkey_sha256: 'c'.repeat(64),
    issuer: { friendly_name: entry.issuer ?? "Let's Encrypt", pubkey_sha256: 'd'.repeat(64), name: `C=US, O=Let's Encrypt, CN=${entry.issuer ?? 'R11'}` },
    not_before: iso(entry.from),
    not_after: iso(entry.until),
    revoked: entry.revoked ?? false,
  }));
}

/** GET /?q=…&output=json&exclude=expired on crt.sh. */
function crtsh(entries: Array<{ names: string[]; from: number; until: number }>) {
  return entries.map((entry, i) => ({
    issuer_ca_id: 295_815,
    issuer_name: "C=US, O=Let's Encrypt, CN=R11",
    common_name: entry.names[0],
    name_value: entry.names.join('\n'),
    id: 15_000_000_000 + i,
    entry_timestamp: `${crtshDate(entry.from)}.123`,
    not_before: crtshDate(entry.from),
    not_after: crtshDate(entry.until),
    serial_number: '04a1b2c3d4e5f6',
    result_count: 2,
  }));
}

async function serve(path: string, answer: { json?: unknown; body?: string; status?: number }): Promise<string> {
  const base = unique('ct');
  await program(`${base}${path}`, answer);
  return targetUrl(`/p/${base}`);
}

describe('tls kind: the handshake', () => {
  it('a certificate the runtime does not trust is down, and the message says what a Worker can tell', async () => {
    const [host, port] = inject('net').untrustedTls.split(':');
    const run = await runOnce(tls({ id: 'cert', host: host as string, port: Number(port), retry: false }));
    expect(run.judgement.status).toBe('down');
    expect(run.observation.values.tls).toBe(false);
    expect(run.message).toMatch(/no TLS session \(the runtime rejects an untrusted, expired or wrong-name certificate the same way as a refused connection\)/);
  });
});

describe('tls kind: expiry from Certificate Transparency', () => {
  it('Cert Spotter: the newest unexpired certificate covering the host (wildcards too) decides', async () => {
    const url = await serve('/v1/issuances', {
      json: certspotter([
        { names: ['api.example.com'], from: T0 - 80 * DAY, until: T0 + 10 * DAY },
        { names: ['*.example.com', 'example.com'], from: T0 - 5 * DAY, until: T0 + 85 * DAY, issuer: 'E6' },
        { names: ['other.example.org'], from: T0 - 1 * DAY, until: T0 + 300 * DAY },
      ]),
    });
    const run = await runOnce(tls({ id: 'cert', host: 'api.example.com', handshake: false, ct: { url }, expect: [expiresIn().above('21d')] }));
    expect(run.judgement.status).toBe('up');
    expect(run.observation.values).toMatchObject({ expiresInS: 85 * 86_400, expirySource: 'Cert Spotter', issuer: 'E6', certificates: 2 });
    expect(run.message).toBe(`the newest certificate for api.example.com in CT logs (Cert Spotter) expires ${iso(T0 + 85 * DAY).slice(0, 10)} (in 85d); CT shows issuance, not which certificate the server presents`);
  });

  it('warn and crit levels: 12 days left is degraded at 21d/7d', async () => {
    const url = await serve('/v1/issuances', { json: certspotter([{ names: ['api.example.com'], from: T0 - 78 * DAY, until: T0 + 12 * DAY }]) });
    const run = await runOnce(tls({ id: 'cert', host: 'api.example.com', handshake: false, ct: { url }, expect: [expiresIn().above({ warn: '21d', crit: '7d' })] }));
    expect(run.judgement.status).toBe('degraded');
    expect(run.message).toContain('certificate expires in = 12d, expected > 21d');
  });

  it('crt.sh JSON: UTC dates without a zone, names one per line, a revoked or not-yet-valid entry does not count', async () => {
    const url = await serve('/', {
      json: crtsh([
        { names: ['www.example.com', 'example.com'], from: T0 - 60 * DAY, until: T0 + 30 * DAY },
        { names: ['www.example.com'], from: T0 + 2 * DAY, until: T0 + 92 * DAY },
      ]),
    });
    const run = await runOnce(tls({ id: 'cert', host: 'www.example.com', handshake: false, ct: { provider: 'crtsh', url }, expect: [expiresIn().above('21d')] }));
    expect(run.judgement.status).toBe('up');
    expect(run.observation.values.expiresInS).toBe(30 * 86_400);
    expect(run.observation.values.expirySource).toBe('crt.sh');
  });

  it('the CT service failing is not the certificate expiring: the expiry waits and the message says why', async () => {
    const url = await serve('/v1/issuances', { status: 429, body: 'rate limited' });
    const run = await runOnce(tls({ id: 'cert', host: 'api.example.com', handshake: false, ct: { url }, expect: [expiresIn().above('21d')] }));
    expect(run.judgement.status).toBe('up');
    expect(run.judgement.pending).toHaveLength(1);
    expect(run.message).toMatch(/^expiry unknown: CT \(certspotter\) http:\/\/127\.0\.0\.1:\d+\/p\/ct-[^ ]+\/v1\/issuances answered HTTP 429$/);
  });

  it('no certificate for the name in the logs is a pending expiry, said', async () => {
    const url = await serve('/v1/issuances', { json: certspotter([{ names: ['elsewhere.example.net'], from: T0 - DAY, until: T0 + 80 * DAY }]) });
    const run = await runOnce(tls({ id: 'cert', host: 'api.example.com', handshake: false, ct: { url }, expect: [expiresIn().above('21d')] }));
    expect(run.message).toMatch(/no unexpired certificate for api\.example\.com in the logs/);
  });
});

describe('tls kind: expiry from an exporter', () => {
  it("blackbox_exporter's probe_ssl_earliest_cert_expiry", async () => {
    const expiry = (T0 + 5 * DAY) / 1000;
    const base = await serve('/probe', {
      body: `# HELP probe_ssl_earliest_cert_expiry Returns last SSL chain expiry in unixtime\n# TYPE probe_ssl_earliest_cert_expiry gauge\nprobe_ssl_earliest_cert_expiry ${expiry}\n# HELP probe_success Displays whether or not the probe was a success\n# TYPE probe_success gauge\nprobe_success 1\n`,
      headers: { 'content-type': 'text/plain; version=0.0.4' },
    } as never);
    const run = await runOnce(tls({ id: 'cert', host: 'api.example.com', handshake: false, exporter: { url: `${base}/probe` }, expect: [expiresIn().above({ warn: '21d', crit: '7d' })] }));
    expect(run.judgement.status).toBe('down');
    expect(run.message).toContain('the certificate your exporter saw expires');
    expect(run.message).toContain('certificate expires in = 5d, expected > 7d');
  });

  it("cert-manager's certmanager_certificate_expiration_timestamp_seconds, one certificate picked by labels", async () => {
    const base = await serve('/metrics', {
      body: [
        '# HELP certmanager_certificate_expiration_timestamp_seconds The date after which the certificate expires. Expressed as a Unix Epoch Time.',
        '# TYPE certmanager_certificate_expiration_timestamp_seconds gauge',
        `certmanager_certificate_expiration_timestamp_seconds{issuer_group="cert-manager.io",issuer_kind="ClusterIssuer",issuer_name="letsencrypt",name="api-tls",namespace="prod"} ${(T0 + 60 * DAY) / 1000}`,
        `certmanager_certificate_expiration_timestamp_seconds{issuer_group="cert-manager.io",issuer_kind="ClusterIssuer",issuer_name="letsencrypt",name="old-tls",namespace="staging"} ${(T0 + 2 * DAY) / 1000}`,
        '',
      ].join('\n'),
    } as never);
    const run = await runOnce(
      tls({ id: 'cert', host: 'api.example.com', handshake: false, exporter: { url: `${base}/metrics`, selector: 'certmanager_certificate_expiration_timestamp_seconds{name="api-tls",namespace="prod"}' }, expect: [expiresIn().above('21d')] }),
    );
    expect(run.judgement.status).toBe('up');
    expect(run.observation.values.expiresInS).toBe(60 * 86_400);
  });
});

describe('tls kind: config', () => {
  it('needs something to check, and says expiresIn() needs ct or exporter', async () => {
    const result = validateConfig({ checks: [tls({ id: 'c', host: 'https://x', handshake: false })] });
    expect(result.ok ? [] : result.problems).toEqual([
      'check "c": host: "https://x" is not a hostname such as api.example.com',
      'check "c": handshake: nothing to check: keep the handshake, or add ct or exporter for the expiry',
    ]);
    const [host, port] = inject('net').untrustedTls.split(':');
    expect(validateConfig({ checks: [tls({ id: 'c', host: host as string, port: Number(port), ct: { provider: 'crtsh', apiKey: secret('K') } })] })).toMatchObject({ ok: false });
  });
});
