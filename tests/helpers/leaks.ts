// The secret-marker scenario: every configured secret holds a marker, the
// checks, a job's ping, a task's note and the channels are made to put those
// secrets in their way (driver errors quoting a password, a secret URL whose
// path holds a token, a job printing another secret, a person pasting one in a
// note, a target echoing the admin token, inline credentials given to
// validate), and every place Vigil writes to is collected as text: the
// ledger's storage, KV, the logs, the routes (the page, the APIs, badges, the
// acknowledge page, the task route), what each of the 16 channel types sent
// (vendor hosts routed to the sink, Cloudflare email through a stand-in
// send_email binding), and npm run check and validate. tests/redaction.test.ts
// asserts no marker is in any of them; tests/redaction-off.test.ts runs the
// same with redaction switched off and asserts the markers are found, so the
// first test can fail.
import { neon } from '@neondatabase/serverless';
import { env } from 'cloudflare:workers';
import { expect, vi } from 'vitest';
import { bearer, checklist, discord, email, gauge, googleChat, heartbeat, http, json, mattermost, metrics, ntfy, opsgenie, pagerduty, pg, postgres, pushover, secret, slack, task, teams, telegram, webhook } from '../../src/config';
import { CHANNEL_TYPES, type ChannelType } from '../../src/notify';
import type { NpmResult, NpmRun } from '../support/npm';
import type { Recorded } from '../support/recorded';
import { control, ledgerDump, MINUTE, program, received, refusedUrl, reset, sinkSigningSecret, sinkUrl, targetUrl, testVigil, unique, workerEnv } from './index';
import { admin, pgUrls } from './pg';
import { fakeSendEmail, routedFetch, type SentEmail } from './vendors';

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
  /** In the paths of the Discord, Teams and Mattermost webhook URLs, and the Google Chat one's query (secrets). */
  discordPath: 'DiscordPathT0ken-5e1f7a',
  teamsPath: 'TeamsPathT0ken-8c2d4b',
  mattermostPath: 'MattermostPathT0ken-1d9e3f',
  googleChatToken: 'GoogleChatT0ken-4a7b2c',
  /** The vendors' keys and tokens (a PagerDuty routing key is 32 characters, Pushover's 30 letters and digits). */
  pagerdutyKey: 'PagerDutyKeyMarker0123456789abcd',
  opsgenieKey: 'OpsgenieKeyMarker-2b8d6e',
  resendKey: 're_ResendKeyMarker-6f3a1c',
  postmarkToken: 'PostmarkT0kenMarker-9d4e2b',
  sendgridKey: 'SG.SendGridKeyMarker-3c7f1a',
  mailgunKey: 'key-MailgunKeyMarker-0e5b8d',
  pushoverToken: 'PushoverAppT0kenMarker7a1c2e4f',
  pushoverUser: 'PushoverUserKeyMarker3b5d7f9a1',
  ntfyToken: 'tk_NtfyT0kenMarker-2f6a9c',
  /** Credentials written inline in a config given to npm run validate (a connection string, a channel's bot token). */
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

/**
 * Where each platform's API takes the channel's own credential: the request
 * headers and body fields left out of what is grepped in that channel's own
 * requests (its credential must reach its platform there, and only there).
 * Webhook URLs' paths and queries are the platform's address and are never
 * grepped; everything else each platform received is.
 */
export const CREDENTIAL_PLACES: Partial<Record<ChannelType, { headers?: string[]; fields?: string[] }>> = {
  pagerduty: { fields: ['routing_key'] },
  opsgenie: { headers: ['authorization'] },
  resend: { headers: ['authorization'] },
  postmark: { headers: ['x-postmark-server-token'] },
  sendgrid: { headers: ['authorization'] },
  mailgun: { headers: ['authorization'] },
  pushover: { fields: ['token', 'user'] },
  ntfy: { headers: ['authorization'] },
};

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
  /** Where each channel type's requests are recorded (Slack's, Discord's, Teams' and Mattermost's with a marker in the path). */
  const sinks: Record<Exclude<ChannelType, 'cloudflare-email'>, string> = {
    webhook: sinkId,
    slack: `${sinkId}-${MARKERS.slackPath}`,
    discord: `${sinkId}-${MARKERS.discordPath}`,
    telegram: sinkId,
    teams: `${sinkId}-${MARKERS.teamsPath}`,
    mattermost: `${sinkId}-${MARKERS.mattermostPath}`,
    'google-chat': `${sinkId}-gchat`,
    ntfy: `${sinkId}-ntfy`,
    pagerduty: `${sinkId}-pagerduty`,
    opsgenie: `${sinkId}-opsgenie`,
    pushover: `${sinkId}-pushover`,
    resend: `${sinkId}-resend`,
    postmark: `${sinkId}-postmark`,
    sendgrid: `${sinkId}-sendgrid`,
    mailgun: `${sinkId}-mailgun`,
  };
  const mail = fakeSendEmail();
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
    HOOK_URL: sinkUrl(`/hook/${sinks.webhook}`),
    SLACK_URL: sinkUrl(`/slack/${sinks.slack}`),
    DISCORD_URL: sinkUrl(`/discord/${sinks.discord}`),
    TELEGRAM_TOKEN: MARKERS.telegramToken,
    TEAMS_URL: sinkUrl(`/teams/${sinks.teams}`),
    MATTERMOST_URL: sinkUrl(`/mattermost/${sinks.mattermost}`),
    GCHAT_URL: sinkUrl(`/gchat/${sinks['google-chat']}?key=AIzaSy-leak&token=${MARKERS.googleChatToken}`),
    NTFY_TOKEN: MARKERS.ntfyToken,
    PD_KEY: MARKERS.pagerdutyKey,
    OG_KEY: MARKERS.opsgenieKey,
    PO_TOKEN: MARKERS.pushoverToken,
    PO_USER: MARKERS.pushoverUser,
    RESEND_KEY: MARKERS.resendKey,
    POSTMARK_TOKEN: MARKERS.postmarkToken,
    SG_KEY: MARKERS.sendgridKey,
    MG_KEY: MARKERS.mailgunKey,
  };
  const from = 'Vigil <vigil@acme.dev>';
  const to = 'ops@acme.dev';
  const channels = {
    hooks: webhook({ url: secret('HOOK_URL'), signingSecret: sinkSigningSecret }),
    chat: slack({ webhookUrl: secret('SLACK_URL') }),
    dev: discord({ webhookUrl: secret('DISCORD_URL') }),
    phone: telegram({ botToken: secret('TELEGRAM_TOKEN'), chatId: -1001234567890, apiBase: sinkUrl(`/telegram/${sinks.telegram}`) }),
    office: teams({ webhookUrl: secret('TEAMS_URL') }),
    team: mattermost({ webhookUrl: secret('MATTERMOST_URL') }),
    space: googleChat({ webhookUrl: secret('GCHAT_URL') }),
    push: ntfy({ topic: 'vigil-leaks', server: sinkUrl(`/ntfy/${sinks.ntfy}`), token: secret('NTFY_TOKEN') }),
    pager: pagerduty({ routingKey: secret('PD_KEY') }),
    genie: opsgenie({ apiKey: secret('OG_KEY') }),
    mobile: pushover({ token: secret('PO_TOKEN'), user: secret('PO_USER') }),
    resend: email.resend({ apiKey: secret('RESEND_KEY'), from, to }),
    postmark: email.postmark({ serverToken: secret('POSTMARK_TOKEN'), from, to }),
    sendgrid: email.sendgrid({ apiKey: secret('SG_KEY'), from, to }),
    mailgun: email.mailgun({ apiKey: secret('MG_KEY'), domain: 'mg.acme.dev', from: 'Vigil <vigil@mg.acme.dev>', to }),
    cloudflare: email.cloudflare({ binding: 'ALERT_MAIL', from, to }),
  };
  // Every channel type is in the scenario (a new one must be added here to be grepped).
  expect(new Set(Object.values(channels).map((channel) => channel.type))).toEqual(new Set(CHANNEL_TYPES));
  const worker = testVigil({
    page: { title: 'Redaction', url: 'https://status.example.com' },
    // 8 alerts to 16 channels: more deliveries than the free plan's 50 subrequests a tick.
    settings: { subrequests: 1000 },
    channels,
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
    checklists: [checklist({ id: 'monthly', name: 'Monthly', cron: '0 9 1 * *', notify: ['hooks'], items: [task({ id: 'rotate', text: 'Rotate the job API token' })] })],
  }, {
    secrets,
    // The ledger's deliveries reach vendor hosts through the sink, and Cloudflare email through the stand-in binding.
    deps: { fetch: routedFetch((platform) => sinks[platform as keyof typeof sinks]), env: { ...workerEnv(secrets), ALERT_MAIL: mail.binding } },
  });
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

  // A person marks the task done and pastes a token in the note; then acknowledges an incident from an alert's link.
  const done = await call('/api/checklists/monthly/items/rotate/done', {
    method: 'POST',
    headers: { authorization: `Bearer ${MARKERS.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ by: 'dana', note: `rotated; the old one was api${MARKERS.pingOutput}` }),
  });
  expect(done.status).toBe(200);
  surfaces['POST /api/checklists/monthly/items/rotate/done'] = await done.text();
  const hooks = (await received(sinks.webhook)).map((record) => JSON.parse(record.body) as { acknowledgeUrl?: string });
  const ackUrl = hooks.find((body) => body.acknowledgeUrl)?.acknowledgeUrl;
  expect(ackUrl, 'the alerts carry an acknowledge link').toBeDefined();
  const ackPage = await call(ackUrl as string);
  expect(ackPage.status).toBe(200);
  surfaces['GET /ack/<incident>'] = await ackPage.text();
  const ackUrlParts = new URL(ackUrl as string);
  const acknowledged = await call(`${ackUrlParts.origin}${ackUrlParts.pathname}`, { method: 'POST', body: new URLSearchParams({ exp: ackUrlParts.searchParams.get('exp') ?? '', mac: ackUrlParts.searchParams.get('mac') ?? '', by: 'dana' }) });
  expect(acknowledged.status).toBe(200);
  surfaces['POST /ack/<incident>'] = await acknowledged.text();

  surfaces.kv = await everyKV();
  surfaces.ledger = await ledgerDump(worker.config);
  for (const [type, id] of Object.entries(sinks) as Array<[ChannelType, string]>) {
    // What the platform received: the payloads and headers (the request path and query are the platform's address, not Vigil's text).
    const records = await received(id);
    expect(records.filter((record) => record.status >= 200 && record.status < 300).length, `${type} took the alerts`).toBeGreaterThanOrEqual(7);
    surfaces[`alerts:${type}`] = JSON.stringify(records.map((record) => withoutOwnCredential(type, record)));
  }
  expect(mail.sent.length, 'cloudflare-email took the alerts').toBeGreaterThanOrEqual(7);
  surfaces['alerts:cloudflare-email'] = JSON.stringify(mail.sent.map(emailAsRead));
  surfaces.logs = logged();

  const cli = await cliSurfaces(redaction, secrets, echoName);
  return { ...surfaces, ...cli };
}

/** What a platform received, without its own credential where its API takes it (CREDENTIAL_PLACES); decoded bodies, so nothing hides in an encoding. */
function withoutOwnCredential(type: ChannelType, record: Recorded): unknown {
  const places = CREDENTIAL_PLACES[type] ?? {};
  const headers = Object.fromEntries(Object.entries(record.headers).filter(([name]) => !places.headers?.includes(name)));
  const parsed = record.parsed && typeof record.parsed === 'object' ? Object.fromEntries(Object.entries(record.parsed).filter(([name]) => !places.fields?.includes(name))) : record.parsed;
  // The raw body holds the credential too where the platform takes it there (a form field, a JSON member): the parsed body stands for it.
  return { headers, ...(parsed === undefined ? { body: record.body } : { parsed }) };
}

/** An email as its reader gets it: the MIME text and what it decodes to (subject, headers, text, HTML). */
function emailAsRead(sent: SentEmail): unknown {
  const { subject, headers, text, html } = sent.parsed;
  return { from: sent.from, to: sent.to, mime: sent.mime, subject, headers, text, html };
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
      'vigil.config.ts': `import { defineConfig, http, opsgenie, postgres, telegram } from '../src/config';
export default defineConfig({
  channels: {
    phone: telegram({ botToken: '123456:${MARKERS.inline}', chatId: 1 }),
    // The key pasted into another field too, whose message would quote it.
    pager: opsgenie({ apiKey: '${MARKERS.inline}', region: '${MARKERS.inline}' as never }),
  },
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

/**
 * The markers found in each surface: `{ kv: ['dbPassword'] }`, only surfaces
 * with any. Also where a channel's escaping split one up: Discord, Teams and
 * Mattermost put a backslash before Markdown characters
 * (`S3cretMarker\-7f3a9c`), and JSON escapes those backslashes again.
 */
export function markersIn(surfaces: Surfaces): Record<string, Marker[]> {
  const found: Record<string, Marker[]> = {};
  for (const [surface, text] of Object.entries(surfaces)) {
    const unescaped = text.replace(/\\/g, '');
    const here = (Object.keys(MARKERS) as Marker[]).filter((marker) => text.includes(MARKERS[marker]) || unescaped.includes(MARKERS[marker]));
    if (here.length > 0) found[surface] = here;
  }
  return found;
}
