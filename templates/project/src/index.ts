// The Worker entry (wrangler.toml's main): your checks, run by Vigil.
import { createVigil } from 'vigil/worker';
import config from '../checks';

const vigil = createVigil(config);

export default vigil.worker;
// The Durable Object classes wrangler.toml binds (LEDGER, PROBE); classes so that `wrangler types` can name them.
export class Ledger extends vigil.Ledger {}
export class Probe extends vigil.Probe {}
