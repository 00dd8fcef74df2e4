// The secret-marker test can fail: the same scenario as tests/redaction.test.ts
// with redaction switched off (src/config/secrets.ts's redact, redactDeep and
// credentialShape replaced by ones that change nothing, here and in the CLIs)
// finds the markers in the places it greps.
import { describe, expect, it, vi } from 'vitest';
import { leakSurfaces, markersIn, type Marker } from './helpers/leaks';

vi.mock('../src/config/secrets', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../src/config/secrets')>()),
  redact: (text: string) => text,
  redactDeep: <T>(value: T) => value,
  credentialShape: () => undefined,
}));

/**
 * Markers with no way out even unredacted: a heartbeat token is only ever
 * compared, a Slack URL's path and a Telegram token are not quoted by a
 * delivery error (it names the host). Still grepped for by the test with redaction on.
 */
const NO_WAY_OUT: Marker[] = ['heartbeatToken', 'slackPath', 'telegramToken'];

describe('with redaction switched off', () => {
  it('the greps find every marker that has a way out', async () => {
    const found = markersIn(await leakSurfaces({ redaction: 'off' }));
    const seen = new Set(Object.values(found).flat());
    expect([...seen].sort()).toEqual((['dbPassword', 'urlPath', 'pingOutput', 'adminToken', 'inline'] as Marker[]).sort());
    expect(NO_WAY_OUT.filter((marker) => seen.has(marker))).toEqual([]);
    // Where they surface: the stored state and the page, every channel, and both CLIs.
    expect(found).toMatchObject({
      ledger: expect.arrayContaining(['dbPassword', 'urlPath', 'pingOutput', 'adminToken']),
      kv: expect.arrayContaining(['dbPassword', 'urlPath', 'adminToken']),
      'GET /api/status': expect.arrayContaining(['dbPassword', 'urlPath', 'adminToken']),
      'alerts:slack': expect.arrayContaining(['dbPassword', 'urlPath', 'pingOutput', 'adminToken']),
      'alerts:telegram': expect.arrayContaining(['pingOutput']),
      'npm run check': expect.arrayContaining(['dbPassword', 'urlPath', 'adminToken']),
      'npm run validate': ['inline'],
    });
  }, 240_000);
});
