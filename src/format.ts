// Formatting sizes for messages and reports, and the size units configs write thresholds in.

/** `below(768 * MiB)`: binary units, as formatBytes shows them. */
export const KiB = 1024;
export const MiB = 1024 ** 2;
export const GiB = 1024 ** 3;

/**
 * `formatBytes(1536) === "1.5 KiB"`, `formatBytes(1048576) === "1 MiB"`;
 * `decimals` shows more where two sizes would otherwise read the same.
 */
export function formatBytes(bytes: number, decimals = 1): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(decimals)} ${units[unit]}`;
}
