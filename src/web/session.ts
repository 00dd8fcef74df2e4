// Signing in to /admin without JavaScript: a form posts the admin token once;
// the answer sets an HttpOnly, SameSite=Strict cookie holding who signed in,
// until when, and an HMAC of both keyed with the token. Nothing is stored:
// the Worker checks the HMAC on each request, and changing the token signs
// everyone out. Forms carry a CSRF token (an HMAC of the session) besides
// SameSite=Strict and an Origin check. docs/status-page.md explains the choice.

import { constantTimeEqual } from './auth';

export const SESSION_COOKIE = 'vigil_admin';
/** A session lasts a working day. */
export const SESSION_MS = 12 * 3_600_000;
export const NAME_MAX = 60;

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function keyFor(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    keys.set(secret, key);
  }
  return key;
}

function base64url(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text: string): Uint8Array | undefined {
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  } catch {
    return undefined;
  }
}

async function sign(secret: string, message: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.sign('HMAC', await keyFor(secret), encoder.encode(message))));
}

export interface Session {
  name: string;
  expires: number;
  /** The cookie's value, which the CSRF token is derived from. */
  value: string;
}

/** A new session's cookie value for `name`, valid SESSION_MS from `now`. */
export async function createSession(secret: string, name: string, now: number): Promise<string> {
  const encodedName = base64url(encoder.encode(name));
  const expires = now + SESSION_MS;
  return `${encodedName}.${expires}.${await sign(secret, `session|${encodedName}|${expires}`)}`;
}

/** The session a cookie value stands for, if it is genuine and not expired. */
export async function readSession(secret: string, value: string | undefined, now: number): Promise<Session | undefined> {
  if (!value) return undefined;
  const [encodedName, expiresText, mac] = value.split('.');
  if (!encodedName || !expiresText || !mac || !/^\d+$/.test(expiresText)) return undefined;
  const expected = await sign(secret, `session|${encodedName}|${expiresText}`);
  if (!constantTimeEqual(mac, expected)) return undefined;
  const expires = Number(expiresText);
  if (expires <= now) return undefined;
  const bytes = fromBase64url(encodedName);
  if (!bytes) return undefined;
  return { name: new TextDecoder().decode(bytes), expires, value };
}

/** The CSRF token of a session: forms carry it, and a post without it is refused. */
export function csrfToken(secret: string, session: Session): Promise<string> {
  return sign(secret, `csrf|${session.value}`);
}

export async function csrfValid(secret: string, session: Session, given: unknown): Promise<boolean> {
  return typeof given === 'string' && constantTimeEqual(given, await csrfToken(secret, session));
}

/** The Set-Cookie header for a session (Secure on https; plain http is local development). */
export function sessionCookie(value: string, secure: boolean, maxAgeSeconds = SESSION_MS / 1000): string {
  return `${SESSION_COOKIE}=${value}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}
