// The HTTP kind against real local targets.
import { describe, expect, it } from 'vitest';
import { body, header, http, json, latency, secret, status } from '../../src/config';
import { config, refusedUrl, targetUrl } from '../helpers';
import { runOnce } from '../helpers/run-once';

describe('http kind', () => {
  it('passes a healthy JSON endpoint (R01)', async () => {
    const run = await runOnce(http({ id: 'h', url: targetUrl('/ok'), expect: [status(200), json('$.status').eq('ok'), json('services.database').eq('connected')] }));
    expect(run.judgement.status).toBe('up');
    expect(run.observation.values).toMatchObject({ status: 200, 'json:$.status': 'ok', 'json:$.services.database': 'connected' });
    expect(run.observation.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('reports a 500 as down with observed and expected', async () => {
    const run = await runOnce(http({ id: 'h', url: targetUrl('/status?code=500') }));
    expect(run.judgement.status).toBe('down');
    expect(run.message).toBe('status = 500, expected 2xx');
    expect(run.attempts).toBe(1); // an answer is not retried
  });

  it('degrades on a warn-level latency threshold', async () => {
    const run = await runOnce(http({ id: 'h', url: targetUrl('/slow?ms=400'), expect: [latency().below({ warn: 200, crit: 5000 })] }));
    expect(run.judgement.status).toBe('degraded');
    expect(run.message).toMatch(/^latency = \d+ ms, expected < 200 ms$/);
  });

  it('cuts a hanging request at the timeout and retries once', async () => {
    const run = await runOnce(http({ id: 'h', url: targetUrl('/hang'), timeout: '1s' }));
    expect(run.judgement.status).toBe('down');
    expect(run.observation.reached).toBe(false);
    expect(run.message).toBe('timed out after 1s (after 1 retry)');
    expect(run.attempts).toBe(2);
    expect(run.elapsedMs).toBeLessThan(4_000);
  });

  it('cuts a body that never finishes at the timeout', async () => {
    const run = await runOnce(http({ id: 'h', url: targetUrl('/hang-body'), timeout: '1s', retry: false, expect: [json('$.status').eq('ok')] }));
    expect(run.judgement.status).toBe('down');
    expect(run.message).toMatch(/timed out after 1s/);
    expect(run.elapsedMs).toBeLessThan(3_000);
  });

  it('reads at most maxBodyBytes of a 50 MB body', async () => {
    const run = await runOnce(http({ id: 'h', url: targetUrl('/huge?mb=50'), maxBodyBytes: 256 * 1024, expect: [body().contains('never there')] }));
    expect(run.observation.reached).toBe(true);
    expect((run.observation.values.body as string).length).toBe(256 * 1024);
    expect(run.observation.error).toBe('response body is larger than the 256 KiB limit (maxBodyBytes)');
    expect(run.judgement.status).toBe('down');
    expect(run.elapsedMs).toBeLessThan(5_000);
  });

  it('stops reading a never-ending body at the limit', async () => {
    const run = await runOnce(http({ id: 'h', url: targetUrl('/endless'), maxBodyBytes: 1024, timeout: '10s', expect: [body().contains('still going')] }));
    expect(run.judgement.status).toBe('up');
    expect(run.observation.error).toMatch(/larger than the 1 KiB limit/);
  });

  it('does not read the body when no assertion needs it', async () => {
    const run = await runOnce(http({ id: 'h', url: targetUrl('/endless'), timeout: '5s' }));
    expect(run.judgement.status).toBe('up');
    expect(run.observation.values.body).toBeUndefined();
  });

  it('explains a JSON path on a body that is not JSON', async () => {
    const run = await runOnce(http({ id: 'h', url: targetUrl('/badjson'), expect: [json('$.status').eq('ok')] }));
    expect(run.judgement.status).toBe('down');
    expect(run.message).toMatch(/^\$\.status is missing \(response is not valid JSON: /);
    expect(run.message).toContain('(body starts "{\\"status\\": \\"ok\\",,, <html>")), expected "ok"');
  });

  it('reports a redirect loop', async () => {
    const run = await runOnce(http({ id: 'h', url: targetUrl('/redirect-loop') }));
    expect(run.judgement.status).toBe('down');
    expect(run.observation.error).toMatch(/^stopped after 5 redirects: .*\/redirect-loop → .*\/redirect-loop/);
    // Why the status is 302 is the point of the message.
    expect(run.message).toBe(`${run.observation.error}; status = 302, expected 2xx`);
  });

  it('never carries credentials across a redirect to another origin', async () => {
    const headers = { Authorization: secret('API_AUTH'), 'X-Api-Key': secret('API_KEY'), Cookie: secret('API_COOKIE'), Origin: 'https://app.example.com' };
    const secrets = { API_AUTH: 'Bearer sk-live-123456', API_KEY: 'key-7f3a9c', API_COOKIE: 'session=abc' };
    const seen = async (target: string) => {
      const run = await runOnce(http({ id: 'h', url: targetUrl(`/redirect-to?url=${encodeURIComponent(target)}`), headers, expect: [body().contains('"headers"')] }), secrets);
      expect(run.judgement.status).toBe('up');
      return (JSON.parse(run.observation.values.body as string) as { headers: Record<string, string> }).headers;
    };
    // Same origin: the request is the operator's, headers and all.
    const same = await seen('/echo');
    expect(same).toMatchObject({ authorization: 'Bearer sk-live-123456', 'x-api-key': 'key-7f3a9c', cookie: 'session=abc' });
    // Another origin (localhost is not 127.0.0.1): only the harmless headers follow.
    const other = await seen(targetUrl('/echo').replace('127.0.0.1', 'localhost'));
    expect(other.authorization).toBeUndefined();
    expect(other['x-api-key']).toBeUndefined();
    expect(other.cookie).toBeUndefined();
    expect(other).toMatchObject({ origin: 'https://app.example.com', 'user-agent': 'Vigil/0.1 (scheduled checks)' });
  });

  it('does not re-send a request body to another origin on a 307 or 308', async () => {
    const elsewhere = targetUrl('/echo').replace('127.0.0.1', 'localhost');
    const check = (code: number, url: string) =>
      http({ id: 'h', method: 'POST', url: targetUrl(`/redirect-to?code=${code}&url=${encodeURIComponent(url)}`), body: { token: secret('API_KEY') }, expect: [body().contains('"method":"POST"')] });
    for (const code of [307, 308]) {
      const run = await runOnce(check(code, elsewhere), { API_KEY: 'key-7f3a9c' });
      expect(run.judgement.status).toBe('down');
      expect(run.observation.error).toBe(`not following a ${code} redirect to another origin (${new URL(elsewhere).origin}): it would re-send the request body there`);
      expect(run.message).toBe(`body is missing (${run.observation.error}), expected to contain "\\"method\\":\\"POST\\""; status = ${code}, expected 2xx`);
    }
    // With only the default status assertion, the explanation still leads the message.
    const plain = await runOnce(http({ id: 'h', method: 'POST', url: targetUrl(`/redirect-to?code=307&url=${encodeURIComponent(elsewhere)}`), body: { token: secret('API_KEY') } }), { API_KEY: 'key-7f3a9c' });
    expect(plain.message).toBe(`not following a 307 redirect to another origin (${new URL(elsewhere).origin}): it would re-send the request body there; status = 307, expected 2xx`);
    // The same origin is the operator's own: followed, body and all.
    const same = await runOnce(check(307, '/echo'), { API_KEY: 'key-7f3a9c' });
    expect(same.judgement.status).toBe('up');
    expect(same.observation.values.body).toContain('key-7f3a9c');
  });

  it('follows redirects, or not', async () => {
    expect((await runOnce(http({ id: 'h', url: targetUrl('/redirect'), expect: [json('$.status').eq('ok')] }))).judgement.status).toBe('up');
    const manual = await runOnce(http({ id: 'h', url: targetUrl('/redirect'), followRedirects: false }));
    expect(manual.observation.values.status).toBe(302);
    expect(manual.judgement.status).toBe('up'); // without following, 3xx is fine by default
  });

  it('reports a refused connection after one retry', async () => {
    const run = await runOnce(http({ id: 'h', url: `${refusedUrl()}/health` }));
    expect(run.judgement.status).toBe('down');
    expect(run.attempts).toBe(2);
    expect(run.message).toBe(`${refusedUrl()}/health: connection refused (after 1 retry)`);
  });

  it('sends headers from secrets (R34) and is unknown when the secret is missing', async () => {
    const check = http({ id: 'openai', url: targetUrl('/auth'), headers: { Authorization: secret('OPENAI_AUTH') } });
    expect((await runOnce(check, { OPENAI_AUTH: 'Bearer sk-test-valid-key-123456' })).judgement.status).toBe('up');
    expect((await runOnce(check, { OPENAI_AUTH: 'Bearer sk-revoked-000000' })).message).toBe('status = 401, expected 2xx');
    const missing = await runOnce(check, {});
    expect(missing.judgement.status).toBe('unknown');
    expect(missing.message).toBe('secret OPENAI_AUTH is not set (wrangler secret put OPENAI_AUTH)');
  });

  it('checks a CORS header for an Origin (R03)', async () => {
    const expectCors = [header('access-control-allow-origin').eq('https://app.example.com')];
    const good = await runOnce(http({ id: 'cors', url: targetUrl('/cors'), headers: { Origin: 'https://app.example.com' }, expect: expectCors }));
    expect(good.judgement.status).toBe('up');
    const bad = await runOnce(http({ id: 'cors', url: targetUrl('/cors'), headers: { Origin: 'https://evil.example.com' }, expect: expectCors }));
    expect(bad.message).toBe('header access-control-allow-origin is missing, expected "https://app.example.com"');
  });

  it('sends a JSON body and any method', async () => {
    const run = await runOnce(http({ id: 'post', url: targetUrl('/echo'), method: 'POST', body: { q: 'test' }, expect: [json('$.method').eq('POST'), json('$.body').eq('{"q":"test"}'), json('$.headers["content-type"]').eq('application/json')] }));
    expect(run.message).toBe('$.method = "POST", $.body = "{\\"q\\":\\"test\\"}", $.headers["content-type"] = "application/json"');
    expect(run.judgement.status).toBe('up');
  });

  it('HEAD requests do not read a body (R02)', async () => {
    const run = await runOnce(http({ id: 'web', url: targetUrl('/head-only'), method: 'HEAD', expect: [status(200), body().contains('html')] }));
    expect(run.observation.values.status).toBe(200); // the target answers 405 to anything but HEAD
    expect(run.observation.values.body).toBeUndefined();
    expect(run.message).toMatch(/^body is missing/);
  });

  it('times out after 10 s by default', () => {
    expect(config({ checks: [http({ id: 'h', url: targetUrl('/ok') })] }).checks[0]?.timeoutMs).toBe(10_000);
  });
});
