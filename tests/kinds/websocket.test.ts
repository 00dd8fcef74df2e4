// The websocket kind against a real WebSocket server (the `ws` package, started
// by the test setup): the handshake as a Worker makes it, one message and its
// reply, a clean close, and each way it can go wrong.
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { body, json, latency, reply, status, value, websocket } from '../../src/config';
import { validateConfig } from '../../src/config/validate';
import { runOnce } from '../helpers/run-once';
import { sleep, unique } from '../helpers';

const ws = (path: string) => `${inject('net').wsUrl.replace('http://', 'ws://')}${path}`;
function validateWebSocket(check: Parameters<typeof websocket>[0]): string[] {
  const result = validateConfig({ checks: [websocket(check)] });
  return result.ok ? [] : result.problems;
}
const closeCode = async (id: string) => ((await (await fetch(`${inject('net').wsUrl}/__ws/closes/${id}`)).json()) as { code: number | null }).code;

describe('websocket kind', () => {
  it('completes the handshake (101) and closes cleanly with 1000 (R04)', async () => {
    const id = unique('hs');
    const run = await runOnce(websocket({ id: 'chat', url: ws(`/echo?id=${id}`) }));
    expect(run.judgement.status).toBe('up');
    expect(run.observation.values).toMatchObject({ status: 101, handshakeMs: expect.any(Number) });
    await sleep(50);
    expect(await closeCode(id)).toBe(1000);
  });

  it('sends one JSON message and asserts on the reply by JSON path, with reply latency', async () => {
    const id = unique('json');
    const run = await runOnce(
      websocket({ id: 'chat', url: ws(`/echo?id=${id}`), send: { type: 'ping', room: 'lobby' }, expect: [json('$.echo.type').eq('ping'), json('$.ok').eq(true), latency().below(2000)] }),
    );
    expect(run.judgement.status).toBe('up');
    expect(run.observation.values.replyMs).toEqual(expect.any(Number));
    expect(run.observation.values.latencyMs as number).toBeGreaterThanOrEqual(run.observation.values.handshakeMs as number);
    await sleep(50);
    expect(await closeCode(id)).toBe(1000);
  });

  it('matches a text reply, and says what came when it does not match', async () => {
    const good = await runOnce(websocket({ id: 'chat', url: ws('/text'), send: 'hello', expect: [body().eq('pong: hello')] }));
    expect(good.judgement.status).toBe('up');
    const bad = await runOnce(websocket({ id: 'chat', url: ws('/text'), send: 'hello', expect: [reply().matches(/^ok/)] }));
    expect(bad.judgement.status).toBe('down');
    expect(bad.message).toBe('reply = "pong: hello", expected to match /^ok/');
  });

  it('a reply that is not JSON, when JSON paths are asserted, says so', async () => {
    const run = await runOnce(websocket({ id: 'chat', url: ws('/text'), send: 'hello', expect: [json('$.ok').eq(true)] }));
    expect(run.judgement.status).toBe('down');
    expect(run.message).toMatch(/the reply is not valid JSON/);
  });

  it('a server that accepts and never replies is down once replyTimeout passes, with the handshake time', async () => {
    const id = unique('silent');
    const run = await runOnce(websocket({ id: 'chat', url: ws(`/silent?id=${id}`), send: 'anyone?', replyTimeout: '500ms', retry: false }));
    expect(run.judgement.status).toBe('down');
    expect(run.message).toMatch(/connected \(handshake \d+ ms\), but no reply within 500 ms/);
    await sleep(50);
    expect(await closeCode(id)).toBe(1000);
  });

  it('a handshake that never completes is cut at the timeout', async () => {
    const run = await runOnce(websocket({ id: 'chat', url: ws('/hang'), timeout: '1s', retry: false }));
    expect(run.judgement.status).toBe('down');
    expect(run.message).toMatch(/timed out after 1s/);
    expect(run.elapsedMs).toBeLessThan(2_500);
  });

  it('a 403 instead of 101 is down: the default assertion wants 101', async () => {
    const run = await runOnce(websocket({ id: 'chat', url: ws('/reject') }));
    expect(run.judgement.status).toBe('down');
    expect(run.message).toBe('the server answered 403 instead of switching protocols (101); status = 403, expected 101');
  });

  it('a server that closes before replying is down with its close code', async () => {
    const run = await runOnce(websocket({ id: 'chat', url: ws('/slam'), send: 'hi', retry: false }));
    expect(run.judgement.status).toBe('down');
    expect(run.message).toMatch(/the server closed the connection \(code 1011 "server error"\) before a reply/);
    expect(run.observation.values.closeCode).toBe(1011);
  });

  it('a refused connection is down', async () => {
    const run = await runOnce(websocket({ id: 'chat', url: `${inject('refusedUrl').replace('http://', 'ws://')}/`, retry: false }));
    expect(run.judgement.status).toBe('down');
    expect(run.message).toMatch(/connection (failed|lost|refused)/);
  });

  it('accepts https:// and checks the URL at validation', () => {
    expect(validateWebSocket({ id: 'w', url: 'https://api.example.com/socket', expect: [status(101), value('handshakeMs').below(500)] })).toEqual([]);
    expect(validateWebSocket({ id: 'w', url: 'ftp://x' })).toEqual(['check "w": url: "ftp://x" is not a ws(s):// or http(s):// URL']);
    expect(validateWebSocket({ id: 'w', url: 'wss://x', replyTimeout: '2s' })).toEqual(['check "w": replyTimeout: only applies when the check waits for a message (send, or receive: true)']);
  });
});
