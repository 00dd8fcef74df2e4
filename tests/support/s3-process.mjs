// Runs s3rver in its own process: it makes continuation tokens with DES,
// which Node's OpenSSL 3 only allows with --openssl-legacy-provider (given to
// this process alone). Prints the endpoint as one JSON line; stops on SIGTERM.
import { createRequire } from 'node:module';

const S3rver = createRequire(import.meta.url)('s3rver');
const [port, directory] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: Number(port),
  silent: process.env.S3RVER_VERBOSE !== '1',
  directory,
  configureBuckets: [{ name: 'backups' }, { name: 'archive' }, { name: 'videos' }],
});
await server.run();
console.log(JSON.stringify({ endpoint: `http://127.0.0.1:${port}` }));
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
