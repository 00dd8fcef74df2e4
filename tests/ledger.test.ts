// The ledger Durable Object: single writer of the engine's state.
import { describe, expect, it, beforeEach } from 'vitest';
import { http, slack, secret, status } from '../src/config';
import { config, ledger, MINUTE, program, published, received, reset, sinkUrl, T0, targetUrl, unique } from './helpers';

beforeEach(async () => {
  await reset();
});

describe('ledger', () => {
  it('runs ticks, stores state in SQLite, survives eviction and publishes the read model', async () => {
    const target = unique('api');
    const sinkId = unique('ops');
    await program(target, { status: 200, json: { status: 'ok' } });
    const cfg = config({ channels: { ops: slack({ webhookUrl: secret('SLACK_URL') }) }, checks: [http({ id: 'api', url: targetUrl(`/p/${target}`), expect: [status(200)] })] });
    const l = ledger(cfg, { secrets: { SLACK_URL: sinkUrl(`/slack/${sinkId}`) } });
    const first = await l.tick(T0);
    expect(first.ran).toEqual(['api']);
    expect(first.published.reason).toBe('first');
    await program(target, { status: 500 });
    await l.tick(T0 + MINUTE);
    l.evict();
    const third = await l.tick(T0 + 2 * MINUTE);
    expect(third.transitions).toEqual([{ check: 'api', from: 'up', to: 'down' }]);
    expect(third.delivery.delivered).toBe(1);
    expect((await received(sinkId)).length).toBe(1);
    const repeat = await l.tick(T0 + 2 * MINUTE);
    expect(repeat.skipped).toBe('duplicate');
    const doc = await published();
    expect(doc?.view.checks[0]?.status).toBe('down');
  });
});
