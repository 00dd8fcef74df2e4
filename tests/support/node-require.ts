// Node's own require, for CommonJS packages that Vitest's module runner
// cannot inline in global setup (ioredis redefines its `default` export).
import { createRequire } from 'node:module';

export const nodeRequire = createRequire(import.meta.url);
