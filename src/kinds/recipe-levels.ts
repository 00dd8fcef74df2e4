// Thresholds as recipes take them: a number (the critical level) or
// `{ warn, crit }`, with the recipe's default when left out.
import type { Levels } from '../assert/builders';

export function levels(value: number | Levels | undefined, fallback: Levels): Levels {
  return value === undefined ? fallback : typeof value === 'number' ? { crit: value } : value;
}

/** "At most n" as `below` levels (counts are whole numbers): at most 3 → below 4. */
export function atMost(value: number | Levels | undefined, fallback: Levels): Levels {
  const limit = levels(value, fallback);
  const out: Levels = {};
  if (limit.warn !== undefined) out.warn = limit.warn + 1;
  if (limit.crit !== undefined) out.crit = limit.crit + 1;
  return out;
}
