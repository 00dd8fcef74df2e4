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
}
