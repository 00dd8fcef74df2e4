// What the sink recorded for one request (shared by the sink in Node and the tests in workerd).

export interface Recorded {
  platform: 'slack' | 'discord' | 'telegram' | 'hook' | 'teams' | 'gchat' | 'ntfy' | 'pushover' | 'mattermost' | 'pagerduty' | 'opsgenie' | 'resend' | 'postmark' | 'sendgrid' | 'mailgun';
  path: string;
  /** The query string (`?identifierType=alias`), when there is one. */
  query?: string;
  /** The body as the platform reads it (JSON, or a form as an object). */
  parsed?: unknown;
  headers: Record<string, string>;
  body: string;
  /** Why the platform would have rejected it ([] when fine). */
  problems: string[];
  status: number;
  at: number;
  /**
   * For /hook/ requests: the x-vigil-signature checked with node:crypto the
   * way docs/alerts.md tells receivers to, using SINK_SIGNING_SECRET.
   */
  signature?: 'valid' | 'invalid' | 'absent';
  /** For /hook/ requests: the Standard Webhooks headers checked with the standardwebhooks package, using SINK_STANDARD_SECRET. */
  standardSignature?: 'valid' | 'invalid' | 'absent';
}

/** The signing secret the sink verifies webhook signatures with. */
export const SINK_SIGNING_SECRET = 'whsec-test-signing-secret';

/** The whsec_ secret the sink verifies Standard Webhooks signatures with (base64 of 32 bytes). */
export const SINK_STANDARD_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
