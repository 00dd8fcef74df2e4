// The contract every check kind must keep, run against each kind: an
// unreachable target, a hanging one, bad options at run time and a secret in
// the way of an error all become results, never throws, and never leak.
import { describe, expect, it } from 'vitest';
import type { CheckInput } from '../../src/config';
import { bearer, gauge, reply, secret } from '../../src/config';
import type { KindName } from '../../src/kinds';
import { inject } from 'vitest';
import type { PingRecord } from '../../src/model/state';
import { emptyPingRecord } from '../../src/store/pings';
import { refusedUrl, T0, targetUrl } from '../helpers';
import { admin, observeKindOnly } from '../helpers/pg';
import { runOnce } from '../helpers/run-once';

/** A password-like marker that must never appear in any result. */
const MARKER = 'S3cretMarker-7f3a9c';

interface ContractCases {
  /** Runs before a case (e.g. record pings). */
  prepare?: (which: 'unreachable' | 'leaky') => Promise<void>;
  /** Connection refused. */
  unreachable: () => CheckInput;
  /** Accepts the connection and never answers (timeout 1s); a string says why the kind has no connection to hang. */
  hanging: (() => CheckInput) | string;
  /** Options that only turn out bad at run time (from a secret), with that secret's value. */
  badOptions: () => { check: CheckInput; secrets: Record<string, string> };
  /** Fails while a secret holding MARKER is in play. */
  leaky: () => { check: CheckInput; secrets: Record<string, string> };
  /**
   * What the target or driver itself says for the leaky case, when it quotes
   * MARKER: then the kind alone (before the engine's redaction) must drop it.
   */
  leakyRaw?: () => Promise<string>;
}

const ECHO_MARKER = `SELECT '${MARKER}'::int`;

/** What the ledger holds for heartbeat checks in these cases. */
const pings: Record<string, PingRecord> = {};

/** host and port of a `host:port` address from the test setup. */
function hostPort(address: string): { host: string; port: number } {
  const [host, port] = address.split(':');
  return { host: host as string, port: Number(port) };
}

export const contractCases: Record<KindName, ContractCases> = {
  http: {
    unreachable: () => ({ kind: 'http', id: 'c', url: `${refusedUrl()}/health` }),
    hanging: () => ({ kind: 'http', id: 'c', url: targetUrl('/hang'), timeout: '1s', retry: false }),
    badOptions: () => ({ check: { kind: 'http', id: 'c', url: secret('TARGET_URL') }, secrets: { TARGET_URL: 'not a url' } }),
    leaky: () => ({
      check: { kind: 'http', id: 'c', url: secret('TARGET_URL') },
      secrets: { TARGET_URL: `http://admin:${MARKER}@${refusedUrl().slice('http://'.length)}/health?token=${MARKER}` },
    }),
  },
  postgres: {
    unreachable: () => ({ kind: 'postgres', id: 'c', connection: secret('DB'), query: 'SELECT 1', wsProxy: inject('pg').wsProxy, retry: false }),
    hanging: () => ({ kind: 'postgres', id: 'c', connection: secret('SILENT_DB'), query: 'SELECT 1', wsProxy: inject('pg').wsProxy, timeout: '1s', retry: false }),
    badOptions: () => ({ check: { kind: 'postgres', id: 'c', connection: secret('DB'), query: 'SELECT 1', wsProxy: inject('pg').wsProxy }, secrets: { DB: 'not a connection string' } }),
    leaky: () => ({
      // The marker role (its password is the marker) runs a query whose error quotes the marker.
      check: { kind: 'postgres', id: 'c', connection: secret('DB'), query: ECHO_MARKER, wsProxy: inject('pg').wsProxy },
      secrets: { DB: inject('pg').reader },
    }),
    leakyRaw: () => admin(ECHO_MARKER, [], inject('pg').reader).then(() => '', (error: Error) => error.message),
  },
  heartbeat: {
    // The job is the target: it reported a failure (the ledger holds its pings).
    prepare: async () => {
      pings.c = { ...emptyPingRecord(), total: 1, lastFail: { at: T0, exitCode: 2 }, recent: [{ at: T0, kind: 'fail', exitCode: 2, body: `pg_dump: error: password=${MARKER}` }] };
    },
    unreachable: () => ({ kind: 'heartbeat', id: 'c', token: secret('PING_TOKEN'), period: '1h' }),
    hanging: 'a heartbeat reads the pings in the ledger’s memory: it opens no connection that could hang',
    badOptions: () => ({ check: { kind: 'heartbeat', id: 'c', token: secret('PING_TOKEN'), period: '1h' }, secrets: { PING_TOKEN: 'short' } }),
    leaky: () => ({ check: { kind: 'heartbeat', id: 'c', token: secret('PING_TOKEN'), period: '1h' }, secrets: { PING_TOKEN: MARKER } }),
  },
  backups: {
    unreachable: () => ({ kind: 'backups', id: 'c', s3: { endpoint: refusedUrl(), bucket: 'b', accessKeyId: secret('S3_KEY'), secretAccessKey: secret('S3_SECRET') } }),
    // The targets' /hang route never answers: path-style https://endpoint/hang?list-type=2 ...
    hanging: () => ({ kind: 'backups', id: 'c', s3: { endpoint: targetUrl(''), bucket: 'hang', accessKeyId: secret('S3_KEY'), secretAccessKey: secret('S3_SECRET') }, timeout: '1s', retry: false }),
    badOptions: () => ({ check: { kind: 'backups', id: 'c', r2: 'NO_SUCH_BUCKET_BINDING' }, secrets: {} }),
    // Wrong credentials whose text is the marker (s3rver checks the access key id, not SigV4 signatures).
    leaky: () => ({
      check: { kind: 'backups', id: 'c', s3: { endpoint: inject('s3').endpoint, bucket: 'backups', accessKeyId: secret('S3_KEY'), secretAccessKey: secret('S3_SECRET') } },
      secrets: { S3_KEY: MARKER, S3_SECRET: MARKER },
    }),
  },
  metrics: {
    unreachable: () => ({ kind: 'metrics', id: 'c', url: `${refusedUrl()}/metrics`, values: { memory: gauge('process_resident_memory_bytes') } }),
    hanging: () => ({ kind: 'metrics', id: 'c', url: targetUrl('/hang'), values: { memory: gauge('process_resident_memory_bytes') }, timeout: '1s', retry: false }),
    badOptions: () => ({ check: { kind: 'metrics', id: 'c', url: secret('TARGET_URL'), values: { memory: gauge('process_resident_memory_bytes') } }, secrets: { TARGET_URL: 'not a url' } }),
    // A wrong scrape token whose text is the marker, and a URL with the marker as password.
    leaky: () => ({
      check: { kind: 'metrics', id: 'c', url: secret('METRICS_URL'), headers: { Authorization: bearer('METRICS_TOKEN') }, values: { memory: gauge('process_resident_memory_bytes') } },
      secrets: { METRICS_URL: targetUrl('/metrics/private-contract').replace('http://', `http://scraper:${MARKER}@`), METRICS_TOKEN: MARKER },
    }),
  },
  tcp: {
    unreachable: () => ({ kind: 'tcp', id: 'c', ...hostPort(refusedUrl().slice('http://'.length)) }),
    hanging: () => ({ kind: 'tcp', id: 'c', ...hostPort(inject('silentTcp')), banner: true, timeout: '1s', retry: false }),
    badOptions: () => ({ check: { kind: 'tcp', id: 'c', host: secret('TCP_HOST'), port: 6379 }, secrets: { TCP_HOST: 'https://redis.example.com' } }),
    // A command whose text is the marker: Redis repeats an unknown command in its error.
    leaky: () => ({ check: { kind: 'tcp', id: 'c', ...hostPort(inject('net').redisTcp), send: secret('TCP_COMMAND'), expect: [reply().eq('+PONG')] }, secrets: { TCP_COMMAND: MARKER } }),
  },
  websocket: {
    unreachable: () => ({ kind: 'websocket', id: 'c', url: `${refusedUrl().replace('http://', 'ws://')}/chat` }),
    hanging: () => ({ kind: 'websocket', id: 'c', url: `${inject('net').wsUrl}/hang`, timeout: '1s', retry: false }),
    badOptions: () => ({ check: { kind: 'websocket', id: 'c', url: secret('WS_URL') }, secrets: { WS_URL: 'not a url' } }),
    leaky: () => ({ check: { kind: 'websocket', id: 'c', url: secret('WS_URL') }, secrets: { WS_URL: `ws://chat:${MARKER}@${refusedUrl().slice('http://'.length)}/socket?token=${MARKER}` } }),
  },
  dns: {
    unreachable: () => ({ kind: 'dns', id: 'c', domain: 'example.com', resolver: `${refusedUrl()}/dns-query` }),
    hanging: () => ({ kind: 'dns', id: 'c', domain: 'example.com', resolver: `${inject('net').dohUrl}/hang`, timeout: '1s', retry: false }),
    badOptions: () => ({ check: { kind: 'dns', id: 'c', domain: 'example.com', resolver: secret('DOH_URL') }, secrets: { DOH_URL: 'not a url' } }),
    leaky: () => ({ check: { kind: 'dns', id: 'c', domain: 'example.com', resolver: secret('DOH_URL') }, secrets: { DOH_URL: `http://me:${MARKER}@${refusedUrl().slice('http://'.length)}/${MARKER}?token=${MARKER}` } }),
  },
  statuspage: {
    unreachable: () => ({ kind: 'statuspage', id: 'c', url: refusedUrl() }),
    hanging: () => ({ kind: 'statuspage', id: 'c', url: targetUrl(''), endpoint: targetUrl('/hang'), timeout: '1s', retry: false }),
    badOptions: () => ({ check: { kind: 'statuspage', id: 'c', url: secret('STATUS_URL') }, secrets: { STATUS_URL: 'not a url' } }),
    leaky: () => ({ check: { kind: 'statuspage', id: 'c', url: secret('STATUS_URL') }, secrets: { STATUS_URL: `http://viewer:${MARKER}@${refusedUrl().slice('http://'.length)}/?key=${MARKER}` } }),
  },
  tls: {
    unreachable: () => ({ kind: 'tls', id: 'c', host: '127.0.0.1', port: Number(refusedUrl().split(':').pop()) }),
    // The handshake to a server that accepts TCP and never speaks TLS.
    hanging: () => ({ kind: 'tls', id: 'c', host: '127.0.0.1', port: Number(inject('silentTcp').split(':').pop()), timeout: '1s', retry: false }),
    badOptions: () => ({ check: { kind: 'tls', id: 'c', host: 'api.example.com', handshake: false, exporter: { url: secret('EXPORTER_URL') } }, secrets: { EXPORTER_URL: 'not a url' } }),
    // The exporter refuses the connection; its URL carries the marker.
    leaky: () => ({
      check: { kind: 'tls', id: 'c', host: '127.0.0.1', port: Number(refusedUrl().split(':').pop()), exporter: { url: secret('EXPORTER_URL') } },
      secrets: { EXPORTER_URL: `http://probe:${MARKER}@${refusedUrl().slice('http://'.length)}/probe?token=${MARKER}` },
    }),
  },
  promql: {
    unreachable: () => ({ kind: 'promql', id: 'c', url: refusedUrl(), query: 'up' }),
    // Accepts the connection and never answers.
    hanging: () => ({ kind: 'promql', id: 'c', url: `http://${inject('silentTcp')}`, query: 'up', timeout: '1s', retry: false }),
    badOptions: () => ({ check: { kind: 'promql', id: 'c', url: secret('PROM_URL'), query: 'up' }, secrets: { PROM_URL: 'not a url' } }),
    // A wrong bearer token whose text is the marker (the /metrics/private-* routes want another), and a URL with the marker as password.
    leaky: () => ({
      check: { kind: 'promql', id: 'c', url: secret('PROM_URL'), auth: { bearer: secret('PROM_TOKEN') }, query: 'up' },
      secrets: { PROM_URL: targetUrl('/metrics/private-contract').replace('http://', `http://scraper:${MARKER}@`), PROM_TOKEN: MARKER },
    }),
  },
  redis: {
    unreachable: () => ({ kind: 'redis', id: 'c', url: refusedUrl(), token: secret('TOKEN') }),
    hanging: () => ({ kind: 'redis', id: 'c', url: inject('redis').restUrl, token: secret('SLOW_TOKEN'), timeout: '1s', retry: false }),
    badOptions: () => ({ check: { kind: 'redis', id: 'c', url: secret('REST_URL'), token: secret('TOKEN') }, secrets: { REST_URL: 'not a url' } }),
    // A wrong token whose text is the marker.
    leaky: () => ({ check: { kind: 'redis', id: 'c', url: inject('redis').restUrl, token: secret('TOKEN') }, secrets: { TOKEN: MARKER } }),
  },
};

/** Secrets the cases above reference besides their own. */
const sharedSecrets = (): Record<string, string> => ({
  DB: `postgresql://app:pw@${refusedUrl().slice('http://'.length)}/app`,
  SILENT_DB: `postgresql://app:pw@${inject('silentTcp')}/app`,
  TOKEN: 'some-token-value',
  PING_TOKEN: 'a-long-random-ping-token-0123',
  S3_KEY: 'AKIAEXAMPLE',
  S3_SECRET: 'not-the-secret',
  SLOW_TOKEN: 'slow-token',
});

for (const [kind, cases] of Object.entries(contractCases)) {
  describe(`${kind} kind keeps the check-kind contract`, () => {
    const env = (secrets: Record<string, string> = {}) => ({ ...sharedSecrets(), ...secrets });

    it('an unreachable target is down with a reason', async () => {
      await cases.prepare?.('unreachable');
      const run = await runOnce(cases.unreachable(), env(), undefined, T0 + 60_000, pings);
      // Unreachable, or (for a heartbeat) the job itself reporting failure.
      expect(run.observation.reached === false || run.observation.verdict?.status === 'down').toBe(true);
      expect(run.judgement.status).toBe('down');
      expect(run.message.length).toBeGreaterThan(5);
    });

    it.skipIf(typeof cases.hanging === 'string')(`a hanging target is cut at the timeout${typeof cases.hanging === 'string' ? ` (skipped: ${cases.hanging})` : ''}`, async () => {
      const run = await runOnce((cases.hanging as () => CheckInput)(), env());
      expect(run.judgement.status).toBe('down');
      expect(run.message).toMatch(/timed out after 1s/);
      expect(run.elapsedMs).toBeLessThan(2_500);
    });

    it('options that are bad at run time make the check unknown', async () => {
      const { check, secrets } = cases.badOptions();
      const run = await runOnce(check, env(secrets), undefined, T0, pings);
      expect(run.judgement.status).toBe('unknown');
      expect(run.message).toMatch(/option/);
    });

    it('a missing secret makes the check unknown and names the secret', async () => {
      const check = kind === 'backups' ? cases.unreachable() : cases.badOptions().check;
      const run = await runOnce(check, {}, undefined, T0, pings);
      expect(run.judgement.status).toBe('unknown');
      expect(run.message).toMatch(/^(secret [A-Z0-9_]+ is|secrets [A-Z0-9_, ]+ are) not set/);
    });

    it('errors never carry a secret', async () => {
      await cases.prepare?.('leaky');
      const { check, secrets } = cases.leaky();
      const run = await runOnce(check, env(secrets), undefined, T0 + 60_000, pings);
      expect(run.judgement.status).not.toBe('up');
      expect(JSON.stringify({ observation: run.observation, message: run.message })).not.toContain(MARKER);
      if (cases.leakyRaw) {
        expect(await cases.leakyRaw()).toContain(MARKER);
        expect(JSON.stringify(await observeKindOnly(check, { ...sharedSecrets(), ...secrets }))).not.toContain(MARKER);
      }
    });
  });
}
