// Checks that run in several regions (`regions: ['weur', 'enam', 'apac']`)
// decide with a quorum: the check is down only when at least `quorum` regions
// see it down, so one region's network trouble is told apart from an outage.

import type { RegionState, Status } from '../model/state';

/** Durable Object location hints (Cloudflare docs, "Data location"): where a probe is placed. */
export const REGIONS = ['wnam', 'enam', 'sam', 'weur', 'eeur', 'apac', 'oc', 'afr', 'me'] as const;
export type Region = (typeof REGIONS)[number];

const SEVERITY: Record<Status, number> = { up: 0, unknown: 1, degraded: 2, down: 3 };

export interface Combined {
  status: Status;
  message: string;
  /** Regions whose own status is the combined problem status (or worse). */
  failing: string[];
  /** Regions that saw the check up. */
  passing: string[];
}

/**
 * The worst status that at least `quorum` regions agree on (a region that
 * sees it down also counts as degraded): [down, down, up] with quorum 2 is
 * down; [down, up, up] is up, with a note naming the region that saw it down.
 */
export function combineRegions(regions: readonly string[], seen: Record<string, RegionState>, quorum: number): Combined {
  const known = regions.filter((region) => seen[region] !== undefined);
  const passing = known.filter((region) => seen[region]?.status === 'up');
  for (const status of ['down', 'degraded', 'unknown'] as const) {
    const failing = known.filter((region) => SEVERITY[(seen[region] as RegionState).status] >= SEVERITY[status]);
    if (failing.length < quorum) continue;
    const first = seen[failing[0] as string] as RegionState;
    return { status, failing, passing, message: `${status} in ${failing.join(', ')} (${failing.length} of ${regions.length}, quorum ${quorum}): ${first.message}` };
  }
  const troubled = known.filter((region) => seen[region]?.status !== 'up');
  const upMessage = passing.length > 0 ? (seen[passing[0] as string] as RegionState).message : 'no region has run yet';
  if (troubled.length === 0) return { status: known.length > 0 ? 'up' : 'unknown', failing: [], passing, message: upMessage };
  const notes = troubled.map((region) => `${(seen[region] as RegionState).status} in ${region} only: ${(seen[region] as RegionState).message}`);
  return { status: passing.length > 0 ? 'up' : 'unknown', failing: [], passing, message: `${upMessage} (${notes.join('; ')}; below the quorum of ${quorum})` };
}
