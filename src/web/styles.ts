// The pages' one stylesheet, served at /style.css?v=<version> (the
// Content-Security-Policy allows styles from 'self' only: no inline style).
// Light and dark themes follow prefers-color-scheme. Every text colour is
// chosen for 4.5:1 against the backgrounds it sits on (tests/page.test.ts
// computes the ratios from THEMES); the brand colour is darkened or lightened
// per theme where it falls short (contrast.ts).

import type { PageSettings } from '../config/types';
import { accessibleVariant } from './contrast';

/** The default accent when the config names no brand colour. */
export const DEFAULT_BRAND = '#3451b2';

/** Colours per theme. `status*` are text colours; `bar*` fill the day bars (graphics: 3:1 against the card). */
export const THEMES = {
  light: {
    bg: '#f7f7f8',
    card: '#ffffff',
    text: '#1c2024',
    muted: '#5d6068',
    line: '#e0e1e6',
    up: '#18794e',
    degraded: '#8f5100',
    down: '#c62a2f',
    paused: '#3451b2',
    unknown: '#5d6068',
    barUp: '#30a46c',
    barDegraded: '#c98600',
    barDown: '#e5484d',
    barPaused: '#3e63dd',
    barUnknown: '#8b8d98',
    barNone: '#e0e1e6',
    chart: '#3451b2',
  },
  dark: {
    bg: '#111113',
    card: '#18191b',
    text: '#edeef0',
    muted: '#b0b4ba',
    line: '#2e3135',
    up: '#3dd68c',
    degraded: '#ffca16',
    down: '#ff9592',
    paused: '#9eb1ff',
    unknown: '#b0b4ba',
    barUp: '#30a46c',
    barDegraded: '#ffc53d',
    barDown: '#e5484d',
    barPaused: '#5b7cf0',
    barUnknown: '#8b8d98',
    barNone: '#393a40',
    chart: '#9eb1ff',
  },
} as const;

/** Banner backgrounds and their text colour (the same in both themes). */
export const BANNERS = {
  up: { bg: '#18794e', text: '#ffffff' },
  degraded: { bg: '#ffc53d', text: '#1c2024' },
  down: { bg: '#c62a2f', text: '#ffffff' },
  unknown: { bg: '#5d6068', text: '#ffffff' },
  checking: { bg: '#0d74ce', text: '#ffffff' },
  maintenance: { bg: '#3451b2', text: '#ffffff' },
} as const;

/** The brand colour per theme, adjusted to 4.5:1 against the darker (light theme) or lighter (dark theme) background. */
export function brandColors(page: Pick<PageSettings, 'brandColor'>): { light: string; dark: string } {
  const brand = page.brandColor ?? DEFAULT_BRAND;
  return { light: accessibleVariant(brand, THEMES.light.bg), dark: accessibleVariant(brand, THEMES.dark.card) };
}

function variables(theme: (typeof THEMES)['light' | 'dark'], brand: string): string {
  return Object.entries({ ...theme, brand })
    .map(([name, value]) => `--${name}:${value}`)
    .join(';');
}

export function stylesheet(page: Pick<PageSettings, 'brandColor'>): string {
  const brand = brandColors(page);
  const banners = Object.entries(BANNERS)
    .map(([state, colors]) => `.banner.b-${state}{background:${colors.bg};color:${colors.text}}`)
    .join('');
  return `:root{color-scheme:light dark;${variables(THEMES.light, brand.light)}}
@media (prefers-color-scheme:dark){:root{${variables(THEMES.dark, brand.dark)}}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:880px;margin:0 auto;padding:24px 16px 48px}
a{color:var(--brand);text-underline-offset:2px}
a:hover{text-decoration-thickness:2px}
:focus-visible{outline:3px solid var(--brand);outline-offset:2px;border-radius:4px}
h1{font-size:26px;line-height:1.2;margin:0}
h2{font-size:17px;margin:0}
h3,.h3{font-size:15px;margin:0}
p{margin:0}
.muted{color:var(--muted)}
.sr{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.top{display:flex;flex-wrap:wrap;align-items:center;gap:8px 16px;padding-bottom:14px;border-bottom:3px solid var(--brand)}
.brand{display:flex;align-items:center;gap:12px;flex:1 1 auto;min-width:0;color:var(--text);text-decoration:none}
.brand:hover h1{text-decoration:underline}
.brand img{height:40px;width:auto;max-width:160px}
.top nav{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:14px}
.lede{margin-top:10px}
.banner{margin:18px 0;padding:14px 18px;border-radius:10px}
.banner strong{font-size:18px;display:block}
${banners}
section{margin-top:26px}
.group{margin-top:18px}
section>h2,.group>summary{margin-bottom:10px}
ul,ol{list-style:none;margin:0;padding:0}
.card,.checks{background:var(--card);border:1px solid var(--line);border-radius:10px}
.card{padding:14px 16px}
.card+.card{margin-top:10px}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:13px;color:var(--muted);margin-bottom:8px}
.legend span{display:inline-flex;align-items:center;gap:6px}
.legend i{display:inline-block;width:10px;height:14px;border-radius:2px}
.group>summary{display:flex;align-items:center;gap:10px;cursor:pointer;list-style:none}
.group>summary::-webkit-details-marker{display:none}
.group>summary::before{content:"";width:8px;height:8px;border:solid var(--muted);border-width:0 2px 2px 0;transform:rotate(-45deg);transition:transform .15s}
.group[open]>summary::before{transform:rotate(45deg)}
.group>summary .count{font-size:13px;color:var(--muted)}
.check{padding:14px 16px;border-top:1px solid var(--line)}
.check:first-child{border-top:0}
.row{display:flex;align-items:center;gap:10px}
.row h3{flex:1;min-width:0;overflow-wrap:anywhere}
.row h3 a{color:inherit;text-decoration:none}
.row h3 a:hover{text-decoration:underline}
.dot{width:10px;height:10px;border-radius:50%;flex:none;background:var(--unknown)}
.pill{font-size:12px;font-weight:600;padding:1px 8px;border-radius:999px;border:1px solid currentColor;white-space:nowrap}
.s-up{color:var(--up)}.s-degraded{color:var(--degraded)}.s-down{color:var(--down)}.s-paused{color:var(--paused)}.s-unknown,.s-checking,.s-none{color:var(--unknown)}
.dot.s-up{background:var(--up)}.dot.s-degraded{background:var(--degraded)}.dot.s-down{background:var(--down)}.dot.s-paused{background:var(--paused)}
.dot.s-checking{background:transparent;border:2px solid var(--unknown)}
.facts{display:flex;flex-wrap:wrap;gap:2px 20px;margin:6px 0 0 20px;font-size:13px}
.facts div{display:flex;gap:6px}
.facts dt{color:var(--muted)}
.facts dd{margin:0}
.message,.note,.slo,.checking{margin:6px 0 0 20px;font-size:13px;overflow-wrap:anywhere}
.message{color:var(--muted)}
.checking{font-weight:600}
.slo{padding-left:8px;border-left:3px solid var(--line)}
.days{margin:10px 0 0 20px}
.days>summary{display:block;cursor:pointer;list-style:none;border-radius:4px}
.days>summary::-webkit-details-marker{display:none}
.bars{display:flex;gap:2px;height:24px}
.bars i{flex:1;border-radius:2px;background:var(--barNone)}
.bars .u{background:var(--barUp)}.bars .g{background:var(--barDegraded)}.bars .d{background:var(--barDown)}.bars .k{background:var(--barUnknown)}
.bars .m{background:repeating-linear-gradient(135deg,var(--barPaused) 0 3px,var(--card) 3px 5px)}
.legend .u{background:var(--barUp)}.legend .g{background:var(--barDegraded)}.legend .d{background:var(--barDown)}.legend .k{background:var(--barUnknown)}.legend .n{background:var(--barNone)}
.legend .m{background:repeating-linear-gradient(135deg,var(--barPaused) 0 3px,var(--card) 3px 5px)}
.axis{display:flex;gap:8px;font-size:12px;color:var(--muted);margin-top:2px}
.axis .hint{flex:1;text-align:center;color:var(--brand);text-decoration:underline}
.axis .n30{display:none}
.days[open] .hint .open,.days .hint .close{display:none}
.days[open] .hint .close{display:inline}
.daylist{margin-top:8px;font-size:13px}
.daylist li{padding:3px 0;border-top:1px solid var(--line)}
.daylist li:first-child{border-top:0}
.daylist b{display:inline-block;min-width:96px}
@media (max-width:600px){.bars i:nth-child(-n+60){display:none}.axis .n90{display:none}.axis .n30{display:inline}.facts,.message,.note,.slo,.checking,.days{margin-left:0}.bars{height:28px}}
.incident h3{font-size:16px}
.meta{font-size:13px;color:var(--muted);margin-top:2px}
.update{margin-top:8px}
.timeline{margin-top:12px}
.timeline li{padding:10px 0;border-top:1px solid var(--line)}
.timeline li:first-child{border-top:0}
.timeline .state{font-weight:700}
.incident.i-critical,.incident.i-major{border-left:4px solid var(--down)}
.incident.i-minor,.incident.i-none{border-left:4px solid var(--degraded)}
.incident.resolved{border-left:4px solid var(--up)}
.maintenance{border-left:4px solid var(--paused)}
.list li{padding:10px 0;border-top:1px solid var(--line)}
.list li:first-child{border-top:0}
.chart{margin-top:12px}
.chart figcaption{font-size:13px;color:var(--muted);display:flex;justify-content:space-between;gap:8px}
.chart svg{display:block;width:100%;height:90px;background:var(--card);border:1px solid var(--line);border-radius:6px}
.chart .line{fill:none;stroke:var(--chart);stroke-width:2;vector-effect:non-scaling-stroke;stroke-linejoin:round;stroke-linecap:round}
.chart .grid{stroke:var(--line);stroke-width:1;vector-effect:non-scaling-stroke}
.chart .axis{justify-content:space-between}
table{width:100%;border-collapse:collapse;font-size:13px}
th,td{text-align:left;padding:4px 8px 4px 0;border-top:1px solid var(--line)}
th{color:var(--muted);font-weight:600}
.pager{display:flex;justify-content:space-between;margin-top:14px}
footer{display:flex;flex-wrap:wrap;gap:6px 16px;margin-top:32px;font-size:13px;color:var(--muted)}
form{display:grid;gap:8px}
label{font-weight:600;font-size:14px}
input,select,textarea,button{font:inherit;color:var(--text);background:var(--card);border:1px solid var(--muted);border-radius:6px;padding:6px 8px}
textarea{min-height:72px}
button{background:var(--brand);color:var(--card);border-color:var(--brand);font-weight:600;cursor:pointer;justify-self:start}
fieldset{border:1px solid var(--line);border-radius:6px;padding:8px 10px}
fieldset label{font-weight:400;display:inline-flex;gap:6px;margin-right:12px}
.alert{padding:10px 14px;border-radius:8px;border:2px solid var(--down)}
.ok{border-color:var(--up)}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:8px}
.grid2 label{display:block}
`;
}

/** A short, stable version of a stylesheet for its URL (cache busting, not security). */
export function styleVersion(css: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < css.length; i++) hash = Math.imul(hash ^ css.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(36);
}
