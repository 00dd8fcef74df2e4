// The engine's data lives in src/model/state.ts (the ledger's schema); these
// names are re-exported for the engine's modules.

export type { AlertEvent, AlertType, CheckState, DayTotals, Incident, IncidentUpdate, RegionState, Status } from '../model/state';
