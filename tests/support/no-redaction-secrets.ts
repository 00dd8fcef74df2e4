// src/config/secrets.ts with redaction switched off: what a test that greps
// for secrets must catch (tests/support/no-redaction.mjs, tests/redaction-off.test.ts).
export * from '../../src/config/secrets';

export function redact(text: string): string {
  return text;
}

export function redactDeep<T>(value: T): T {
  return value;
}

export function credentialShape(): undefined {
  return undefined;
}

export function withoutInlineCredentials(text: string): string {
  return text;
}
