// Secrets are referenced by the name of a Worker secret or env var, resolved
// at run time, and scrubbed from every text Vigil stores or sends.

import * as z from 'zod';

/** A reference to a Worker secret, written in config as `secret('DATABASE_URL')`. */
export interface SecretRef {
  readonly $secret: string;
  /** Text put before the secret's value, e.g. "Bearer " for an Authorization header. */
  readonly prefix?: string;
}

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * References a Worker secret (`wrangler secret put NAME`) or env var by name.
 * `secret('API_KEY', { prefix: 'Token ' })` resolves to "Token <value>".
 */
export function secret(name: string, options: { prefix?: string } = {}): SecretRef {
  return options.prefix ? { $secret: name, prefix: options.prefix } : { $secret: name };
}

/** An Authorization header value from a secret holding the bare token: `Bearer <value>`. */
export function bearer(name: string): SecretRef {
  return secret(name, { prefix: 'Bearer ' });
}

export const secretRefSchema = z.strictObject({
  $secret: z.string().regex(SECRET_NAME, 'a secret name is letters, digits and underscores, e.g. DATABASE_URL'),
  prefix: z.string().max(100).optional(),
});

/** A string written inline, or a secret reference. */
export const stringOrSecret = z.custom<string | SecretRef>(
  (value) => typeof value === 'string' || secretRefSchema.safeParse(value).success,
  { message: "expected text or secret('NAME') (a name like DATABASE_URL)" },
);

export function isSecretRef(value: unknown): value is SecretRef {
  return typeof value === 'object' && value !== null && typeof (value as SecretRef).$secret === 'string';
}

/** Replaces every SecretRef in T by the string it resolves to. */
export type Resolved<T> = T extends SecretRef
  ? string
  : T extends readonly (infer U)[]
    ? Resolved<U>[]
    : T extends object
      ? { [K in keyof T]: Resolved<T[K]> }
      : T;

export interface Resolution<T> {
  value: Resolved<T>;
  /** Names of referenced secrets that are not set. */
  missing: string[];
  /** The resolved secret values, for redaction. */
  values: string[];
}

/** Reads every secret referenced inside `input` from `env`. */
export function resolveSecrets<T>(input: T, env: Record<string, unknown>): Resolution<T> {
  const missing: string[] = [];
  const values: string[] = [];
  const walk = (node: unknown): unknown => {
    if (isSecretRef(node)) {
      const found = env[node.$secret];
      if (typeof found !== 'string' || found === '') {
        if (!missing.includes(node.$secret)) missing.push(node.$secret);
        return '';
      }
      values.push(found);
      return `${node.prefix ?? ''}${found}`;
    }
    if (Array.isArray(node)) return node.map(walk);
    if (node && typeof node === 'object' && Object.getPrototypeOf(node) === Object.prototype) {
      return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, walk(child)]));
    }
    return node;
  };
  return { value: walk(input) as Resolved<T>, missing, values };
}

/** The message for a check or channel whose secret is not set. */
export function missingSecretMessage(names: string[]): string {
  const list = names.join(', ');
  return names.length > 1 ? `secrets ${list} are not set (wrangler secret put ${names[0]}, ...)` : `secret ${list} is not set (wrangler secret put ${list})`;
}

/**
 * Redaction rule for short values: a secret of at least this many characters
 * is removed wherever it occurs, even inside a word; a shorter one (3 to 5
 * characters) only where it stands alone, so a password "pass" does not turn
 * "passed" into "[redacted]ed".
 */
export const MIN_SUBSTRING_SECRET_LENGTH = 6;
/** Values shorter than this are not redacted at all ("1", "on"): they would erase ordinary text. */
export const MIN_SECRET_LENGTH = 3;
/**
 * A path segment, query value or user name inside a secret URL is a secret of
 * its own when it is at least this long and has a digit (`T0123ABCD`, a
 * Discord webhook id), or is at least TOKEN_PART_LENGTH long: tokens hidden in
 * a URL's path reach messages through redirects and a target's error pages.
 */
const DIGIT_TOKEN_PART_LENGTH = 8;
const TOKEN_PART_LENGTH = 16;

/** Secrets Vigil reads itself, whether or not the config names them. */
export const VIGIL_SECRET_NAMES = ['VIGIL_ADMIN_TOKEN'] as const;

const namesByConfig = new WeakMap<object, string[]>();

/**
 * The names of every secret a config references (checks, channels,
 * checklists: any `secret('NAME')` anywhere in it), plus Vigil's own.
 */
export function secretNames(config: object): string[] {
  let names = namesByConfig.get(config);
  if (!names) {
    const found = new Set<string>(VIGIL_SECRET_NAMES);
    const walk = (node: unknown): void => {
      if (isSecretRef(node)) found.add(node.$secret);
      else if (Array.isArray(node)) node.forEach(walk);
      else if (isPlainObject(node)) Object.values(node).forEach(walk);
    };
    walk(config);
    names = [...found];
    namesByConfig.set(config, names);
  }
  return names;
}

/**
 * Every configured secret's value in `env`: what redaction removes from any
 * text Vigil stores, shows or sends, whichever check, channel or ping it came
 * through. `redact(pingBody, configuredSecrets(config, env))`.
 */
export function configuredSecrets(config: object, env: Record<string, unknown>): string[] {
  const values: string[] = [];
  for (const name of secretNames(config)) {
    const value = env[name];
    if (typeof value === 'string' && value !== '' && !values.includes(value)) values.push(value);
  }
  return values;
}

// user:password@ in any URL-like connection string (postgres://, redis://, https://).
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/]+):([^\s@/]+)@/gi;
// key=value connection strings and query parameters that carry credentials.
const KEY_VALUE_CREDENTIALS = /\b(password|passwd|pwd|token|secret|api[_-]?key|access[_-]?key|signature|sig)=([^\s&;'"]+)/gi;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g;
const URL_SHAPED = /^[a-z][a-z0-9+.-]*:\/\/\S+$/i;

interface Needle {
  text: string;
  replacement: string;
  /** Only where it is not part of a longer word (short values). */
  alone?: RegExp;
}

/**
 * Removes secret values and anything shaped like a credential from text. A
 * secret that is a URL becomes its host: `secret URL on api.example.com`.
 * `redact("connect postgres://app:hunter2@db/x failed", [])` gives
 * `"connect postgres://app:***@db/x failed"`.
 */
export function redact(text: string, secretValues: readonly string[] = []): string {
  let out = text;
  for (const needle of needlesFor(secretValues)) {
    if (needle.alone) out = out.replace(needle.alone, needle.replacement);
    else if (out.includes(needle.text)) out = out.split(needle.text).join(needle.replacement);
  }
  return out
    .replace(URL_CREDENTIALS, '$1$2:***@')
    .replace(KEY_VALUE_CREDENTIALS, '$1=***')
    .replace(BEARER, '$1 ***');
}

/**
 * `text` without any of `credentials` (credentials written inline in config,
 * which no validation message may quote), whole or cut as a message quotes a
 * long text (its first `quotedLength` characters and "…"); as in redact(),
 * short ones only where they stand alone, one- and two-character ones not at all.
 */
export function withoutInlineCredentials(text: string, credentials: readonly string[], quotedLength: number): string {
  let out = text;
  for (const credential of credentials) {
    if (credential.length < MIN_SECRET_LENGTH) continue;
    for (const form of new Set([credential, `${credential.slice(0, quotedLength)}…`])) {
      out = credential.length >= MIN_SUBSTRING_SECRET_LENGTH
        ? out.split(form).join('(not shown)')
        : out.replace(new RegExp(`(?<![A-Za-z0-9])${escapeRegExp(form)}(?![A-Za-z0-9])`, 'g'), '(not shown)');
    }
  }
  return out;
}

/** A text of at least this many letters and digits (and _-.~+/=), with both, reads as a token. */
const TOKEN_LENGTH = 24;

/**
 * What `text` written inline in config is, when it looks like a credential,
 * so that validation can name it without echoing it: `certain` for a URL with
 * a password, an Authorization value with a token and a credential query
 * parameter; not for a long token-like text, which may be an id.
 * `credentialShape('postgres://u:pw@db/x')` gives
 * `{ what: 'a connection string with a password', certain: true }`.
 */
export function credentialShape(text: string): { what: string; certain: boolean } | undefined {
  const trimmed = text.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:[^\s@/]+@/i.test(trimmed)) return { what: /^https?:/i.test(trimmed) ? 'a URL with a password' : 'a connection string with a password', certain: true };
  if (/^(Bearer|Basic|Token)\s+\S{8,}/i.test(trimmed)) return { what: 'an Authorization value with a token', certain: true };
  if (/^[a-z][a-z0-9+.-]*:\/\/\S*[?&#](password|passwd|pwd|token|secret|api[_-]?key|access[_-]?key|signature|sig|key)=[^&\s]{4,}/i.test(trimmed)) return { what: 'a URL with a credential in its query', certain: true };
  if (trimmed.length >= TOKEN_LENGTH && /^[A-Za-z0-9_\-.~+/=:]+$/.test(trimmed) && /\d/.test(trimmed) && /[A-Za-z]/.test(trimmed)) return { what: 'a token-like value', certain: false };
  return undefined;
}

/**
 * Incoming-webhook URLs are credentials by their path: Slack's ends in a
 * 24-character token, Mattermost's hook id is 26 characters, Teams' carries
 * 32 hex digits and GUIDs, Discord's token is 68 base64url characters. A run
 * of this many letters and digits (with both) reads as one; readable path
 * segments and the tests' `<name>-<8 hex>` ids are shorter.
 */
const PATH_TOKEN_RUN = 20;
/** A base64url segment (with - and _) at least this long, with letters and digits, reads as a token (Discord's). */
const PATH_BASE64URL_TOKEN = 32;
const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/**
 * Whether a URL written inline carries a token in its path, so that the URL
 * itself is the credential (an incoming-webhook URL): the shape of
 * `https://hooks.slack.com/services/T0/B0/<token>` or
 * `https://discord.com/api/webhooks/<id>/<token>`, not of `https://hooks.example.com/vigil`.
 */
export function hasTokenInPath(text: string): boolean {
  const url = URL_SHAPED.test(text.trim()) ? parseUrl(text.trim()) : undefined;
  if (!url) return false;
  const mixed = (part: string) => /\d/.test(part) && /[A-Za-z]/.test(part);
  return url.pathname.split('/').some((segment) => {
    const part = safeDecode(segment);
    if (GUID.test(part)) return true;
    if ((part.match(new RegExp(`[A-Za-z0-9]{${PATH_TOKEN_RUN},}`, 'g')) ?? []).some(mixed)) return true;
    return part.length >= PATH_BASE64URL_TOKEN && /^[A-Za-z0-9_-]+$/.test(part) && mixed(part);
  });
}

/** Header names whose values are credentials (Authorization, X-Api-Key, X-Auth-Token, Cookie ...), in checks and channels alike. */
export const CREDENTIAL_HEADER = /auth|key|token|secret|passw|cookie/i;

/** `value` with every string inside it redacted (an alert message, an observation's facts). */
export function redactDeep<T>(value: T, secretValues: readonly string[]): T {
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return redact(node, secretValues);
    if (Array.isArray(node)) return node.map(walk);
    if (isPlainObject(node)) return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, walk(child)]));
    return node;
  };
  return walk(value) as T;
}

// Ticks redact many texts with the same secrets: build the needles once per set.
const NEEDLE_CACHE_SIZE = 16;
const needleCache = new Map<string, Needle[]>();

function needlesFor(secretValues: readonly string[]): Needle[] {
  const key = secretValues.join('\u0000');
  let needles = needleCache.get(key);
  if (!needles) {
    const byText = new Map<string, Needle>();
    for (const value of secretValues) {
      for (const needle of secretNeedles(value)) if (!byText.has(needle.text)) byText.set(needle.text, needle);
    }
    // The longest first: a secret URL is replaced whole before its parts are.
    needles = [...byText.values()].sort((a, b) => b.text.length - a.text.length);
    if (needleCache.size >= NEEDLE_CACHE_SIZE) needleCache.delete(needleCache.keys().next().value as string);
    needleCache.set(key, needles);
  }
  return needles;
}

/** The texts one secret value can appear as, and what each becomes. */
function secretNeedles(value: string): Needle[] {
  if (value.length < MIN_SECRET_LENGTH) return [];
  const needles: Needle[] = [];
  const add = (text: string, replacement = '[redacted]') => {
    if (text.length < MIN_SECRET_LENGTH) return;
    if (text.length >= MIN_SUBSTRING_SECRET_LENGTH) needles.push({ text, replacement });
    else needles.push({ text, replacement, alone: new RegExp(`(?<![A-Za-z0-9])${escapeRegExp(text)}(?![A-Za-z0-9])`, 'g') });
  };
  const url = URL_SHAPED.test(value) ? parseUrl(value) : undefined;
  if (!url) {
    add(value);
    // Connection strings often appear percent-encoded or with only the password.
    const encoded = encodeURIComponent(value);
    if (encoded !== value) add(encoded);
    for (const inner of credentialParts(value)) add(inner);
    return needles;
  }
  const shown = `secret URL on ${url.host}`;
  add(value, shown);
  // new URL('https://host').href is 'https://host/': that form would eat the slash of any path after it.
  if (url.href !== `${value}/`) add(url.href, shown);
  add(encodeURIComponent(value), shown);
  if (url.pathname !== '' && url.pathname !== '/') {
    // Without its query or credentials, as kinds name a target (withoutQuery).
    if (url.origin !== 'null') add(`${url.origin}${url.pathname}`, shown);
    add(`${url.protocol}//${url.host}${url.pathname}`, shown);
  }
  for (const part of urlTokenParts(url)) add(part);
  for (const inner of credentialParts(value)) add(inner);
  return needles;
}

function parseUrl(value: string): URL | undefined {
  try {
    const url = new URL(value);
    return url.host ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Path segments, query values, user name and fragment of a secret URL that look like tokens. */
function urlTokenParts(url: URL): string[] {
  const parts = [url.username, url.password, url.hash.slice(1), ...url.pathname.split('/'), ...[...url.searchParams.values()]];
  const tokens: string[] = [];
  for (const raw of parts) {
    for (const part of new Set([raw, safeDecode(raw)])) {
      if (part.length >= TOKEN_PART_LENGTH || (part.length >= DIGIT_TOKEN_PART_LENGTH && /\d/.test(part))) tokens.push(part);
    }
  }
  return tokens;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function isPlainObject(node: unknown): node is Record<string, unknown> {
  if (!node || typeof node !== 'object') return false;
  const proto = Object.getPrototypeOf(node);
  return proto === Object.prototype || proto === null;
}

/** The password inside a URL-shaped secret, also when the whole does not parse as a URL. */
function credentialParts(value: string): string[] {
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^:@/\s]*):([^@/\s]+)@/i.exec(value);
  if (!match) return [];
  const raw = match[2] as string;
  return [...new Set([raw, safeDecode(raw)])];
}

