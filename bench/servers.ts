// Starts the local data servers for `npm run bench -- data` in their own
// process (so their CPU is not counted as the checks'), prints their
// addresses as one JSON line, and stops them on SIGTERM.
import { startNeonProxies } from '../tests/support/neon';
import { startPostgres, TEST_DATABASE } from '../tests/support/postgres';
import { startRedisServer } from '../tests/support/redis';
import { startUpstashShim } from '../tests/support/upstash';

const pg = await startPostgres();
const neon = await startNeonProxies();
const redis = await startRedisServer();
const token = 'bench-token';
const rest = await startUpstashShim(redis.port, token);
console.log(JSON.stringify({ databaseUrl: pg.url(pg.primary, TEST_DATABASE), wsProxy: neon.wsProxy, httpEndpoint: neon.httpEndpoint, restUrl: rest.url, token }));

const stop = async () => {
  await rest.close();
  await redis.stop();
  await neon.close();
  await pg.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
