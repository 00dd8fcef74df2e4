// `npm run notify-test -- <channel>` run as a user runs it: a child process
// (tsx src/cli/notify-test.ts, started by the test control server) in its own
// directory with a config file and a .dev.vars, sending to the sink.
import { describe, expect, it } from 'vitest';
import { control, failNext, received, sinkUrl, unique } from './helpers';

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';

function configFile(id: string): string {
  return `
import { defineConfig, pagerduty, secret, slack, webhook } from '@vigil/src/config/index.ts';

export default defineConfig({
  page: { title: 'Acme', url: 'https://status.example.com' },
  channels: {
    ops: slack({ webhookUrl: secret('SLACK_WEBHOOK_URL') }),
    pager: pagerduty({ routingKey: secret('PAGERDUTY_ROUTING_KEY'), apiBase: '${sinkUrl(`/pagerduty/${id}`)}' }),
    hooks: webhook({ url: '${sinkUrl(`/hook/${id}-hooks`)}', standardWebhooks: secret('WEBHOOK_WHSEC') }),
  },
  checks: [],
});
`;
}

async function notifyTest(id: string, args: string[], env: Record<string, string> = {}, devVars = `SLACK_WEBHOOK_URL=${sinkUrl(`/slack/${id}`)}\n`): Promise<CliRun> {
  return control<CliRun>('/cli', { script: 'notify-test', args: [...args, '--config', 'index.ts'], env, files: { 'index.ts': configFile(id), '.dev.vars': devVars } });
}

describe('npm run notify-test', () => {
  it('sends a sample alert and a sample digest with the secrets from .dev.vars, and prints the answers without the secret', async () => {
    const id = unique('cli');
    const run = await notifyTest(id, ['ops']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const host = new URL(sinkUrl()).host;
    expect(run.stdout.split('\n')).toEqual(['channel "ops" (slack)', 'sample alert: delivered', `  ${host}: HTTP 200 ok`, 'sample digest: delivered', `  ${host}: HTTP 200 ok`, '']);
    expect(run.stdout).not.toContain(id);
    const requests = await received(id);
    expect(requests.map((request) => request.problems)).toEqual([[], []]);
    expect(JSON.parse(requests[0]!.body).text).toContain('Vigil notify-test is down');
    expect(JSON.parse(requests[1]!.body).text).toContain('Sample checklist (npm run notify-test)');
  });

  it('--alert-only on a pager: the alert and its resolve (so no test incident stays open), no digest', async () => {
    const id = unique('cli');
    const run = await notifyTest(id, ['pager', '--alert-only'], { PAGERDUTY_ROUTING_KEY: ROUTING_KEY });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('sample alert: delivered');
    expect(run.stdout).toMatch(/HTTP 202 \{"status":"success","message":"Event processed","dedup_key":"vigil-notify-test-[a-z0-9]+"\}/);
    expect(run.stdout).toContain('sample recovery (closes the sample alert): delivered');
    expect(run.stdout).not.toContain('sample digest');
    expect(run.stdout).not.toContain(ROUTING_KEY);
    const actions = (await received(id)).map((request) => JSON.parse(request.body) as { event_action: string; dedup_key: string });
    expect(actions.map((event) => event.event_action)).toEqual(['trigger', 'resolve']);
    expect(actions[0]!.dedup_key).toBe(actions[1]!.dedup_key);
  });

  it('--digest-only, and a pager says it takes no digests', async () => {
    const id = unique('cli');
    const digest = await notifyTest(id, ['ops', '--digest-only']);
    expect(digest.code).toBe(0);
    expect(digest.stdout).not.toContain('sample alert');
    expect(await received(id)).toHaveLength(1);
    const pager = await notifyTest(id, ['pager', '--digest-only'], { PAGERDUTY_ROUTING_KEY: ROUTING_KEY });
    expect(pager.stdout).toMatch(/^sample digest: skipped \(pagerduty takes no digests: /m);
  });

  it('a platform error is printed with its status and whether Vigil would retry; the exit code says it failed', async () => {
    const id = unique('cli');
    await failNext(id, { mode: '500', times: 1 });
    const run = await notifyTest(id, ['ops', '--alert-only']);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('sample alert: FAILED (would be retried)');
    expect(run.stdout).toContain('HTTP 500 internal_error');
  });

  it('the Standard Webhooks secret comes from the environment, and the receiver verifies it', async () => {
    const id = unique('cli');
    const run = await notifyTest(id, ['hooks', '--alert-only'], { WEBHOOK_WHSEC: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
    expect(run.code).toBe(0);
    expect((await received(`${id}-hooks`))[0]?.standardSignature).toBe('valid');
  });

  it('a missing secret, an unknown channel and no channel name are clear errors', async () => {
    const id = unique('cli');
    const missing = await notifyTest(id, ['pager']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('channel "pager": secret PAGERDUTY_ROUTING_KEY is not set (wrangler secret put PAGERDUTY_ROUTING_KEY); set it in the environment or in .dev.vars');
    const unknown = await notifyTest(id, ['chat']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe('index.ts: no channel "chat"; channels: ops, pager, hooks');
    const none = await control<CliRun>('/cli', { script: 'notify-test', args: [] });
    expect(none.code).toBe(64);
    expect(none.stderr).toContain('usage: npm run notify-test -- <channel>');
  });
});
