// WCAG 2.x contrast: relative luminance and contrast ratio of sRGB colours,
// and the nearest variant of a brand colour that reaches a ratio against a
// background (darker on light themes, lighter on dark ones).
// https://www.w3.org/TR/WCAG22/#dfn-contrast-ratio

/** Text needs 4.5:1 against its background (WCAG 1.4.3, level AA). */
export const TEXT_CONTRAST = 4.5;

/** [r, g, b] in 0..255 from "#rrggbb". */
export function parseHex(color: string): [number, number, number] {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!match) throw new Error(`not a #rrggbb colour: ${color}`);
  return [parseInt(match[1] as string, 16), parseInt(match[2] as string, 16), parseInt(match[3] as string, 16)];
}

export function toHex([r, g, b]: [number, number, number]): string {
  return `#${[r, g, b].map((channel) => Math.round(Math.min(255, Math.max(0, channel))).toString(16).padStart(2, '0')).join('')}`;
}

export function luminance(color: string): number {
  const [r, g, b] = parseHex(color).map((channel) => {
    const c = channel / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/**
 * `color` itself when it reaches `minimum` against `background`, else the
 * closest mix of it with black (light backgrounds) or white (dark ones) that does.
 */
export function accessibleVariant(color: string, background: string, minimum = TEXT_CONTRAST): string {
  if (contrastRatio(color, background) >= minimum) return color.toLowerCase();
  const towards: [number, number, number] = luminance(background) > 0.5 ? [0, 0, 0] : [255, 255, 255];
  const from = parseHex(color);
  for (let step = 1; step <= 100; step++) {
    const t = step / 100;
    const mixed = toHex(from.map((channel, i) => channel + ((towards[i] as number) - channel) * t) as [number, number, number]);
    if (contrastRatio(mixed, background) >= minimum) return mixed;
  }
  return toHex(towards);
}
