// checks/examples/: every pack loads and validates, the runbook items are
// tagged, and each pack runs against a stand-in of its application, healthy
// and then broken, with the alerts reaching its channels.
import { beforeEach, describe, expect, it } from 'vitest';
import { earnTrack } from '../checks/examples/earntrack';
import { legacyVideo } from '../checks/examples/legacyvideo';
import { musicr } from '../checks/examples/musicr';
import { soraPromptGenie } from '../checks/examples/sorapromptgenie';
import { youtubeOptimizer } from '../checks/examples/youtube-optimizer';
import type { ConfigInput } from '../src/config';
import { loadConfig, validateConfig } from '../src/config/validate';
import type { EngineState } from '../src/store/state';
import { MINUTE, received, reset, sinkUrl, T0, targetUrl, testVigil, unique } from './helpers';
import { pgUrls } from './helpers/pg';
import { env } from 'cloudflare:workers';
import { AwsClient } from 'aws4fetch';
import { inject } from 'vitest';
import { nextFire } from '../src/engine/schedule';
import { redisSecrets } from './helpers/redis';

const modules = import.meta.glob<{ default: unknown }>('../checks/examples/*.ts', { eager: true });
const sources = import.meta.glob<string>('../checks/examples/*.ts', { eager: true, query: '?raw', import: 'default' });

/** Runbook items (../shared/runbooks/README.md) the examples must cover. */
const REQUIRED_ITEMS = [
  ...['R01', 'R02', 'R03', 'R05', 'R06', 'R34'], // HTTP
  ...['R04', 'R33'], // WebSocket handshake, vendor status pages
  ...['R09', 'R10', 'R11', 'R12', 'R13', 'R14', 'R15', 'R16', 'R17', 'R18', 'R19', 'R20', 'R21', 'R22', 'R23'], // data checks
  ...['R28', 'R29', 'R30', 'R31', 'R32'], // backups
  ...['R07', 'R08', 'R24', 'R25', 'R26', 'R27'], // metrics, thresholds, SLOs
  ...['R35', 'R36', 'R37', 'R38', 'R39', 'R40'], // checklists, routing, channels, maintenance
];

describe('example packs', () => {
  it('there is one pack per runbook application', () => {
    expect(Object.keys(modules).map((path) => path.split('/').pop()).sort()).toEqual(['earntrack.ts', 'legacyvideo.ts', 'musicr.ts', 'sorapromptgenie.ts', 'youtube-optimizer.ts']);
  });

  it.each(Object.entries(modules))('%s loads and validates', (_path, module) => {
    const result = validateConfig(module.default);
    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  it('tag every required runbook item', () => {
    const tagged = new Set(Object.values(sources).flatMap((text) => text.match(/\/\/ (?:R\d\d(?:, | \+ |\/)?)+/g) ?? []).flatMap((comment) => comment.match(/R\d\d/g) ?? []));
    expect(REQUIRED_ITEMS.filter((item) => !tagged.has(item))).toEqual([]);
  });
});

beforeEach(async () => {
  await reset();
});

interface Scenario {
  name: string;
  build(base: string, sink: string, instance: string): ConfigInput;
  secrets(sink: string): Record<string, string>;
  /** Puts the evidence the backup checks look for in place: objects in buckets, pings through /ping. */
  prepare?(instance: string, ping: (token: string, at: number) => Promise<void>): Promise<void>;
  /**
   * Check id → what its first run finds against the test servers, for checks
   * that are not simply up: the test database is shaped like the runbook apps
   * (no pgvector here, one failed Prisma migration, 12 recent errors ...).
   * A list means "any of these": a value other test files move at the same time.
   */
  data?: Record<string, Status | Status[]>;
  /** Check id → status once the application is broken. */
  broken: Record<string, string>;
  /** Check id → what its message must say once broken (the threshold that fired, with the observed value). */
  brokenSays?: Record<string, Array<string | RegExp>>;
}

type Status = 'up' | 'degraded' | 'down' | 'unknown';
const EVALUATED: Status[] = ['up', 'degraded', 'down'];

const key = { OPENAI_API_KEY: 'sk-test-valid-key-123456', OPENROUTER_API_KEY: 'sk-test-valid-key-123456' };
/** The examples read the database as a least-privilege role (SELECT and pg_read_all_stats). */
const data = () => ({ DATABASE_URL: pgUrls().reader, SUPABASE_DB_URL: pgUrls().reader, ...redisSecrets() });
const viaWs = () => ({ wsProxy: pgUrls().wsProxy });
const tokens = { BACKUP_PING_TOKEN: 'backup-ping-token-7c1e9a2b4d', DRILL_PING_TOKEN: 'drill-ping-token-3f8b0c6a1e' };
const s3Keys = () => ({ AWS_ACCESS_KEY_ID: inject('s3').accessKeyId, AWS_SECRET_ACCESS_KEY: inject('s3').secretAccessKey });
const HOUR = 60 * MINUTE;
const MB = 1024 * 1024;
const stamp = (time: number) => `${new Date(time).toISOString().slice(0, 19).replace(/:/g, '-')}Z`;
const r2 = () => (env as unknown as { TEST_BACKUPS: R2Bucket }).TEST_BACKUPS;
async function putS3(bucket: string, key: string, bytes: number): Promise<void> {
  const aws = new AwsClient({ accessKeyId: inject('s3').accessKeyId, secretAccessKey: inject('s3').secretAccessKey, service: 's3', region: 'us-east-1' });
  const response = await aws.fetch(`${inject('s3').endpoint}/${bucket}/${key}`, { method: 'PUT', body: 'x'.repeat(bytes) });
  if (!response.ok) throw new Error(`PUT ${key}: ${response.status}`);
}

const scenarios: Scenario[] = [
  {
    name: 'musicr',
    build: (base, _sink, instance) =>
      musicr({ api: base, web: `${base}/web`, webOrigin: 'https://web.musicr.test', railwayStatus: `${base}/status/railway` }, viaWs(), { r2: 'TEST_BACKUPS', prefix: `mu-${instance}/backup_` }),
    secrets: (sink) => ({ ...data(), DISCORD_WEBHOOK_URL: sinkUrl(`/discord/${sink}`) }),
    prepare: async (instance) => {
      for (let back = 6; back >= 0; back--) await r2().put(`mu-${instance}/backup_${new Date(T0 - back * 24 * HOUR).toISOString().slice(0, 10).replace(/-/g, '')}.sql`, 'x'.repeat(300_000));
    },
    data: { 'musicr-pgvector': 'down', 'musicr-hnsw-index': 'down', 'musicr-embedding-coverage': 'degraded', 'musicr-migrations': 'down', 'musicr-slow-queries': EVALUATED },
    // R04: the chat's handshake fails too (503), while Railway's own status page stays operational (R33).
    broken: { 'musicr-api': 'down', 'musicr-web': 'down', 'musicr-cors': 'down', 'musicr-chat': 'down', 'musicr-search': 'down', 'musicr-ws-connections': 'down' },
    // R08: the API answers, but its WebSocket connections leak past the limit.
    brokenSays: { 'musicr-ws-connections': ['open WebSocket connections = 1500, expected < 1000'], 'musicr-chat': ['status = 503, expected 101'] },
  },
  {
    name: 'legacyvideo',
    build: (base, _sink, instance) =>
      legacyVideo({ api: base, web: `${base}/web` }, viaWs(), { endpoint: inject('s3').endpoint, backupBucket: 'backups', backupPrefix: `lv-${instance}/db/`, videoBucket: 'videos' }),
    secrets: (sink) => ({ ...data(), ...tokens, ...s3Keys(), SLACK_WEBHOOK_URL: sinkUrl(`/slack/${sink}`), DISCORD_WEBHOOK_URL: sinkUrl(`/discord/${sink}`) }),
    prepare: async (instance, ping) => {
      // 24 hourly dumps, the newest 20 minutes ago; the dump job pinged; the last quarterly drill a month ago.
      for (let back = 23; back >= 0; back--) await putS3('backups', `lv-${instance}/db/${stamp(T0 - 20 * MINUTE - back * HOUR)}.sql.gz`, 1.1 * MB);
      await ping(tokens.BACKUP_PING_TOKEN, T0 - 20 * MINUTE);
      await ping(tokens.DRILL_PING_TOKEN, T0 - 30 * 24 * HOUR);
    },
    data: { 'legacyvideo-migrations': 'down' },
    broken: { 'legacyvideo-api': 'down', 'legacyvideo-web': 'down' },
  },
  {
    name: 'youtube-optimizer',
    build: (base, sink) =>
      youtubeOptimizer(
        { api: base, openai: `${base}/openai`, telegramApi: sinkUrl(`/telegram/${sink}`), openaiStatus: `${base}/status/openai`, supabaseStatus: `${base}/status/supabase`, railwayStatus: `${base}/status/railway` },
        viaWs(),
      ),
    secrets: () => ({ ...data(), ...key, ...tokens, TELEGRAM_BOT_TOKEN: '123456:test-token' }),
    prepare: async (_instance, ping) => {
      await ping(tokens.BACKUP_PING_TOKEN, Date.UTC(2026, 10, 22, 6, 10));
      await ping(tokens.DRILL_PING_TOKEN, Date.UTC(2026, 10, 1, 10, 0));
    },
    data: { 'yto-error-logs': 'degraded', 'yto-failed-logins': 'down', 'yto-slow-queries': EVALUATED },
    broken: { 'yto-api': 'down', 'yto-openai-key': 'down', 'yto-memory': 'down' },
    // R07: the metrics JSON still answers, with the heap past its limit.
    brokenSays: { 'yto-memory': ['heap used = 1.1 GiB, expected < 1 GiB'] },
  },
  {
    name: 'sorapromptgenie',
    // Neon: the HTTP transport, through the local /sql endpoint.
    build: (base) => soraPromptGenie({ app: base, openrouter: `${base}/openrouter` }, { httpEndpoint: pgUrls().httpEndpoint }),
    secrets: (sink) => ({ ...data(), ...key, ...tokens, SLACK_WEBHOOK_URL: sinkUrl(`/slack/${sink}`) }),
    prepare: async (_instance, ping) => {
      await ping(tokens.BACKUP_PING_TOKEN, Date.UTC(2026, 10, 22, 3, 20));
      await ping(tokens.DRILL_PING_TOKEN, Date.UTC(2026, 9, 5, 9, 0));
    },
    broken: { 'sora-app': 'down', 'sora-openrouter-key': 'down' },
  },
  {
    name: 'earntrack',
    build: (base, _sink, instance) => earnTrack({ backend: base, web: `${base}/web`, webOrigin: 'https://yourapp.vercel.app' }, viaWs(), { r2Binding: 'TEST_BACKUPS', prefix: `et-${instance}/db/` }),
    secrets: (sink) => ({ ...data(), ...tokens, SLACK_PRODUCTION_ALERTS_URL: sinkUrl(`/slack/${sink}`), INCIDENT_WEBHOOK_URL: sinkUrl(`/hook/${sink}`), INCIDENT_WEBHOOK_SECRET: 'whsec-earntrack' }),
    prepare: async (instance, ping) => {
      for (let back = 6; back >= 0; back--) {
        const at = Date.UTC(2026, 10, 22 - back, 0, 30);
        await r2().put(`et-${instance}/db/${stamp(at)}.sql.gz`, 'x'.repeat(1.2 * MB), back === 0 ? { customMetadata: { sha256: 'e3b0c44298fc1c14' } } : undefined);
      }
      await ping(tokens.BACKUP_PING_TOKEN, Date.UTC(2026, 10, 22, 0, 52));
      await ping(tokens.DRILL_PING_TOKEN, Date.UTC(2026, 10, 2, 9, 0));
    },
    // The WAL archiver is also made to fail for a moment by the PostgreSQL tests running alongside.
    data: { 'earntrack-cache-hit': EVALUATED, 'earntrack-redis-hit-ratio': EVALUATED, 'earntrack-wal-archiving': EVALUATED, 'earntrack-slow-queries': EVALUATED },
    // The metrics check waits a scrape, then its `for: 5m` (tick at +15 min), then counts (tick at +30 min).
    broken: { 'earntrack-backend': 'down', 'earntrack-web': 'down', 'earntrack-cors': 'down', 'earntrack-metrics': 'down' },
    // R24–R26: each alert rule fired on its own value.
    brokenSays: { 'earntrack-metrics': ['5xx share = 20%, expected < 5%', 'p95 latency = 2250 ms, expected < 1000 ms', 'resident memory = 858.3 MiB, expected < 762.9 MiB'] },
  },
];

/** What a check's last run found: its confirmed status, or the one waiting for confirmation. */
const found = (state: EngineState, id: string) => state.checks[id]?.streak?.status ?? state.checks[id]?.status;

describe.each(scenarios)('the $name pack against a stand-in of the app and the test servers', (scenario) => {
  it('finds what the runbook would, and alerts on every channel when the app breaks', async () => {
    const instance = unique(scenario.name);
    const sink = unique('sink');
    const input = scenario.build(targetUrl(`/apps/${scenario.name}/${instance}`), sink, instance);
    const secrets = scenario.secrets(sink);
    // Pings go through the Worker's real /ping route, stamped with the given time; ticks through the ledger with probes, as in production.
    const clock = { t: T0 };
    const worker = testVigil(input, { now: () => clock.t, secrets, fanOut: true });
    const cfg = worker.config;
    const readState = () => worker.ledger.state();
    const runTick = (_cfg: unknown, time: number, _options: unknown) => worker.ledger.tick(time);
    const ping = async (token: string, at: number) => {
      clock.t = at;
      const response = await worker.fetch(`https://vigil.test/ping/${token}`, { method: 'POST', body: 'done' });
      expect(response.status).toBe(200);
    };
    await scenario.prepare?.(instance, ping);

    await runTick(cfg, T0, { secrets, fanOut: true });
    let state = await readState();
    for (const check of cfg.checks) {
      const expected = scenario.data?.[check.id] ?? 'up';
      const actual = found(state, check.id);
      if (Array.isArray(expected)) expect(expected, `${check.id}: ${state.checks[check.id]?.message}`).toContain(actual);
      else expect(actual, `${check.id}: ${state.checks[check.id]?.message}`).toBe(expected);
    }

    await fetch(targetUrl(`/__apps/${instance}`), { method: 'POST', body: JSON.stringify({ broken: true }) });
    await runTick(cfg, T0 + 15 * MINUTE, { secrets, fanOut: true });
    await runTick(cfg, T0 + 30 * MINUTE, { secrets, fanOut: true });
    state = await readState();
    for (const [id, status] of Object.entries(scenario.broken)) expect(state.checks[id]?.status, `${id}: ${state.checks[id]?.message}`).toBe(status);
    for (const [id, patterns] of Object.entries(scenario.brokenSays ?? {})) for (const pattern of patterns) expect(state.checks[id]?.message).toMatch(pattern);

    // R27: a check with an SLO shows its error budget on the API, spent by the outage.
    clock.t = T0 + 30 * MINUTE;
    const api = (await (await worker.fetch('https://vigil.test/api/status')).json()) as {
      checks: Array<{ id: string; slo?: { objective: number; errorBudgetRemaining: number | null } }>;
    };
    for (const check of cfg.checks.filter((candidate) => candidate.slo && candidate.public)) {
      const slo = api.checks.find((view) => view.id === check.id)?.slo;
      expect(slo?.objective, check.id).toBe(check.slo?.objective);
      // 30 minutes down of a 30-day 99.9% budget (43 minutes, prorated while the window fills) is a visible share.
      expect(slo?.errorBudgetRemaining, check.id).toBeLessThan(90);
    }

    // Every delivered alert reached the sink, accepted by the platform, without a secret in it.
    const requests = await received(sink);
    expect(requests).toHaveLength(state.delivered.length);
    for (const id of Object.keys(scenario.broken)) {
      // Down is critical: it goes to the check's channels that take critical alerts (R38 routing).
      const check = cfg.checks.find((candidate) => candidate.id === id);
      const critical = (check?.notify ?? []).filter((name) => cfg.channels[name]?.routing.severities.includes('critical'));
      expect(critical.length).toBeGreaterThan(0);
      expect(state.delivered.filter((d) => d.startsWith(`${id}:down:`)).map((d) => d.split('>')[1]).sort()).toEqual(critical.sort());
    }
    for (const request of requests) {
      expect(request.problems).toEqual([]);
      expect(request.status).toBeLessThan(300);
      expect(request.body).not.toContain('sk-test-valid-key');
      expect(request.body).not.toContain(pgUrls().markerPassword);
    }

    // Each checklist at its next time (several may share one): one digest per channel, in the platform's format (R35–R37).
    expect(cfg.checklists.length).toBeGreaterThan(0);
    const after = T0 + 30 * MINUTE;
    const runTimes = [...new Set(cfg.checklists.map((list) => nextFire(list.schedule, list.id, after) as number))].sort((a, b) => a - b);
    const posted = new Set<string>();
    for (const at of runTimes) {
      const before = (await received(sink)).length;
      const report = await runTick(cfg, at, { secrets, fanOut: true });
      const due = cfg.checklists.filter((list) => nextFire(list.schedule, list.id, after) === at);
      // (A checklist whose own time was skipped over by this jump in the clock runs here too, once.)
      expect(report.checklists).toEqual(expect.arrayContaining(due.map((list) => list.id)));
      const digests = (await received(sink)).slice(before).filter((r) => isDigest(r.body));
      for (const list of due) {
        const mine = digests.filter((r) => r.body.includes(list.name));
        expect(mine.length, `${list.id} digests`).toBe(list.notify.length);
        for (const request of mine) {
          expect(request.problems, `${list.id} on ${request.platform}`).toEqual([]);
          expect(request.status).toBeLessThan(300);
        }
        posted.add(list.id);
      }
    }
    expect([...posted].sort()).toEqual(cfg.checklists.map((list) => list.id).sort());
  });
});

/** A checklist digest in any platform's format. */
function isDigest(body: string): boolean {
  return body.includes('📋') || body.includes('"checklist.digest"');
}
