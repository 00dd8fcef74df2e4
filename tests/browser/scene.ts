// 90 days of a small company's services, played through the real Worker:
// a target server whose answers follow a simulated clock (a few outages and
// slow spells on given days), and the ticks that fire the Worker's cron at
// those simulated times (coarse far back, every 15 minutes near the end), so
// the ledger builds its history, incidents and roll-ups as it would live.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HOUR } from './scene-config';

const MINUTE = 60_000;
const DAY = 24 * HOUR;

/** Something that happened to a service: from `back` ms before the scene's now, for `ms`. */
interface Event {
  path: string;
  back: number;
  ms: number;
  answer: 'down' | 'slow';
}

/** The scene's events (the last one, Search's slow spell, is still going on at the end). */
export function sceneEvents(): Event[] {
  return [
    { path: '/database', back: 75 * DAY + 3 * HOUR, ms: 60 * MINUTE, answer: 'down' },
    { path: '/cdn', back: 63 * DAY + 7 * HOUR, ms: 25 * MINUTE, answer: 'down' },
    { path: '/api', back: 40 * DAY + 5 * HOUR, ms: 35 * MINUTE, answer: 'down' },
    { path: '/search', back: 20 * DAY + 2 * HOUR, ms: 2 * HOUR, answer: 'slow' },
    { path: '/website', back: 12 * DAY + 9 * HOUR, ms: 40 * MINUTE, answer: 'slow' },
    { path: '/api', back: 3 * DAY + 11 * HOUR, ms: 12 * MINUTE, answer: 'down' },
    { path: '/search', back: 40 * MINUTE, ms: 2 * HOUR, answer: 'slow' },
  ];
}

/** Typical response times (ms) per path, before jitter; far-back ticks answer faster so 400 ticks stay quick. */
const BASE_MS: Record<string, number> = { '/website': 70, '/cdn': 25, '/api': 110, '/search': 160, '/payments': 90, '/database': 40 };

/** A deterministic jitter in [0.75, 1.25) from a time and a path. */
function jitter(time: number, path: string): number {
  let hash = Math.floor(time / MINUTE);
  for (const char of path) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193);
  return 0.75 + ((hash >>> 0) % 1000) / 2000;
}

export interface SceneTarget {
  url: string;
  /** The simulated time the answers follow. */
  setTime(time: number): void;
  /** Payments fails from now on (its first failure is not confirmed: "checking"). */
  failPayments(): void;
  close(): Promise<void>;
}

export async function startSceneTarget(sceneNow: number): Promise<SceneTarget> {
  let simulated = sceneNow;
  let paymentsFailing = false;
  const events = sceneEvents().map((event) => ({ ...event, from: sceneNow - event.back, to: sceneNow - event.back + event.ms }));
  const maintenance = { from: sceneNow - 0.5 * HOUR, to: sceneNow + 1.5 * HOUR };
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    const now = simulated;
    const event = events.find((candidate) => candidate.path === path && now >= candidate.from && now < candidate.to);
    const recent = sceneNow - now <= DAY;
    let delay = Math.round((BASE_MS[path] ?? 50) * jitter(now, path) * (recent ? 1 : 0.35));
    let code = 200;
    if (event?.answer === 'slow') delay = path === '/search' ? 460 : 1100;
    if (event?.answer === 'down') code = 503;
    if (path === '/payments' && paymentsFailing) code = 502;
    // The database is upgraded in its maintenance window: it fails, and nobody is alerted.
    if (path === '/database' && now >= maintenance.from && now < maintenance.to) code = 503;
    setTimeout(() => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: code === 200 ? 'ok' : 'error' }));
    }, delay);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    setTime: (time) => {
      simulated = time;
    },
    failPayments: () => {
      paymentsFailing = true;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** When the nightly backup pings (simulated): 02:30 UTC each day, except the two nights it failed 30 and 29 days back. */
export function backupPings(sceneNow: number): number[] {
  const times: number[] = [];
  const today = Math.floor(sceneNow / DAY) * DAY;
  for (let back = 90; back >= 0; back--) {
    if (back === 30 || back === 29) continue;
    const time = today - back * DAY + 2.5 * HOUR;
    if (time < sceneNow) times.push(time);
  }
  return times;
}

/** The scheduled times to tick at, oldest first: every 8 h over 90 days, hourly over the last day, every 15 min over the last 2 hours, and around each event. */
export function sceneTicks(sceneNow: number): number[] {
  const end = Math.floor(sceneNow / MINUTE) * MINUTE;
  const times = new Set<number>();
  for (let time = end - 90 * DAY; time < end - DAY; time += 8 * HOUR) times.add(time);
  for (let time = end - DAY; time < end - 2 * HOUR; time += HOUR) times.add(time);
  for (let time = end - 2 * HOUR; time <= end; time += 15 * MINUTE) times.add(time);
  for (const event of sceneEvents()) {
    const from = Math.floor((sceneNow - event.back) / MINUTE) * MINUTE;
    for (const time of [from - MINUTE, from, from + Math.floor(event.ms / 2 / MINUTE) * MINUTE, from + event.ms, from + event.ms + MINUTE]) if (time <= end) times.add(time);
  }
  // The maintenance window's start, so the database is seen failing inside it.
  times.add(Math.floor((sceneNow - 0.5 * HOUR) / MINUTE) * MINUTE + MINUTE);
  return [...times].sort((a, b) => a - b);
}
