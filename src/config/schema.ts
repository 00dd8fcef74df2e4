// zod schemas for what operators write in checks/index.ts. Kind and channel
// options come from their own modules; validate.ts adds the cross-field rules.

import { Cron } from 'croner';
import * as z from 'zod';
import { CALC_FUNCTIONS, OPERATORS, UNITS } from '../assert/types';
import { REGIONS } from '../engine/regions';
import { parseDuration } from './duration';

export const ID_PATTERN = /^[a-z0-9][a-z0-9_-]*$/i;
export const MAX_TIMEOUT_MS = 30_000; // a tick must finish well inside its minute
export const MAX_CONFIRMATIONS = 20;

export const idSchema = z
  .string()
  .max(64, 'must be at most 64 characters')
  .regex(ID_PATTERN, 'must be letters, digits, "-" and "_", starting with a letter or digit');

/** A duration string ("30s", "5m", "1h"), checked here and converted to ms in validate.ts. */
export const durationSchema = z.string().superRefine((text, ctx) => {
  if (parseDuration(text) !== undefined) return;
  const zero = /^(0+(\.0+)?(ms|s|m|h|d|w))+$/.test(text.trim());
  ctx.addIssue({ code: 'custom', message: zero ? 'must be longer than zero' : 'expected a duration such as "30s", "5m", "1h" or "7d"' });
});

/** A 5-field cron expression, parsed by croner (the same library the scheduler uses). */
export const cronSchema = z.string().superRefine((text, ctx) => {
  const problem = cronProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export function cronProblem(text: string): string | undefined {
  try {
    new Cron(text, { mode: '5-part', paused: true });
    return undefined;
  } catch (error) {
    return `"${text}" is not a valid cron expression (minute hour day month weekday): ${(error as Error).message}`;
  }
}

export const timeZoneSchema = z.string().superRefine((text, ctx) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: text });
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not an IANA time zone such as "Europe/Berlin" or "UTC"` });
  }
});

export const urlSchema = z.string().refine(
  (text) => {
    try {
      const url = new URL(text);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      return false;
    }
  },
  { message: 'expected an http(s) URL' },
);

const valueSchema = z.union([z.number(), z.string(), z.boolean(), z.null()]);

const baseSources = [
  z.strictObject({ type: z.literal('status') }),
  z.strictObject({ type: z.literal('latency') }),
  z.strictObject({ type: z.literal('body') }),
  z.strictObject({ type: z.literal('header'), name: z.string().min(1) }),
  z.strictObject({ type: z.literal('json'), path: z.string().min(1) }),
  z.strictObject({ type: z.literal('value'), key: z.string().min(1) }),
] as const;

const baseSourceSchema = z.discriminatedUnion('type', [...baseSources]);
/** Values the evaluator computes from others (count, age, arithmetic): see assert/types.ts. */
const derivedSources = [
  z.strictObject({ type: z.literal('count'), of: baseSourceSchema }),
  z.strictObject({ type: z.literal('age'), of: baseSourceSchema }),
  z.strictObject({ type: z.literal('calc'), fn: z.enum(CALC_FUNCTIONS), a: baseSourceSchema, b: baseSourceSchema }),
] as const;

const sourceSchema = z.discriminatedUnion('type', [
  ...baseSources,
  ...derivedSources,
  z.strictObject({
    type: z.literal('trend'),
    of: baseSourceSchema,
    fn: z.enum(['change', 'changePct', 'ratioToMedian']),
    window: durationSchema,
  }),
]);

const flagsSchema = z
  .string()
  .regex(/^[imsu]*$/, 'regular expression flags may be i, m, s and u')
  .optional();

/** A guard (`when`): a plain comparison on any source but a trend. */
const conditionSchema = z.strictObject({
  source: z.discriminatedUnion('type', [...baseSources, ...derivedSources]),
  op: z.enum(OPERATORS),
  value: z.union([valueSchema, z.array(valueSchema)]).optional(),
  flags: flagsSchema,
  label: z.string().max(80).optional(),
  unit: z.enum(UNITS).optional(),
});

export const assertionSchema = z.strictObject({
  source: sourceSchema,
  op: z.enum(OPERATORS),
  value: z.union([valueSchema, z.array(valueSchema)]).optional(),
  flags: flagsSchema,
  severity: z.enum(['warn', 'crit']).optional(),
  for: durationSchema.optional(),
  recover: z.number().optional(),
  label: z.string().max(80).optional(),
  unit: z.enum(UNITS).optional(),
  match: z.enum(['all', 'any']).optional(),
  ifEmpty: z.enum(['pass', 'fail', 'unknown']).optional(),
  when: conditionSchema.optional(),
});

/** Builders from src/assert/builders.ts carry their data in toJSON(). */
function unwrap(entry: unknown): unknown {
  return entry && typeof entry === 'object' && typeof (entry as { toJSON?: unknown }).toJSON === 'function'
    ? (entry as { toJSON(): unknown }).toJSON()
    : entry;
}

/** `expect` takes assertions and groups of them (`below({ warn, crit })` gives a group). */
export const expectSchema = z.preprocess(
  (input) => (Array.isArray(input) ? input.map(unwrap).flat().map(unwrap) : input),
  z.array(assertionSchema),
);

const confirmationsSchema = z.strictObject({
  down: z.number().int().min(1).max(MAX_CONFIRMATIONS).optional(),
  up: z.number().int().min(1).max(MAX_CONFIRMATIONS).optional(),
});

/** Fields every check has, whatever its kind. */
export const checkCommonShape = {
  kind: z.string(),
  id: idSchema,
  name: z.string().min(1).max(120).optional(),
  description: z.string().max(500).optional(),
  group: z.string().min(1).max(60).optional(),
  /** false: the check stays off the public page, API and badges. */
  public: z.boolean().optional(),
  /** Run every so often (at least "1m"): "1m", "5m", "1h". */
  every: durationSchema.optional(),
  /** Or run on a cron schedule, in `tz` (default UTC): "0 9 * * 1". */
  cron: cronSchema.optional(),
  tz: timeZoneSchema.optional(),
  timeout: durationSchema.optional(),
  retry: z.boolean().optional(),
  expect: expectSchema.optional(),
  confirmations: confirmationsSchema.optional(),
  /** Channel names; default: every channel. */
  notify: z.array(z.string()).optional(),
  /** Link to the runbook step to follow, included in alerts. */
  runbook: urlSchema.optional(),
  /** Remind the channels this often while the check stays down or degraded: `'4h'` (off by default). */
  renotify: durationSchema.optional(),
  /** Steps that widen the alert while nobody acknowledges the incident: `[{ after: '15m', notify: ['oncall-secondary'] }]`. */
  escalate: z.array(z.strictObject({ after: durationSchema, notify: z.array(z.string()).min(1) })).optional(),
  /** Ids of checks this one depends on (a database, a queue): their outage folds this check's alerts into theirs. */
  dependsOn: z.array(z.string()).optional(),
  /** Run from these regions (Durable Object location hints): `['weur', 'enam', 'apac']`. */
  regions: z.array(z.enum(REGIONS)).min(1).max(REGIONS.length).optional(),
  /** Regions that must see a problem before it counts (default: a majority: 2 of 3). */
  quorum: z.number().int().min(1).optional(),
  /** An availability objective: `{ objective: 99.9, window: '30d' }`. */
  slo: z
    .strictObject({
      /** Percent, below 100 (100% leaves no error budget). */
      objective: z.number().gt(0).lt(100),
      window: durationSchema.optional(),
      burnAlerts: z.boolean().optional(),
    })
    .optional(),
  /** A one-line hint for whoever is on call. */
  fix: z.string().max(1000).optional(),
};

export const checkCommonSchema = z.strictObject(checkCommonShape);

export const pageSchema = z.strictObject({
  title: z.string().min(1).max(120).optional(),
  description: z.string().max(1000).optional(),
  url: urlSchema.optional(),
  links: z.array(z.strictObject({ label: z.string().min(1).max(60), url: urlSchema })).optional(),
});

export const settingsSchema = z.strictObject({
  flushEvery: durationSchema.optional(),
  kvWritesPerDay: z.number().int().min(100).optional(),
  maxConcurrency: z.number().int().min(1).max(6, 'at most 6: Workers allow 6 simultaneous open connections').optional(),
  tickDeadline: durationSchema.optional(),
  subrequests: z.number().int().min(10).max(10_000).optional(),
  fanOut: z.boolean().optional(),
  /** Checks per probe request (default 6: a request has 6 connections, so they run at once). */
  checksPerProbe: z.number().int().min(1).max(50).optional(),
});

export const defaultsSchema = z.strictObject({
  every: durationSchema.optional(),
  timeout: durationSchema.optional(),
  retry: z.boolean().optional(),
  confirmations: confirmationsSchema.optional(),
  notify: z.array(z.string()).optional(),
  escalate: z.array(z.strictObject({ after: durationSchema, notify: z.array(z.string()).min(1) })).optional(),
});

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'expected a time such as "09:00" or "18:30"');

/** A weekly window: `{ days: 'mon-fri', from: '09:00', to: '18:00', tz: 'Europe/Berlin' }`. */
export const hoursSchema = z.strictObject({
  /** "mon-fri", "sat,sun", "mon-wed,fri"; default every day. */
  days: z.string().optional(),
  from: clockTime,
  to: clockTime,
  tz: timeZoneSchema.optional(),
});

/** Fields every channel accepts besides its own: which alerts it gets, and when. */
export const routingShape = {
  /** 'critical' (down, fast SLO burn) and/or 'warning' (degraded, unknown, slow burn); default both. */
  severities: z.array(z.enum(['critical', 'warning'])).min(1).optional(),
  /** Deliver alerts only inside these hours; the rest wait for the window to open (or the next digest). */
  hours: hoursSchema.optional(),
};

export const maintenanceSchema = z.strictObject({
  id: idSchema,
  title: z.string().min(1).max(120),
  description: z.string().max(1000).optional(),
  /** One-off: ISO times with an offset, "2026-11-29T02:00:00Z". */
  start: z.string().optional(),
  end: z.string().optional(),
  /** Recurring: when it starts (cron in tz) and how long it lasts. */
  cron: cronSchema.optional(),
  tz: timeZoneSchema.optional(),
  duration: durationSchema.optional(),
  /** Check ids it covers; default every check. */
  checks: z.array(z.string()).optional(),
  /** How long before it starts the page announces it (default "7d"). */
  announce: durationSchema.optional(),
});

export const taskSchema = z.strictObject({
  type: z.literal('task'),
  id: idSchema,
  /** What to do: "Rotate API_SECRET". */
  text: z.string().min(1).max(200),
  owner: z.string().min(1).max(60).optional(),
  /** Due this long after it was last done; default the checklist's own period. */
  every: durationSchema.optional(),
  /** A heartbeat check whose successful ping marks it done. */
  doneBy: z.string().optional(),
  /** false keeps it off the public page and API (the digest still lists it). */
  public: z.boolean().optional(),
  /** Where the procedure is written down. */
  link: urlSchema.optional(),
});

export const checklistSchema = z.strictObject({
  id: idSchema,
  name: z.string().min(1).max(120).optional(),
  description: z.string().max(500).optional(),
  /** When it runs: "0 9 * * *" (daily 09:00), "0 8 * * 1" (Mondays), "0 8 * 1,4,7,10 1#1" (first Monday of a quarter). */
  cron: cronSchema,
  tz: timeZoneSchema.optional(),
  /** Channels the digest goes to; default every channel. */
  notify: z.array(z.string()).optional(),
  public: z.boolean().optional(),
  /** Check ids, checks only this checklist runs, and task(...) items. */
  items: z.array(z.unknown()).min(1),
});

export const rootSchema = z.strictObject({
  page: pageSchema.optional(),
  settings: settingsSchema.optional(),
  defaults: defaultsSchema.optional(),
  channels: z.record(idSchema, z.unknown()).optional(),
  checks: z.array(z.unknown()),
  maintenance: z.array(z.unknown()).optional(),
  checklists: z.array(z.unknown()).optional(),
});
