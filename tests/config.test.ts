// Config validation: every problem names the check and field, and the
// operator's checks/index.ts is valid (so `npm test` fails on a bad config).
import { describe, expect, it } from 'vitest';
import checksIndex from '../checks/index';
import { defineConfig, discord, email, googleChat, http, json, latency, mattermost, ntfy, opsgenie, pagerduty, pushover, secret, slack, status, teams, telegram, webhook, type ChannelInputs } from '../src/config';
import { loadConfig, validateConfig, ConfigError } from '../src/config/validate';

const ok = (extra: Record<string, unknown> = {}) => ({ kind: 'http', id: 'api', url: 'https://api.example.com/health', ...extra });

describe('invalid configs give messages naming the check and the field', () => {
  const cases: Array<[string, unknown, string]> = [
    ['duplicate ids', { checks: [ok(), ok()] }, 'check "api": id: duplicate id (check #1 has it too)'],
    ['unknown channel in notify', { channels: { ops: slack({ webhookUrl: secret('SLACK_URL') }) }, checks: [ok({ notify: ['pager'] })] }, 'check "api": notify[0]: unknown channel "pager"; defined channels: ops'],
    ['bad cron', { checks: [ok({ cron: '61 * * * *' })] }, 'check "api": cron: "61 * * * *" is not a valid cron expression'],
    ['bad duration', { checks: [ok({ every: '5 minutes' })] }, 'check "api": every: expected a duration such as "30s", "5m", "1h" or "7d"'],
    ['every below a minute', { checks: [ok({ every: '30s' })] }, 'check "api": every: must be whole minutes, at least "1m"'],
    ['every and cron together', { checks: [ok({ every: '5m', cron: '0 9 * * 1' })] }, 'check "api": every: use either every or cron, not both'],
    ['bad time zone', { checks: [ok({ cron: '0 9 * * 1', tz: 'Mars/Olympus' })] }, 'check "api": tz: "Mars/Olympus" is not an IANA time zone'],
    ['tz without cron', { checks: [ok({ tz: 'Europe/Berlin' })] }, 'check "api": tz: tz applies to cron schedules'],
    ['bad JSON path', { checks: [ok({ expect: [json('$..[').eq('ok')] })] }, 'check "api": expect[0]: json path "$..[" is not valid JSONPath'],
    ['bad regex', { checks: [ok({ expect: [{ source: { type: 'body' }, op: 'matches', value: '(' }] })] }, 'check "api": expect[0]: pattern "(" is not a valid regular expression'],
    ['threshold needs a number', { checks: [ok({ expect: [{ source: { type: 'latency' }, op: '<', value: 'fast' }] })] }, 'check "api": expect[0]: operator "<" needs a number, got "fast"'],
    ['unknown operator', { checks: [ok({ expect: [{ source: { type: 'status' }, op: '=~', value: 200 }] })] }, 'check "api": expect[0].op: "=~" is not one of'],
    ['unknown option with a suggestion', { checks: [ok({ expcet: [] })] }, 'check "api": unknown option "expcet" (did you mean "expect"?)'],
    ['missing url', { checks: [{ kind: 'http', id: 'api' }] }, 'check "api": url: is required'],
    ['url that is not http', { checks: [ok({ url: 'ftp://example.com' })] }, 'check "api": url: "ftp://example.com" is not an http(s) URL'],
    ['unknown kind', { checks: [{ kind: 'htp', id: 'api' }] }, 'check "api": kind: unknown kind "htp"; expected one of http'],
    ['bad id', { checks: [ok({ id: 'has space' })] }, 'check "has space": id: must be letters, digits, "-" and "_"'],
    ['timeout too long', { checks: [ok({ timeout: '2m' })] }, 'check "api": timeout: at most 30s'],
    ['secret with a bad name', { checks: [ok({ headers: { Authorization: { $secret: 'not-a-name' } } })] }, "check \"api\": headers.Authorization: expected text or secret('NAME')"],
    ['wrong type', { checks: [ok({ retry: 'yes' })] }, 'check "api": retry: expected boolean, got "yes"'],
    ['channel with an unknown type', { channels: { ops: { type: 'pagerdooty' } }, checks: [] }, 'channel "ops": type: unknown channel type "pagerdooty"; expected one of slack, discord, telegram, webhook, resend, postmark, sendgrid, mailgun, cloudflare-email, pagerduty, opsgenie, teams, google-chat, ntfy, pushover, mattermost'],
    ['channel missing its secret option', { channels: { hooks: { type: 'webhook', url: 'https://hooks.example.com' } }, checks: [] }, 'channel "hooks": signingSecret: is required'],
    ['assertion on a source the kind lacks', { checks: [ok({ expect: [{ source: { type: 'nope' }, op: 'exists' }] })] }, 'check "api": expect[0].source.type: unknown type "nope"'],
    ['GET with a body', { checks: [ok({ body: 'x' })] }, 'check "api": body: a GET request cannot have a body'],
    ['unknown top-level key', { chekcs: [], checks: [] }, 'config: unknown option "chekcs" (did you mean "checks"?)'],
    ['more than 6 connections', { settings: { maxConcurrency: 10 }, checks: [] }, 'settings.maxConcurrency: must be at most 6'],
    ['a zero timeout', { checks: [ok({ timeout: '0s' })] }, 'check "api": timeout: must be longer than zero'],
    ['flushing more often than ticks', { settings: { flushEvery: '10s' }, checks: [] }, 'settings.flushEvery: at least "1m" (ticks run once a minute)'],
    ['flushing beyond the KV budget', { settings: { flushEvery: '1m' }, checks: [] }, 'settings.flushEvery: "1m" flushes 1440 times a day; kvWritesPerDay 1000 keeps 350 for flushes, so flush every "5m" or more'],
  ];
  it.each(cases)('%s', (_name, input, message) => {
    const result = validateConfig(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join('\n')).toContain(message);
  });

  it('reports every problem at once, not only the first', () => {
    const result = validateConfig({ checks: [ok({ every: 'soon' }), ok({ id: 'web', url: 'nope' }), ok({ id: 'db', cron: 'x' })] });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toHaveLength(3);
  });

  it('a duplicate id is reported even when one of the two has other problems, and is not "unknown" elsewhere', () => {
    const result = validateConfig({ checks: [ok(), ok({ every: 'soon' }), ok({ id: 'web', dependsOn: ['api'] })] });
    expect(result.ok ? [] : result.problems).toEqual([
      'check "api": id: duplicate id (check #1 has it too)',
      'check "api": every: expected a duration such as "30s", "5m", "1h" or "7d"',
    ]);
    const broken = validateConfig({ checks: [ok({ every: 'soon' }), ok({ id: 'web', dependsOn: ['api'] })], maintenance: [{ id: 'm', title: 'M', cron: '0 2 * * 0', duration: '1h', checks: ['api'] }] });
    expect(broken.ok ? [] : broken.problems).toEqual(['check "api": every: expected a duration such as "30s", "5m", "1h" or "7d"']);
  });

  it('a bad settings section does not hide the checks\' problems', () => {
    const result = validateConfig({ settings: { maxConcurrency: 10 }, chekcs: [], checks: [ok({ every: 'soon' })] });
    expect(result.ok ? [] : result.problems).toEqual([
      'config: settings.maxConcurrency: must be at most 6, got 10',
      'config: unknown option "chekcs" (did you mean "checks"?)',
      'check "api": every: expected a duration such as "30s", "5m", "1h" or "7d"',
    ]);
  });

  it('a check with a problem of its own still has its dependsOn checked, in the same run', () => {
    const result = validateConfig({ checks: [ok({ id: 'web', url: 'nope', dependsOn: ['ghost', 'web'] })] });
    expect(result.ok ? [] : result.problems).toEqual([
      'check "web": url: "nope" is not an http(s) URL',
      'check "web": dependsOn[0]: unknown check "ghost"',
      'check "web": dependsOn[1]: a check cannot depend on itself',
    ]);
  });

  it('a check whose option does not parse still has its other fields checked, and a checklist naming it is not told it is unknown', () => {
    const result = validateConfig({
      checks: [ok({ every: 'soon', notify: ['ghost'], expect: [json('$..[').eq(1)] })],
      checklists: [{ id: 'daily', name: 'Daily', cron: '0 9 * * *', items: ['api', 'nope'] }],
    });
    expect(result.ok ? [] : result.problems).toEqual([
      'check "api": every: expected a duration such as "30s", "5m", "1h" or "7d"',
      expect.stringMatching(/^check "api": expect\[0\]: json path "\$\.\.\[" is not valid JSONPath/),
      'check "api": notify[0]: unknown channel "ghost"; no channels are defined',
      'checklist "daily": items[1]: unknown check "nope"',
    ]);
  });

  it('loadConfig throws a ConfigError listing the problems', () => {
    expect(() => loadConfig({ checks: [ok({ every: 'soon' })] })).toThrow(ConfigError);
    expect(() => loadConfig({ checks: [ok({ every: 'soon' })] })).toThrow(/check "api": every/);
  });
});

describe('a credential written inline', () => {
  const PASSWORD = 'Inl1nePassw0rd-c0d3';
  const cases: Array<[string, unknown, string]> = [
    [
      'a connection string where a secret belongs',
      { checks: [{ kind: 'postgres', id: 'db', connection: `postgres://app:${PASSWORD}@db.example.com/app`, query: 'SELECT 1' }] },
      "check \"db\": connection: a connection string with a password is written inline (not shown); use secret('DB_CONNECTION') there and run: npx wrangler secret put DB_CONNECTION",
    ],
    [
      'a URL with a password where text is allowed',
      { checks: [ok({ url: `https://admin:${PASSWORD}@api.example.com/health` })] },
      "check \"api\": url: a URL with a password is written inline; use secret('API_URL') there and run: npx wrangler secret put API_URL",
    ],
    [
      'an Authorization header with its token',
      { checks: [ok({ headers: { Authorization: `Bearer ${PASSWORD}` } })] },
      "check \"api\": headers.Authorization: an Authorization value with a token is written inline; use secret('API_HEADERS_AUTHORIZATION') there and run: npx wrangler secret put API_HEADERS_AUTHORIZATION",
    ],
    [
      'a token in a webhook URL\'s query',
      { channels: { ops: { type: 'slack', webhookUrl: `https://hooks.example.com/x?token=${PASSWORD}` } }, checks: [] },
      "channel \"ops\": webhookUrl: a URL with a credential in its query is written inline; use secret('OPS_WEBHOOKURL') there and run: npx wrangler secret put OPS_WEBHOOKURL",
    ],
    [
      'a long token where a secret belongs',
      { checks: [{ kind: 'heartbeat', id: 'job', token: `${PASSWORD}0123456789`, period: '1h' }] },
      "check \"job\": token: a token-like value is written inline (not shown); use secret('JOB_TOKEN') there and run: npx wrangler secret put JOB_TOKEN",
    ],
  ];
  it.each(cases)('%s is reported without its value, with the secret to use instead', (_name, input, message) => {
    const result = validateConfig(input);
    expect(result.ok).toBe(false);
    const text = result.ok ? '' : result.problems.join('\n');
    expect(text).toContain(message);
    expect(text).not.toContain(PASSWORD);
  });

  it('a message that would quote it (an option a kind rejects) does not', () => {
    const result = validateConfig({ checks: [ok({ url: `ftp://admin:${PASSWORD}@files.example.com/x` })] });
    const text = result.ok ? '' : result.problems.join('\n');
    expect(text).toContain('check "api": url:');
    expect(text).not.toContain(PASSWORD);
  });
});

describe('a channel credential written inline', () => {
  // Each value carries the marker, so that the message can be checked not to quote it.
  const MARK = 'Ch4nnelCred3ntial';
  const token = (length: number) => `${MARK}${'x0'.repeat(length)}`.slice(0, length);
  const guid = '3f2b8c1d-9e7a-4b6c-8d5e-1a2b3c4d5e6f';
  const to = 'ops@acme.dev';
  const from = 'vigil@acme.dev';
  const cases: Array<[string, ChannelInputs, string, string]> = [
    ['Slack webhook URL', slack({ webhookUrl: `https://hooks.slack.com/services/T0123ABCD/B0123ABCD/${token(24)}` }), 'webhookUrl', 'a URL with a token in its path'],
    ['Discord webhook URL', discord({ webhookUrl: `https://discord.com/api/webhooks/123456789012345678/${token(68).replace(/x/g, '_')}` }), 'webhookUrl', 'a URL with a token in its path'],
    ['Mattermost webhook URL', mattermost({ webhookUrl: `https://chat.acme.dev/hooks/${token(26).toLowerCase()}` }), 'webhookUrl', 'a URL with a token in its path'],
    ['Teams webhook URL', teams({ webhookUrl: `https://acme.webhook.office.com/webhookb2/${guid}@${guid}/IncomingWebhook/${MARK}/${guid}` }), 'webhookUrl', 'a URL with a token in its path'],
    ['Google Chat webhook URL', googleChat({ webhookUrl: `https://chat.googleapis.com/v1/spaces/AAAA/messages?key=AIzaSy${MARK}&token=${MARK}` }), 'webhookUrl', 'a URL with a credential in its query'],
    ['webhook URL', webhook({ url: `https://hooks.zapier.com/hooks/catch/123456/${token(24)}/`, signingSecret: secret('HOOK_SECRET') }), 'url', 'a URL with a token in its path'],
    ['Telegram bot token', telegram({ botToken: `123456:${MARK}`, chatId: 1 }), 'botToken', 'a credential'],
    ['PagerDuty routing key', pagerduty({ routingKey: token(32) }), 'routingKey', 'a credential'],
    ['Opsgenie API key', opsgenie({ apiKey: MARK }), 'apiKey', 'a credential'],
    ['Resend API key', email.resend({ apiKey: `re_${MARK}`, from, to }), 'apiKey', 'a credential'],
    ['Postmark server token', email.postmark({ serverToken: MARK, from, to }), 'serverToken', 'a credential'],
    ['SendGrid API key', email.sendgrid({ apiKey: `SG.${MARK}`, from, to }), 'apiKey', 'a credential'],
    ['Mailgun API key', email.mailgun({ apiKey: `key-${MARK}`, domain: 'mg.acme.dev', from, to }), 'apiKey', 'a credential'],
    ['Pushover application token', pushover({ token: token(30), user: secret('PUSHOVER_USER') }), 'token', 'a credential'],
    ['Pushover user key', pushover({ token: secret('PUSHOVER_TOKEN'), user: token(30) }), 'user', 'a credential'],
    ['ntfy access token', ntfy({ topic: 'vigil-alerts', token: `tk_${MARK}` }), 'token', 'a credential'],
    ['webhook signing secret', webhook({ url: 'https://hooks.acme.dev/vigil', signingSecret: MARK }), 'signingSecret', 'a credential'],
    ['Standard Webhooks secret', webhook({ url: 'https://hooks.acme.dev/vigil', standardWebhooks: `whsec_${MARK}` }), 'standardWebhooks', 'a credential'],
    ['webhook header named like a key', webhook({ url: 'https://hooks.acme.dev/vigil', signingSecret: secret('HOOK_SECRET'), headers: { 'X-Api-Key': MARK } }), 'headers.X-Api-Key', 'a credential header value'],
  ];
  it.each(cases)('%s is reported, naming the channel and field, without its value, with the secret to use instead', (_name, channel, field, what) => {
    const result = validateConfig({ channels: { alerts: channel }, checks: [] });
    const name = `ALERTS_${field.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase()}`;
    expect(result.ok ? [] : result.problems).toEqual([`channel "alerts": ${field}: ${what} is written inline; use secret('${name}') there and run: npx wrangler secret put ${name}`]);
    expect(JSON.stringify(result)).not.toContain(MARK);
  });

  it('every channel type that holds a credential says which options do', async () => {
    const { channels, CHANNEL_TYPES } = await import('../src/notify');
    const declared = Object.fromEntries(CHANNEL_TYPES.map((type) => [type, channels[type].credentials ?? {}]));
    expect(declared).toEqual({
      slack: { webhookUrl: 'url' },
      discord: { webhookUrl: 'url' },
      telegram: { botToken: 'key' },
      webhook: { url: 'url', signingSecret: 'key', standardWebhooks: 'key' },
      resend: { apiKey: 'key' },
      postmark: { serverToken: 'key' },
      sendgrid: { apiKey: 'key' },
      mailgun: { apiKey: 'key' },
      'cloudflare-email': {},
      pagerduty: { routingKey: 'key' },
      opsgenie: { apiKey: 'key' },
      teams: { webhookUrl: 'url' },
      'google-chat': { webhookUrl: 'url' },
      ntfy: { token: 'key' },
      pushover: { token: 'key', user: 'key' },
      mattermost: { webhookUrl: 'url' },
    });
  });

  it('a check\'s header named like a credential is reported too', () => {
    const result = validateConfig({ checks: [ok({ headers: { 'X-Api-Key': MARK, Origin: 'https://app.acme.dev' } })] });
    expect(result.ok ? [] : result.problems).toEqual(["check \"api\": headers.X-Api-Key: a credential header value is written inline; use secret('API_HEADERS_X_API_KEY') there and run: npx wrangler secret put API_HEADERS_X_API_KEY"]);
  });

  it('URLs without a token, other options and secrets are not credentials', () => {
    const result = validateConfig({
      channels: {
        hooks: webhook({ url: 'https://hooks.acme.dev/vigil/alerts-2026', signingSecret: secret('HOOK_SECRET'), headers: { 'X-Team': 'ops' } }),
        chat: slack({ webhookUrl: secret('SLACK_WEBHOOK_URL') }),
        push: ntfy({ topic: 'vigil-alerts', server: 'https://ntfy.acme.dev' }),
        local: mattermost({ webhookUrl: 'http://127.0.0.1:8123/mattermost/test-1a2b3c4d' }),
      },
      checks: [],
    });
    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  it('is not quoted by another field\'s message either, and is reported in the same run as that field\'s problem', () => {
    const key = 'og-Ch4nnelCred3ntial';
    const result = validateConfig({ channels: { pager: opsgenie({ apiKey: key, region: key as never }) }, checks: [] });
    expect(result.ok ? [] : result.problems).toEqual([
      'channel "pager": region: "(not shown)" is not one of "us", "eu"',
      "channel \"pager\": apiKey: a credential is written inline; use secret('PAGER_APIKEY') there and run: npx wrangler secret put PAGER_APIKEY",
    ]);
  });

  it('a URL with a token in its path is not quoted where it does not belong, even cut short', () => {
    const url = `https://discord.com/api/webhooks/123456789012345678/${token(68)}`;
    const result = validateConfig({ channels: { dev: discord({ webhookUrl: secret('DISCORD_URL'), username: 123 as never }), hooks: { type: 'webhook', url, signingSecret: 42 } as never }, checks: [] });
    const text = result.ok ? '' : result.problems.join('\n');
    expect(text).toContain('channel "hooks": signingSecret:');
    expect(text).toContain("channel \"hooks\": url: a URL with a token in its path is written inline; use secret('HOOKS_URL')");
    expect(text).not.toContain(MARK);
    expect(text).not.toContain(url.slice(0, 50));
  });
});

describe('valid configs', () => {
  it('apply defaults and convert durations', () => {
    const cfg = loadConfig(
      defineConfig({
        defaults: { timeout: '5s', confirmations: { down: 3 } },
        channels: {
          ops: slack({ webhookUrl: secret('SLACK_WEBHOOK_URL') }),
          dev: discord({ webhookUrl: secret('DISCORD_WEBHOOK_URL') }),
          hooks: webhook({ url: 'https://hooks.example.com/vigil', signingSecret: secret('WEBHOOK_SECRET') }),
        },
        checks: [
          http({ id: 'api', url: 'https://api.example.com/health', every: '5m', expect: [json('$.status').eq('ok'), latency().below({ warn: 500, crit: 2000 })] }),
          http({ id: 'weekly', url: 'https://api.example.com/report', cron: '0 9 * * 1', tz: 'Europe/Berlin', notify: ['ops'] }),
        ],
      }),
    );
    const [api, weekly] = cfg.checks;
    expect(api).toMatchObject({ id: 'api', name: 'api', timeoutMs: 5000, schedule: { every: 300_000 }, confirmations: { down: 3, up: 2 }, notify: ['ops', 'dev', 'hooks'] });
    // The two latency levels became two assertions; a default status 2xx was added.
    expect(api?.expect.map((a) => [a.source.type, a.op, a.value, a.severity])).toEqual([
      ['json', '==', 'ok', 'crit'],
      ['latency', '<', 500, 'warn'],
      ['latency', '<', 2000, 'crit'],
      ['status', 'between', [200, 299], 'crit'],
    ]);
    expect(weekly).toMatchObject({ schedule: { cron: '0 9 * * 1', tz: 'Europe/Berlin' }, notify: ['ops'] });
    expect(cfg.settings).toMatchObject({ flushEveryMs: 300_000, kvWritesPerDay: 1000, maxConcurrency: 6 });
  });

  it('checks/index.ts (what the Worker runs) is valid', () => {
    const result = validateConfig(checksIndex);
    expect(result.ok ? [] : result.problems).toEqual([]);
  });
});
