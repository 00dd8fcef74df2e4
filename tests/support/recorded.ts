// What the sink recorded for one request (shared by the sink in Node and the tests in workerd).

export interface Recorded {
  platform: 'slack' | 'discord' | 'telegram' | 'hook';
  path: string;
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
}

/** The signing secret the sink verifies webhook signatures with. */
export const SINK_SIGNING_SECRET = 'whsec-test-signing-secret';
