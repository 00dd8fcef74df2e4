// node --import tests/support/no-redaction.mjs: src/config/secrets.ts is
// replaced by no-redaction-secrets.ts, whose redaction changes nothing. Only
// for the test that shows its secret greps can fail (tests/support/npm.ts).
import { register } from 'node:module';

register('./no-redaction-hooks.mjs', import.meta.url);
