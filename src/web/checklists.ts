// POST /api/checklists/<checklist>/items/<item>/done — someone did a manual
// checklist task. Authenticated with the admin token (a Worker secret),
// compared in constant time; the body says who and, optionally, a note.
// The ledger stores it (one row, the note redacted) before the route answers.

import type { Context } from 'hono';
import { configuredSecrets, redact } from '../config/secrets';
import type { Config } from '../config/types';
import type { WorkerEnv } from '../env';
import { nextOccurrence } from '../engine/checklists';
import { ledgerOf } from '../ledger/durable-object';
import { constantTimeEqual } from './auth';
import { purgeCached } from './cache';

const BY_MAX = 60;
const NOTE_MAX = 500;

/** 401 unless `Authorization: Bearer <VIGIL_ADMIN_TOKEN>`; 503 when the Worker has no token at all. */
export function adminProblem(c: Context<{ Bindings: WorkerEnv }>): Response | undefined {
  const expected = c.env.VIGIL_ADMIN_TOKEN;
  if (typeof expected !== 'string' || expected.length === 0) {
    return c.json({ error: 'admin routes are off: set the VIGIL_ADMIN_TOKEN secret (wrangler secret put VIGIL_ADMIN_TOKEN)' }, 503);
  }
  const header = c.req.header('authorization') ?? '';
  const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
  if (!constantTimeEqual(given, expected)) {
    c.header('www-authenticate', 'Bearer realm="vigil"');
    return c.json({ error: 'unauthorized: send Authorization: Bearer <VIGIL_ADMIN_TOKEN>' }, 401);
  }
  return undefined;
}

export function taskDoneHandler(config: Config, clock: () => number) {
  return async (c: Context<{ Bindings: WorkerEnv }>) => {
    const denied = adminProblem(c);
    if (denied) return denied;
    const checklist = config.checklists.find((candidate) => candidate.id === c.req.param('checklist'));
    if (!checklist) return c.json({ error: `no checklist "${c.req.param('checklist')}"` }, 404);
    const task = checklist.items.find((item) => item.type === 'task' && item.id === c.req.param('item'));
    if (!task || task.type !== 'task') {
      const tasks = checklist.items.filter((item) => item.type === 'task').map((item) => item.id);
      return c.json({ error: `checklist "${checklist.id}" has no manual task "${c.req.param('item')}"; its tasks: ${tasks.join(', ') || 'none'}` }, 404);
    }
    let body: { by?: unknown; note?: unknown } = {};
    const text = await c.req.text();
    if (text.trim()) {
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        return c.json({ error: 'the body must be JSON: {"by": "alice", "note": "rotated API_SECRET"}' }, 400);
      }
    }
    if (body.by !== undefined && (typeof body.by !== 'string' || body.by.trim() === '' || body.by.length > BY_MAX)) return c.json({ error: `"by" must be a name of 1 to ${BY_MAX} characters` }, 400);
    if (body.note !== undefined && (typeof body.note !== 'string' || body.note.length > NOTE_MAX)) return c.json({ error: `"note" must be text of at most ${NOTE_MAX} characters` }, 400);
    // A note (or a name) is text from outside, like a ping's output: someone may paste a token in it. Redacted before it is stored, shown or echoed.
    const secrets = configuredSecrets(config, c.env);
    const by = typeof body.by === 'string' ? redact(body.by.trim(), secrets) : 'api';
    const done = { at: clock(), by, ...(typeof body.note === 'string' && body.note ? { note: redact(body.note, secrets) } : {}) };
    c.header('cache-control', 'no-store');
    try {
      await ledgerOf(c.env).markTask(checklist.id, task.id, done);
    } catch (error) {
      console.error('vigil: could not record a task completion', error);
      c.header('retry-after', '5');
      return c.json({ error: 'could not record the completion; try again in a few seconds' }, 503);
    }
    // The page and /api/status show the task as done at once (the ledger published it): drop their cached copies here.
    await purgeCached(new URL(c.req.url).origin, ['/', '/api/status'], clock()).catch((error) => console.error('vigil: purging cached pages failed', error));
    return c.json({ checklist: checklist.id, item: task.id, done: { ...done, at: new Date(done.at).toISOString() }, nextDue: new Date(nextOccurrence(task, checklist, done.at)).toISOString() });
  };
}
