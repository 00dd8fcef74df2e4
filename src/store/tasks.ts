// Manual checklist tasks marked done: one KV key per task,
// `task:<checklist>:<item>`, holding its latest completion. Written by
// POST /api/checklists/<checklist>/items/<item>/done (one write, no read, so
// two tasks marked at the same moment never overwrite each other), read with
// one get per task by the tick that runs a checklist and by the status page.
// The config names every task, so nothing is ever listed (list operations
// are the scarcest part of the free plan: 1,000 a day). See docs/storage.md.

import type { Checklist } from '../config/types';
import type { KV } from './kv';

export const TASK_VERSION = 1;

/** The key of one task's latest completion (ids are letters, digits, "-" and "_", so ":" separates them). */
export const taskKey = (checklistId: string, itemId: string) => `task:${checklistId}:${itemId}`;

export interface TaskDone {
  at: number;
  by: string;
  note?: string;
}

interface StoredTask extends TaskDone {
  v: typeof TASK_VERSION;
}

/** The latest completion of each task that has one, by `taskKey`. */
export interface TasksRecord {
  done: Record<string, TaskDone>;
}

/**
 * Reads the latest completion of every manual task of `checklists` (those
 * `include` keeps): one KV get per task, in parallel.
 */
export async function loadTasks(kv: KV, checklists: readonly Checklist[], include: (task: { public: boolean }) => boolean = () => true): Promise<TasksRecord> {
  const keys = checklists.flatMap((checklist) => checklist.items.filter((item) => item.type === 'task' && include(item)).map((item) => taskKey(checklist.id, item.id)));
  const values = await Promise.all(keys.map((key) => kv.get(key)));
  const record: TasksRecord = { done: {} };
  keys.forEach((key, index) => {
    const done = parseTask(values[index] ?? null);
    if (done) record.done[key] = done;
  });
  return record;
}

export function lastDone(record: TasksRecord, checklistId: string, itemId: string): TaskDone | undefined {
  return record.done[taskKey(checklistId, itemId)];
}

/**
 * Records a completion: one KV write to the task's own key, no read. The
 * same task marked twice within a second: KV allows one write per second per
 * key, so the second answer is an error saying to try again.
 */
export async function markDone(kv: KV, checklistId: string, itemId: string, done: TaskDone): Promise<void> {
  const stored: StoredTask = { v: TASK_VERSION, ...done };
  await kv.put(taskKey(checklistId, itemId), JSON.stringify(stored));
}

function parseTask(raw: string | null): TaskDone | undefined {
  if (!raw) return undefined;
  try {
    const parsed = JSON.parse(raw) as Partial<StoredTask>;
    if (parsed.v !== TASK_VERSION || typeof parsed.at !== 'number' || typeof parsed.by !== 'string') return undefined;
    return { at: parsed.at, by: parsed.by, ...(typeof parsed.note === 'string' ? { note: parsed.note } : {}) };
  } catch {
    // A damaged value reads as "never done"; the next completion rewrites it.
    return undefined;
  }
}
