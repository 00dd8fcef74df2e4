// What every public page shares: <head> (stylesheet, status favicon, feed),
// the header (logo, title, navigation) and the footer. hono/jsx escapes every
// dynamic string; the few raw HTML strings (bars, charts) are built from
// numbers and escaped text only.

import type { Child, FC } from 'hono/jsx';
import type { PageSettings } from '../config/types';
import type { Headline, StatusView, ViewStatus } from '../store/read-model';
import { clockFor, type Clock } from './time';

export interface PageContext {
  page: PageSettings;
  clock: Clock;
  now: number;
  /** The stylesheet's URL (versioned). */
  style: string;
  /** The state the favicon shows. */
  state: Headline['state'];
  /** The title as configured, and when the read model was last updated (null before the first tick). */
  title: string;
  updatedAt: string | null;
}

/** The context of a page rendered at `now` from `view`. */
export function pageContext(page: PageSettings, view: Pick<StatusView, 'headline' | 'title' | 'updatedAt'>, now: number, style: string): PageContext {
  return { page, clock: clockFor(page.timeZone), now, style, state: view.headline.state, title: view.title, updatedAt: view.updatedAt };
}

export const PILL: Record<ViewStatus | 'checking' | 'none', string> = {
  up: 'Operational',
  degraded: 'Degraded',
  down: 'Down',
  unknown: 'Not checked',
  paused: 'Maintenance',
  checking: 'Checking',
  none: 'No data yet',
};

export const STATE_WORDS: Record<string, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
  scheduled: 'Scheduled',
  in_progress: 'In progress',
  verifying: 'Verifying',
  completed: 'Completed',
};

export const IMPACT_WORDS: Record<string, string> = { none: 'No impact', minor: 'Minor', major: 'Major', critical: 'Critical', maintenance: 'Maintenance' };

/** A time people read in the page's zone, machine-readable in `datetime`. */
export const When: FC<{ at: string; ctx: PageContext; style?: 'dateTime' | 'date' | 'day' | 'time' }> = ({ at, ctx, style = 'dateTime' }) => (
  <time datetime={at}>{ctx.clock[style](Date.parse(at))}</time>
);

export const Layout: FC<{ ctx: PageContext; heading?: string; description?: string | null; children?: Child; refresh?: number }> = ({ ctx, heading, description, children, refresh }) => {
  const { page } = ctx;
  const documentTitle = heading ? `${heading} — ${ctx.title}` : ctx.title;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {refresh ? <meta http-equiv="refresh" content={String(refresh)} /> : null}
        <title>{documentTitle}</title>
        {description ? <meta name="description" content={description} /> : null}
        <meta name="color-scheme" content="light dark" />
        <link rel="stylesheet" href={ctx.style} />
        <link rel="icon" type="image/svg+xml" href={`/favicon.svg?s=${ctx.state}`} />
        <link rel="alternate" type="application/atom+xml" title={`${ctx.title}: incidents and maintenance`} href="/feed.atom" />
        <link rel="alternate" type="application/json" href="/api/status" />
      </head>
      <body>
        <main>
          <header class="top">
            <a class="brand" href="/">
              {page.logo ? <img src={page.logo} alt="" /> : null}
              <span>
                {heading ? <span>{ctx.title}</span> : <h1>{ctx.title}</h1>}
              </span>
            </a>
            <nav aria-label="Status pages">
              <a href="/">Status</a>
              <a href="/history">Incident history</a>
              <a href="/feed.atom">Atom feed</a>
            </nav>
          </header>
          {heading ? <h1 class="lede">{heading}</h1> : page.description ? <p class="lede muted">{page.description}</p> : null}
          {children}
          <footer>
            {page.links.map((link) => (
              <a href={link.url}>{link.label}</a>
            ))}
            <span>
              Updated {ctx.updatedAt ? <When at={ctx.updatedAt} ctx={ctx} /> : 'never'}
            </span>
            <span>Times in {ctx.clock.zone}</span>
            <a href="/api/status">JSON</a>
            <a href="/api/v2/summary.json">Statuspage API</a>
            <span>Checked by Vigil</span>
          </footer>
        </main>
      </body>
    </html>
  );
};
