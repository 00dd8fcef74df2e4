// The secret-marker test can fail: the same scenario as tests/redaction.test.ts
// with redaction switched off (src/config/secrets.ts's redact, redactDeep,
// credentialShape and withoutInlineCredentials replaced by ones that change
// nothing, here and in the CLIs)
// finds the markers in the places it greps.
import { describe, expect, it, vi } from 'vitest';
import { CHANNEL_TYPES } from '../src/notify';
import { leakSurfaces, markersIn, type Marker } from './helpers/leaks';

vi.mock('../src/config/secrets', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../src/config/secrets')>()),
  redact: (text: string) => text,
  redactDeep: <T>(value: T) => value,
  credentialShape: () => undefined,
  withoutInlineCredentials: (text: string) => text,
}));

/**
 * Markers with no way out even unredacted: a heartbeat token is only ever
 * compared; the channels' own credentials (webhook paths, bot tokens, API
 * keys) reach only their own platform, where its API takes them (left out of
 * the grep, CREDENTIAL_PLACES), and are not quoted by a delivery error (it
 * names the host). Still grepped for by the test with redaction on.
 */
const NO_WAY_OUT: Marker[] = [
  'heartbeatToken', 'slackPath', 'telegramToken', 'discordPath', 'teamsPath', 'mattermostPath', 'googleChatToken',
  'pagerdutyKey', 'opsgenieKey', 'resendKey', 'postmarkToken', 'sendgridKey', 'mailgunKey', 'pushoverToken', 'pushoverUser', 'ntfyToken',
];

describe('with redaction switched off', () => {
  it('the greps find every marker that has a way out, in every channel type\'s payloads and the task route', async () => {
    const found = markersIn(await leakSurfaces({ redaction: 'off' }));
    const seen = new Set(Object.values(found).flat());
    expect([...seen].sort()).toEqual((['dbPassword', 'urlPath', 'pingOutput', 'adminToken', 'inline'] as Marker[]).sort());
    expect(NO_WAY_OUT.filter((marker) => seen.has(marker))).toEqual([]);
    // Where they surface: the stored state and the page, the task route, every channel, and both CLIs.
    expect(found).toMatchObject({
      ledger: expect.arrayContaining(['dbPassword', 'urlPath', 'pingOutput', 'adminToken']),
      kv: expect.arrayContaining(['dbPassword', 'urlPath', 'adminToken']),
      'GET /api/status': expect.arrayContaining(['dbPassword', 'urlPath', 'adminToken']),
      'POST /api/checklists/monthly/items/rotate/done': ['pingOutput'],
      'alerts:slack': expect.arrayContaining(['dbPassword', 'urlPath', 'pingOutput', 'adminToken']),
      'alerts:telegram': expect.arrayContaining(['pingOutput']),
      'npm run check': expect.arrayContaining(['dbPassword', 'urlPath', 'adminToken']),
      'npm run validate': ['inline'],
    });
    // Each channel type's grep can fail: what it sent carries the alerts' secrets.
    for (const type of CHANNEL_TYPES) expect(found[`alerts:${type}`], type).toEqual(expect.arrayContaining(['dbPassword']));
    // The acknowledge page shows the incident and a form, nothing a target or a job wrote: grepped, with nothing to find.
    expect(found['GET /ack/<incident>']).toBeUndefined();
  }, 300_000);
});
