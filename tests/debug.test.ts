import { it, expect } from 'vitest';
import { defineConfig, http, json, secret, slack, status } from '../src/config';
import { config, ledgerState, program, received, runTick, sinkUrl, targetUrl, unique } from './helpers';
const friday = (hour: number, minute = 0) => Date.UTC(2026, 10, 20, hour, minute);
it('debug', async () => {
  const t = unique('api'); const pager = unique('p'); const chat = unique('c');
  const cfg = config(defineConfig({ channels: { pager: slack({ webhookUrl: secret('PAGER_URL'), severities: ['critical'] }), chat: slack({ webhookUrl: secret('CHAT_URL'), severities: ['warning'], hours: { days: 'mon-fri', from: '09:00', to: '18:00', tz: 'Europe/Berlin' } }) },
    checks: [http({ id: 'api', name: 'API', url: targetUrl(`/p/${t}`), expect: [status(200), json('$.status').eq('ok').warn()], confirmations: { down: 1, up: 1 } })] }));
  const secrets = { PAGER_URL: sinkUrl(`/slack/${pager}`), CHAT_URL: sinkUrl(`/slack/${chat}`) };
  await program(t, { json: { status: 'ok' } }); await runTick(cfg, friday(20), { secrets });
  await program(t, { json: { status: 'degraded' } }); await runTick(cfg, friday(21), { secrets });
  await program(t, { status: 500, json: { status: 'error' } }); console.log(JSON.stringify(await runTick(cfg, friday(21, 10), { secrets })));
  await program(t, { json: { status: 'ok' } }); console.log(JSON.stringify(await runTick(cfg, friday(21, 30), { secrets })));
  console.log(JSON.stringify((await ledgerState()).outbox, null, 1));
  console.log((await received(pager)).length);
});
