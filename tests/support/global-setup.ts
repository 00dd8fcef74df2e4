// Starts the real local servers the tests talk to (in Node, before the
// workerd test runtime starts) and hands their URLs to the tests via inject().
// See tests/support/README.md.

import type { TestProject } from 'vitest/node';
import { startControl } from './control';
import { startLoki } from './loki';
import { startFaults } from './faults';
import { startNeonProxies } from './neon';
import { startNetServers } from './net';
import { MARKER_PASSWORD, MARKER_ROLE, PLAIN_DATABASE, startPostgres, TEST_DATABASE } from './postgres';
import { startMetricsStack } from './prometheus';
import { seedQueues } from './queues';
import { startRedisServer } from './redis';
import { S3_ACCESS_KEY, S3_SECRET_KEY, startS3 } from './s3';
import { startSink } from './sink';
import { startTargets } from './targets';
import { startUpstashShim } from './upstash';

const REST_TOKEN = 'test-rest-token-4d2a';

export default async function setup(project: TestProject) {
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const fn of closers.reverse()) await fn().catch((error) => console.error('teardown:', error));
  };
  let metricsStack: ReturnType<typeof startMetricsStack> | undefined;
  try {
    const targets = await startTargets();
    closers.push(targets.close);
    // Started first and awaited last: its stores need a few scrapes before the tests can ask them anything.
    metricsStack = startMetricsStack(targets.url);
    metricsStack.catch(() => undefined); // handled where it is awaited, below
    const sink = await startSink();
    closers.push(sink.close);
    project.provide('targetUrl', targets.url);
    project.provide('refusedUrl', targets.refusedUrl);
    project.provide('silentTcp', targets.silentTcp);
    project.provide('sinkUrl', sink.url);
    const faults = await startFaults();
    closers.push(faults.close);
    project.provide('faults', { untrustedTlsUrl: faults.untrustedTlsUrl, resetUrl: faults.resetUrl });

    const pg = await startPostgres();
    closers.push(pg.close);
    const neon = await startNeonProxies();
    closers.push(neon.close);
    project.provide('pg', {
      primary: pg.url(pg.primary, TEST_DATABASE),
      reader: pg.url(pg.primary, TEST_DATABASE, MARKER_ROLE, MARKER_PASSWORD),
      plain: pg.url(pg.primary, PLAIN_DATABASE),
      replica: pg.url(pg.replica, TEST_DATABASE),
      scratch: pg.url(pg.scratch, 'postgres'),
      wsProxy: neon.wsProxy,
      httpEndpoint: neon.httpEndpoint,
      markerPassword: MARKER_PASSWORD,
    });

    const redisMain = await startRedisServer();
    closers.push(redisMain.stop);
    const redisScratch = await startRedisServer();
    closers.push(redisScratch.stop);
    const rest = await startUpstashShim(redisMain.port, REST_TOKEN);
    closers.push(rest.close);
    const scratchRest = await startUpstashShim(redisScratch.port, REST_TOKEN);
    closers.push(scratchRest.close);
    const queues = await seedQueues(redisMain.port);
    project.provide('redis', { restUrl: rest.url, scratchRestUrl: scratchRest.url, token: REST_TOKEN, queues });

    const s3 = await startS3();
    closers.push(s3.close);
    project.provide('s3', { endpoint: s3.endpoint, accessKeyId: S3_ACCESS_KEY, secretAccessKey: S3_SECRET_KEY });

    // The network kinds (websocket, tcp, dns, tls): their servers, and raw TCP addresses of the real PostgreSQL and Redis.
    const netServers = await startNetServers();
    closers.push(netServers.close);
    project.provide('net', {
      wsUrl: netServers.wsUrl,
      smtp: netServers.smtp,
      untrustedTls: netServers.untrustedTls,
      dohUrl: netServers.dohUrl,
      postgresTcp: `127.0.0.1:${pg.primary.port}`,
      redisTcp: `127.0.0.1:${redisMain.port}`,
    });
    const lokiServer = await startLoki();
    closers.push(lokiServer.close);
    const stack = await metricsStack;
    closers.push(stack.close);
    project.provide('metricsStack', { prometheus: stack.prometheusUrl, victoria: stack.victoriaUrl, nodeExporter: stack.nodeExporterUrl, loki: lokiServer.url });

    const control = await startControl({ pgScratch: pg.scratch, redisScratch, redisMainPort: redisMain.port });
    closers.push(control.close);
    project.provide('controlUrl', control.url);
  } catch (error) {
    await metricsStack?.then((stack) => stack.close()).catch(() => undefined);
    await close();
    throw error;
  }
  return close;
}
