// Validation of what surrounds the checks: channel routing hours, maintenance
// windows and checklists. Every problem names its place:
// `checklist "daily": items[2].every: ...`, `maintenance "db-upgrade": end: ...`.

import type * as z from 'zod';
import { parseDuration } from './duration';
import { checklistSchema, hoursSchema, maintenanceSchema, taskSchema } from './schema';
import type { Check, Checklist, ChecklistItem, Hours, MaintenanceWindow } from './types';

type Problem = (message: string) => void;
type IssueFormatter = (issue: z.core.$ZodIssue, where: string, known: string[]) => string;

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const DAY_MS = 86_400_000;
export const DEFAULT_ANNOUNCE_MS = 7 * DAY_MS;

/** `{ days: 'mon-fri', from: '09:00', to: '18:00', tz }` → days 1–5, 540–1080 minutes. */
export function parseHours(input: z.output<typeof hoursSchema>, problem: Problem): Hours | undefined {
  const days = input.days === undefined ? [0, 1, 2, 3, 4, 5, 6] : parseDays(input.days);
  if (!days) {
    problem(`days: "${input.days}" is not a list of days such as "mon-fri" or "sat,sun"`);
    return undefined;
  }
  const minutes = (text: string) => Number(text.slice(0, 2)) * 60 + Number(text.slice(3));
  const from = minutes(input.from);
  const to = minutes(input.to);
  if (from === 24 * 60) {
    problem('from: "24:00" is the end of a day; start at "00:00"');
    return undefined;
  }
  if (from === to) {
    problem('to: must differ from "from" (use from "00:00" to "24:00" for the whole day)');
    return undefined;
  }
  return { days, from, to, tz: input.tz ?? 'UTC' };
}

function parseDays(text: string): number[] | undefined {
  const days = new Set<number>();
  for (const part of text.toLowerCase().split(',').map((p) => p.trim())) {
    const [first, last] = part.split('-').map((p) => DAY_NAMES.indexOf(p.trim().slice(0, 3)));
    if (first === undefined || first < 0 || (last !== undefined && last < 0)) return undefined;
    // "fri-mon" wraps over the weekend.
    for (let day = first; ; day = (day + 1) % 7) {
      days.add(day);
      if (last === undefined || day === last) break;
    }
  }
  return [...days].sort();
}

export function parseMaintenance(inputs: unknown[], checkIds: Set<string>, problems: string[], format: IssueFormatter): MaintenanceWindow[] {
  const windows: MaintenanceWindow[] = [];
  const seen = new Set<string>();
  inputs.forEach((raw, index) => {
    const id = idOf(raw);
    const where = id ? `maintenance "${id}"` : `maintenance #${index + 1}`;
    const parsed = maintenanceSchema.safeParse(raw, { reportInput: true });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(format(issue, where, Object.keys(maintenanceSchema.shape)));
      return;
    }
    const data = parsed.data;
    const problem = (field: string, message: string) => problems.push(`${where}: ${field}: ${message}`);
    if (seen.has(data.id)) problem('id', 'duplicate id');
    seen.add(data.id);
    const window: MaintenanceWindow = {
      id: data.id,
      title: data.title,
      checks: data.checks ?? 'all',
      announceMs: data.announce !== undefined ? (parseDuration(data.announce) as number) : DEFAULT_ANNOUNCE_MS,
    };
    if (data.description) window.description = data.description;
    for (const [position, check] of (data.checks ?? []).entries()) if (!checkIds.has(check)) problem(`checks[${position}]`, unknownCheck(check, checkIds));
    const oneOff = data.start !== undefined || data.end !== undefined;
    const recurring = data.cron !== undefined || data.duration !== undefined;
    if (oneOff === recurring) {
      problem('start', 'give start and end (one-off) or cron and duration (recurring)');
      return;
    }
    if (oneOff) {
      const start = isoTime(data.start);
      const end = isoTime(data.end);
      if (start === undefined) problem('start', `expected an ISO time with an offset such as "2026-11-29T02:00:00Z", got ${JSON.stringify(data.start ?? null)}`);
      if (end === undefined) problem('end', `expected an ISO time with an offset such as "2026-11-29T03:00:00Z", got ${JSON.stringify(data.end ?? null)}`);
      if (start === undefined || end === undefined) return;
      if (end <= start) {
        problem('end', 'must be after start');
        return;
      }
      if (data.tz) problem('tz', 'tz applies to recurring windows (cron); one-off times carry their offset');
      window.start = start;
      window.end = end;
    } else {
      if (!data.cron || !data.duration) {
        problem(data.cron ? 'duration' : 'cron', 'a recurring window needs both cron and duration');
        return;
      }
      window.cron = { expression: data.cron, tz: data.tz ?? 'UTC' };
      window.durationMs = parseDuration(data.duration) as number;
    }
    windows.push(window);
  });
  return windows;
}

/** An ISO time that names its offset (a bare "2026-11-29T02:00" would depend on the machine's zone). */
function isoTime(text: string | undefined): number | undefined {
  if (!text || !/(Z|[+-]\d\d:?\d\d)$/i.test(text)) return undefined;
  const time = Date.parse(text);
  return Number.isNaN(time) ? undefined : time;
}

export interface ChecklistContext {
  /** Every check so far by id (inline ones join as they are read). */
  checks: Map<string, Check>;
  /** Ids of checks written with problems of their own: a reference to one is not "unknown" (its problems are reported). */
  broken?: Set<string>;
  channelNames: string[];
  /** Channels that take no digests (PagerDuty, Opsgenie), by name, with why. */
  noDigests?: ReadonlyMap<string, string>;
  /** Parses a check declared inside a checklist (it gets a manual schedule unless it has its own). */
  parseInlineCheck(raw: unknown, where: string): Check | undefined;
  format: IssueFormatter;
}

export function parseChecklists(inputs: unknown[], context: ChecklistContext, problems: string[]): { checklists: Checklist[]; inlineChecks: Check[] } {
  const checklists: Checklist[] = [];
  const inlineChecks: Check[] = [];
  const seen = new Set<string>();
  inputs.forEach((raw, index) => {
    const id = idOf(raw);
    const where = id ? `checklist "${id}"` : `checklist #${index + 1}`;
    const parsed = checklistSchema.safeParse(raw, { reportInput: true });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(context.format(issue, where, Object.keys(checklistSchema.shape)));
      return;
    }
    const data = parsed.data;
    const problem = (field: string, message: string) => problems.push(`${where}: ${field}: ${message}`);
    if (seen.has(data.id)) problem('id', 'duplicate id');
    seen.add(data.id);
    const tz = data.tz ?? 'UTC';
    for (const [position, name] of (data.notify ?? []).entries()) {
      if (!context.channelNames.includes(name)) problem(`notify[${position}]`, `unknown channel "${name}"; defined channels: ${context.channelNames.join(', ') || 'none'}`);
      const refusal = context.noDigests?.get(name);
      if (refusal) problem(`notify[${position}]`, `channel "${name}" takes no checklist digests: ${refusal}`);
    }
    const items: ChecklistItem[] = [];
    const itemIds = new Set<string>();
    data.items.forEach((item, position) => {
      const at = `${where}: items[${position}]`;
      let parsedItem: ChecklistItem | undefined;
      if (typeof item === 'string') {
        if (context.checks.has(item)) parsedItem = { type: 'check', id: item };
        else if (!context.broken?.has(item)) problems.push(`${at}: ${unknownCheck(item, { size: context.checks.size + (context.broken?.size ?? 0) })}`);
      } else if (item && typeof item === 'object' && (item as { type?: unknown }).type === 'task') {
        parsedItem = parseTask(item, at, context, problems);
      } else if (item && typeof item === 'object' && 'kind' in item) {
        const check = context.parseInlineCheck(item, at);
        if (check && context.checks.has(check.id)) problems.push(`${at}: id: duplicate check id "${check.id}"`);
        else if (check) {
          context.checks.set(check.id, check);
          inlineChecks.push(check);
          parsedItem = { type: 'check', id: check.id };
        }
      } else {
        problems.push(`${at}: expected a check id, a check (http({...}), pg.slowQueries({...}) ...) or task({...})`);
      }
      if (!parsedItem) return;
      if (itemIds.has(parsedItem.id)) problems.push(`${at}: id: "${parsedItem.id}" is already an item of this checklist`);
      itemIds.add(parsedItem.id);
      items.push(parsedItem);
    });
    const checklist: Checklist = {
      id: data.id,
      name: data.name ?? data.id,
      schedule: { cron: data.cron, tz },
      notify: data.notify ?? context.channelNames.filter((name) => !context.noDigests?.has(name)),
      public: data.public ?? true,
      items,
    };
    if (data.description) checklist.description = data.description;
    checklists.push(checklist);
  });
  return { checklists, inlineChecks };
}

function parseTask(raw: object, at: string, context: ChecklistContext, problems: string[]): ChecklistItem | undefined {
  const parsed = taskSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(context.format(issue, at, Object.keys(taskSchema.shape)));
    return undefined;
  }
  const data = parsed.data;
  if (data.doneBy !== undefined && context.broken?.has(data.doneBy)) return undefined;
  if (data.doneBy !== undefined && context.checks.get(data.doneBy)?.kind !== 'heartbeat') {
    const found = context.checks.get(data.doneBy);
    problems.push(`${at}: doneBy: ${found ? `"${data.doneBy}" is a ${found.kind} check` : unknownCheck(data.doneBy, context.checks)}; expected a heartbeat check, whose ping marks the task done`);
    return undefined;
  }
  const task: ChecklistItem = { type: 'task', id: data.id, text: data.text, public: data.public ?? true };
  if (data.every !== undefined) task.everyMs = parseDuration(data.every) as number;
  if (data.owner) task.owner = data.owner;
  if (data.doneBy) task.doneBy = data.doneBy;
  if (data.link) task.link = data.link;
  return task;
}

/** The `id` of a config entry as written, before validation. */
export function idOf(raw: unknown): string | undefined {
  return raw && typeof raw === 'object' && typeof (raw as { id?: unknown }).id === 'string' ? (raw as { id: string }).id : undefined;
}

function unknownCheck(id: string, known: { size: number }): string {
  return `unknown check "${id}"${known.size ? '' : '; no checks are defined'}`;
}
