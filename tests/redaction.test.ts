// No secret leaks, anywhere: every configured secret is redacted from every
// text Vigil stores, shows or sends, whichever check, job or channel it came
// through. The end-to-end test (tests/helpers/leaks.ts) greps the ledger's
// storage, KV, every public route, the acknowledge page and the task route,
// what each of the 16 channel types sent, the logs and the output of npm run
// check and npm run validate; tests/redaction-off.test.ts shows the same greps
// find the markers when redaction is switched off.
import { describe, expect, it } from 'vitest';
import { http, secret, telegram } from '../src/config';
import { CHANNEL_TYPES } from '../src/notify';
import { createVigil } from '../src/worker';
import { configuredSecrets, MIN_SUBSTRING_SECRET_LENGTH, redact, secretNames } from '../src/config/secrets';
import { config, refusedUrl } from './helpers';
import { KNOWN_RAW, leakSurfaces, MARKERS, markersIn } from './helpers/leaks';
import { runOnce } from './helpers/run-once';

describe('redact', () => {
  it('shows a secret URL as its host, whichever form of it a message quotes', () => {
    const url = 'https://api.example.com/p/x/T0KENabcdef123?k=v';
    for (const text of [url, 'https://api.example.com/p/x/T0KENabcdef123', encodeURIComponent(url), 'GET /p/x/T0KENabcdef123/next']) {
      const out = redact(`failed: ${text}: connection refused`, [url]);
      expect(out).not.toContain('T0KENabcdef123');
    }
    expect(redact(`${'https://api.example.com/p/x/T0KENabcdef123'}: connection refused`, [url])).toBe('secret URL on api.example.com: connection refused');
    expect(redact('postgres://app:hunter22@db.example.com:5432/app refused', ['postgres://app:hunter22@db.example.com:5432/app'])).toBe('secret URL on db.example.com:5432 refused');
    // A secret that is only an origin (an Upstash REST URL): a path after it stays readable.
    expect(redact('https://eu1-fine-cat-31337.upstash.io/pipeline: HTTP 401', ['https://eu1-fine-cat-31337.upstash.io'])).toBe('secret URL on eu1-fine-cat-31337.upstash.io/pipeline: HTTP 401');
  });

  it('removes long values everywhere, short ones only where they stand alone, and ignores one- and two-character values', () => {
    expect(MIN_SUBSTRING_SECRET_LENGTH).toBe(6);
    expect(redact('xx-abcdef-yy and zabcdefz', ['abcdef'])).toBe('xx-[redacted]-yy and z[redacted]z');
    expect(redact('pass: tests passed', ['pass'])).toBe('[redacted]: tests passed');
    expect(redact('a 42 b', ['42'])).toBe('a 42 b');
  });

  it('knows every secret the config names, and VIGIL_ADMIN_TOKEN', () => {
    const cfg = config({ checks: [http({ id: 'a', url: secret('A_URL'), headers: { Authorization: secret('A_KEY') } })] });
    expect(secretNames(cfg).sort()).toEqual(['A_KEY', 'A_URL', 'VIGIL_ADMIN_TOKEN']);
    expect(configuredSecrets(cfg, { A_KEY: 'key-123456', VIGIL_ADMIN_TOKEN: 'admin-654321', OTHER: 'not-a-secret' }).sort()).toEqual(['admin-654321', 'key-123456']);
  });
});

describe('a channel credential written inline', () => {
  it('stops the Worker from starting (so it never runs, to be logged, stored or sent), and the error does not quote it', () => {
    const token = `123456:${MARKERS.telegramToken.split(':')[1]}`;
    let thrown: unknown;
    try {
      createVigil({ channels: { phone: telegram({ botToken: token, chatId: 1 }) }, checks: [] });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect(String((thrown as Error).message)).toContain("channel \"phone\": botToken: a credential is written inline; use secret('PHONE_BOTTOKEN')");
    expect(String((thrown as Error).message)).not.toContain(token);
  });
});

describe('a secret URL', () => {
  it('is named by its host in a check message, never with its path or query', async () => {
    const url = `${refusedUrl()}/p/x/${MARKERS.urlPath}?k=v`;
    const run = await runOnce(http({ id: 'private', url: secret('PRIVATE_URL'), retry: false }), { PRIVATE_URL: url });
    expect(run.message).toBe(`secret URL on ${new URL(url).host}: connection refused`);
  });
});

describe('no marker, anywhere', () => {
  it('is in the ledger, KV, any route, any channel, the logs, npm run check or npm run validate', async () => {
    const surfaces = await leakSurfaces({ redaction: 'on' });
    // Every place the scenario greps (adding one is one line in tests/helpers/leaks.ts).
    expect(Object.keys(surfaces)).toEqual(
      expect.arrayContaining([
        'ledger', 'kv', 'logs', 'ping response', 'GET /', 'GET /api/status', 'GET /api/v2/summary.json', 'GET /api/v2/status.json', 'GET /health', 'GET /badge/private-api.svg',
        'POST /api/checklists/monthly/items/rotate/done', 'GET /ack/<incident>', 'POST /ack/<incident>',
        ...CHANNEL_TYPES.map((type) => `alerts:${type}`),
        'npm run check', 'npm run validate',
      ]),
    );
    // What the greps saw is what was meant: the failures and alerts are there.
    expect(surfaces['GET /api/status']).toContain(`secret URL on ${new URL(refusedUrl()).host}: connection refused`);
    expect(surfaces['alerts:webhook']).toContain('[redacted]');
    expect(surfaces['npm run check']).toMatch(/^private-api\s.*secret URL on /m);
    expect(surfaces['npm run validate']).toContain("check \"db\": connection: a connection string with a password is written inline (not shown); use secret('DB_CONNECTION')");
    expect(surfaces['npm run validate']).toContain("channel \"phone\": botToken: a credential is written inline; use secret('PHONE_BOTTOKEN') there and run: npx wrangler secret put PHONE_BOTTOKEN");
    expect(surfaces['npm run validate']).toContain('channel "pager": region: "(not shown)" is not one of');
    // The task's note was taken, the token in it redacted; the acknowledge page is the one for the incident.
    expect(surfaces['POST /api/checklists/monthly/items/rotate/done']).toContain('"note":"rotated; the old one was api[redacted]"');
    expect(surfaces['GET /ack/<incident>']).toMatch(/Acknowledge incident [\w-]+\?/);
    expect(surfaces['POST /ack/<incident>']).toContain('is acknowledged by dana');
    // Every channel's payloads carry the alerts' text (redacted), not just its envelope.
    for (const type of CHANNEL_TYPES) expect(surfaces[`alerts:${type}`], type).toMatch(/Echo over WebSocket|pg-echo/);
    expect(markersIn(surfaces)).toEqual({});
    expect(KNOWN_RAW).toEqual([]);
  }, 240_000);
});
