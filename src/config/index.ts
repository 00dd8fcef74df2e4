// What checks/index.ts imports: defineConfig, one helper per check kind and
// channel, assertion helpers and secret(). Everything here returns plain data.

import type { z } from 'zod';
import type { Expectation } from '../assert/builders';
import type { kinds } from '../kinds';
import type { channels } from '../notify';
import type { checkCommonSchema, checklistSchema, defaultsSchema, maintenanceSchema, pageSchema, routingShape, settingsSchema, taskSchema } from './schema';

export { body, column, eachRow, firstValue, header, info, json, latency, reply, rowCount, status, value } from '../assert/builders';
export type { Levels } from '../assert/builders';
export { pg } from '../kinds/postgres-recipes';
export { upstash } from '../kinds/redis-recipes';
export { backups, bucket } from '../kinds/backups-recipes';
export { gauge, increase, quantile, rate, ratio } from '../kinds/metrics';
export type { MetricExpr } from '../kinds/metrics';
export { bearer, secret } from './secrets';
export { GiB, KiB, MiB } from '../format';
export type { SecretRef } from './secrets';

type Common = Omit<z.input<typeof checkCommonSchema>, 'kind' | 'expect'> & {
  /** What must hold; see docs/checks.md. Groups from `below({ warn, crit })` may be mixed in. */
  expect?: Expectation[];
};
type KindInput<K extends keyof typeof kinds> = Common & z.input<(typeof kinds)[K]['options']>;
type Routing = z.input<z.ZodObject<typeof routingShape>>;
type ChannelInput<C extends keyof typeof channels> = z.input<(typeof channels)[C]['options']> & Routing;

export type HttpCheckInput = KindInput<'http'> & { kind: 'http' };
export type PostgresCheckInput = KindInput<'postgres'> & { kind: 'postgres' };
export type RedisCheckInput = KindInput<'redis'> & { kind: 'redis' };
export type HeartbeatCheckInput = KindInput<'heartbeat'> & { kind: 'heartbeat' };
export type BackupsCheckInput = KindInput<'backups'> & { kind: 'backups' };
export type MetricsCheckInput = KindInput<'metrics'> & { kind: 'metrics' };
export type CheckInput = HttpCheckInput | PostgresCheckInput | RedisCheckInput | HeartbeatCheckInput | BackupsCheckInput | MetricsCheckInput;

/**
 * How checks reach a PostgreSQL database, shared by a pack's checks:
 * nothing for Neon; `wsProxy` for self-hosted, Railway or Supabase PostgreSQL.
 */
export type PostgresAccess = Pick<PostgresCheckInput, 'transport' | 'wsProxy' | 'httpEndpoint'>;

export type SlackChannelInput = ChannelInput<'slack'> & { type: 'slack' };
export type DiscordChannelInput = ChannelInput<'discord'> & { type: 'discord' };
export type TelegramChannelInput = ChannelInput<'telegram'> & { type: 'telegram' };
export type WebhookChannelInput = ChannelInput<'webhook'> & { type: 'webhook' };
export type ChannelInputs = SlackChannelInput | DiscordChannelInput | TelegramChannelInput | WebhookChannelInput;

export type MaintenanceInput = z.input<typeof maintenanceSchema>;
export type TaskInput = z.input<typeof taskSchema>;
/** A checklist item: a check's id, a check only this checklist runs, or a manual task. */
export type ChecklistItemInput = string | CheckInput | TaskInput;
export type ChecklistInput = Omit<z.input<typeof checklistSchema>, 'items'> & { items: ChecklistItemInput[] };

export interface ConfigInput {
  page?: z.input<typeof pageSchema>;
  settings?: z.input<typeof settingsSchema>;
  /** Values every check gets unless it sets its own. */
  defaults?: z.input<typeof defaultsSchema>;
  channels?: Record<string, ChannelInputs>;
  checks: CheckInput[];
  /** Planned maintenance: checks in a window run, show as paused and do not alert. */
  maintenance?: MaintenanceInput[];
  /** Runbook checklists: run at their time, post a digest. See docs/checklists.md. */
  checklists?: ChecklistInput[];
}

/**
 * The config checks/index.ts default-exports. Validation happens when the
 * Worker starts, in `npm run validate` and in `npm test`, listing every problem.
 */
export function defineConfig(config: ConfigInput): ConfigInput {
  return config;
}

/** An HTTP check: `http({ id: 'api', url: 'https://api.example.com/health', expect: [status(200)] })`. */
export function http(check: KindInput<'http'>): HttpCheckInput {
  return { kind: 'http', ...check };
}

/**
 * A PostgreSQL query through @neondatabase/serverless, read-only:
 * `postgres({ id: 'db', connection: secret('DATABASE_URL'), query: 'SELECT 1', expect: [firstValue().eq(1)] })`.
 * For common checks use the recipes: `pg.connections({...})`, `pg.slowQueries({...})` ...
 */
export function postgres(check: KindInput<'postgres'>): PostgresCheckInput {
  return { kind: 'postgres', ...check };
}

/**
 * Redis through the Upstash REST protocol, read-only:
 * `redis({ id: 'queue', url: secret('UPSTASH_REDIS_REST_URL'), token: secret('UPSTASH_REDIS_REST_TOKEN'), command: ['LLEN', 'jobs'] })`.
 * Recipes: `upstash.ping({...})`, `upstash.queue({...})`, `upstash.memory({...})` ...
 */
export function redis(check: KindInput<'redis'>): RedisCheckInput {
  return { kind: 'redis', ...check };
}

/**
 * A heartbeat (dead man's switch): the job calls /ping/<token> when it succeeds.
 * `heartbeat({ id: 'nightly-backup', token: secret('BACKUP_PING_TOKEN'), schedule: '0 2 * * *', grace: '30m' })`.
 * The grace period is its confirmation: it changes status after one run unless told otherwise.
 */
export function heartbeat(check: KindInput<'heartbeat'>): HeartbeatCheckInput {
  return { kind: 'heartbeat', confirmations: { down: 1, up: 1 }, ...check };
}

/**
 * Prometheus metrics: scrape /metrics and compute named values.
 * `metrics({ id: 'api-metrics', url: 'https://api.example.com/metrics', values: { p95_ms: quantile(0.95, 'http_request_duration_seconds', { scale: 1000 }) }, expect: [value('p95_ms').below(500)] })`.
 */
export function metrics(check: KindInput<'metrics'>): MetricsCheckInput {
  return { kind: 'metrics', ...check };
}

/**
 * A runbook checklist: at its time (cron in tz) it runs its checks and posts
 * one digest per channel. `checklist({ id: 'daily', cron: '0 9 * * *', tz: 'Europe/Berlin',
 * items: ['api', pg.slowQueries({...}), task({ id: 'logs', text: 'Review error logs' })] })`.
 */
export function checklist(input: ChecklistInput): ChecklistInput {
  return input;
}

/**
 * A manual checklist item: someone does it and marks it done (POST
 * /api/checklists/<checklist>/items/<id>/done), or a job's heartbeat does (`doneBy`).
 * `task({ id: 'rotate-secrets', text: 'Rotate API_SECRET', owner: 'ops', every: '30d' })`.
 */
export function task(input: Omit<TaskInput, 'type'>): TaskInput {
  return { type: 'task', ...input };
}

/**
 * A maintenance window, one-off (`start`, `end`) or recurring (`cron`, `duration`, `tz`):
 * `maintenanceWindow({ id: 'db-upgrade', title: 'Database upgrade', start: '2026-11-29T02:00:00Z', end: '2026-11-29T03:00:00Z', checks: ['db'] })`.
 */
export function maintenanceWindow(input: MaintenanceInput): MaintenanceInput {
  return input;
}

/** Slack incoming webhook: `slack({ webhookUrl: secret('SLACK_WEBHOOK_URL') })`. */
export function slack(options: ChannelInput<'slack'>): SlackChannelInput {
  return { type: 'slack', ...options };
}

/** Discord webhook: `discord({ webhookUrl: secret('DISCORD_WEBHOOK_URL') })`. */
export function discord(options: ChannelInput<'discord'>): DiscordChannelInput {
  return { type: 'discord', ...options };
}

/** Telegram bot message: `telegram({ botToken: secret('TELEGRAM_BOT_TOKEN'), chatId: '-1001234567890' })`. */
export function telegram(options: ChannelInput<'telegram'>): TelegramChannelInput {
  return { type: 'telegram', ...options };
}

/** Signed JSON webhook: `webhook({ url: 'https://...', signingSecret: secret('WEBHOOK_SECRET') })`. */
export function webhook(options: ChannelInput<'webhook'>): WebhookChannelInput {
  return { type: 'webhook', ...options };
}
