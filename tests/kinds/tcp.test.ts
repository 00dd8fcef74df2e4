// The tcp kind against real servers: the test PostgreSQL's port, the test
// Redis (PING → +PONG), an SMTP-like banner server with STARTTLS, a TLS server
// nobody trusts, a server that accepts and never speaks, and a closed port.
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { banner, latency, reply, secret, tcp, value } from '../../src/config';
import { validateConfig } from '../../src/config/validate';
import { refusedUrl } from '../helpers';
import { runOnce } from '../helpers/run-once';

const net = () => inject('net');
function address(hostPort: string): { host: string; port: number } {
  const [host, port] = hostPort.split(':');
  return { host: host as string, port: Number(port) };
}

describe('tcp kind', () => {
  it("reaches the test PostgreSQL's port and reports the connect time", async () => {
    const run = await runOnce(tcp({ id: 'pg-port', ...address(net().postgresTcp), expect: [latency().below(2000)] }));
    expect(run.judgement.status).toBe('up');
    expect(run.observation.values.connectMs).toEqual(expect.any(Number));
    expect(run.observation.values.connectMs as number).toBeLessThanOrEqual(run.observation.latencyMs);
  });

  it('sends PING to the test Redis and reads +PONG', async () => {
    const run = await runOnce(tcp({ id: 'redis-port', ...address(net().redisTcp), send: 'PING', expect: [reply().eq('+PONG')] }));
    expect(run.judgement.status).toBe('up');
    expect(run.observation.values.reply).toBe('+PONG');
  });

  it("reads an SMTP banner and matches it; a banner that doesn't match says what came", async () => {
    const good = await runOnce(tcp({ id: 'smtp', ...address(net().smtp), banner: true, expect: [banner().matches(/^220 /)] }));
    expect(good.judgement.status).toBe('up');
    expect(good.observation.values.banner).toBe('220 vigil-test ESMTP ready');
    const bad = await runOnce(tcp({ id: 'smtp', ...address(net().smtp), banner: true, expect: [banner().matches(/^554 /)] }));
    expect(bad.judgement.status).toBe('down');
    expect(bad.message).toContain('220 vigil-test ESMTP ready');
  });

  it('reads a multi-line SMTP reply whole (250- continuation lines)', async () => {
    const run = await runOnce(tcp({ id: 'smtp-ehlo', ...address(net().smtp), banner: true, send: 'EHLO vigil.check', expect: [reply().matches(/^250 STARTTLS$/m)] }));
    expect(run.judgement.status).toBe('up');
    expect(run.observation.values.reply).toBe('250-vigil-test\r\n250-SIZE 10240000\r\n250 STARTTLS');
  });

  it('STARTTLS to a server whose certificate the runtime does not trust is down, saying the handshake failed', async () => {
    const run = await runOnce(
      tcp({ id: 'smtp-tls', ...address(net().smtp), secureTransport: 'starttls', banner: true, beforeTls: ['EHLO vigil.check', 'STARTTLS'], send: 'EHLO vigil.check', retry: false }),
    );
    expect(run.judgement.status).toBe('down');
    expect(run.observation.values.startTlsReply).toBe('220 2.0.0 Ready to start TLS');
    expect(run.observation.values.tls).toBe(false);
    expect(run.message).toMatch(/no answer over TLS after STARTTLS: the TLS handshake failed/);
  });

  it("secureTransport 'on' to an untrusted certificate is down", async () => {
    const run = await runOnce(tcp({ id: 'tls-port', ...address(net().untrustedTls), secureTransport: 'on', retry: false }));
    expect(run.judgement.status).toBe('down');
    expect(run.message).toMatch(/untrusted, expired or wrong-name certificate/);
  });

  it('a server that accepts and never speaks is cut at the timeout', async () => {
    const run = await runOnce(tcp({ id: 'silent', ...address(inject('silentTcp')), banner: true, timeout: '1s', retry: false }));
    expect(run.judgement.status).toBe('down');
    expect(run.message).toMatch(/timed out after 1s/);
    expect(run.elapsedMs).toBeLessThan(2_500);
  });

  it('a closed port is down', async () => {
    const run = await runOnce(tcp({ id: 'closed', ...address(refusedUrl().slice('http://'.length)), retry: false }));
    expect(run.judgement.status).toBe('down');
    expect(run.message).toMatch(/^tcp 127\.0\.0\.1:\d+: connection failed/);
  });

  it('never reports a secret command the server repeats back', async () => {
    const run = await runOnce(tcp({ id: 'redis-auth', ...address(net().redisTcp), send: secret('REDIS_COMMAND'), expect: [reply().eq('+OK')] }), { REDIS_COMMAND: 'HELLO-s3cret-c0mmand' });
    expect(run.judgement.status).toBe('down');
    expect(run.observation.values.reply).toMatch(/^-ERR unknown command '\[redacted\]'/);
    expect(JSON.stringify({ observation: run.observation, message: run.message })).not.toContain('s3cret-c0mmand');
  });

  it('refuses options Workers cannot honour, naming the field', () => {
    const problems = (check: Parameters<typeof tcp>[0]) => {
      const result = validateConfig({ checks: [tcp(check)] });
      return result.ok ? '' : result.problems.join('\n');
    };
    expect(problems({ id: 'mx', host: 'mx.example.com', port: 25 })).toContain('check "mx": port: Workers cannot open connections to port 25');
    expect(problems({ id: 'h', host: 'https://db.example.com', port: 5432 })).toContain('check "h": host: "https://db.example.com" must be a hostname or IP address');
    expect(problems({ id: 'h', host: 'db.example.com:5432', port: 5432 })).toContain('must not carry a port');
    expect(problems({ id: 's', host: 'smtp.example.com', port: 587, secureTransport: 'starttls' })).toContain("check \"s\": beforeTls: secureTransport 'starttls' needs the commands");
    expect(problems({ id: 'v', host: 'smtp.example.com', port: 587, expect: [value('connectMs').below(100)] })).toBe('');
  });
});
