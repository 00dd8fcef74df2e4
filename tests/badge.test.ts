// Badges are sized exactly as shields.io's badge-maker sizes them: its own
// output (makeBadge, flat style) is the reference for the total width, each
// box's width and each text's length, for ASCII, wide and narrow letters,
// accents, CJK, emoji and long names.
import { makeBadge } from 'badge-maker';
import { describe, expect, it } from 'vitest';
import { statusBadge, textWidth, uptimeBadge } from '../src/web/badge';
import type { CheckView } from '../src/store/read-model';

interface Geometry {
  width: number;
  left: number;
  right: number;
  textLengths: number[];
}

/** Reads the sizes out of a flat badge (badge-maker draws its text at 10× and scales it down). */
function geometry(svg: string, textScale: number): Geometry {
  const number = (pattern: RegExp) => Number(pattern.exec(svg)?.[1]);
  const lengths = [...svg.matchAll(/textLength="([\d.]+)"/g)].map((match) => Number(match[1]) / textScale);
  return {
    width: number(/<svg[^>]* width="(\d+)"/),
    left: number(/<rect width="(\d+)" height="20" fill="#555"\/>/),
    right: number(/<rect x="\d+" width="(\d+)" height="20" fill="[^"]+"\/>/),
    textLengths: [...new Set(lengths)],
  };
}

const check = (name: string, status: CheckView['status'] = 'up', uptime: number | null = 99.95) =>
  ({ id: 'x', name, status, uptime: { '1d': uptime, '7d': uptime, '30d': uptime, '90d': uptime } }) as unknown as CheckView;

const NAMES = ['API', 'Search', 'Payments', 'iiiiiiiiii', 'WWWWWWWWWW', 'Zahlungsabwicklung (EU-West)', 'Café crème', '支付服务', 'Deploy 🚀', 'A'.repeat(60), 'x < y & "z"'];

describe('badge widths', () => {
  it.each(NAMES)('%s: as badge-maker sizes it', (name) => {
    for (const [ours, label, message] of [
      [statusBadge(check(name, 'up')), name, 'up'],
      [statusBadge(check(name, 'degraded')), name, 'degraded'],
      [statusBadge(check(name, 'unknown')), name, 'no data'],
      [uptimeBadge(check(name), '30d'), `${name} 30d`, '99.95%'],
    ] as const) {
      const reference = geometry(makeBadge({ label, message, color: '#30a46c', style: 'flat' }), 10);
      const got = geometry(ours, 1);
      expect(got, `${label} | ${message}`).toEqual(reference);
    }
  });

  it('the 6.5 px-per-character guess is gone: narrow and wide text differ', () => {
    // Ten characters were 65 px either way; in Verdana 11px an i is 3.02 px, a W 10.88 px.
    expect(textWidth('iiiiiiiiii')).toBe(31);
    expect(textWidth('WWWWWWWWWW')).toBeGreaterThan(3 * textWidth('iiiiiiiiii'));
  });

  it('text is escaped', () => {
    const svg = statusBadge(check('x < y & "z"'));
    expect(svg).toContain('x &lt; y &amp; &quot;z&quot;');
    expect(svg).not.toContain('x < y');
  });
});
