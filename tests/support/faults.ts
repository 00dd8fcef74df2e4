// Network faults the HTTP targets cannot produce themselves, so messages can
// be checked against the real thing: a TLS server whose certificate nobody
// trusts (self-signed, tests/fixtures/tls/), and a server that resets every
// connection as soon as a request arrives. A name that never resolves needs no
// server: `.invalid` is reserved for that (RFC 6761).

import { readFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url));

export async function startFaults() {
  const untrusted = tls.createServer({ key: fixture('self-signed.key'), cert: fixture('self-signed.crt') }, (socket) => {
    socket.on('error', () => undefined);
    socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok');
  });
  // A handshake that fails is the point: keep the server quiet about it.
  untrusted.on('tlsClientError', () => undefined);
  const resetting = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () => socket.resetAndDestroy());
  });
  await Promise.all([untrusted, resetting].map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))));
  const port = (server: net.Server) => (server.address() as AddressInfo).port;
  return {
    /** https:// with a self-signed certificate. */
    untrustedTlsUrl: `https://127.0.0.1:${port(untrusted)}`,
    /** Accepts the connection, then resets it when the request arrives. */
    resetUrl: `http://127.0.0.1:${port(resetting)}`,
    close: async () => {
      await Promise.all([untrusted, resetting].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    },
  };
}
