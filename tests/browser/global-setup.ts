// Before the browser tests: make sure Chromium starts (else fail the run with
// what to install: the tests must never pass by skipping), bundle the scene's
// Worker the way `wrangler deploy` does, serve it with Miniflare (its Durable
// Objects and KV, on a free port), and play 90 days of the scene through its
// cron so the page has a history to show.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { Miniflare } from 'miniflare';
import type { TestProject } from 'vitest/node';
import { launchChromium } from './chromium';
import { ADMIN_TOKEN, BACKUP_TOKEN, HOUR } from './scene-config';
import { backupPings, sceneTicks, startSceneTarget } from './scene';

const BUILD_DIR = resolve('tests/browser/.build');

function bundle(): string {
  rmSync(BUILD_DIR, { recursive: true, force: true });
  mkdirSync(BUILD_DIR, { recursive: true });
  const result = spawnSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', BUILD_DIR, '--config', 'tests/browser/wrangler.toml'], {
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`bundling the browser tests' Worker failed:\n${result.stdout}\n${result.stderr}`);
  const file = readdirSync(BUILD_DIR).find((name) => name.endsWith('.js'));
  if (!file) throw new Error(`wrangler wrote no .js file to ${BUILD_DIR}`);
  return join(BUILD_DIR, file);
}

export default async function setup(project: TestProject) {
  // First: a browser, or a clear failure.
  const probe = await launchChromium();
  await probe.close();

  const sceneNow = Date.now();
  const target = await startSceneTarget(sceneNow);
  const scriptPath = bundle();
  const mf = new Miniflare({
    // The bundle is one ES module; listed, not walked: Miniflare refuses to walk a dynamic import() whose
    // specifier is not a literal (src/notify/cloudflare-email.ts loads cloudflare:email that way).
    modules: [{ type: 'ESModule', path: scriptPath }],
    compatibilityDate: '2026-04-20',
    compatibilityFlags: ['nodejs_compat'],
    kvNamespaces: ['VIGIL_KV'],
    durableObjects: { LEDGER: { className: 'Ledger', useSQLite: true }, PROBE: { className: 'Probe', useSQLite: true } },
    bindings: { SCENE_TARGET: target.url, SCENE_NOW: String(sceneNow), VIGIL_ADMIN_TOKEN: ADMIN_TOKEN, BACKUP_TOKEN },
    host: '127.0.0.1',
    port: 0,
    // The Worker logs a JSON line per tick: hundreds while the scene plays. Keep what goes to stderr.
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      stdout.resume();
      stderr.pipe(process.stderr);
    },
  });
  const close = async () => {
    await mf.dispose().catch(() => undefined);
    await target.close().catch(() => undefined);
  };
  try {
    const url = (await mf.ready).toString().replace(/\/$/, '');
    const worker = await mf.getWorker();
    const ticks = sceneTicks(sceneNow);
    const pings = backupPings(sceneNow);
    const started = Date.now();
    for (const [index, time] of ticks.entries()) {
      // The nightly backup's pings due before this tick, sent at their simulated times.
      while (pings.length > 0 && (pings[0] as number) <= time) {
        const at = pings.shift() as number;
        await fetch(`${url}/__scene/clock?t=${at}`);
        const ping = await fetch(`${url}/ping/${BACKUP_TOKEN}`);
        if (!ping.ok) throw new Error(`the backup ping failed: ${ping.status} ${await ping.text()}`);
      }
      target.setTime(time);
      // Before the last tick Payments starts failing (seen once: "checking").
      if (index === ticks.length - 1) target.failPayments();
      await worker.scheduled({ scheduledTime: new Date(time), cron: '* * * * *' });
    }
    await fetch(`${url}/__scene/clock`);
    console.log(`browser tests: ${ticks.length} ticks over 90 simulated days in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // People post an incident and schedule maintenance.
    const admin = async (path: string, body: unknown) => {
      const response = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return response.json();
    };
    const { incident } = (await admin('/api/admin/incidents', { title: 'Delayed e-mail notifications', text: 'Order confirmations are arriving up to 20 minutes late. Orders themselves are not affected.', impact: 'minor', components: ['website'], by: 'Sam' })) as { incident: { id: string } };
    await admin(`/api/admin/incidents/${incident.id}/updates`, { state: 'monitoring', text: 'Our mail provider has fixed a queue backlog; we are watching delivery times return to normal.', by: 'Sam' });
    const tomorrow = Math.ceil((Date.now() + 20 * HOUR) / HOUR) * HOUR;
    await admin('/api/admin/maintenance', { title: 'Search index rebuild', description: 'Search results may be incomplete for up to 30 minutes.', start: new Date(tomorrow).toISOString(), end: new Date(tomorrow + HOUR).toISOString(), checks: ['search'], by: 'Sam' });

    const screenshots = resolve('test-results/screenshots');
    if (!existsSync(screenshots)) mkdirSync(screenshots, { recursive: true });
    project.provide('browser', { vigilUrl: url, screenshots, manualIncidentId: incident.id, sceneNow });
  } catch (error) {
    await close();
    throw error;
  }
  return close;
}
