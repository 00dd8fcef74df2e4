// The engine's state now lives in the ledger (src/model/state.ts is its
// schema); these names stay importable from here for the engine's modules.

export { DAY_MS, emptyState, startOfUtcDay, utcDay } from '../model/state';
export type { EngineState } from '../model/state';
