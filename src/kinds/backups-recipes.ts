// Backup verification in one line (R28, R29, R32):
//   backups({ id: 'db-backups', r2: 'BACKUPS', prefix: 'db/', maxAge: '25h', minBytes: 10 * 1024 ** 2, retention: { days: 7 } })

import { column, type Expectation } from '../assert/builders';
import type { CheckInput } from '../config';
import { parseDuration } from '../config/duration';
import { recipeName } from './recipe-name';

type BackupsInput = Extract<CheckInput, { kind: 'backups' }>;

export type BackupsRecipeInput = Omit<BackupsInput, 'kind' | 'name' | 'expect'> & {
  name?: string;
  expect?: Expectation[];
  /** The RPO: the newest backup must be younger than this (R28). */
  maxAge: string;
  /** The newest backup is at least this many bytes. */
  minBytes?: number;
  /** The newest backup is at least this share of the one before (default 0.5: half). A truncated dump is the classic silent failure. */
  minRatio?: number;
  /** At least this many days with a backup, or this many backups, within `window` (default 7d) (R29). */
  retention?: { days?: number; count?: number };
};

/** The newest backup under a prefix is fresh, plausible in size, and the retention window is full. */
export function backups(input: BackupsRecipeInput): BackupsInput {
  const { maxAge, minBytes, minRatio = 0.5, retention, expect: extra = [], name, ...rest } = input;
  const window = rest.window ?? '7d';
  const expect: Expectation[] = [column('newest_age_s').label('age of the newest backup').unit('s').below((parseDuration(maxAge) ?? Number.NaN) / 1000)];
  if (minBytes !== undefined) expect.push(column('newest_bytes').label('size of the newest backup').unit('bytes').gte(minBytes));
  expect.push(column('size_ratio').label('size of the newest backup ÷ the one before').gte(minRatio));
  if (retention?.days !== undefined) expect.push(column('days_in_window').label(`days with a backup in the last ${window}`).gte(retention.days).warn());
  if (retention?.count !== undefined) expect.push(column('count_in_window').label(`backups in the last ${window}`).gte(retention.count).warn());
  if (rest.requireMetadata?.length) expect.push(column('missing_metadata').label('metadata missing on the newest backup').eq('').warn());
  return { kind: 'backups', ...rest, name: name ?? recipeName('Backups', rest.id), expect: [...expect, ...extra] };
}

/** R32: the bucket answers a listing with the configured credentials. */
export function bucket(input: Omit<BackupsInput, 'kind' | 'name'> & { name?: string }): BackupsInput {
  const { name, ...rest } = input;
  return { kind: 'backups', ...rest, name: name ?? recipeName('Object storage', rest.id) };
}
