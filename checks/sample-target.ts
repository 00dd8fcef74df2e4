// Where the sample target of `npm start` listens (scripts/sample-target.mjs):
// port 8789, or the one scripts/dev.mjs picked and passed to `wrangler dev` as
// the var SAMPLE_TARGET_PORT (with nodejs_compat, Workers see vars in
// process.env, as Node does for `npm run validate`). Delete with the sample checks.

/** The sample target's port when nothing else is asked for. */
export const DEFAULT_SAMPLE_TARGET_PORT = 8789;

// Workers' types have no `process`; with nodejs_compat it exists at run time.
const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;

export const SAMPLE_TARGET = `http://127.0.0.1:${env?.SAMPLE_TARGET_PORT || DEFAULT_SAMPLE_TARGET_PORT}`;
