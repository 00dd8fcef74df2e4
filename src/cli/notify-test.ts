// `npm run notify-test -- <channel> [--config checks/index.ts] [--alert-only | --digest-only]`:
// sends a sample alert and a sample checklist digest through one configured
// channel, with its real secrets (environment, then .dev.vars), and prints what
// the platform answered. Secrets never appear in what it prints.

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { missingSecretMessage, redact, resolveSecrets } from '../config/secrets';
import { validateConfig } from '../config/validate';
import type { AlertEvent } from '../engine/types';
import { channels } from '../notify';
import { digestMessage, type Digest } from '../notify/digest';
import { alertMessage } from '../notify/message';
import { DELIVERY_TIMEOUT_MS } from '../notify/outbox';
import type { DeliveryResult, SendContext } from '../notify/types';
import { cliEnv } from './env';

const USAGE = 'usage: npm run notify-test -- <channel> [--config checks/index.ts] [--alert-only | --digest-only]';
/** The platform's answer is printed up to this many characters. */
const ANSWER_MAX = 300;

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const valueOf = (name: string) => {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
};
const file = valueOf('--config') ?? 'checks/index.ts';
const channelName = args.find((arg, index) => !arg.startsWith('--') && args[index - 1] !== '--config');
if (!channelName || (flag('--alert-only') && flag('--digest-only'))) {
  console.error(USAGE);
  process.exit(64);
}

const input = ((await import(pathToFileURL(resolve(file)).href)) as { default: unknown }).default;
const validation = validateConfig(input);
if (!validation.ok) {
  for (const problem of validation.problems) console.error(`${file}: ${problem}`);
  process.exit(1);
}
const { config } = validation;
const channelConfig = config.channels[channelName];
if (!channelConfig) {
  const names = Object.keys(config.channels);
  console.error(`${file}: no channel "${channelName}"; ${names.length ? `channels: ${names.join(', ')}` : 'no channels are defined'}`);
  process.exit(1);
}
const env = cliEnv();
const { value: options, missing, values: secrets } = resolveSecrets(channelConfig.options, env);
if (missing.length > 0) {
  console.error(`channel "${channelName}": ${missingSecretMessage(missing)}; set it in the environment or in .dev.vars`);
  process.exit(1);
}
const channel = channels[channelConfig.type];
const clean = (text: string) => redact(text, secrets);

// A sample that looks like a real alert, and says what it is. The incident is new each run,
// so a pager opens a new alert (and the recovery below closes it).
const now = Date.now();
const incident = { id: `vigil-notify-test-${now.toString(36)}`, startedAt: now - 2 * 60_000 };
const check = { id: 'vigil-notify-test', name: 'Vigil notify-test' };
const down: AlertEvent = {
  id: `${check.id}:down:${now}`,
  type: 'down',
  at: now,
  check,
  status: 'down',
  previous: 'up',
  severity: 'critical',
  since: incident.startedAt,
  incident,
  summary: 'status = 503, expected 200 (a sample alert from npm run notify-test: nothing is down)',
  details: [],
  fix: 'nothing to fix: this message tests the channel',
};
const recovered: AlertEvent = { ...down, id: `${check.id}:recovered:${now}`, type: 'recovered', status: 'up', previous: 'down', summary: 'status = 200', incident: { ...incident, endedAt: now } };
delete recovered.fix;
const digest: Digest = {
  id: `checklist:notify-test:${now}`,
  checklist: { id: 'notify-test', name: 'Sample checklist (npm run notify-test)' },
  runAt: now,
  ok: 2,
  total: 3,
  items: [
    { id: 'api', name: 'API', kind: 'check', state: 'failing', detail: 'status = 503, expected 200 (sample)' },
    { id: 'backups', name: 'Backups', kind: 'check', state: 'ok', detail: 'newest 2h old' },
    { id: 'rotate', name: 'Rotate secrets', kind: 'task', state: 'done', detail: 'done 3 days ago by you' },
  ],
  incidents: [],
  held: [],
};

async function deliver(label: string, send: (ctx: SendContext) => Promise<DeliveryResult>, deliveryId: string): Promise<boolean> {
  const answers: string[] = [];
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), DELIVERY_TIMEOUT_MS);
  let result: DeliveryResult;
  try {
    result = await send({ fetch, signal: controller.signal, now, clock: () => Date.now(), deliveryId, env, onAnswer: (answer) => answers.push(answer) });
  } catch (error) {
    result = { ok: false, retryable: false, error: `internal error: ${(error as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
  const shown = (text: string) => clean(text).replace(/\s+/g, ' ').slice(0, ANSWER_MAX);
  if (result.ok) {
    console.log(`${label}: delivered${answers.length ? '' : ' (no answer to show)'}`);
    for (const answer of answers) console.log(`  ${shown(answer)}`);
  } else {
    const retry = result.retryable ? `would be retried${result.retryAfterMs !== undefined ? ` after ${Math.ceil(result.retryAfterMs / 1000)}s` : ''}` : 'permanent: Vigil would give up';
    console.log(`${label}: FAILED (${retry})`);
    console.log(`  ${shown(result.error)}`);
  }
  return result.ok;
}

console.log(`channel "${channelName}" (${channelConfig.type})`);
let ok = true;
const id = (event: { id: string }) => `${event.id}>${channelName}`;
if (!flag('--digest-only')) {
  ok = (await deliver('sample alert', (ctx) => channel.send(options as never, alertMessage(down, config.page.url), ctx), id(down))) && ok;
  // Pagers keep an alert open until it is resolved: close the sample's incident.
  if (channel.noDigests) ok = (await deliver('sample recovery (closes the sample alert)', (ctx) => channel.send(options as never, alertMessage(recovered, config.page.url), ctx), id(recovered))) && ok;
}
if (!flag('--alert-only')) {
  if (channel.noDigests) console.log(`sample digest: skipped (${channelConfig.type} takes no digests: ${channel.noDigests})`);
  else ok = (await deliver('sample digest', (ctx) => channel.sendDigest(options as never, digestMessage(digest, config.page.url), ctx), id(digest))) && ok;
}
process.exit(ok ? 0 : 2);
