// Acknowledge links in alerts: /ack/<incident>?exp=<time>&mac=<HMAC>, signed
// with the admin token, valid for that incident only and until `exp`. The
// link opens a page with a button (a POST): chat apps and mail scanners fetch
// links to preview them, and a GET must never acknowledge anything.

/** How long an acknowledge link stays valid after the alert that carries it. */
export const ACK_LINK_TTL_MS = 24 * 3_600_000;

const encoder = new TextEncoder();

async function hmac(key: string, text: string): Promise<string> {
  const cryptoKey = await crypto.subtle.importKey('raw', encoder.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', cryptoKey, encoder.encode(text));
  return [...new Uint8Array(mac)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** The signature of an acknowledge link (what it covers: the purpose, the incident, the expiry). */
export function ackSignature(adminToken: string, incidentId: string, expires: number): Promise<string> {
  return hmac(adminToken, `vigil-ack.${incidentId}.${expires}`);
}

/** `https://status.example.com/ack/api-mx1?exp=...&mac=...` */
export async function ackLink(pageUrl: string, adminToken: string, incidentId: string, expires: number): Promise<string> {
  const url = new URL(`ack/${encodeURIComponent(incidentId)}`, pageUrl.endsWith('/') ? pageUrl : `${pageUrl}/`);
  url.searchParams.set('exp', String(expires));
  url.searchParams.set('mac', await ackSignature(adminToken, incidentId, expires));
  return url.toString();
}
