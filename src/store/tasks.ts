// Manual checklist tasks marked done: the ledger keeps each task's latest
// completion (table `tasks`, keyed `task:<checklist>:<item>`), written by
// POST /api/checklists/<checklist>/items/<item>/done through the ledger.

import { taskKey, type TaskDone } from '../model/state';

export { taskKey } from '../model/state';
export type { TaskDone } from '../model/state';

/** The latest completion of each task that has one, by `taskKey`. */
export interface TasksRecord {
  done: Record<string, TaskDone>;
}

export function lastDone(record: TasksRecord, checklistId: string, itemId: string): TaskDone | undefined {
  return record.done[taskKey(checklistId, itemId)];
}
