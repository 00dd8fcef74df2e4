// The registry of check kinds. Adding a kind: write src/kinds/<name>.ts,
// add its name to KIND_NAMES and its module here; a missing one does not compile.

import { backupsKind } from './backups';
import { dnsKind } from './dns';
import { heartbeatKind } from './heartbeat';
import { httpKind } from './http';
import { metricsKind } from './metrics';
import { postgresKind } from './postgres';
import { promqlKind } from './promql';
import { redisKind } from './redis';
import { statuspageKind } from './statuspage';
import { tcpKind } from './tcp';
import { tlsKind } from './tls';
import { websocketKind } from './websocket';
import type { CheckKind } from './types';

export const KIND_NAMES = ['http', 'postgres', 'redis', 'heartbeat', 'backups', 'metrics', 'promql', 'tcp', 'websocket', 'dns', 'statuspage', 'tls'] as const;
export type KindName = (typeof KIND_NAMES)[number];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each kind has its own options type
export const kinds = { http: httpKind, postgres: postgresKind, redis: redisKind, heartbeat: heartbeatKind, backups: backupsKind, metrics: metricsKind, promql: promqlKind, tcp: tcpKind, websocket: websocketKind, dns: dnsKind, statuspage: statuspageKind, tls: tlsKind } satisfies Record<KindName, CheckKind<any>>;

export type { CheckKind, Observation, RunContext, KindMemory } from './types';
