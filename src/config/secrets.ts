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

const MIN_SECRET_LENGTH = 4; // shorter values would redact ordinary words

// user:password@ in any URL-like connection string (postgres://, redis://, https://).
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/]+):([^\s@/]+)@/gi;
// key=value connection strings and query parameters that carry credentials.
const KEY_VALUE_CREDENTIALS = /\b(password|passwd|pwd|token|secret|api[_-]?key|access[_-]?key|signature|sig)=([^\s&;'"]+)/gi;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g;

/**
 * Removes secret values and anything shaped like a credential from text.
 * `redact("connect postgres://app:hunter2@db/x failed", [])` gives
 * `"connect postgres://app:***@db/x failed"`.
 */
export function redact(text: string, secretValues: readonly string[] = []): string {
  let out = text;
  for (const value of [...secretValues].sort((a, b) => b.length - a.length)) {
    if (value.length < MIN_SECRET_LENGTH) continue;
    out = out.split(value).join('[redacted]');
    // Connection strings often appear percent-encoded or with only the password.
    const encoded = encodeURIComponent(value);
    if (encoded !== value) out = out.split(encoded).join('[redacted]');
    for (const inner of credentialParts(value)) out = out.split(inner).join('[redacted]');
  }
  return out
    .replace(URL_CREDENTIALS, '$1$2:***@')
    .replace(KEY_VALUE_CREDENTIALS, '$1=***')
    .replace(BEARER, '$1 ***');
}

/** The password (and token-like username) inside a URL-shaped secret. */
function credentialParts(value: string): string[] {
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^:@/\s]*):([^@/\s]+)@/i.exec(value);
  if (!match) return [];
  const parts: string[] = [];
  for (const raw of [match[2] as string]) {
    if (raw.length >= MIN_SECRET_LENGTH) parts.push(raw);
    try {
      const decoded = decodeURIComponent(raw);
      if (decoded !== raw && decoded.length >= MIN_SECRET_LENGTH) parts.push(decoded);
    } catch {
      // not percent-encoded
    }
  }
  return parts;
}

/** Names of every secret the config references (checks and channels), plus the admin token. */
export function secretNames(config: { checks: ReadonlyArray<{ options: unknown }>; channels: Record<string, { options: unknown }> }): string[] {
  const names = new Set<string>(['VIGIL_ADMIN_TOKEN']);
  const walk = (node: unknown): void => {
    if (isSecretRef(node)) names.add(node.$secret);
    else if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') Object.values(node).forEach(walk);
  };
  for (const check of config.checks) walk(check.options);
  for (const channel of Object.values(config.channels)) walk(channel.options);
  return [...names];
}

const secretValuesMemo = new WeakMap<object, WeakMap<object, string[]>>();

/**
 * Every configured secret's value in `env`: text that leaves Vigil is
 * redacted with all of them, whichever check or ping it came through.
 */
export function allSecretValues(config: Parameters<typeof secretNames>[0], env: Record<string, unknown>): string[] {
  let byEnv = secretValuesMemo.get(config);
  if (!byEnv) secretValuesMemo.set(config, (byEnv = new WeakMap()));
  let values = byEnv.get(env);
  if (!values) {
    values = secretNames(config).flatMap((name) => (typeof env[name] === 'string' && (env[name] as string).length > 0 ? [env[name] as string] : []));
    byEnv.set(env, values);
  }
  return values;
}
