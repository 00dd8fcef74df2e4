// Response-time charts as inline SVG, server-rendered with no script: one
// line of averages (hourly for 24 h, daily for 90 d), gaps where no run
// reached the target. Built as strings from numbers only (nothing to escape)
// because a page can hold many and JSX per point costs CPU. Colours come from
// the stylesheet (classes), so the Content-Security-Policy needs no inline style.

import { escapeHtml } from './html';

/** Drawing box; the SVG stretches to the width of its column (strokes keep their width). */
const WIDTH = 300;
const HEIGHT = 60;
/** Headroom above the highest point. */
const TOP_MARGIN = 4;

export interface ChartSummary {
  min: number;
  max: number;
  average: number;
  points: number;
}

export function summarize(values: ReadonlyArray<number | null>): ChartSummary | undefined {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let points = 0;
  for (const value of values) {
    if (value === null) continue;
    min = Math.min(min, value);
    max = Math.max(max, value);
    sum += value;
    points++;
  }
  return points === 0 ? undefined : { min, max, average: Math.round(sum / points), points };
}

/** The path of the line: one segment per run of values without a gap; a lone value is a dot. */
export function linePath(values: ReadonlyArray<number | null>, ceiling: number): string {
  const step = values.length > 1 ? WIDTH / (values.length - 1) : 0;
  // Whole units: a 300 × 60 box drawn a few hundred pixels wide needs no finer steps, and fewer digits keep pages small.
  const y = (value: number) => Math.round(HEIGHT - (value / ceiling) * (HEIGHT - TOP_MARGIN));
  let path = '';
  let drawing = false;
  values.forEach((value, index) => {
    if (value === null) {
      drawing = false;
      return;
    }
    const x = Math.round(index * step);
    const next = values[index + 1];
    if (!drawing) {
      path += `M${x} ${y(value)}`;
      // A value alone between gaps: a short stroke the round caps turn into a dot.
      if (next === null || next === undefined) path += 'h0.1';
    } else {
      path += `L${x} ${y(value)}`;
    }
    drawing = true;
  });
  return path;
}

/** A nice ceiling above `max`: 1, 2 or 5 × a power of ten. */
export function ceilingFor(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const factor of [1, 2, 5, 10]) if (factor * power >= max) return factor * power;
  return 10 * power;
}

/**
 * A figure with the chart, a caption saying min/average/max (the text
 * alternative), and the time axis labels.
 */
export function latencyChart(titleText: string, values: ReadonlyArray<number | null>, axisText: { from: string; to: string }): string {
  const title = escapeHtml(titleText);
  const axis = { from: escapeHtml(axisText.from), to: escapeHtml(axisText.to) };
  const summary = summarize(values);
  if (!summary) {
    return `<figure class="chart"><figcaption><span>${title}</span><span>no data</span></figcaption></figure>`;
  }
  const ceiling = ceilingFor(summary.max);
  const label = `${title}: average ${summary.average} ms, lowest ${summary.min} ms, highest ${summary.max} ms`;
  return (
    `<figure class="chart"><figcaption><span>${title}</span><span>avg ${summary.average} ms · max ${summary.max} ms</span></figcaption>` +
    `<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" preserveAspectRatio="none" role="img" aria-label="${label}">` +
    `<path class="grid" d="M0 ${HEIGHT / 2}H${WIDTH}M0 ${HEIGHT - 0.5}H${WIDTH}"/><path class="line" d="${linePath(values, ceiling)}"/></svg>` +
    `<div class="axis"><span>${axis.from}</span><span>scale 0–${ceiling} ms</span><span>${axis.to}</span></div></figure>`
  );
}
