// The page's icon: a pulse line on a dark tile, coloured by the overall state
// (green, amber, red, blue for maintenance, grey while checking or without
// data), so a pinned tab says how things stand. Pages link
// /favicon.svg?s=<state> (the state they show, cacheable for long);
// /favicon.ico and /favicon.svg without it read the read model.

import type { Headline } from '../store/read-model';

export type IconState = Headline['state'];

const COLOR: Record<IconState, string> = { up: '#22c55e', degraded: '#f5a524', down: '#ef4444', unknown: '#9ca3af', checking: '#9ca3af', maintenance: '#60a5fa' };
/** Down and degraded also change the shape (a dot in the corner), for people who do not tell the colours apart. */
const BADGE: Partial<Record<IconState, string>> = { down: '<circle cx="25" cy="7" r="5" fill="#ef4444" stroke="#1f2937" stroke-width="2"/>', degraded: '<circle cx="25" cy="7" r="5" fill="#f5a524" stroke="#1f2937" stroke-width="2"/>' };

export const ICON_STATES = Object.keys(COLOR) as IconState[];

/** 32×32 viewBox; browsers that fetch /favicon.ico take SVG when the content type says so. */
export function faviconSvg(state: IconState): string {
  return (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">' +
    '<rect width="32" height="32" rx="7" fill="#1f2937"/>' +
    `<polyline points="4,17 10,17 13,9 19,24 22,17 28,17" fill="none" stroke="${COLOR[state]}" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/>` +
    (BADGE[state] ?? '') +
    '</svg>'
  );
}

/** The icon for a state named in the URL never changes: a day. */
export const FAVICON_MAX_AGE_SECONDS = 86_400;
/** The icon of the current state: as long as the page. */
export const CURRENT_FAVICON_MAX_AGE_SECONDS = 60;
