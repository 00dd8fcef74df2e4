// Durations in config are strings such as "30s", "5m", "1h30m" or "7d"; the
// engine works in milliseconds.

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;

/** A duration as written in config: `"30s"`, `"5m"`, `"1h30m"`, `"7d"`. */
export type Duration = string;

/**
 * Parses a duration string into milliseconds, or returns `undefined` when the
 * text is not a duration. `parseDuration("1h30m") === 5_400_000`.
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let match = PART.exec(trimmed); match; match = PART.exec(trimmed)) {
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
    consumed = PART.lastIndex;
  }
  return consumed === trimmed.length && total > 0 ? Math.round(total) : undefined;
}

/**
 * Formats milliseconds for people: `formatDuration(5_400_000) === "1h 30m"`
 * (two parts at most). With `exact`, every part down to the second, or to
 * the millisecond when even seconds are alike: `formatDuration(3_601_000,
 * 'seconds') === "1h 1s"`, for two values that read the same at the default.
 */
export function formatDuration(ms: number, exact?: 'seconds' | 'ms'): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (exact) return exactDuration(ms, exact);
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  const seconds = Math.round(ms / 1_000);
  if (seconds < 60) return `${seconds}s`;
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3_600);
  const minutes = Math.floor((seconds % 3_600) / 60);
  const rest = seconds % 60;
  const parts: string[] = [];
  if (days) parts.push(`${days}d`);
  if (hours) parts.push(`${hours}h`);
  if (minutes) parts.push(`${minutes}m`);
  if (rest && !days && !hours) parts.push(`${rest}s`);
  return parts.slice(0, 2).join(' ');
}

function exactDuration(ms: number, unit: 'seconds' | 'ms'): string {
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(unit === 'ms' ? Math.round(ms) : Math.round(ms / 1_000) * 1_000);
  const parts: string[] = [];
  for (const [name, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count) parts.push(`${count}${name}`);
  }
  if (rest) parts.push(`${rest} ms`);
  return parts.length ? `${sign}${parts.join(' ')}` : '0s';
}
