// PostgreSQL check through @neondatabase/serverless: the HTTP `neon()` path
// for Neon hosts, a Client over WebSocket otherwise (self-hosted PostgreSQL
// behind a WebSocket proxy). Every query runs in a READ ONLY transaction with
// a statement timeout; the client is opened and closed inside the run.

import { Client, neon, neonConfig } from '@neondatabase/serverless';
import * as z from 'zod';
import type { Observed, Value } from '../assert/types';
import { toValue } from '../assert/sources';
import { parseDuration } from '../config/duration';
import { durationSchema } from '../config/schema';
import { redact, secretRefSchema, type Resolved } from '../config/secrets';
import { formatBytes } from '../format';
import { PostgresClient } from './postgres-scram';
import type { CheckKind, Observation, RunContext } from './types';

export const DEFAULT_STATEMENT_TIMEOUT = '5s';
export const DEFAULT_MAX_ROWS = 100;
export const MAX_REPORT_ROWS = 20;
const REPORT_LINE_MAX = 160;
/** Leave this much of the check's timeout for connecting and closing. */
const TIMEOUT_MARGIN_MS = 500;

const valueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const options = z.strictObject({
  /** The connection string, always from a secret: it holds the password. */
  connection: secretRefSchema,
  /** The SQL to run (read-only). Use $1, $2 ... for `params`. */
  query: z.string().min(1),
  params: z.array(valueSchema).default([]),
  /** `http` for Neon hosts (one fetch per query), `websocket` for anything else; `auto` picks by host. */
  transport: z.enum(['auto', 'http', 'websocket']).default('auto'),
  /** WebSocket proxy in front of a self-hosted PostgreSQL, e.g. "wss://wsproxy.example.com/v2" (?address=host:port is added). */
  wsProxy: z.string().optional(),
  /** The SQL-over-HTTP endpoint, when it is not Neon's own (local development, a proxy). */
  httpEndpoint: z.string().optional(),
  statementTimeout: durationSchema.default(DEFAULT_STATEMENT_TIMEOUT),
  /**
   * At most this many rows are read into values (eachRow lists). Over a
   * WebSocket the server stops sending after maxRows + 1 rows; over HTTP the
   * endpoint sends the whole result.
   */
  maxRows: z.number().int().min(1).max(1000).default(DEFAULT_MAX_ROWS),
  /** List this many result rows in the check's report (weekly digests, the CLI). */
  report: z.number().int().min(0).max(MAX_REPORT_ROWS).default(0),
  /**
   * Errors that mean "cannot evaluate" rather than "down", by SQLSTATE, with
   * the message to show: `{ '42P01': 'pg_stat_statements is not installed' }`.
   */
  explainErrors: z.record(z.string().regex(/^[0-9A-Z]{5}$/), z.string()).default({}),
  /**
   * Boolean columns of the first row that decide the result when true, for
   * conditions a threshold cannot say: `{ no_replica: { status: 'down', message: 'no replica connected' } }`.
   * `unknown` means the other values cannot be trusted. `{column}` in a message is that column's value.
   */
  flags: z.record(z.string(), z.strictObject({ status: z.enum(['unknown', 'degraded', 'down']), message: z.string().min(1) })).default({}),
});

/** Options as the kind runs them: secrets resolved. */
type Options = Resolved<z.output<typeof options>>;

/** Hosts served by Neon, where the HTTP path and password pipelining apply. */
export function isNeonHost(host: string): boolean {
  return /\.neon\.(tech|build)$/i.test(host);
}

// The driver's fetchEndpoint is global, so one check's endpoint would leak into
// the next; each query carries its own endpoint (and fetch) in its fetch options.
const VIA = Symbol('vigil.via');
interface Via {
  endpoint?: string;
  fetch: typeof fetch;
}
neonConfig.fetchFunction = (url: string, init: RequestInit & { [VIA]?: Via }) => {
  const { [VIA]: via, ...rest } = init;
  return (via?.fetch ?? fetch)(via?.endpoint ?? url, rest);
};

interface Target {
  host: string;
  port: string;
}

/**
 * Host and port, parsed as the driver parses the string (as itself, then as
 * http:); a string the driver cannot parse is refused here, since the
 * driver's error quotes it whole, password included.
 */
function targetOf(connection: string): Target | undefined {
  try {
    const scheme = new URL(connection).protocol;
    if (scheme !== 'postgres:' && scheme !== 'postgresql:') return undefined;
    const url = new URL(`http:${connection.slice(scheme.length)}`);
    return { host: url.hostname, port: url.port || '5432' };
  } catch {
    return undefined;
  }
}

interface Rows {
  fields: Array<{ name: string; dataTypeID: number }>;
  rows: Array<Record<string, unknown>>;
  rowCount: number;
  /** More rows than maxRows: the rest were not fetched, so rowCount is not the total. */
  truncated: boolean;
}

// Types whose text form is a number: int8, numeric (pg-types leaves them as strings).
const NUMERIC_TYPES = new Set([20, 1700]);

function toObserved(raw: unknown, dataTypeID: number): Value {
  if (raw instanceof Date) return raw.toISOString();
  if (typeof raw === 'string' && NUMERIC_TYPES.has(dataTypeID)) {
    const n = Number(raw);
    if (Number.isFinite(n) && Math.abs(n) <= Number.MAX_SAFE_INTEGER) return n;
  }
  return toValue(raw);
}

/**
 * Every column of the first row, rows:<col> lists, then the built-in rowCount
 * and value (first column of the first row): a column with a built-in's name
 * cannot change what rowCount() or firstValue() read.
 */
function valuesOf(result: Rows, opts: Options, ctx: RunContext): Record<string, Observed> {
  const values: Record<string, Observed> = {};
  const rows = result.rows.slice(0, opts.maxRows);
  const first = rows[0];
  if (first) for (const field of result.fields) values[field.name] = toObserved(first[field.name], field.dataTypeID);
  for (const source of ctx.wants) {
    if (source.type !== 'value' || !source.key.startsWith('rows:')) continue;
    const column = source.key.slice('rows:'.length);
    const field = result.fields.find((f) => f.name === column);
    if (field) values[source.key] = rows.map((row) => toObserved(row[column], field.dataTypeID));
  }
  values.rowCount = result.rowCount;
  const firstField = result.fields[0];
  if (first && firstField) values.value = toObserved(first[firstField.name], firstField.dataTypeID);
  return values;
}

/** `table=earnings, bytes=3.1 MB` for the first `count` rows. */
function reportLines(result: Rows, count: number): string[] {
  return result.rows.slice(0, count).map((row) => {
    const line = result.fields
      .map((field) => {
        const value = toObserved(row[field.name], field.dataTypeID);
        return `${field.name}=${field.name.endsWith('bytes') && typeof value === 'number' ? formatBytes(value) : String(value)}`;
      })
      .join(', ');
    return line.length > REPORT_LINE_MAX ? `${line.slice(0, REPORT_LINE_MAX - 1)}…` : line;
  });
}

interface PgError {
  code?: string;
  message?: string;
}

/** Thrown when the connection could not be opened (as opposed to lost later): the cause reads differently. */
class ConnectError extends Error {
  constructor(override readonly cause: unknown) {
    super((cause as PgError | undefined)?.message ?? String(cause));
    this.name = 'ConnectError';
  }
}

// What the driver says when the server or the proxy drops the connection, and when it cannot be opened.
const CONNECTION_LOST = /Connection terminated|terminating connection|server closed the connection|WebSocket|Network connection lost|socket hang up|ECONNRESET|Client has encountered a connection error/i;
const CANNOT_CONNECT = /ECONNREFUSED|could not connect|Error connecting to database|ENOTFOUND|EAI_AGAIN|connect ETIMEDOUT|no pg_hba\.conf entry|HTTP status 50[234]/i;
/** SQLSTATE class 57P: the server is shutting down or was restarted by an operator. */
const SHUTDOWN_CODES = new Set(['57P01', '57P02', '57P03']);

/**
 * Turns a driver error into an observation: down, retried, or unknown, with a
 * short cause for alerts ("database connection lost (db.internal)") and the
 * driver's own words in `raw` for the CLI. The message is redacted here, not
 * only by the engine: errors quote values (a bad connection string,
 * `invalid input syntax for type integer: "..."`).
 */
function fromError(error: unknown, opts: Options, ctx: RunContext, started: number, timeoutMs: number, target: Target): Observation {
  const latencyMs = Date.now() - started;
  const connecting = error instanceof ConnectError;
  const e = ((connecting ? error.cause : error) ?? {}) as PgError;
  const message = redact(String(e.message ?? error), [opts.connection]);
  const code = typeof e.code === 'string' ? e.code : undefined;
  const host = target.host;
  const base = { latencyMs, values: {}, raw: code ? `${message} (SQLSTATE ${code})` : message };
  if (ctx.signal.aborted) return { ...base, reached: false, retryable: true, error: `${host}: timed out after ${Math.round(ctx.timeoutMs / 1000)}s` };
  if (code && opts.explainErrors[code]) return { ...base, reached: true, unknown: true, error: `${opts.explainErrors[code]} (${message})` };
  if (code === '28P01' || code === '28000') {
    const user = /for user "([^"]+)"/.exec(message)?.[1];
    return { ...base, reached: false, error: user ? `authentication failed for user "${user}"` : `authentication failed: ${message}` };
  }
  // 57014 is any cancellation: our statement_timeout, or pg_cancel_backend() from another session.
  if (code === '57014' && /statement timeout/i.test(message)) return { ...base, reached: false, error: `query cancelled after ${Math.round(timeoutMs / 1000)}s (statementTimeout): ${message}` };
  if (code === '57014') return { ...base, reached: false, error: `query cancelled by another session (pg_cancel_backend or an operator): ${message}` };
  if (code === '25006') return { ...base, reached: true, unknown: true, error: `the query tried to write, and checks run read-only: ${message}` };
  if (code && code.startsWith('42') && code !== '42P01') return { ...base, reached: true, unknown: true, error: `query error (${code}): ${message}` };
  if (code === '53300') return { ...base, reached: false, retryable: true, error: `the database has no free connection slots (${host})` };
  if (code && !code.startsWith('08') && !SHUTDOWN_CODES.has(code)) return { ...base, reached: false, error: `query failed (${code}): ${message}` };
  if (connecting || CANNOT_CONNECT.test(message)) return { ...base, reached: false, retryable: true, error: `cannot connect to the database (${host}:${target.port})` };
  if (SHUTDOWN_CODES.has(code ?? '') || CONNECTION_LOST.test(message) || code?.startsWith('08')) return { ...base, reached: false, retryable: true, error: `database connection lost (${host})` };
  return { ...base, reached: false, retryable: true, error: `could not query ${host}: ${message}` };
}

async function queryHttp(connection: string, opts: Options, statementMs: number, ctx: RunContext): Promise<Rows> {
  const via: Via = { endpoint: opts.httpEndpoint, fetch: ctx.fetch };
  const sql = neon(connection, { fullResults: true, fetchOptions: { signal: ctx.signal, [VIA]: via } });
  const results = await sql.transaction([sql.query(`SET LOCAL statement_timeout = ${statementMs}`), sql.query(opts.query, opts.params)], { readOnly: true, fullResults: true });
  const last = results[results.length - 1] as unknown as Omit<Rows, 'truncated'>;
  return { fields: last.fields, rows: last.rows, rowCount: last.rowCount ?? last.rows.length, truncated: false };
}

interface DriverConnection {
  execute(message: { portal: string | undefined; rows: number }): void;
  sync(): void;
}
interface DriverQuery {
  portal: string | undefined;
  handleCommandComplete(message: unknown, connection: DriverConnection): void;
  handleEmptyQuery(connection: DriverConnection): void;
}
type DriverQueryClass = new (config: { text: string; values: unknown[]; rows: number }, values: undefined, callback: (error: Error | null, result: Omit<Rows, 'truncated'>) => void) => DriverQuery;

/** Where the driver would send a Sync later, nothing: this query's Sync went with its Execute. */
const SYNC_SENT: DriverConnection = { execute: () => undefined, sync: () => undefined };

/**
 * The driver's query, stopped at its row limit, in one round trip. `rows`
 * sends the statement unnamed through the extended protocol (one statement
 * only, and nothing left behind on a connection PgBouncer hands to someone
 * else) and asks for at most that many rows. The driver would then Flush,
 * wait for the rows and Sync after them (a second round trip, ~45 ms through
 * a WebSocket bridge here), or fetch the rest batch by batch; this one sends
 * Execute and Sync together, and a suspended portal just means "truncated".
 */
class LimitedQuery extends (Client as unknown as { Query: DriverQueryClass }).Query {
  truncated = false;
  _getRows(connection: DriverConnection, rows: number): void {
    connection.execute({ portal: this.portal, rows });
    connection.sync();
  }
  handlePortalSuspended(): void {
    this.truncated = true;
  }
  override handleCommandComplete(message: unknown): void {
    super.handleCommandComplete(message, SYNC_SENT);
  }
  override handleEmptyQuery(): void {
    super.handleEmptyQuery(SYNC_SENT);
  }
}

function limitedQuery(client: Client, text: string, values: unknown[], maxRows: number): Promise<Rows> {
  return new Promise((resolve, reject) => {
    const query: LimitedQuery = new LimitedQuery({ text, values, rows: maxRows + 1 }, undefined, (error, result) => {
      if (error) reject(error);
      else resolve({ fields: result.fields, rows: result.rows, rowCount: result.rows.length, truncated: query.truncated });
    });
    void client.query(query as never);
  });
}

async function queryWebSocket(connection: string, opts: Options, target: Target, statementMs: number, signal: AbortSignal): Promise<Rows> {
  const client = new PostgresClient({ connectionString: connection });
  // Without a listener, a socket error after the query would be thrown as uncaught.
  client.on('error', () => undefined);
  const proxy = opts.wsProxy;
  if (proxy) {
    const secure = !/^ws:\/\//i.test(proxy);
    const base = proxy.replace(/^wss?:\/\//i, '');
    client.neonConfig.useSecureWebSocket = secure;
    client.neonConfig.wsProxy = (host, port) => (base.includes('{host}') ? base.replace('{host}', host).replace('{port}', String(port)) : `${base}${base.includes('?') ? '&' : '?'}address=${host}:${port}`);
  }
  // Pipelining the password only works with Neon's cleartext auth; SCRAM needs the round trips.
  if (!isNeonHost(target.host)) client.neonConfig.pipelineConnect = false;
  // Coalesced writes are sent from a timer, where a write after an abort would be an
  // uncaught error; a handful of statements gain nothing from coalescing anyway.
  client.neonConfig.coalesceWrites = false;
  // end() on a socket the server already closed throws at once ("Can't call WebSocket send()
  // after close()"); thrown from the finally below it would replace the error that explains the failure.
  const close = () => {
    try {
      void client.end().catch(() => undefined);
    } catch {
      // already closed
    }
  };
  signal.addEventListener('abort', close, { once: true });
  try {
    // Until the transaction is open nothing of the check ran: a failure here is "cannot connect"
    // (the proxy closes the socket when the server refuses it), one after it is a lost connection.
    try {
      await client.connect();
      // One round trip for both (our own fixed text, so the simple protocol is fine here).
      await client.query(`BEGIN READ ONLY; SET LOCAL statement_timeout = ${statementMs}`);
    } catch (error) {
      throw new ConnectError(error);
    }
    // The extended protocol takes exactly one statement, so "COMMIT; INSERT ..."
    // cannot step out of the read-only transaction. Closing the connection
    // afterwards rolls the transaction back.
    return await limitedQuery(client, opts.query, opts.params, opts.maxRows);
  } finally {
    signal.removeEventListener('abort', close);
    close();
  }
}

export const postgresKind: CheckKind<typeof options> = {
  options,
  sources: ['value', 'latency'],

  describe: (opts) => `postgres (${opts.connection.$secret}): ${opts.query.replace(/\s+/g, ' ').slice(0, 60)}`,

  validate(opts) {
    const problems: Array<[string, string]> = [];
    if (opts.wsProxy && /^https?:/i.test(opts.wsProxy)) problems.push(['wsProxy', 'a WebSocket proxy URL starts with wss:// (or ws:// locally)']);
    if (opts.httpEndpoint && !/^https?:\/\//i.test(opts.httpEndpoint)) problems.push(['httpEndpoint', 'must be an http(s) URL such as https://api.example.neon.tech/sql']);
    return problems;
  },

  async run(opts, ctx): Promise<Observation> {
    const started = Date.now();
    const target = targetOf(opts.connection);
    if (!target) return { reached: false, unknown: true, latencyMs: 0, values: {}, error: 'option connection is not a postgres:// connection string' };
    const statementMs = Math.max(100, Math.min(parseDuration(opts.statementTimeout) ?? 5000, ctx.timeoutMs - TIMEOUT_MARGIN_MS));
    const transport = opts.transport === 'auto' ? (isNeonHost(target.host) || opts.httpEndpoint ? 'http' : 'websocket') : opts.transport;
    try {
      const rows = transport === 'http' ? await queryHttp(opts.connection, opts, statementMs, ctx) : await queryWebSocket(opts.connection, opts, target, statementMs, ctx.signal);
      const latencyMs = Date.now() - started;
      const values = { ...valuesOf(rows, opts, ctx), latencyMs };
      if (rows.truncated && ctx.wants.some((source) => source.type === 'value' && source.key === 'rowCount')) {
        return { reached: true, unknown: true, latencyMs, values, error: `the query returned more than maxRows (${opts.maxRows}) rows, so rowCount is not known: count in SQL (SELECT count(*) ...) or raise maxRows` };
      }
      const observation: Observation = { reached: true, latencyMs, values };
      if (opts.report > 0) observation.details = reportLines(rows, opts.report).map((line) => redact(line, [opts.connection]));
      return withFlags(observation, opts.flags);
    } catch (error) {
      return fromError(error, opts, ctx, started, statementMs, target);
    }
  },
};

/** Applies `flags`: an unknown one wins; otherwise the worst becomes the verdict. */
function withFlags(observation: Observation, flags: Options['flags']): Observation {
  const values = observation.values;
  const raised = Object.entries(flags).filter(([column]) => values[column] === true);
  if (raised.length === 0) return observation;
  const fill = (message: string) => message.replace(/\{(\w+)\}/g, (_, column: string) => String(values[column] ?? ''));
  const unknown = raised.find(([, flag]) => flag.status === 'unknown');
  if (unknown) return { ...observation, unknown: true, error: fill(unknown[1].message) };
  const status = raised.some(([, flag]) => flag.status === 'down') ? 'down' : 'degraded';
  return { ...observation, verdict: { status, message: raised.map(([, flag]) => fill(flag.message)).join('; ') } };
}
