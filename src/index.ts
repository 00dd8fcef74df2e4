// The Worker entry: the operator's config from checks/, handed to Vigil. A
// project that depends on Vigil has the same file, importing from 'vigil/worker'.
import config from '../checks/index';
import { createVigil } from './worker';

const vigil = createVigil(config);

export default vigil.worker;
// Classes, not constants, so that `wrangler types` can name them in the generated Env.
export class Ledger extends vigil.Ledger {}
export class Probe extends vigil.Probe {}
