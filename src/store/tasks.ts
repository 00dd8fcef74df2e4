// Manual checklist tasks marked done: one KV key (`tasks`) written by
// POST /api/checklists/<checklist>/items/<item>/done (a person, rarely) and
// read by the tick that runs a checklist and by the status page. See
// docs/storage.md.

import { KEYS, type KV } from './kv';

export const TASKS_VERSION = 1;
/** Past completions kept per task, newest last. */
export const TASK_HISTORY = 5;

export interface TaskDone {
  at: number;
  by: string;
  note?: string;
}

export interface TasksRecord {
  v: typeof TASKS_VERSION;
  /** `<checklist>/<item>` → completions, newest last. */
  done: Record<string, TaskDone[]>;
}

export const taskKey = (checklistId: string, itemId: string) => `${checklistId}/${itemId}`;

export async function loadTasks(kv: KV): Promise<TasksRecord> {
  const raw = await kv.get(KEYS.tasks);
  if (raw) {
    try {
      const parsed = JSON.parse(raw) as TasksRecord;
      if (parsed.v === TASKS_VERSION) return parsed;
    } catch {
      // A damaged key starts afresh (the next completion rewrites it).
    }
  }
  return { v: TASKS_VERSION, done: {} };
}

export function lastDone(record: TasksRecord, checklistId: string, itemId: string): TaskDone | undefined {
  const list = record.done[taskKey(checklistId, itemId)];
  return list?.[list.length - 1];
}

/** Records a completion (one read, one write). Two people marking the same second: the later write wins, both are answered. */
export async function markDone(kv: KV, checklistId: string, itemId: string, done: TaskDone): Promise<TasksRecord> {
  const record = await loadTasks(kv);
  const key = taskKey(checklistId, itemId);
  record.done[key] = [...(record.done[key] ?? []), done].slice(-TASK_HISTORY);
  await kv.put(KEYS.tasks, JSON.stringify(record));
  return record;
}
