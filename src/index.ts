// The Worker entry: the operator's config from checks/, handed to Vigil.
import config from '../checks/index';
import { createVigil } from './worker';

const vigil = createVigil(config);

export default vigil.worker;
export const Ledger = vigil.Ledger;
export const Probe = vigil.Probe;
