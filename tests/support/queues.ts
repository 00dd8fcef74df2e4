// Real BullMQ and Bull queues in the test Redis, with jobs in every state,
// created by the libraries themselves. The expected counts come from the
// libraries' own getJobCounts(), so the queue recipe is checked against them.

import type BullType from 'bull';
import type * as BullMQ from 'bullmq';
import { nodeRequire } from './node-require';

const Bull = nodeRequire('bull') as typeof BullType;
const { Queue, Worker } = nodeRequire('bullmq') as typeof BullMQ;

export type JobCounts = Record<'waiting' | 'active' | 'delayed' | 'completed' | 'failed' | 'paused', number>;

export interface SeededQueue {
  library: 'bullmq' | 'bull';
  prefix: string;
  name: string;
  counts: JobCounts;
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const never = () => new Promise<never>(() => undefined);

/** BullMQ: 3 completed, 2 failed, 1 stuck active, 4 waiting + 1 prioritized, 2 delayed. */
async function seedBullMQ(port: number, prefix: string, name: string): Promise<SeededQueue> {
  const connection = { host: '127.0.0.1', port };
  const queue = new Queue(name, { connection, prefix });
  for (let i = 0; i < 3; i++) await queue.add('send', { ok: true });
  for (let i = 0; i < 2; i++) await queue.add('send', { fail: true }, { attempts: 1 });
  const worker = new Worker(
    name,
    async (job) => {
      if (job.data.fail) throw new Error('SMTP 550 mailbox unavailable');
      if (job.data.hang) await never();
      return 'sent';
    },
    { connection, prefix, concurrency: 5 },
  );
  await until(async () => {
    const c = await queue.getJobCounts('completed', 'failed');
    return c.completed === 3 && c.failed === 2;
  }, `${name}: completed and failed jobs`);
  await queue.add('send', { hang: true });
  await until(async () => (await queue.getJobCounts('active')).active === 1, `${name}: an active job`);
  await worker.close(true);
  for (let i = 0; i < 4; i++) await queue.add('send', { later: i });
  await queue.add('send', { vip: true }, { priority: 5 });
  for (let i = 0; i < 2; i++) await queue.add('send', { delayed: i }, { delay: 3_600_000 });
  const raw = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed');
  await queue.close();
  return {
    library: 'bullmq',
    prefix,
    name,
    counts: { waiting: (raw.waiting ?? 0) + (raw.prioritized ?? 0), active: raw.active ?? 0, delayed: raw.delayed ?? 0, completed: raw.completed ?? 0, failed: raw.failed ?? 0, paused: 0 },
  };
}

/** Bull (v3/v4 API): 2 completed, 4 failed, 1 stuck active, 3 waiting, 1 delayed. */
async function seedBull(port: number, prefix: string, name: string): Promise<SeededQueue> {
  const queue = new Bull(name, { redis: { host: '127.0.0.1', port }, prefix, settings: { stalledInterval: 0 } });
  queue.process(5, async (job) => {
    if (job.data.fail) throw new Error('render failed');
    if (job.data.hang) await never();
    return 'done';
  });
  for (let i = 0; i < 2; i++) await queue.add({ ok: true });
  for (let i = 0; i < 4; i++) await queue.add({ fail: true });
  await until(async () => {
    const c = await queue.getJobCounts();
    return c.completed === 2 && c.failed === 4;
  }, `${name}: completed and failed jobs`);
  await queue.add({ hang: true });
  await until(async () => (await queue.getJobCounts()).active === 1, `${name}: an active job`);
  await queue.pause(true, true);
  for (let i = 0; i < 3; i++) await queue.add({ later: i });
  await queue.add({ delayed: true }, { delay: 3_600_000 });
  const raw = (await queue.getJobCounts()) as unknown as JobCounts;
  await queue.close(true).catch(() => undefined);
  // close(true) leaves the connection of the job that never finishes; drop every client.
  for (const client of (queue as unknown as { clients: Array<{ disconnect(): void }> }).clients ?? []) client.disconnect();
  return { library: 'bull', prefix, name, counts: { waiting: raw.waiting, active: raw.active, delayed: raw.delayed, completed: raw.completed, failed: raw.failed, paused: raw.paused ?? 0 } };
}

export async function seedQueues(port: number): Promise<SeededQueue[]> {
  return [await seedBullMQ(port, 'bull', 'email'), await seedBullMQ(port, 'bull', 'release-process'), await seedBull(port, 'legacy', 'renders')];
}

/** Creates a fresh BullMQ queue with `failed` failed and `waiting` waiting jobs (for the failing cases). */
export async function createQueue(port: number, prefix: string, name: string, failed: number, waiting: number): Promise<JobCounts> {
  const connection = { host: '127.0.0.1', port };
  const queue = new Queue(name, { connection, prefix });
  const before = (await queue.getJobCounts('failed')).failed ?? 0;
  for (let i = 0; i < failed; i++) await queue.add('send', { fail: true }, { attempts: 1 });
  if (failed > 0) {
    const worker = new Worker(name, async () => {
      throw new Error('SMTP 421 try again later');
    }, { connection, prefix, concurrency: failed });
    await until(async () => (await queue.getJobCounts('failed')).failed === before + failed, `${name}: ${failed} more failed jobs`);
    await worker.close(true);
  }
  for (let i = 0; i < waiting; i++) await queue.add('send', { later: i });
  const raw = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed');
  await queue.close();
  return { waiting: (raw.waiting ?? 0) + (raw.prioritized ?? 0), active: raw.active ?? 0, delayed: raw.delayed ?? 0, completed: raw.completed ?? 0, failed: raw.failed ?? 0, paused: 0 };
}
