#!/usr/bin/env node
// The vigil CLI (src/cli/vigil.ts). Vigil ships TypeScript, and a project's
// checks/ are TypeScript: tsx loads both as they are, with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/vigil.ts');
