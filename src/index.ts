// The Worker entry: the operator's config from checks/, handed to the engine.
import config from '../checks/index';
import { createWorker } from './worker';

export default createWorker(config);
export { CheckRunner } from './worker';
