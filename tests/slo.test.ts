// SLOs: probe counts per 5 minutes and per day, the error budget left, and
// multi-window burn-rate alerts (Google SRE workbook), on synthetic histories
// and through real ticks against a flaky target, with the page and API.
import { beforeEach, describe, expect, it } from 'vitest';
import { http, secret, slack, status, webhook } from '../src/config';
import type { SloConfig } from '../src/config/types';
import { validateConfig } from '../src/config/validate';
import { BUCKET_MS, burningLevel, burnRate, burnThreshold, recordProbe, sloStatus, type SliState } from '../src/engine/slo';
import type { CheckState } from '../src/engine/types';
import { DAY_MS, utcDay } from '../src/store/state';
import type { StatusView } from '../src/store/read-model';
import { config, ledgerState, MINUTE, program, published, received, reset, runTick, sinkUrl, T0, targetUrl, testVigil, unique } from './helpers';

beforeEach(async () => {
  await reset();
});

const MONTH: SloConfig = { objective: 99.9, windowDays: 30, burnAlerts: true };
const HOUR = 60 * MINUTE;

/** A check probed once a minute from `from` to `to`; `bad(t)` says which probes failed. */
function probed(from: number, to: number, bad: (time: number) => boolean, slo = MONTH): SliState {
  const state = { changes: [] } as unknown as CheckState;
  for (let t = from; t < to; t += MINUTE) recordProbe(state, bad(t) ? 'down' : 'up', t, slo);
  return state.sli as SliState;
}

describe('SLO arithmetic', () => {
  it('burn thresholds: 2% of the budget in 1 h and 5% in 6 h (14.4× and 6× for 30 days)', () => {
    expect(burnThreshold(MONTH, 'fast')).toBeCloseTo(14.4, 10);
    expect(burnThreshold(MONTH, 'slow')).toBeCloseTo(6, 10);
    expect(burnThreshold({ ...MONTH, windowDays: 7 }, 'fast')).toBeCloseTo(3.36, 10);
    expect(burnThreshold({ ...MONTH, windowDays: 7 }, 'slow')).toBeCloseTo(1.4, 10);
  });

  it('the error budget over a synthetic month: 20 bad probes of the 43.2 allowed leave 53.7%', () => {
    const now = T0;
    const start = Date.parse(utcDay(now - 29 * DAY_MS));
    // One probe a minute for 29 days and today until 10:00; 20 failures spread over the month.
    const sli = probed(start, now, (t) => Math.floor((t - start) / MINUTE) % 2118 === 7);
    const slo = sloStatus(sli, MONTH, now);
    expect(slo.good + slo.bad).toBe(29 * 1440 + 600);
    expect(slo.bad).toBe(20);
    expect(slo.daysObserved).toBe(30);
    expect(slo.availability).toBeCloseTo(100 * (1 - 20 / 42360), 3);
    // 29 days 10 hours watched, projected to 30 days: 43,200 probes, 0.1% of them may fail.
    expect(slo.budgetRemaining).toBe(53.7);
    expect(sli.days).toHaveLength(30);
    expect(sli.recent.length).toBeLessThanOrEqual(73);
    // A day later the oldest day leaves the window.
    const later = probed(start, now + DAY_MS, () => false);
    expect(later.days[0]?.[0]).toBe(utcDay(start + DAY_MS));
  });

  it('an overspent budget goes negative; no probes means no number', () => {
    const sli = probed(T0 - 10 * HOUR, T0, (t) => (t - T0) % (10 * MINUTE) === 0);
    // 60 failures in 10 hours, against 43.1 allowed in a month of such probes.
    expect(sloStatus(sli, MONTH, T0).budgetRemaining).toBe(-39.1);
    expect(sloStatus(undefined, MONTH, T0)).toMatchObject({ availability: null, budgetRemaining: null, burning: null, burnRates: { '1h': null, '6h': null } });
  });

  it('fast burn: both the 1 h and 5 m windows over 14.4×, with at least two bad probes', () => {
    // A quiet 6 hours but for one failure 2 minutes ago: the 5 m window burns hot, but one blip never pages.
    const blip = probed(T0 - 6 * HOUR, T0, (t) => t === T0 - 2 * MINUTE);
    expect(burnRate(blip, 5 * MINUTE, T0, MONTH)).toBeGreaterThan(14.4);
    expect(burningLevel(blip, MONTH, T0)).toBeUndefined();
    // Two failures in the last 10 minutes: 1 h: 2/60 → 33×; 5 m (the current bucket): 1/5 → 200×.
    const burst = probed(T0 - 6 * HOUR, T0, (t) => t === T0 - 2 * MINUTE || t === T0 - 7 * MINUTE);
    expect(burningLevel(burst, MONTH, T0)).toBe('fast');
    // The same two failures 40 minutes ago: the 1 h window still burns, the 5 m window has cooled.
    const cooled = probed(T0 - 6 * HOUR, T0, (t) => t === T0 - 40 * MINUTE || t === T0 - 45 * MINUTE);
    expect(burnRate(cooled, HOUR, T0, MONTH)).toBeGreaterThan(14.4);
    expect(burnRate(cooled, 5 * MINUTE, T0, MONTH)).toBe(0);
    expect(burningLevel(cooled, MONTH, T0)).toBeUndefined();
  });

  it('slow burn: the 6 h and 30 m windows over 6× while the fast level does not hold', () => {
    // One failure every 80 minutes (5 in 6 h: 13.9×), the last one 20 minutes ago: one bad probe
    // in the hour and none in the last 5 minutes, so not fast.
    const steady = probed(T0 - 6 * HOUR, T0, (t) => (T0 - t) % (80 * MINUTE) === 20 * MINUTE);
    expect(burnRate(steady, 6 * HOUR, T0, MONTH)).toBeGreaterThan(6);
    expect(burnRate(steady, 30 * MINUTE, T0, MONTH)).toBeGreaterThan(6);
    expect(burningLevel(steady, MONTH, T0)).toBe('slow');
  });

  it('slow burn needs its short window too: a 6 h burn that stopped 40 minutes ago does not alert', () => {
    const stopped = probed(T0 - 6 * HOUR, T0, (t) => t < T0 - 40 * MINUTE && (T0 - t) % (60 * MINUTE) === 50 * MINUTE);
    expect(burnRate(stopped, 6 * HOUR, T0, MONTH)).toBeGreaterThan(6);
    expect(burnRate(stopped, 30 * MINUTE, T0, MONTH)).toBe(0);
    expect(burningLevel(stopped, MONTH, T0)).toBeUndefined();
  });

  it('a 1-day window just after midnight: the budget is prorated over the day so far', () => {
    const DAY_WINDOW: SloConfig = { objective: 99.9, windowDays: 1, burnAlerts: true };
    const midnight = Date.UTC(2026, 10, 23);
    // Probed since the day before; one failure at 00:03.
    const sli = probed(midnight - 12 * HOUR, midnight + 6 * MINUTE, (t) => t === midnight + 3 * MINUTE, DAY_WINDOW);
    const slo = sloStatus(sli, DAY_WINDOW, midnight + 6 * MINUTE);
    expect(slo.good + slo.bad).toBe(6);
    // 6 probes in 7 minutes → 1,234 in a day, of which 1.23 may fail: one failure spends 81%.
    expect(slo.budgetRemaining).toBe(Math.round((1 - 1 / (0.001 * 6 * (1440 / 7))) * 1000) / 10);
  });

  it('the budget does not depend on how long before the window the history starts', () => {
    // The same failures (all in the last 20 days) seen by a check with 60 days of history and one with 29.4.
    const bad = (t: number) => t > T0 - 20 * DAY_MS && Math.floor(t / MINUTE) % 5000 === 17;
    const long = sloStatus(probed(T0 - 60 * DAY_MS, T0, bad), MONTH, T0);
    const short = sloStatus(probed(T0 - 29.4 * DAY_MS, T0, bad), MONTH, T0);
    expect(Math.abs((long.budgetRemaining ?? 0) - (short.budgetRemaining ?? 0))).toBeLessThan(1);
  });

  it('buckets are 5 minutes; recent ones cover 6 hours', () => {
    const sli = probed(T0 - 8 * HOUR, T0, () => false);
    // The last probe was at 09:59: its 6 h window starts in the 03:55 bucket.
    expect(sli.recent).toHaveLength(73);
    expect(sli.recent[0]?.[0]).toBe(Math.floor((T0 - MINUTE - 6 * HOUR) / BUCKET_MS));
    expect(sli.recent.every(([, good, bad]) => good === 5 && bad === 0)).toBe(true);
  });
});

describe('SLO config', () => {
  it('validates the objective and the window, naming the check and field', () => {
    const check = (slo: unknown) => ({ ...http({ id: 'api', url: 'https://api.example.com/health' }), slo });
    const result = validateConfig({ checks: [check({ objective: 100 }), { ...check({ objective: 99.9, window: '36h' }), id: 'b' }, { ...check({ objective: 99.9, window: '120d' }), id: 'c' }] });
    expect(result.ok ? [] : result.problems).toEqual([
      'check "api": slo.objective: must be below 100, got 100',
      'check "b": slo.window: whole days from "1d" to "90d" (the budget is kept per day), e.g. "30d"',
      'check "c": slo.window: whole days from "1d" to "90d" (the budget is kept per day), e.g. "30d"',
    ]);
    const ok = validateConfig({ checks: [check({ objective: 99.5 })] });
    expect(ok.ok && ok.config.checks[0]?.slo).toEqual({ objective: 99.5, windowDays: 30, burnAlerts: true });
  });
});

describe('SLO burn alerts through ticks', () => {
  it('a flaky endpoint that never stays down long enough to alert still burns the budget: one fast-burn alert, then one when it stops', async () => {
    const target = unique('flaky');
    const sink = unique('sink');
    const input = {
      page: { title: 'Shop', url: 'https://status.example.com' },
      channels: { ops: slack({ webhookUrl: secret('SLACK_URL') }), hooks: webhook({ url: secret('HOOK_URL'), signingSecret: secret('HOOK_SECRET') }) },
      checks: [http({ id: 'checkout', name: 'Checkout', url: targetUrl(`/p/${target}`), expect: [status(200)], slo: { objective: 99.9, window: '30d' }, runbook: 'https://runbooks.example.com/checkout' })],
    };
    const cfg = config(input);
    const secrets = { SLACK_URL: sinkUrl(`/slack/${sink}`), HOOK_URL: sinkUrl(`/hook/${sink}`), HOOK_SECRET: 'whsec-test' };
    const statuses: string[] = [];
    let time = T0;
    const minute = async (ok: boolean) => {
      await program(target, ok ? { json: { status: 'ok' } } : { status: 503, json: { status: 'error' } });
      time += MINUTE;
      await runTick(cfg, time, { secrets });
      statuses.push((await ledgerState(cfg)).checks.checkout?.status ?? '?');
    };
    for (let i = 0; i < 60; i++) await minute(true);
    // Every third request fails: never two failures in a row, so the check never confirms "down".
    for (let i = 0; i < 9; i++) await minute(i % 3 !== 0);
    expect(new Set(statuses)).toEqual(new Set(['up']));

    // Channels are delivered concurrently: compare each channel's own sequence, not their interleaving.
    const byChannel = <T extends { platform: string }>(list: T[]) => [...list].sort((a, b) => a.platform.localeCompare(b.platform) * -1);
    let requests = byChannel(await received(sink));
    expect(requests.map((r) => r.platform)).toEqual(['slack', 'hook']);
    const slackAlert = JSON.parse(requests[0]?.body ?? '{}');
    expect(slackAlert.blocks[0].text.text).toBe('🔥 Checkout: error budget burning fast');
    expect(slackAlert.text).toMatch(/^🔥 Checkout: error budget burning fast: [\d.]+× the sustainable rate over the last 1h \([\d.]+× over 5m; alert at 14\.4×\): at this pace the 30-day budget of the 99\.9% SLO is gone in \d+h \d+m; 95\.4% of it is left$/);
    const hook = JSON.parse(requests[1]?.body ?? '{}');
    expect(hook).toMatchObject({ type: 'check.burn', status: 'down', runbook: 'https://runbooks.example.com/checkout', slo: { objective: 99.9, windowDays: 30, level: 'fast', burnRate: { longWindow: '1h', shortWindow: '5m', threshold: 14.4 } } });
    expect(hook.slo.budgetRemaining).toBeLessThan(100);
    for (const request of requests) expect(request.problems).toEqual([]);

    // Healthy again: the fast level cools within minutes, the slow one (6 h / 30 m) holds until its
    // short window has no failure left; then the burn alert ends, once.
    for (let i = 0; i < 35; i++) await minute(true);
    requests = byChannel(await received(sink));
    expect(requests.map((r) => JSON.parse(r.body).type ?? JSON.parse(r.body).blocks[0].text.text)).toEqual([
      '🔥 Checkout: error budget burning fast',
      '✅ Checkout: error budget burn stopped',
      'check.burn',
      'check.burn-ended',
    ]);

    // The page and API show the objective and the budget left, as of the ledger's last publish.
    const worker = testVigil(input, { now: () => time, secrets });
    const view = (await (await worker.fetch('/api/status')).json()) as StatusView;
    const slo = view.checks[0]?.slo;
    expect(slo).toMatchObject({ objective: 99.9, window: '30d', daysObserved: 1, burning: null });
    // 3 bad of the probes up to the publish (104 by the last tick): 97.1% so far. The month allows
    // 0.1% of its 43,200 probes to fail: 3 of 43.2 are spent.
    const probes = ((await published())!.publishedAt - T0) / MINUTE;
    expect(probes).toBeGreaterThan(95);
    expect(slo?.availability).toBe(Math.round(((probes - 3) / probes) * 1e6) / 1e4);
    expect(slo?.errorBudgetRemaining).toBe(93.1);
    const page = await (await worker.fetch('/')).text();
    expect(page).toContain(`SLO 99.9% over 30d · ${slo?.availability}% so far · error budget 93.1% left`);
  });
});
