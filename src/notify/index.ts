// The registry of notification channels. Adding one: write
// src/notify/<name>.ts, add its name here; a missing one does not compile.

import { cloudflareEmailChannel } from './cloudflare-email';
import { discordChannel } from './discord';
import { googleChatChannel } from './google-chat';
import { mailgunChannel } from './mailgun';
import { mattermostChannel } from './mattermost';
import { ntfyChannel } from './ntfy';
import { opsgenieChannel } from './opsgenie';
import { pagerDutyChannel } from './pagerduty';
import { postmarkChannel } from './postmark';
import { pushoverChannel } from './pushover';
import { resendChannel } from './resend';
import { sendgridChannel } from './sendgrid';
import { slackChannel } from './slack';
import { teamsChannel } from './teams';
import { telegramChannel } from './telegram';
import type { Channel } from './types';
import { webhookChannel } from './webhook';

export const CHANNEL_TYPES = [
  'slack',
  'discord',
  'telegram',
  'webhook',
  'resend',
  'postmark',
  'sendgrid',
  'mailgun',
  'cloudflare-email',
  'pagerduty',
  'opsgenie',
  'teams',
  'google-chat',
  'ntfy',
  'pushover',
  'mattermost',
] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export const channels = {
  slack: slackChannel,
  discord: discordChannel,
  telegram: telegramChannel,
  webhook: webhookChannel,
  resend: resendChannel,
  postmark: postmarkChannel,
  sendgrid: sendgridChannel,
  mailgun: mailgunChannel,
  'cloudflare-email': cloudflareEmailChannel,
  pagerduty: pagerDutyChannel,
  opsgenie: opsgenieChannel,
  teams: teamsChannel,
  'google-chat': googleChatChannel,
  ntfy: ntfyChannel,
  pushover: pushoverChannel,
  mattermost: mattermostChannel,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each channel has its own options type
} satisfies Record<ChannelType, Channel<any>>;

export type { Channel, DeliveryResult, SendContext } from './types';
