// SCRAM-SHA-256 (RFC 5802 / 7677) for the Neon driver's Client, with PBKDF2
// done natively by WebCrypto in one call. The driver (1.2.0) runs PBKDF2 as
// 4,096 awaited HMAC calls with a Buffer XOR per round: ~200 ms of CPU per
// connection, twenty times the free plan's 10 ms per invocation. This replaces
// only that step; the driver still verifies the server's signature.

import { Client } from '@neondatabase/serverless';

interface SaslSession {
  message: string;
  clientNonce: string;
  serverSignature?: string;
  response?: string;
}

interface ClientInternals {
  saslSession: SaslSession;
  password: unknown;
  connection: { sendSCRAMClientFinalMessage(response: string): void };
}

const encoder = new TextEncoder();

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

async function hmac(key: BufferSource, data: BufferSource | string): Promise<Uint8Array<ArrayBuffer>> {
  const imported = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', imported, typeof data === 'string' ? encoder.encode(data) : data));
}

/**
 * The client-final message and expected server signature for a server-first
 * message. PostgreSQL takes the user from the startup message, so the
 * client-first message names the user "*".
 */
export async function scramClientFinal(password: string, clientNonce: string, serverFirst: string, user = '*'): Promise<{ response: string; serverSignature: string }> {
  const attributes = Object.fromEntries(serverFirst.split(',').map((part) => [part[0], part.slice(2)]));
  const nonce = attributes.r ?? '';
  const salt = attributes.s ?? '';
  const iterations = Number(attributes.i);
  if (!nonce.startsWith(clientNonce) || nonce.length === clientNonce.length) throw new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: server nonce does not extend the client nonce');
  if (!salt || !Number.isInteger(iterations) || iterations < 1) throw new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: bad salt or iteration count');

  const passwordKey = await crypto.subtle.importKey('raw', encoder.encode(password), 'PBKDF2', false, ['deriveBits']);
  const salted = new Uint8Array(await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: fromBase64(salt), iterations }, passwordKey, 256));
  const clientKey = await hmac(salted, 'Client Key');
  const storedKey = new Uint8Array(await crypto.subtle.digest('SHA-256', clientKey));
  const withoutProof = `c=biws,r=${nonce}`;
  const authMessage = `n=${user},r=${clientNonce},${serverFirst},${withoutProof}`;
  const clientSignature = await hmac(storedKey, authMessage);
  const proof = clientKey.map((byte, i) => byte ^ (clientSignature[i] as number));
  const serverSignature = await hmac(await hmac(salted, 'Server Key'), authMessage);
  return { response: `${withoutProof},p=${toBase64(proof)}`, serverSignature: toBase64(serverSignature) };
}

/** The driver's Client, with the SCRAM continuation computed natively. */
export class PostgresClient extends Client {
  override async _handleAuthSASLContinue(message: { data: string }): Promise<void> {
    const self = this as unknown as ClientInternals;
    const session = self.saslSession;
    if (session.message !== 'SASLInitialResponse' || typeof self.password !== 'string' || typeof message.data !== 'string') throw new Error('SASL: protocol error');
    const { response, serverSignature } = await scramClientFinal(self.password, session.clientNonce, message.data);
    session.message = 'SASLResponse';
    session.serverSignature = serverSignature;
    session.response = response;
    self.connection.sendSCRAMClientFinalMessage(response);
  }
}
