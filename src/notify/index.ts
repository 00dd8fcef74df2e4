// The registry of notification channels. Adding one: write
// src/notify/<name>.ts, add its name here; a missing one does not compile.

import { discordChannel } from './discord';
import { slackChannel } from './slack';
import { telegramChannel } from './telegram';
import type { Channel } from './types';
import { webhookChannel } from './webhook';

export const CHANNEL_TYPES = ['slack', 'discord', 'telegram', 'webhook'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each channel has its own options type
export const channels = { slack: slackChannel, discord: discordChannel, telegram: telegramChannel, webhook: webhookChannel } satisfies Record<ChannelType, Channel<any>>;

export type { Channel, DeliveryResult, SendContext } from './types';
