// Starts the real local servers the tests talk to (in Node, before the
// workerd test runtime starts) and hands their URLs to the tests via inject().

import type { TestProject } from 'vitest/node';
import { startSink } from './sink';
import { startTargets } from './targets';

export default async function setup(project: TestProject) {
  const targets = await startTargets();
  const sink = await startSink();
  project.provide('targetUrl', targets.url);
  project.provide('refusedUrl', targets.refusedUrl);
  project.provide('sinkUrl', sink.url);
  return async () => {
    await Promise.all([targets.close(), sink.close()]);
  };
}
