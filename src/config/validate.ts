// Validates checks/index.ts and turns it into the Config the engine runs.
// Every problem names where it is: `check "api": expect[1]: json path ...`.

import * as z from 'zod';
import { assertionProblem } from '../assert/evaluate';
import { sourcesRead } from '../assert/sources';
import type { Assertion, AssertionInput, Source } from '../assert/types';
import { KIND_NAMES, kinds, type KindName } from '../kinds';
import { CHANNEL_TYPES, channels, type ChannelType } from '../notify';
import { parseDuration } from './duration';
import type { CredentialForm } from '../notify/types';
import { CREDENTIAL_HEADER, credentialShape, hasTokenInPath, isSecretRef, withoutInlineCredentials } from './secrets';
import { idOf, parseChecklists, parseHours, parseMaintenance } from './plans';
import { checkCommonShape, MAX_TIMEOUT_MS, rootSchema, routingShape } from './schema';
import type { ChannelConfig, Check, Config, Schedule, SloConfig } from './types';

/** Source types computed from others: a kind offers what they are computed from. */
const DERIVED = new Set(['trend', 'count', 'age', 'calc']);

export const DEFAULT_EVERY_MS = 60_000;
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Two failing runs in a row before down/degraded; two passing runs before recovered. */
export const DEFAULT_CONFIRMATIONS = { down: 2, up: 2 } as const;
export const DEFAULT_FLUSH_EVERY_MS = 5 * 60_000;
export const FREE_PLAN_KV_WRITES_PER_DAY = 1_000;
/** The read model may use this share of the daily KV writes (the rest is the operator's margin). */
export const PUBLISH_SHARE = 0.7;
/** Routine flushes may use at most this share of the read model's writes; the rest is for changes. */
export const FLUSH_SHARE = 0.5;
export const MAX_CONCURRENCY = 6; // Workers allow 6 simultaneous open connections
export const DEFAULT_TICK_DEADLINE_MS = 45_000; // ticks fire every minute; deliveries stop starting here
export const FREE_PLAN_SUBREQUESTS = 50;
/** A probe request has 6 connections: 6 checks run at once. */
export const DEFAULT_CHECKS_PER_PROBE = 6;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export type Validation = { ok: true; config: Config } | { ok: false; problems: string[] };

/** Thrown when the Worker starts with an invalid config; lists every problem. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid config (checks/index.ts):\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates and normalises a config; throws ConfigError listing every problem. */
export function loadConfig(input: unknown): Config {
  const result = validateConfig(input);
  if (!result.ok) throw new ConfigError(result.problems);
  return result.config;
}

export function validateConfig(input: unknown): Validation {
  const result = validateInput(input);
  if (result.ok) return result;
  // No message may quote a credential written inline (a kind's own message can quote its option).
  const inline = inlineCredentials(input);
  return { ok: false, problems: result.problems.map((problem) => withoutInlineCredentials(problem, inline, QUOTE_MAX)) };
}

function validateInput(input: unknown): Validation {
  const problems: string[] = [];
  const root = parseRoot(input, problems);
  if (!root) return { ok: false, problems };
  const { page = {}, settings = {}, defaults = {}, channels: channelInputs = {}, checks: checkInputs, maintenance = [], checklists: checklistInputs = [] } = root;
  const flushEveryMs = ms(settings.flushEvery) ?? DEFAULT_FLUSH_EVERY_MS;
  const kvWritesPerDay = settings.kvWritesPerDay ?? FREE_PLAN_KV_WRITES_PER_DAY;
  const flushesAllowed = Math.floor(kvWritesPerDay * PUBLISH_SHARE * FLUSH_SHARE);
  if (flushEveryMs < MINUTE) problems.push('settings.flushEvery: at least "1m" (ticks run once a minute)');
  else if (DAY / flushEveryMs > flushesAllowed) {
    const needed = Math.ceil(DAY / flushesAllowed / MINUTE);
    // The read model gets PUBLISH_SHARE of the KV writes, and flushes half of that: the rest is for changes (docs/storage.md).
    problems.push(`settings.flushEvery: "${settings.flushEvery}" flushes ${Math.round(DAY / flushEveryMs)} times a day; kvWritesPerDay ${kvWritesPerDay} keeps ${flushesAllowed} for flushes, so flush every "${needed}m" or more`);
  }

  const channelConfigs: Record<string, ChannelConfig> = {};
  for (const [name, raw] of Object.entries(channelInputs)) {
    const parsed = parseChannel(name, raw, problems);
    if (parsed) channelConfigs[name] = parsed;
  }
  const channelNames = Object.keys(channelInputs);
  for (const [index, name] of (defaults.notify ?? []).entries()) {
    if (!channelNames.includes(name)) problems.push(`defaults: notify[${index}]: ${unknownChannel(name, channelNames)}`);
  }

  const checks: Check[] = [];
  // Ids as written, including those of checks that have other problems: a
  // duplicate is reported either way, and a reference to such a check is not "unknown".
  const declared = new Map<string, number>();
  // Checks with problems of their own: their dependsOn is still checked, so every problem shows in one run.
  const unparsed: Array<{ id: string; dependsOn: string[] }> = [];
  checkInputs.forEach((raw, index) => {
    const id = idOf(raw);
    const first = id === undefined ? undefined : declared.get(id);
    if (id !== undefined && first !== undefined) problems.push(`check "${id}": id: duplicate id (check #${first + 1} has it too)`);
    else if (id !== undefined) declared.set(id, index);
    const check = parseCheck(raw, index, { defaults, channelNames }, problems);
    if (check) checks.push(check);
    else if (id !== undefined) unparsed.push({ id, dependsOn: writtenDependsOn(raw) });
  });

  const byId = new Map(checks.map((check) => [check.id, check]));
  const format = (issue: Issue, where: string, known: string[]) => formatIssue(issue, where, 0, known);
  const { checklists, inlineChecks } = parseChecklists(
    checklistInputs,
    {
      checks: byId,
      broken: new Set(unparsed.map((check) => check.id)),
      channelNames,
      noDigests: new Map(
        Object.entries(channelConfigs).flatMap(([name, channel]): Array<[string, string]> => {
          const reason = channels[channel.type].noDigests;
          return reason ? [[name, reason]] : [];
        }),
      ),
      format,
      parseInlineCheck: (raw, where) => parseCheck(raw, -1, { defaults, channelNames, inline: where }, problems),
    },
    problems,
  );
  checks.push(...inlineChecks);
  checkDependencies(checks, unparsed, new Set([...declared.keys(), ...inlineChecks.map((check) => check.id)]), problems);
  const windows = parseMaintenance(maintenance, new Set(declared.keys()), problems, format);

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: {
      page: { title: page.title ?? 'Status', links: page.links ?? [], timeZone: page.timeZone ?? 'UTC', collapseGroups: page.collapseGroups ?? 'never', embed: page.embed ?? false, ...pick(page, ['description', 'url', 'logo', 'brandColor']) },
      settings: {
        flushEveryMs,
        kvWritesPerDay,
        maxConcurrency: settings.maxConcurrency ?? MAX_CONCURRENCY,
        tickDeadlineMs: ms(settings.tickDeadline) ?? DEFAULT_TICK_DEADLINE_MS,
        subrequests: settings.subrequests ?? FREE_PLAN_SUBREQUESTS,
        fanOut: settings.fanOut ?? true,
        checksPerProbe: settings.checksPerProbe ?? DEFAULT_CHECKS_PER_PROBE,
      },
      channels: channelConfigs,
      checks,
      maintenance: windows,
      checklists,
    },
  };
}

/**
 * The root object: each section that fails is reported and left out, so a bad
 * `settings` does not hide the checks' own problems. Undefined when the checks
 * themselves cannot be read.
 */
function parseRoot(input: unknown, problems: string[]): z.output<typeof rootSchema> | undefined {
  const root = rootSchema.safeParse(input, { reportInput: true });
  if (root.success) return root.data;
  for (const issue of root.error.issues) problems.push(formatRootIssue(issue));
  if (!input || typeof input !== 'object' || Array.isArray(input)) return undefined;
  const broken = new Set(root.error.issues.map((issue) => issue.path[0]));
  if (broken.has('checks')) return undefined;
  const usable = Object.entries(input).filter(([key]) => key in rootSchema.shape && !broken.has(key));
  const retry = rootSchema.safeParse(Object.fromEntries(usable));
  return retry.success ? retry.data : undefined;
}

/** The dependsOn a check that did not parse was written with, as far as it reads as ids. */
function writtenDependsOn(raw: unknown): string[] {
  const value = raw && typeof raw === 'object' ? (raw as { dependsOn?: unknown }).dependsOn : undefined;
  return Array.isArray(value) ? value.filter((id): id is string => typeof id === 'string') : [];
}

/**
 * dependsOn names existing checks (`declared`, even those with problems of
 * their own), not itself, and without a cycle. `unparsed` are checks with
 * other problems: their references are checked too.
 */
function checkDependencies(checks: Check[], unparsed: Array<{ id: string; dependsOn: string[] }>, declared: Set<string>, problems: string[]): void {
  const byId = new Map(checks.map((check) => [check.id, check]));
  for (const check of [...checks, ...unparsed]) {
    check.dependsOn.forEach((id, position) => {
      if (id === check.id) problems.push(`check "${check.id}": dependsOn[${position}]: a check cannot depend on itself`);
      else if (!declared.has(id)) problems.push(`check "${check.id}": dependsOn[${position}]: unknown check "${id}"`);
    });
  }
  // A cycle would fold alerts in a circle: find one with a depth-first walk.
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(id)), id];
      problems.push(`check "${id}": dependsOn: a cycle: ${cycle.join(' → ')}`);
      return;
    }
    state.set(id, 'visiting');
    for (const next of byId.get(id)?.dependsOn ?? []) if (byId.has(next) && next !== id) visit(next, [...path, id]);
    state.set(id, 'done');
  };
  for (const check of checks) visit(check.id, []);
}

interface CheckContext {
  defaults: z.output<typeof rootSchema>['defaults'] & object;
  channelNames: string[];
  /** Set for a check declared inside a checklist: where it is (for messages). */
  inline?: string;
}

function parseCheck(raw: unknown, index: number, context: CheckContext, problems: string[]): Check | undefined {
  const id = idOf(raw);
  const where = context.inline ? `${context.inline}: check${id ? ` "${id}"` : ''}` : id ? `check "${id}"` : `check #${index + 1}`;
  const kindName = raw && typeof raw === 'object' ? (raw as { kind?: unknown }).kind : undefined;
  if (!KIND_NAMES.includes(kindName as KindName)) {
    problems.push(`${where}: kind: ${kindName === undefined ? 'is required (use a helper such as http({...}))' : `unknown kind ${JSON.stringify(kindName)}; expected one of ${KIND_NAMES.join(', ')}`}`);
    return undefined;
  }
  const kind = kinds[kindName as KindName];
  const schema = z.strictObject({ ...checkCommonShape, ...kind.options.shape });
  const parsed = schema.safeParse(raw, { reportInput: true });
  const before = problems.length;
  // Fields that did not parse are reported and left out; the rest is still checked below, so every problem shows in one run.
  const broken = new Set<PropertyKey>();
  let data: z.output<typeof schema> & Record<string, unknown>;
  if (parsed.success) data = parsed.data as typeof data;
  else {
    for (const issue of parsed.error.issues) problems.push(formatIssue(issue, where, 0, Object.keys(schema.shape)));
    for (const issue of parsed.error.issues) if (issue.path.length > 0) broken.add(issue.path[0] as PropertyKey);
    const rest = Object.fromEntries(Object.entries(raw as object).filter(([key]) => !broken.has(key) && key in schema.shape));
    const partial = schema.partial().safeParse(rest);
    if (!partial.success) return undefined;
    data = partial.data as typeof data;
  }
  const problem = (field: string, message: string) => problems.push(`${where}: ${field}: ${message}`);

  // A check declared inside a checklist runs with it, unless it also has its own schedule.
  const schedule: Schedule | undefined = context.inline && !data.every && !data.cron ? { manual: true } : parseSchedule(data, context, problem);
  const timeoutMs = ms(data.timeout) ?? ms(context.defaults.timeout) ?? DEFAULT_TIMEOUT_MS;
  if (timeoutMs > MAX_TIMEOUT_MS) problem('timeout', `at most ${MAX_TIMEOUT_MS / 1000}s, so a tick finishes inside its minute`);

  const slo = parseSlo(data.slo, problem);

  const options: Record<string, unknown> = {};
  for (const key of Object.keys(kind.options.shape)) if (data[key] !== undefined) options[key] = data[key];
  // A kind's own rules read its options whole: only when they all parsed.
  const kindBroken = Object.keys(kind.options.shape).some((key) => broken.has(key));
  if (!kindBroken) for (const [field, message] of kind.validate?.(options as never) ?? []) problem(field, message);
  for (const [field, message] of inlineCredentialProblems(options, id)) problem(field, message);

  const written = (data.expect ?? []) as AssertionInput[];
  const expect: Assertion[] = [];
  written.forEach((input, position) => {
    const assertion = toAssertion(input);
    const trouble = assertionProblem(assertion);
    if (trouble) problem(`expect[${position}]`, trouble);
    else {
      const base = sourcesRead(assertion).find((source) => !DERIVED.has(source.type) && !kind.sources.includes(source.type));
      if (base) problem(`expect[${position}]`, `${kindName} checks cannot assert on ${base.type}; they offer ${kind.sources.join(', ')}`);
    }
    expect.push(assertion);
  });
  const notify = data.notify ?? context.defaults.notify ?? context.channelNames;
  for (const [position, name] of (data.notify ?? []).entries()) {
    if (!context.channelNames.includes(name)) problem(`notify[${position}]`, unknownChannel(name, context.channelNames));
  }

  if (problems.length > before || !schedule) return undefined;
  for (const fallback of kind.defaultAssertions?.(options as never) ?? []) {
    if (!expect.some((assertion) => assertion.source.type === fallback.source.type)) expect.push(toAssertion(fallback));
  }

  const check: Check = {
    id: data.id,
    name: data.name ?? data.id,
    public: data.public ?? true,
    schedule,
    timeoutMs,
    retry: data.retry ?? context.defaults.retry ?? true,
    expect,
    confirmations: {
      down: data.confirmations?.down ?? context.defaults.confirmations?.down ?? DEFAULT_CONFIRMATIONS.down,
      up: data.confirmations?.up ?? context.defaults.confirmations?.up ?? DEFAULT_CONFIRMATIONS.up,
    },
    notify,
    dependsOn: data.dependsOn ?? [],
    kind: kindName as KindName,
    options,
    ...pick(data, ['description', 'group', 'runbook', 'fix']),
  };
  if (slo) check.slo = slo;
  if (data.regions) {
    if (kind.local) problem('regions', `${kindName} checks run in the ledger, which holds what they read; regions apply to checks that reach a target`);
    else if (new Set(data.regions).size !== data.regions.length) problem('regions', 'each region once');
    else {
      check.regions = data.regions;
      if (data.quorum !== undefined) {
        if (data.quorum > data.regions.length) problem('quorum', `at most the number of regions (${data.regions.length})`);
        else check.quorum = data.quorum;
      }
    }
  } else if (data.quorum !== undefined) problem('quorum', 'applies to checks with regions');
  const steps = data.escalate ?? context.defaults.escalate;
  if (steps) {
    const escalate: NonNullable<Check['escalate']> = [];
    steps.forEach((step, position) => {
      const afterMs = ms(step.after) as number;
      if (afterMs < MINUTE) problem(`escalate[${position}].after`, 'at least "1m"');
      else if (escalate.length > 0 && afterMs <= (escalate[escalate.length - 1] as { afterMs: number }).afterMs) problem(`escalate[${position}].after`, 'each step comes after the one before it');
      for (const [index, name] of step.notify.entries()) if (!context.channelNames.includes(name)) problem(`escalate[${position}].notify[${index}]`, unknownChannel(name, context.channelNames));
      escalate.push({ afterMs, notify: step.notify });
    });
    if (escalate.length > 0) check.escalate = escalate;
  }
  const renotify = ms(data.renotify);
  if (renotify !== undefined) {
    if (renotify < 5 * MINUTE) problem('renotify', 'at least "5m"');
    else check.renotifyMs = renotify;
  }
  return check;
}

const MAX_SLO_DAYS = 90;

function parseSlo(input: { objective: number; window?: string | undefined; burnAlerts?: boolean | undefined } | undefined, problem: (field: string, message: string) => void): SloConfig | undefined {
  if (!input) return undefined;
  const window = ms(input.window) ?? 30 * DAY;
  if (window % DAY !== 0 || window < DAY || window > MAX_SLO_DAYS * DAY) {
    problem('slo.window', `whole days from "1d" to "${MAX_SLO_DAYS}d" (the budget is kept per day), e.g. "30d"`);
    return undefined;
  }
  return { objective: input.objective, windowDays: window / DAY, burnAlerts: input.burnAlerts ?? true };
}

function parseSchedule(
  data: { every?: string | undefined; cron?: string | undefined; tz?: string | undefined },
  context: CheckContext,
  problem: (field: string, message: string) => void,
): Schedule | undefined {
  if (data.every && data.cron) {
    problem('every', 'use either every or cron, not both');
    return undefined;
  }
  if (data.tz && !data.cron) {
    problem('tz', 'tz applies to cron schedules; add cron or remove tz');
    return undefined;
  }
  if (data.cron) return { cron: data.cron, tz: data.tz ?? 'UTC' };
  const every = ms(data.every) ?? ms(context.defaults.every) ?? DEFAULT_EVERY_MS;
  if (every < MINUTE || every % MINUTE !== 0) {
    problem('every', 'must be whole minutes, at least "1m" (the Worker\'s cron fires once a minute)');
    return undefined;
  }
  return { every };
}

function parseChannel(name: string, raw: unknown, problems: string[]): ChannelConfig | undefined {
  const where = `channel "${name}"`;
  const type = raw && typeof raw === 'object' ? (raw as { type?: unknown }).type : undefined;
  if (!CHANNEL_TYPES.includes(type as ChannelType)) {
    problems.push(`${where}: type: ${type === undefined ? 'is required (use a helper such as slack(), email.resend() or pagerduty())' : `unknown channel type ${JSON.stringify(type)}; expected one of ${CHANNEL_TYPES.join(', ')}`}`);
    return undefined;
  }
  const channel = channels[type as ChannelType];
  const schema = z.strictObject({ type: z.string(), ...channel.options.shape, ...routingShape });
  const parsed = schema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(formatIssue(issue, where, 0, Object.keys(schema.shape)));
    // Credentials written inline are reported in the same run, whatever else is wrong.
    const broken = new Set(parsed.error.issues.map((issue) => issue.path[0]));
    const written = Object.fromEntries(Object.entries(raw as object).filter(([key]) => key in channel.options.shape && !broken.has(key)));
    for (const [field, message] of inlineCredentialProblems(written, name, channel.credentials)) problems.push(`${where}: ${field}: ${message}`);
    return undefined;
  }
  const { type: _type, severities, hours: hoursInput, ...options } = parsed.data as Record<string, unknown> & z.output<z.ZodObject<typeof routingShape>>;
  const before = problems.length;
  for (const [field, message] of inlineCredentialProblems(options, name, channel.credentials)) problems.push(`${where}: ${field}: ${message}`);
  for (const [field, message] of channel.validate?.(options as never) ?? []) problems.push(`${where}: ${field}: ${message}`);
  if (problems.length > before) return undefined;
  const routing: ChannelConfig['routing'] = { severities: severities ?? ['critical', 'warning'] };
  if (hoursInput) {
    const hours = parseHours(hoursInput, (message) => problems.push(`${where}: hours.${message}`));
    if (!hours) return undefined;
    routing.hours = hours;
  }
  return { type: type as ChannelType, options, routing };
}

/** The engine form of a config assertion: severity defaulted, `for` in ms. */
export function toAssertion(input: AssertionInput): Assertion {
  const { for: holdFor, severity, source, ...rest } = input;
  const engineSource: Source = source.type === 'trend' ? { ...source, window: ms(source.window) ?? 0 } : source;
  const assertion: Assertion = { ...rest, source: engineSource, severity: severity ?? 'crit' };
  const forMs = ms(holdFor);
  if (forMs !== undefined) assertion.for = forMs;
  return assertion;
}

function unknownChannel(name: string, defined: string[]): string {
  return `unknown channel "${name}"; ${defined.length ? `defined channels: ${defined.join(', ')}` : 'no channels are defined'}`;
}

function ms(duration: string | undefined): number | undefined {
  return duration === undefined ? undefined : parseDuration(duration);
}

function pick<T extends object, K extends keyof T>(source: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}

// ---- turning zod issues into sentences ------------------------------------------------

type Issue = z.core.$ZodIssue;

/** Issues from the root schema: name the channel or check they are in. */
function formatRootIssue(issue: Issue): string {
  const [head, second] = issue.path;
  if (head === 'channels' && typeof second === 'string') return formatIssue(issue, `channel "${second}"`, 2, []);
  if (head === 'checks' && typeof second === 'number') return formatIssue(issue, `check #${second + 1}`, 2, []);
  return formatIssue(issue, 'config', 0, Object.keys(rootSchema.shape));
}

/** `check "api": expect[1].value: expected number, got "abc"`; `known` feeds "did you mean". */
export function formatIssue(issue: Issue, where: string, skip: number, known: string[]): string {
  const path = issue.path.slice(skip);
  const field = formatPath(path);
  const input = (issue as { input?: unknown }).input;
  // A credential in the wrong place is reported without it, with where it belongs instead.
  const hint = typeof input === 'string' && looksLikeCredential(input) ? `; ${secretAdvice(/"([^"]+)"/.exec(where)?.[1], path)}` : '';
  return `${where}: ${field ? `${field}: ` : ''}${describeIssue(issue, path.length === 0 ? known : [])}${hint}`;
}

/** A channel's options that hold a credential, by name (Channel.credentials). */
type CredentialFields = { readonly [field: string]: CredentialForm | undefined };

/**
 * Options holding a credential written inline: anywhere, a URL with a
 * password, an Authorization value with a token, a token in a query; a
 * channel's credential options (an API key, a bot token, a webhook URL with a
 * token in its path); a header named like a credential. They belong in a
 * Worker secret, not in the bundle and the repository.
 */
function inlineCredentialProblems(options: Record<string, unknown>, owner: string | undefined, fields: CredentialFields = {}): Array<[string, string]> {
  return inlineCredentialsIn(options, fields).map(({ path, what }) => [formatPath(path), `${what} is written inline; ${secretAdvice(owner, path)}`]);
}

/** Every credential written inline in `node` (a check's or a channel's options): where, and what it is. */
function inlineCredentialsIn(node: unknown, fields: CredentialFields, path: PropertyKey[] = []): Array<{ path: PropertyKey[]; what: string; value: string }> {
  if (typeof node === 'string') {
    const what = inlineCredential(node, path, fields);
    return what ? [{ path, what, value: node }] : [];
  }
  if (Array.isArray(node)) return node.flatMap((child, index) => inlineCredentialsIn(child, fields, [...path, index]));
  if (node && typeof node === 'object' && !isSecretRef(node)) return Object.entries(node).flatMap(([key, child]) => inlineCredentialsIn(child, fields, [...path, key]));
  return [];
}

/** What the text at `path` is when it is a credential written inline: `a credential`, `a URL with a password` ... */
function inlineCredential(text: string, path: PropertyKey[], fields: CredentialFields): string | undefined {
  const shape = credentialShape(text);
  if (shape?.certain) return shape.what;
  const form = path.length === 1 ? fields[String(path[0])] : undefined;
  if (form === 'key') return 'a credential';
  if (form === 'url' && hasTokenInPath(text)) return 'a URL with a token in its path';
  const [parent, name] = path.slice(-2);
  if (path.length >= 2 && parent === 'headers' && CREDENTIAL_HEADER.test(String(name))) return 'a credential header value';
  return undefined;
}

/** `use secret('DB_CONNECTION') there and run: npx wrangler secret put DB_CONNECTION` */
export function secretAdvice(owner: string | undefined, path: PropertyKey[]): string {
  const name = [owner, ...path.filter((part) => typeof part === 'string')]
    .filter(Boolean)
    .join('_')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase()
    .replace(/^(?=\d)/, 'S_');
  const secretName = name || 'SECRET_NAME';
  return `use secret('${secretName}') there and run: npx wrangler secret put ${secretName}`;
}

/**
 * Every credential written inline in the config (credential-shaped text
 * anywhere, channels' credential options, credential headers): no message may quote one.
 */
function inlineCredentials(input: unknown): string[] {
  const found = new Set<string>();
  const walk = (node: unknown): void => {
    if (typeof node === 'string') {
      if (credentialShape(node)?.certain) found.add(node);
    } else if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') Object.values(node).forEach(walk);
  };
  walk(input);
  // Headers are found wherever they are (checks, checklists' checks, channels); a channel's own fields by its type.
  for (const { value } of inlineCredentialsIn(input, {})) found.add(value);
  const declared = input && typeof input === 'object' ? (input as { channels?: unknown }).channels : undefined;
  if (declared && typeof declared === 'object') {
    for (const raw of Object.values(declared)) {
      const type = raw && typeof raw === 'object' ? (raw as { type?: unknown }).type : undefined;
      const fields = CHANNEL_TYPES.includes(type as ChannelType) ? (channels[type as ChannelType].credentials ?? {}) : {};
      for (const { value } of inlineCredentialsIn(raw, fields)) found.add(value);
    }
  }
  return [...found];
}

function formatPath(path: PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  return out;
}

function describeIssue(issue: Issue, known: string[]): string {
  const input = (issue as { input?: unknown }).input;
  if ((issue.code === 'invalid_type' || issue.code === 'custom') && input === undefined) return 'is required';
  switch (issue.code) {
    case 'invalid_type':
      if (!('input' in issue) || input === undefined) return 'is required';
      if (typeof input === 'string' && looksLikeCredential(input)) return `${looksLikeCredential(input)} is written inline (not shown)`;
      return `expected ${issue.expected === 'int' ? 'a whole number' : issue.expected}, got ${describeInput(input)}`;
    case 'unrecognized_keys':
      return issue.keys.map((key) => `unknown option "${key}"${suggest(key, known)}`).join('; ');
    case 'invalid_value':
      return `${describeInput(input)} is not one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union': {
      const note = issue as { discriminator?: string; options?: unknown[] };
      if (note.discriminator) {
        const given = input && typeof input === 'object' ? (input as Record<string, unknown>)[note.discriminator] : input;
        return `unknown ${note.discriminator} ${describeInput(given)}; expected one of ${(note.options ?? []).join(', ')}`;
      }
      return issue.message;
    }
    case 'too_small':
      return issue.origin === 'string' || issue.origin === 'array'
        ? `must have at least ${String(issue.minimum)} ${issue.origin === 'string' ? 'character' : 'item'}${Number(issue.minimum) === 1 ? '' : 's'}`
        : `must be ${issue.inclusive === false ? 'above' : 'at least'} ${String(issue.minimum)}, got ${describeInput(input)}`;
    case 'too_big':
      return issue.origin === 'string' || issue.origin === 'array'
        ? `must have at most ${String(issue.maximum)} ${issue.origin === 'string' ? 'characters' : 'items'}`
        : `must be ${issue.inclusive === false ? 'below' : 'at most'} ${String(issue.maximum)}, got ${describeInput(input)}`;
    default:
      return issue.message;
  }
}

/** What `text` is when it looks like a credential, whatever field it is in: never quoted. */
function looksLikeCredential(text: string): string | undefined {
  return credentialShape(text)?.what ?? (hasTokenInPath(text) ? 'a URL with a token in its path' : undefined);
}

/** Quoted input is cut at this many characters. */
const QUOTE_MAX = 60;

function describeInput(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (typeof input === 'string') {
    const credential = looksLikeCredential(input);
    if (credential) return `${credential} (not shown)`;
    return JSON.stringify(input.length > QUOTE_MAX ? `${input.slice(0, QUOTE_MAX)}…` : input);
  }
  if (Array.isArray(input)) return 'a list';
  if (input === null) return 'null';
  if (typeof input === 'object') return 'an object';
  return String(input);
}

function suggest(key: string, known: string[]): string {
  const close = known.find((candidate) => editDistance(candidate, key) <= 2);
  return close ? ` (did you mean "${close}"?)` : '';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      row[j] = Math.min(current + 1, (row[j - 1] as number) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] as number;
}
