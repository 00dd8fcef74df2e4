// The secret-marker scenario: every configured secret holds a marker, the
// checks, a job's ping and the channels are made to put those secrets in
// their way (driver errors quoting a password, a secret URL whose path holds a
// token, a job printing another secret, a target echoing the admin token, an
// inline credential given to validate), and every place Vigil writes to is
// collected as text. tests/redaction.test.ts asserts no marker is in any of
// them; tests/redaction-off.test.ts runs the same with redaction switched off
// and asserts the markers are found, so the first test can fail.
import { neon } from '@neondatabase/serverless';
import { env } from 'cloudflare:workers';
import { expect, vi } from 'vitest';
import { bearer, discord, gauge, heartbeat, http, json, metrics, pg, postgres, secret, slack, telegram, webhook } from '../../src/config';
import type { NpmResult, NpmRun } from '../support/npm';
import { SINK_SIGNING_SECRET } from '../support/recorded';
import { control, ledgerDump, MINUTE, program, received, refusedUrl, reset, sinkUrl, targetUrl, testVigil, unique } from './index';
import { admin, pgUrls } from './pg';

/** One marker per secret, so a leak says whose it is. */
export const MARKERS = {
  /** The password of the PostgreSQL role the pg checks log in as (tests/support/postgres.ts). */
  dbPassword: 'S3cretMarker-7f3a9c',
  /** A token in the path of a URL that is itself a secret (http and metrics checks). */
  urlPath: 'UrlPathT0ken-3b9e1d',
  /** A secret of another check that a job prints in its ping output. */
  pingOutput: 'PingOutputT0ken-c41a7e',
  /** VIGIL_ADMIN_TOKEN, echoed back by a target. */
  adminToken: 'AdminT0kenMarker-5d2f08',
  /** The heartbeat's own ping token. */
  heartbeatToken: 'HeartbeatT0ken-e19b4477',
  /** In the path of the Slack webhook URL (a secret). */
  slackPath: 'SlackPathT0ken-0a8c3f',
  /** The Telegram bot token. */
  telegramToken: '123456:TelegramT0ken-7be2a1',
  /** A credential written inline in a config given to npm run validate. */
  inline: 'InlineCredT0ken-94c0de',
} as const;

export type Marker = keyof typeof MARKERS;

/** The text of every place Vigil writes to, by name (`kv`, `GET /api/status`, `alerts:slack`, `npm run check` ...). */
export type Surfaces = Record<string, string>;

interface KVList {
  list(options?: { cursor?: string }): Promise<{ keys: Array<{ name: string }>; list_complete: boolean; cursor?: string }>;
  get(key: string): Promise<string | null>;
}

/**
 * KV keys whose values may hold a marker, with why. None: ping bodies are
 * redacted with every configured secret before the ledger stores them.
 */
export const KNOWN_RAW: Array<{ key: RegExp; marker: Marker; why: string }> = [];

const ECHO = `SELECT '${MARKERS.dbPassword}'::int AS n`;

/** Runs the whole scenario; with `redaction: 'off'`, the CLIs run with redaction switched off too. */
export async function leakSurfaces(options: { redaction: 'on' | 'off' } = { redaction: 'on' }): Promise<Surfaces> {
  await reset();
  const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) => vi.spyOn(console, method));
  try {
    return await collect(options.redaction, () =>
      spies
        .flatMap((spy) => spy.mock.calls.flat())
        .map((arg) => (arg instanceof Error ? `${arg.message}\n${arg.stack ?? ''}` : typeof arg === 'string' ? arg : JSON.stringify(arg)))
        .join('\n'),
    );
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

async function collect(redaction: 'on' | 'off', logged: () => string): Promise<Surfaces> {
  const reader = pgUrls().reader;
  const unparsable = reader.replace(/@([^/]+)\//, '@$1\\');
  // The raw texts really carry the password: PostgreSQL quoting the value, the driver quoting the connection string.
  expect(await admin(ECHO, [], reader).then(() => '', (error: Error) => error.message)).toContain(MARKERS.dbPassword);
  expect(await neon(unparsable)`SELECT 1`.then(() => '', (error: Error) => error.message)).toContain(MARKERS.dbPassword);

  const sinkId = unique('leak');
  const echoName = unique('echo');
  await program(echoName, { json: { msg: `token is ${MARKERS.adminToken}` } });
  const down = { confirmations: { down: 1 } };
  const privateUrl = `${refusedUrl()}/p/x/${MARKERS.urlPath}?k=v`;
  const secrets = {
    LEAKY_DB: reader,
    LEAKY_URL: unparsable,
    WRONG_USER_URL: reader.replace('://vigil_reader:', '://nobody:'),
    PRIVATE_URL: privateUrl,
    PRIVATE_METRICS_URL: `${refusedUrl()}/metrics/${MARKERS.urlPath}`,
    JOB_API_TOKEN: MARKERS.pingOutput,
    VIGIL_ADMIN_TOKEN: MARKERS.adminToken,
    HEARTBEAT_TOKEN: MARKERS.heartbeatToken,
    HOOK_URL: sinkUrl(`/hook/${sinkId}`),
    HOOK_SECRET: SINK_SIGNING_SECRET,
    SLACK_URL: sinkUrl(`/slack/${sinkId}-${MARKERS.slackPath}`),
    DISCORD_URL: sinkUrl(`/discord/${sinkId}`),
    TELEGRAM_TOKEN: MARKERS.telegramToken,
  };
  const worker = testVigil({
    page: { title: 'Redaction' },
    channels: {
      hooks: webhook({ url: secret('HOOK_URL'), signingSecret: secret('HOOK_SECRET') }),
      chat: slack({ webhookUrl: secret('SLACK_URL') }),
      dev: discord({ webhookUrl: secret('DISCORD_URL') }),
      phone: telegram({ botToken: secret('TELEGRAM_TOKEN'), chatId: -1001234567890, apiBase: sinkUrl(`/telegram/${sinkId}`) }),
    },
    checks: [
      postgres({ id: 'pg-echo', name: 'Echo over WebSocket', connection: secret('LEAKY_DB'), query: ECHO, wsProxy: pgUrls().wsProxy, ...down }),
      postgres({ id: 'pg-echo-http', name: 'Echo over HTTP', connection: secret('LEAKY_DB'), query: ECHO, transport: 'http', httpEndpoint: pgUrls().httpEndpoint, ...down }),
      pg.ping({ id: 'pg-unparsable', name: 'Unparsable', connection: secret('LEAKY_URL'), transport: 'http', httpEndpoint: pgUrls().httpEndpoint, ...down }),
      pg.ping({ id: 'pg-wrong-user', name: 'Wrong user', connection: secret('WRONG_USER_URL'), wsProxy: pgUrls().wsProxy, ...down }),
      http({ id: 'private-api', name: 'Private API', url: secret('PRIVATE_URL'), retry: false, ...down }),
      metrics({ id: 'private-metrics', name: 'Private metrics', url: secret('PRIVATE_METRICS_URL'), values: { up: gauge('up') }, retry: false, ...down }),
      http({ id: 'echo', name: 'Echo', url: targetUrl(`/p/${echoName}`), headers: { Authorization: bearer('JOB_API_TOKEN') }, expect: [json('$.msg').eq('ok')], ...down }),
      heartbeat({ id: 'nightly', name: 'Nightly job', token: secret('HEARTBEAT_TOKEN'), period: '1h', ...down }),
    ],
  }, { secrets });
  const call = (path: string, init?: RequestInit) => worker.fetch(path, init);

  // The job prints another check's secret; then the ticks run and alert.
  const ping = await call(`/ping/${MARKERS.heartbeatToken}/fail`, { method: 'POST', body: `deploying\ncurl -H "Authorization: api${MARKERS.pingOutput}" ...\nexit 1\n` });
  expect(ping.status).toBe(200);
  const now = Date.now() - (Date.now() % MINUTE);
  await worker.tick(now - MINUTE);
  await worker.tick(now);

  const status = (await (await call('/api/status')).json()) as { checks: Array<{ id: string; status: string; message: string }> };
  // The checks did fail, with the texts that carried the secrets.
  expect(Object.fromEntries(status.checks.map((c) => [c.id, c.status]))).toEqual({
    'pg-echo': 'down',
    'pg-echo-http': 'down',
    'pg-unparsable': 'unknown',
    'pg-wrong-user': 'down',
    'private-api': 'down',
    'private-metrics': 'down',
    echo: 'down',
    nightly: 'down',
  });

  const surfaces: Surfaces = {};
  const text = async (path: string) => (surfaces[`GET ${path}`] = await (await call(path)).text());
  surfaces['ping response'] = await ping.text();
  for (const path of ['/', '/api/status', '/api/v2/status.json', '/api/v2/summary.json', '/health']) await text(path);
  for (const { id } of status.checks) {
    await text(`/badge/${id}.svg`);
    await text(`/badge/${id}.svg?uptime=30d`);
  }
  surfaces.kv = await everyKV();
  surfaces.ledger = await ledgerDump(worker.config);
  for (const [channel, id] of [['webhook', sinkId], ['slack', `${sinkId}-${MARKERS.slackPath}`], ['discord', sinkId], ['telegram', sinkId]] as const) {
    // What the platform received: the payloads and headers (the request path is the platform's address, not Vigil's text).
    const records = await received(id);
    expect(records.length, `${channel} got the alerts`).toBeGreaterThanOrEqual(7);
    surfaces[`alerts:${channel}`] = JSON.stringify(records.map(({ body, headers }) => ({ body, headers })));
  }
  surfaces.logs = logged();

  const cli = await cliSurfaces(redaction, secrets, echoName);
  return { ...surfaces, ...cli };
}

/** Every key and value in the test KV (the read model). */
async function everyKV(): Promise<string> {
  const kv = (env as unknown as { VIGIL_KV: KVList }).VIGIL_KV;
  const entries: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await kv.list(cursor ? { cursor } : {});
    for (const { name } of page.keys) {
      const value = (await kv.get(name)) ?? '';
      const allowed = KNOWN_RAW.filter((known) => known.key.test(name)).map((known) => MARKERS[known.marker]);
      entries.push(`${name}=${allowed.reduce((rest, marker) => rest.split(marker).join('[known raw]'), value)}`);
    }
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return entries.join('\n');
}

/** npm run check with the same secrets in its environment, npm run validate with an inline credential. */
async function cliSurfaces(redaction: 'on' | 'off', secrets: Record<string, string>, echoName: string): Promise<Surfaces> {
  const npm = (run: NpmRun) => control<NpmResult>('/npm', { ...run, redaction });
  const check = await npm({
    script: 'check',
    args: ['$DIR/vigil.config.ts'],
    env: secrets,
    files: {
      'vigil.config.ts': `import { defineConfig, http, json, postgres, secret, webhook } from '../src/config';
export default defineConfig({
  channels: { hooks: webhook({ url: secret('HOOK_URL'), signingSecret: secret('HOOK_SECRET') }) },
  checks: [
    postgres({ id: 'pg-echo', connection: secret('LEAKY_DB'), query: ${JSON.stringify(ECHO)}, wsProxy: ${JSON.stringify(pgUrls().wsProxy)}, retry: false }),
    http({ id: 'private-api', url: secret('PRIVATE_URL'), retry: false }),
    http({ id: 'echo', url: ${JSON.stringify(targetUrl(`/p/${echoName}`))}, expect: [json('$.msg').eq('ok')], retry: false }),
  ],
});
`,
    },
  });
  expect(check.code, check.stderr).toBe(2);
  const validate = await npm({
    script: 'validate',
    args: ['$DIR/vigil.config.ts'],
    files: {
      'vigil.config.ts': `import { defineConfig, http, postgres } from '../src/config';
export default defineConfig({
  checks: [
    postgres({ id: 'db', connection: 'postgres://app:${MARKERS.inline}@db.example.com/app' as never, query: 'SELECT 1' }),
    http({ id: 'api', url: 'ftp://admin:${MARKERS.inline}@files.example.com/x' }),
  ],
});
`,
    },
  });
  expect(validate.code).toBe(1);
  return { 'npm run check': check.stdout + check.stderr, 'npm run validate': validate.stdout + validate.stderr };
}

/** The markers found in each surface: `{ kv: ['dbPassword'] }`, only surfaces with any. */
export function markersIn(surfaces: Surfaces): Record<string, Marker[]> {
  const found: Record<string, Marker[]> = {};
  for (const [surface, text] of Object.entries(surfaces)) {
    const here = (Object.keys(MARKERS) as Marker[]).filter((marker) => text.includes(MARKERS[marker]));
    if (here.length > 0) found[surface] = here;
  }
  return found;
}
