// The registry of check kinds. Adding a kind: write src/kinds/<name>.ts,
// add its name to KIND_NAMES and its module here; a missing one does not compile.

import { backupsKind } from './backups';
import { heartbeatKind } from './heartbeat';
import { httpKind } from './http';
import { metricsKind } from './metrics';
import { postgresKind } from './postgres';
import { promqlKind } from './promql';
import { redisKind } from './redis';
import type { CheckKind } from './types';

export const KIND_NAMES = ['http', 'postgres', 'redis', 'heartbeat', 'backups', 'metrics', 'promql'] as const;
export type KindName = (typeof KIND_NAMES)[number];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each kind has its own options type
export const kinds = { http: httpKind, postgres: postgresKind, redis: redisKind, heartbeat: heartbeatKind, backups: backupsKind, metrics: metricsKind, promql: promqlKind } satisfies Record<KindName, CheckKind<any>>;

export type { CheckKind, Observation, RunContext, KindMemory } from './types';
