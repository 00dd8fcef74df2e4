// A wrong method on a path that exists answers 405 with Allow, on every route;
// a path that does not exist (or a badge of no check) stays a 404.
import { beforeEach, describe, expect, it } from 'vitest';
import { checklist, heartbeat, http, secret, task } from '../src/config';
import { allowedMethods } from '../src/web/methods';
import { reset, testVigil } from './helpers';

beforeEach(async () => {
  await reset();
});

const TOKEN = 'methods-token-5c0ffee1234';

const worker = testVigil({
  checks: [
    http({ id: 'api', url: 'https://api.example.com/health' }),
    heartbeat({ id: 'job', token: secret('JOB_TOKEN'), period: '1h' }),
  ],
  checklists: [checklist({ id: 'daily', name: 'Daily', cron: '0 9 * * *', items: ['api', task({ id: 'logs', text: 'Review logs' })] })],
}, { secrets: { JOB_TOKEN: TOKEN } });

function call(method: string, path: string) {
  return worker.fetch(path, { method });
}

describe('405 Method Not Allowed', () => {
  const cases: Array<[method: string, path: string, allow: string]> = [
    ['POST', '/', 'GET, HEAD'],
    ['DELETE', '/api/status', 'GET, HEAD'],
    ['POST', '/api/v2/status.json', 'GET, HEAD'],
    ['PUT', '/api/v2/summary.json', 'GET, HEAD'],
    ['POST', '/badge/api.svg', 'GET, HEAD'],
    ['POST', '/health', 'GET, HEAD'],
    ['DELETE', `/ping/${TOKEN}`, 'GET, HEAD, POST'],
    ['PUT', `/ping/${TOKEN}/start/`, 'GET, HEAD, POST'],
    ['GET', '/api/checklists/daily/items/logs/done', 'POST'],
  ];
  it.each(cases)('%s %s → 405, Allow: %s', async (method, path, allow) => {
    const response = await call(method, path);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe(allow);
    expect(await response.json()).toEqual({ error: `method ${method} not allowed; use ${allow}` });
  });

  it('a path no route has, or a resource a route does not find, is still a 404', async () => {
    for (const [method, path] of [['GET', '/nope'], ['POST', '/nope'], ['GET', '/badge/ghost.svg'], ['GET', '/badge/api.png']]) {
      const response = await call(method as string, path as string);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.headers.get('allow')).toBeNull();
    }
  });

  it('the right methods still work', async () => {
    expect((await call('GET', '/api/status')).status).toBe(200);
    expect((await call('HEAD', '/api/status')).status).toBe(200);
    expect((await call('POST', `/ping/${TOKEN}`)).status).toBe(200);
  });

  it('allowedMethods reads the routes as registered', () => {
    const app = { routes: [{ method: 'GET', path: '/a/:id' }, { method: 'POST', path: '/a/:id' }, { method: 'ALL', path: '*' }] };
    expect(allowedMethods(app, '/a/1')).toEqual(['GET', 'HEAD', 'POST']);
    expect(allowedMethods(app, '/b')).toEqual([]);
  });
});
