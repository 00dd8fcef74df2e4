// checks/examples/: every pack loads and validates, the runbook items are
// tagged, and each pack runs against a stand-in of its application, healthy
// and then broken, with the alerts reaching its channels.
import { reset } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import { earnTrack } from '../checks/examples/earntrack';
import { legacyVideo } from '../checks/examples/legacyvideo';
import { musicr } from '../checks/examples/musicr';
import { soraPromptGenie } from '../checks/examples/sorapromptgenie';
import { youtubeOptimizer } from '../checks/examples/youtube-optimizer';
import type { ConfigInput } from '../src/config';
import { loadConfig, validateConfig } from '../src/config/validate';
import type { EngineState } from '../src/store/state';
import { KEYS } from '../src/store/kv';
import { MINUTE, received, runTick, sinkUrl, T0, targetUrl, testKV, unique } from './helpers';

const modules = import.meta.glob<{ default: unknown }>('../checks/examples/*.ts', { eager: true });
const sources = import.meta.glob<string>('../checks/examples/*.ts', { eager: true, query: '?raw', import: 'default' });

/** Runbook items (../shared/runbooks/README.md) the examples must cover, by the issue that added them. */
const REQUIRED_ITEMS = ['R01', 'R02', 'R03', 'R05', 'R06', 'R34'];

describe('example packs', () => {
  it('there is one pack per runbook application', () => {
    expect(Object.keys(modules).map((path) => path.split('/').pop()).sort()).toEqual(['earntrack.ts', 'legacyvideo.ts', 'musicr.ts', 'sorapromptgenie.ts', 'youtube-optimizer.ts']);
  });

  it.each(Object.entries(modules))('%s loads and validates', (_path, module) => {
    const result = validateConfig(module.default);
    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  it('tag every required runbook item', () => {
    const tagged = new Set(Object.values(sources).flatMap((text) => text.match(/\/\/ (?:R\d\d(?:, | \+ |\/)?)+/g) ?? []).flatMap((comment) => comment.match(/R\d\d/g) ?? []));
    expect(REQUIRED_ITEMS.filter((item) => !tagged.has(item))).toEqual([]);
  });
});

beforeEach(async () => {
  await reset();
});

interface Scenario {
  name: string;
  build(base: string, sink: string): ConfigInput;
  secrets(sink: string): Record<string, string>;
  /** Check id → status once the application is broken. */
  broken: Record<string, string>;
}

const key = { OPENAI_API_KEY: 'sk-test-valid-key-123456', OPENROUTER_API_KEY: 'sk-test-valid-key-123456' };

const scenarios: Scenario[] = [
  {
    name: 'musicr',
    build: (base) => musicr({ api: base, web: `${base}/web`, webOrigin: 'https://web.musicr.test' }),
    secrets: (sink) => ({ DISCORD_WEBHOOK_URL: sinkUrl(`/discord/${sink}`) }),
    broken: { 'musicr-api': 'down', 'musicr-web': 'down', 'musicr-cors': 'down', 'musicr-search': 'down' },
  },
  {
    name: 'legacyvideo',
    build: (base) => legacyVideo({ api: base, web: `${base}/web` }),
    secrets: (sink) => ({ SLACK_WEBHOOK_URL: sinkUrl(`/slack/${sink}`), DISCORD_WEBHOOK_URL: sinkUrl(`/discord/${sink}`) }),
    broken: { 'legacyvideo-api': 'down', 'legacyvideo-web': 'down' },
  },
  {
    name: 'youtube-optimizer',
    build: (base, sink) => youtubeOptimizer({ api: base, openai: `${base}/openai`, telegramApi: sinkUrl(`/telegram/${sink}`) }),
    secrets: () => ({ ...key, TELEGRAM_BOT_TOKEN: '123456:test-token' }),
    broken: { 'yto-api': 'down', 'yto-openai-key': 'down' },
  },
  {
    name: 'sorapromptgenie',
    build: (base) => soraPromptGenie({ app: base, openrouter: `${base}/openrouter` }),
    secrets: (sink) => ({ ...key, SLACK_WEBHOOK_URL: sinkUrl(`/slack/${sink}`) }),
    broken: { 'sora-app': 'down', 'sora-openrouter-key': 'down' },
  },
  {
    name: 'earntrack',
    build: (base) => earnTrack({ backend: base, web: `${base}/web`, webOrigin: 'https://yourapp.vercel.app' }),
    secrets: (sink) => ({ SLACK_PRODUCTION_ALERTS_URL: sinkUrl(`/slack/${sink}`), INCIDENT_WEBHOOK_URL: sinkUrl(`/hook/${sink}`), INCIDENT_WEBHOOK_SECRET: 'whsec-earntrack' }),
    broken: { 'earntrack-backend': 'down', 'earntrack-web': 'down', 'earntrack-cors': 'down' },
  },
];

describe.each(scenarios)('the $name pack against a stand-in of the app', (scenario) => {
  it('is all up when the app is healthy and alerts on every channel when it breaks', async () => {
    const instance = unique(scenario.name);
    const sink = unique('sink');
    const cfg = loadConfig(scenario.build(targetUrl(`/apps/${scenario.name}/${instance}`), sink));
    const secrets = scenario.secrets(sink);
    const channelCount = Object.keys(cfg.channels).length;

    await runTick(cfg, T0, { secrets });
    let state = JSON.parse((await testKV().get(KEYS.state)) ?? '{}') as EngineState;
    expect(Object.fromEntries(cfg.checks.map((check) => [check.id, state.checks[check.id]?.status]))).toEqual(Object.fromEntries(cfg.checks.map((check) => [check.id, 'up'])));

    await fetch(targetUrl(`/__apps/${instance}`), { method: 'POST', body: JSON.stringify({ broken: true }) });
    await runTick(cfg, T0 + 15 * MINUTE, { secrets });
    await runTick(cfg, T0 + 30 * MINUTE, { secrets });
    state = JSON.parse((await testKV().get(KEYS.state)) ?? '{}') as EngineState;
    expect(Object.fromEntries(cfg.checks.map((check) => [check.id, state.checks[check.id]?.status]))).toEqual(scenario.broken);

    const requests = await received(sink);
    expect(requests).toHaveLength(Object.keys(scenario.broken).length * channelCount);
    for (const request of requests) {
      expect(request.problems).toEqual([]);
      expect(request.status).toBeLessThan(300);
      expect(request.body).not.toContain('sk-test-valid-key');
    }
  });
});
