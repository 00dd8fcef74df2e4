// What checks/index.ts imports: defineConfig, one helper per check kind and
// channel, assertion helpers and secret(). Everything here returns plain data.

import type { z } from 'zod';
import type { Expectation } from '../assert/builders';
import type { kinds } from '../kinds';
import type { channels } from '../notify';
import type { checkCommonSchema, checklistSchema, defaultsSchema, maintenanceSchema, pageSchema, routingShape, settingsSchema, taskSchema } from './schema';

export { body, column, differenceOf, eachRow, firstValue, header, info, json, latency, percentOf, ratioOf, reply, rowCount, series, status, sumOf, value } from '../assert/builders';
export type { Levels } from '../assert/builders';
export { pg } from '../kinds/postgres-recipes';
export { upstash } from '../kinds/redis-recipes';
export { backups, bucket } from '../kinds/backups-recipes';
export { kubernetes, nodeExporter } from '../kinds/host-recipes';
export { gauge, increase, quantile, rate, ratio } from '../kinds/metrics';
export { banner } from '../kinds/tcp';
export { rcode, records } from '../kinds/dns';
export { domain } from '../kinds/dns-recipes';
export { expiresIn } from '../kinds/tls';
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
export type TcpCheckInput = KindInput<'tcp'> & { kind: 'tcp' };
export type WebSocketCheckInput = KindInput<'websocket'> & { kind: 'websocket' };
export type DnsCheckInput = KindInput<'dns'> & { kind: 'dns' };
export type StatuspageCheckInput = KindInput<'statuspage'> & { kind: 'statuspage' };
export type TlsCheckInput = KindInput<'tls'> & { kind: 'tls' };
export type PromqlCheckInput = KindInput<'promql'> & { kind: 'promql' };
export type CheckInput = HttpCheckInput | PostgresCheckInput | RedisCheckInput | HeartbeatCheckInput | BackupsCheckInput | MetricsCheckInput | PromqlCheckInput | TcpCheckInput | WebSocketCheckInput | DnsCheckInput | StatuspageCheckInput | TlsCheckInput;

/**
 * How checks reach a PostgreSQL database, shared by a pack's checks:
 * nothing for Neon; `wsProxy` for self-hosted, Railway or Supabase PostgreSQL.
 */
export type PostgresAccess = Pick<PostgresCheckInput, 'transport' | 'wsProxy' | 'httpEndpoint'>;

export type SlackChannelInput = ChannelInput<'slack'> & { type: 'slack' };
export type DiscordChannelInput = ChannelInput<'discord'> & { type: 'discord' };
export type TelegramChannelInput = ChannelInput<'telegram'> & { type: 'telegram' };
export type WebhookChannelInput = ChannelInput<'webhook'> & { type: 'webhook' };
export type ResendChannelInput = ChannelInput<'resend'> & { type: 'resend' };
export type PostmarkChannelInput = ChannelInput<'postmark'> & { type: 'postmark' };
export type SendGridChannelInput = ChannelInput<'sendgrid'> & { type: 'sendgrid' };
export type MailgunChannelInput = ChannelInput<'mailgun'> & { type: 'mailgun' };
export type CloudflareEmailChannelInput = ChannelInput<'cloudflare-email'> & { type: 'cloudflare-email' };
export type PagerDutyChannelInput = ChannelInput<'pagerduty'> & { type: 'pagerduty' };
export type OpsgenieChannelInput = ChannelInput<'opsgenie'> & { type: 'opsgenie' };
export type TeamsChannelInput = ChannelInput<'teams'> & { type: 'teams' };
export type GoogleChatChannelInput = ChannelInput<'google-chat'> & { type: 'google-chat' };
export type NtfyChannelInput = ChannelInput<'ntfy'> & { type: 'ntfy' };
export type PushoverChannelInput = ChannelInput<'pushover'> & { type: 'pushover' };
export type MattermostChannelInput = ChannelInput<'mattermost'> & { type: 'mattermost' };
export type ChannelInputs =
  | SlackChannelInput
  | DiscordChannelInput
  | TelegramChannelInput
  | WebhookChannelInput
  | ResendChannelInput
  | PostmarkChannelInput
  | SendGridChannelInput
  | MailgunChannelInput
  | CloudflareEmailChannelInput
  | PagerDutyChannelInput
  | OpsgenieChannelInput
  | TeamsChannelInput
  | GoogleChatChannelInput
  | NtfyChannelInput
  | PushoverChannelInput
  | MattermostChannelInput;

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
 * A TCP connection through connect() (cloudflare:sockets): connect time, and optionally a banner and one command's reply.
 * `tcp({ id: 'smtp', host: 'smtp.example.com', port: 587, banner: true, expect: [banner().matches(/^220 /)] })`,
 * `tcp({ id: 'redis-port', host: 'redis.internal.example.com', port: 6379, send: 'PING', expect: [reply().eq('+PONG')] })`.
 */
export function tcp(check: KindInput<'tcp'>): TcpCheckInput {
  return { kind: 'tcp', ...check };
}

/**
 * A WebSocket handshake (fetch with Upgrade: websocket), optionally one message and its reply, closed with code 1000.
 * `websocket({ id: 'chat', url: 'wss://api.example.com/', send: { type: 'ping' }, expect: [json('$.type').eq('pong'), latency().below(1000)] })`.
 */
export function websocket(check: KindInput<'websocket'>): WebSocketCheckInput {
  return { kind: 'websocket', ...check };
}

/**
 * A DNS lookup through DNS over HTTPS (RFC 8484, or the JSON API), default resolver https://cloudflare-dns.com/dns-query:
 * `dns({ id: 'mx', domain: 'example.com', type: 'MX', expect: [records().contains('mx.example.com'), value('ttl').above(300)] })`.
 * Recipes: `domain.spf({...})`, `domain.dmarc({...})`, `domain.resolvesTo({...})`.
 */
export function dns(check: KindInput<'dns'>): DnsCheckInput {
  return { kind: 'dns', ...check };
}

/**
 * A vendor's public status page (Atlassian Statuspage, Instatus, incident.io): minor → degraded, major/critical → down,
 * maintenance → up with "maintenance" said. `statuspage({ id: 'supabase-status', url: 'https://status.supabase.com', components: ['Database'] })`.
 */
export function statuspage(check: KindInput<'statuspage'>): StatuspageCheckInput {
  return { kind: 'statuspage', ...check };
}

/**
 * Certificate check: a TLS handshake (the certificate presented now is accepted), and its expiry from
 * Certificate Transparency logs or your own exporter (a Worker cannot read the presented certificate; docs/checks.md).
 * `tls({ id: 'api-cert', host: 'api.example.com', ct: {}, expect: [expiresIn().above({ warn: '21d', crit: '7d' })] })`.
 */
export function tls(check: KindInput<'tls'>): TlsCheckInput {
  return { kind: 'tls', ...check };
}

/**
 * A query against a Prometheus-compatible API (Prometheus, VictoriaMetrics, Grafana Cloud / Mimir, Thanos):
 * `promql({ id: 'api-5xx', url: 'http://prometheus:9090', query: 'sum by (job) (rate(http_requests_total{code=~"5.."}[5m]))', expect: [series().every().below(0.05)] })`.
 */
export function promql(check: KindInput<'promql'>): PromqlCheckInput {
  return { kind: 'promql', ...check };
}

/**
 * A Loki metric query (LogQL): `loki({ id: 'api-errors', url: 'http://loki:3100', query: 'sum(count_over_time({app="api"} |= "error" [1h]))', expect: [series().below(50)] })`.
 * The same kind as promql, asking /loki/api/v1/query.
 */
export function loki(check: Omit<KindInput<'promql'>, 'api'>): PromqlCheckInput {
  return { kind: 'promql', api: 'loki', ...check };
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

/**
 * Signed JSON webhook: `webhook({ url: 'https://...', signingSecret: secret('WEBHOOK_SECRET') })`;
 * `standardWebhooks: secret('WEBHOOK_WHSEC')` adds the Standard Webhooks headers.
 */
export function webhook(options: ChannelInput<'webhook'>): WebhookChannelInput {
  return { type: 'webhook', ...options };
}

/**
 * Email, one helper per provider (each takes from, to, replyTo, subjectPrefix):
 * `email.resend({ apiKey: secret('RESEND_API_KEY'), from: 'Vigil <vigil@acme.dev>', to: 'ops@acme.dev' })`,
 * `email.postmark({ serverToken })`, `email.sendgrid({ apiKey })`, `email.mailgun({ apiKey, domain })`,
 * `email.cloudflare({ binding: 'SEND_EMAIL' })` (Cloudflare's send_email binding).
 */
export const email = {
  resend: (options: ChannelInput<'resend'>): ResendChannelInput => ({ type: 'resend', ...options }),
  postmark: (options: ChannelInput<'postmark'>): PostmarkChannelInput => ({ type: 'postmark', ...options }),
  sendgrid: (options: ChannelInput<'sendgrid'>): SendGridChannelInput => ({ type: 'sendgrid', ...options }),
  mailgun: (options: ChannelInput<'mailgun'>): MailgunChannelInput => ({ type: 'mailgun', ...options }),
  cloudflare: (options: ChannelInput<'cloudflare-email'>): CloudflareEmailChannelInput => ({ type: 'cloudflare-email', ...options }),
};

/** PagerDuty Events API v2: `pagerduty({ routingKey: secret('PAGERDUTY_ROUTING_KEY') })`. Takes no digests. */
export function pagerduty(options: ChannelInput<'pagerduty'>): PagerDutyChannelInput {
  return { type: 'pagerduty', ...options };
}

/** Opsgenie Alert API: `opsgenie({ apiKey: secret('OPSGENIE_API_KEY'), region: 'eu' })`. Takes no digests. */
export function opsgenie(options: ChannelInput<'opsgenie'>): OpsgenieChannelInput {
  return { type: 'opsgenie', ...options };
}

/** Microsoft Teams through a Workflows webhook: `teams({ webhookUrl: secret('TEAMS_WEBHOOK_URL') })`. */
export function teams(options: ChannelInput<'teams'>): TeamsChannelInput {
  return { type: 'teams', ...options };
}

/** Google Chat incoming webhook: `googleChat({ webhookUrl: secret('GOOGLE_CHAT_WEBHOOK_URL') })`. */
export function googleChat(options: ChannelInput<'google-chat'>): GoogleChatChannelInput {
  return { type: 'google-chat', ...options };
}

/** ntfy push notifications: `ntfy({ topic: secret('NTFY_TOPIC'), server: 'https://ntfy.sh', token: secret('NTFY_TOKEN') })`. */
export function ntfy(options: ChannelInput<'ntfy'>): NtfyChannelInput {
  return { type: 'ntfy', ...options };
}

/** Pushover: `pushover({ token: secret('PUSHOVER_TOKEN'), user: secret('PUSHOVER_USER') })`. */
export function pushover(options: ChannelInput<'pushover'>): PushoverChannelInput {
  return { type: 'pushover', ...options };
}

/** Mattermost's Slack-compatible incoming webhook: `mattermost({ webhookUrl: secret('MATTERMOST_WEBHOOK_URL') })`. */
export function mattermost(options: ChannelInput<'mattermost'>): MattermostChannelInput {
  return { type: 'mattermost', ...options };
}
