// The payload formats Slack and Discord document for incoming webhooks, as
// zod schemas. The sink answers like the platform would (400 on a payload the
// platform rejects) and records any problem, so tests fail on a bad payload.
//   Slack: https://docs.slack.dev/reference/block-kit/blocks (header ≤150, section text ≤3000,
//          fields ≤10 × ≤2000, context ≤10 elements, ≤50 blocks)
//   Discord: https://discord.com/developers/docs/resources/webhook#execute-webhook and
//          .../resources/message#embed-object-embed-limits

import { z } from 'zod';

const slackText = (max: number) =>
  z.strictObject({
    type: z.enum(['plain_text', 'mrkdwn']),
    text: z.string().min(1).max(max),
    emoji: z.boolean().optional(),
    verbatim: z.boolean().optional(),
  });

const slackBlock = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('header'), block_id: z.string().max(255).optional(), text: slackText(150).refine((t) => t.type === 'plain_text', 'header text must be plain_text') }),
  z
    .strictObject({
      type: z.literal('section'),
      block_id: z.string().max(255).optional(),
      text: slackText(3000).optional(),
      fields: z.array(slackText(2000)).min(1).max(10).optional(),
    })
    .refine((block) => block.text || block.fields, 'a section needs text or fields'),
  z.strictObject({ type: z.literal('context'), block_id: z.string().max(255).optional(), elements: z.array(slackText(3000)).min(1).max(10) }),
  z.strictObject({ type: z.literal('divider'), block_id: z.string().max(255).optional() }),
]);

export const slackPayloadSchema = z
  .strictObject({
    text: z.string().max(40_000).optional(),
    blocks: z.array(slackBlock).max(50).optional(),
    thread_ts: z.string().optional(),
    mrkdwn: z.boolean().optional(),
  })
  .refine((payload) => payload.text || payload.blocks?.length, 'a message needs text or blocks');

const embedSchema = z.strictObject({
  title: z.string().max(256).optional(),
  description: z.string().max(4096).optional(),
  url: z.string().url().optional(),
  timestamp: z.iso.datetime({ offset: true }).optional(),
  color: z.number().int().min(0).max(0xffffff).optional(),
  footer: z.strictObject({ text: z.string().max(2048), icon_url: z.string().optional() }).optional(),
  author: z.strictObject({ name: z.string().max(256), url: z.string().optional(), icon_url: z.string().optional() }).optional(),
  fields: z.array(z.strictObject({ name: z.string().min(1).max(256), value: z.string().min(1).max(1024), inline: z.boolean().optional() })).max(25).optional(),
});

export const discordPayloadSchema = z
  .strictObject({
    content: z.string().max(2000).optional(),
    // Webhook names may not contain "clyde" or "discord" (any case): Discord answers 400.
    username: z
      .string()
      .min(1)
      .max(80)
      .refine((name) => !/clyde|discord/i.test(name), 'Username cannot contain "clyde" or "discord"')
      .optional(),
    avatar_url: z.string().optional(),
    tts: z.boolean().optional(),
    embeds: z.array(embedSchema).max(10).optional(),
    allowed_mentions: z
      .strictObject({
        parse: z.array(z.enum(['roles', 'users', 'everyone'])).optional(),
        roles: z.array(z.string()).optional(),
        users: z.array(z.string()).optional(),
        replied_user: z.boolean().optional(),
      })
      .optional(),
    flags: z.number().int().optional(),
  })
  .refine((payload) => payload.content || payload.embeds?.length, 'a message needs content or embeds')
  .refine((payload) => {
    // All embeds together may hold at most 6000 characters.
    const total = (payload.embeds ?? []).reduce(
      (sum, embed) =>
        sum +
        (embed.title?.length ?? 0) +
        (embed.description?.length ?? 0) +
        (embed.footer?.text.length ?? 0) +
        (embed.author?.name.length ?? 0) +
        (embed.fields ?? []).reduce((fields, field) => fields + field.name.length + field.value.length, 0),
      0,
    );
    return total <= 6000;
  }, 'embeds exceed 6000 characters in total');

/** Problems with a payload for `platform`, or [] when the platform would accept it. */
export function payloadProblems(platform: 'slack' | 'discord' | 'telegram', payload: unknown): string[] {
  const schema = platform === 'slack' ? slackPayloadSchema : platform === 'discord' ? discordPayloadSchema : telegramPayloadSchema;
  const result = schema.safeParse(payload);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
}

//   Telegram: https://core.telegram.org/bots/api#sendmessage and #formatting-options (HTML style):
//   text 1–4096 characters after entities are parsed; only these tags; &, < and > escaped elsewhere.
const TELEGRAM_TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'a', 'code', 'pre', 'blockquote', 'tg-spoiler']);

export const telegramPayloadSchema = z
  .object({
    chat_id: z.union([z.string().min(1), z.number().int()]),
    text: z.string().min(1),
    parse_mode: z.enum(['HTML', 'MarkdownV2', 'Markdown']).optional(),
    link_preview_options: z.object({ is_disabled: z.boolean().optional() }).optional(),
    disable_notification: z.boolean().optional(),
  })
  .superRefine((payload, ctx) => {
    if (payload.parse_mode !== 'HTML') return;
    const problem = telegramHtmlProblem(payload.text);
    if (problem) ctx.addIssue({ code: 'custom', path: ['text'], message: `Bad Request: can't parse entities: ${problem}` });
    const visible = payload.text.replace(/<[^>]+>/g, '').replace(/&(lt|gt|amp|quot);/g, 'x');
    if (visible.length > 4096) ctx.addIssue({ code: 'custom', path: ['text'], message: 'Bad Request: message is too long' });
  });

function telegramHtmlProblem(text: string): string | undefined {
  const open: string[] = [];
  const token = /<(\/?)([a-z-]+)([^>]*)>|&(#?\w+);|[<>&]/g;
  for (let match = token.exec(text); match; match = token.exec(text)) {
    if (match[0] === '<' || match[0] === '>' || match[0] === '&') return `unescaped "${match[0]}" at ${match.index}`;
    if (match[4] !== undefined) {
      if (!['lt', 'gt', 'amp', 'quot'].includes(match[4]) && !match[4].startsWith('#')) return `unsupported entity &${match[4]};`;
      continue;
    }
    const [, closing, tag] = match as unknown as [string, string, string];
    if (!TELEGRAM_TAGS.has(tag)) return `unsupported start tag "${tag}"`;
    if (closing) {
      if (open.pop() !== tag) return `unexpected end tag "${tag}"`;
    } else open.push(tag);
  }
  return open.length ? `unclosed tag "${open[open.length - 1]}"` : undefined;
}

// ---- the channels added with issue 13: each schema from the platform's documented request format ----

/** A string whose UTF-8 size is at most `bytes` (ntfy, Google Chat and Teams count bytes). */
const bytesAtMost = (bytes: number) => (text: string) => Buffer.byteLength(text, 'utf8') <= bytes;
const lowSurrogateAlone = /(^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])/;
/** Every platform rejects or mangles a lone surrogate (half an emoji): JSON.stringify writes it as \udXXX. */
export function loneSurrogates(body: string): boolean {
  return /\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2}/i.test(body) || lowSurrogateAlone.test(body);
}

//   Microsoft Teams Workflows ("Post to a channel when a webhook request is received"): a message with
//   one Adaptive Card attachment; https://adaptivecards.io/explorer/ (TextBlock, FactSet, ActionSet,
//   Action.OpenUrl), card version ≤ 1.5 in Teams; Teams messages are limited to about 28 KB.
const adaptiveElement: z.ZodType = z.lazy(() =>
  z.discriminatedUnion('type', [
    z.looseObject({ type: z.literal('TextBlock'), text: z.string().min(1), wrap: z.boolean().optional(), weight: z.enum(['Default', 'Lighter', 'Bolder']).optional(), size: z.enum(['Default', 'Small', 'Medium', 'Large', 'ExtraLarge']).optional(), color: z.enum(['Default', 'Dark', 'Light', 'Accent', 'Good', 'Warning', 'Attention']).optional(), isSubtle: z.boolean().optional(), fontType: z.enum(['Default', 'Monospace']).optional() }),
    z.looseObject({ type: z.literal('FactSet'), facts: z.array(z.strictObject({ title: z.string(), value: z.string() })).min(1) }),
    z.looseObject({ type: z.literal('Container'), items: z.array(adaptiveElement).min(1), style: z.enum(['default', 'emphasis', 'good', 'attention', 'warning', 'accent']).optional() }),
    z.looseObject({ type: z.literal('ActionSet'), actions: z.array(z.strictObject({ type: z.literal('Action.OpenUrl'), title: z.string().min(1), url: z.string().url() })).min(1) }),
  ]),
);
export const teamsPayloadSchema = z
  .strictObject({
    type: z.literal('message'),
    attachments: z
      .array(
        z.strictObject({
          contentType: z.literal('application/vnd.microsoft.card.adaptive'),
          contentUrl: z.null().optional(),
          content: z.looseObject({
            $schema: z.literal('http://adaptivecards.io/schemas/adaptive-card.json'),
            type: z.literal('AdaptiveCard'),
            version: z.enum(['1.0', '1.1', '1.2', '1.3', '1.4', '1.5']),
            body: z.array(adaptiveElement).min(1),
            msteams: z.looseObject({ width: z.enum(['Full', 'Default']).optional() }).optional(),
          }),
        }),
      )
      .length(1),
  })
  .refine((payload) => bytesAtMost(28 * 1024)(JSON.stringify(payload)), 'message is over the 28 KB Teams takes');

//   Google Chat incoming webhook, card message: https://developers.google.com/workspace/chat/api/reference/rest/v1/cards
//   (cardsV2[].cardId + card{header{title, subtitle}, sections[{header, widgets}]}); ≤ 100 widgets per card;
//   a message is at most 32,000 bytes (spaces.messages.create). Card text takes Chat's HTML subset.
const chatWidget = z.union([
  z.strictObject({ textParagraph: z.strictObject({ text: z.string().min(1) }) }),
  z.strictObject({ decoratedText: z.strictObject({ topLabel: z.string().optional(), text: z.string().min(1), wrapText: z.boolean().optional(), bottomLabel: z.string().optional() }) }),
  z.strictObject({ buttonList: z.strictObject({ buttons: z.array(z.strictObject({ text: z.string().min(1), onClick: z.strictObject({ openLink: z.strictObject({ url: z.string().url() }) }) })).min(1) }) }),
  z.strictObject({ divider: z.strictObject({}) }),
]);
export const googleChatPayloadSchema = z
  .strictObject({
    text: z.string().optional(),
    cardsV2: z
      .array(
        z.strictObject({
          cardId: z.string().min(1),
          card: z.strictObject({
            header: z.strictObject({ title: z.string().min(1), subtitle: z.string().optional(), imageUrl: z.string().optional(), imageType: z.enum(['SQUARE', 'CIRCLE']).optional() }).optional(),
            sections: z.array(z.strictObject({ header: z.string().optional(), collapsible: z.boolean().optional(), uncollapsibleWidgetsCount: z.number().int().optional(), widgets: z.array(chatWidget).min(1) })).min(1),
          }),
        }),
      )
      .min(1)
      .optional(),
    thread: z.strictObject({ threadKey: z.string() }).optional(),
  })
  .refine((payload) => payload.text || payload.cardsV2?.length, 'a message needs text or cardsV2')
  .refine((payload) => (payload.cardsV2 ?? []).every((card) => card.card.sections.reduce((sum, section) => sum + section.widgets.length, 0) <= 100), 'a card holds at most 100 widgets')
  .refine((payload) => bytesAtMost(32_000)(JSON.stringify(payload)), 'message is over 32,000 bytes');

//   ntfy JSON publishing: https://docs.ntfy.sh/publish/#publish-as-json (topic, message, title, tags,
//   priority 1–5, click, actions, markdown); messages over 4,096 bytes become attachments (message-size-limit).
export const ntfyPayloadSchema = z.strictObject({
  topic: z.string().regex(/^[-_A-Za-z0-9]{1,64}$/, 'topic: letters, digits, - and _ (at most 64)'),
  message: z.string().min(1).refine(bytesAtMost(4096), 'message is over 4,096 bytes (ntfy would turn it into an attachment)'),
  title: z.string().optional(),
  tags: z.array(z.string().min(1)).optional(),
  priority: z.number().int().min(1).max(5).optional(),
  click: z.string().url().optional(),
  markdown: z.boolean().optional(),
  actions: z.array(z.strictObject({ action: z.literal('view'), label: z.string().min(1), url: z.string().url(), clear: z.boolean().optional() })).max(3).optional(),
});

//   Pushover: https://pushover.net/api (token and user 30 characters; message ≤ 1024, title ≤ 250,
//   url ≤ 512, url_title ≤ 100; priority -2..2; priority 2 needs retry ≥ 30 and expire ≤ 10800).
export const pushoverPayloadSchema = z
  .looseObject({
    token: z.string().regex(/^[A-Za-z0-9]{30}$/, 'application token is invalid'),
    user: z.string().regex(/^[A-Za-z0-9]{30}$/, 'user identifier is invalid'),
    message: z.string().min(1, 'message cannot be blank').max(1024, 'message is too long'),
    title: z.string().max(250).optional(),
    url: z.string().max(512).optional(),
    url_title: z.string().max(100).optional(),
    priority: z.coerce.number().int().min(-2).max(2).optional(),
    retry: z.coerce.number().int().min(30, 'retry must be at least 30 seconds').optional(),
    expire: z.coerce.number().int().max(10800, 'expire must be at most 10800 seconds').optional(),
    html: z.enum(['0', '1']).optional(),
    timestamp: z.coerce.number().int().optional(),
  })
  .refine((payload) => payload.priority !== 2 || (payload.retry !== undefined && payload.expire !== undefined), 'priority 2 requires retry and expire');

//   Mattermost incoming webhook (Slack-compatible): https://developers.mattermost.com/integrate/webhooks/incoming/
//   and .../reference/message-attachments. Mattermost renders `text` and `attachments`, not Block Kit;
//   a post holds at most 16,383 characters (the default maximum post size).
const mattermostAttachment = z.strictObject({
  fallback: z.string().min(1),
  color: z.string().regex(/^#[0-9A-Fa-f]{6}$/).optional(),
  pretext: z.string().optional(),
  text: z.string().optional(),
  title: z.string().optional(),
  title_link: z.string().url().optional(),
  fields: z.array(z.strictObject({ title: z.string(), value: z.string(), short: z.boolean().optional() })).optional(),
  footer: z.string().optional(),
});
export const mattermostPayloadSchema = z
  .strictObject({
    text: z.string().optional(),
    username: z.string().optional(),
    icon_url: z.string().optional(),
    channel: z.string().optional(),
    attachments: z.array(mattermostAttachment).optional(),
  })
  .refine((payload) => payload.text || payload.attachments?.length, 'a post needs text or attachments')
  .refine(
    (payload) =>
      (payload.text ?? '').length + (payload.attachments ?? []).reduce((sum, a) => sum + (a.pretext ?? '').length + (a.text ?? '').length + (a.title ?? '').length + (a.fields ?? []).reduce((f, field) => f + field.title.length + field.value.length, 0), 0) <= 16_383,
    'post is over the maximum post size (16,383 characters)',
  );

//   PagerDuty Events API v2: https://developer.pagerduty.com/docs/events-api-v2/trigger-events/ and
//   .../resolve-events/; routing_key is 32 characters; summary ≤ 1024; dedup_key ≤ 255; the event ≤ 512 KB.
export const pagerDutyPayloadSchema = z.discriminatedUnion('event_action', [
  z.strictObject({
    routing_key: z.string().length(32, "Length of 'routing_key' is incorrect (should be 32 characters)"),
    event_action: z.literal('trigger'),
    dedup_key: z.string().min(1).max(255).optional(),
    client: z.string().optional(),
    client_url: z.string().url().optional(),
    links: z.array(z.strictObject({ href: z.string().url(), text: z.string().optional() })).optional(),
    payload: z.strictObject({
      summary: z.string().min(1).max(1024),
      source: z.string().min(1),
      severity: z.enum(['critical', 'error', 'warning', 'info']),
      timestamp: z.iso.datetime({ offset: true }).optional(),
      component: z.string().optional(),
      group: z.string().optional(),
      class: z.string().optional(),
      custom_details: z.record(z.string(), z.unknown()).optional(),
    }),
  }),
  z.strictObject({
    routing_key: z.string().length(32, "Length of 'routing_key' is incorrect (should be 32 characters)"),
    event_action: z.enum(['acknowledge', 'resolve']),
    dedup_key: z.string().min(1).max(255),
  }),
]);

//   Opsgenie Alert API: https://docs.opsgenie.com/docs/alert-api (create: message ≤ 130, alias ≤ 512,
//   description ≤ 15000, tags ≤ 20 × 50, details ≤ 8000 in all, entity ≤ 512, source ≤ 100, priority P1–P5;
//   close: POST /v2/alerts/{alias}/close?identifierType=alias with source, user, note ≤ 25000).
export const opsgenieCreateSchema = z.strictObject({
  message: z.string().min(1).max(130),
  alias: z.string().max(512).optional(),
  description: z.string().max(15_000).optional(),
  tags: z.array(z.string().max(50)).max(20).optional(),
  details: z.record(z.string(), z.string()).refine((details) => JSON.stringify(details).length <= 8000, 'details exceed 8000 characters').optional(),
  entity: z.string().max(512).optional(),
  source: z.string().max(100).optional(),
  priority: z.enum(['P1', 'P2', 'P3', 'P4', 'P5']).optional(),
  responders: z.array(z.strictObject({ type: z.enum(['team', 'user', 'escalation', 'schedule']), name: z.string().optional(), id: z.string().optional(), username: z.string().optional() })).max(50).optional(),
  user: z.string().max(100).optional(),
  note: z.string().max(25_000).optional(),
});
export const opsgenieCloseSchema = z.strictObject({ source: z.string().max(100).optional(), user: z.string().max(100).optional(), note: z.string().max(25_000).optional() });

//   Resend: https://resend.com/docs/api-reference/emails/send-email (from, to ≤ 50, subject, html, text,
//   headers, reply_to; Idempotency-Key header 1–256 characters).
const addressList = z.union([z.string().email(), z.array(z.string().email()).min(1).max(50)]);
const named = z.string().refine((text) => /^([^<>]*<)?[^@<>\s]+@[^@<>\s]+>?$/.test(text.trim()), 'invalid `from` field; use email@example.com or Name <email@example.com>');
export const resendPayloadSchema = z.strictObject({
  from: named,
  to: addressList,
  subject: z.string().min(1),
  html: z.string().optional(),
  text: z.string().optional(),
  reply_to: z.union([z.string(), z.array(z.string())]).optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

//   Postmark: https://postmarkapp.com/developer/user-guide/send-email-with-api (From, To comma-separated
//   ≤ 50, Subject, TextBody and/or HtmlBody, MessageStream, Headers [{Name, Value}], Tag ≤ 1000).
export const postmarkPayloadSchema = z
  .strictObject({
    From: named,
    To: z.string().refine((to) => to.split(',').length <= 50, 'Maximum of 50 recipients allowed per email message'),
    Subject: z.string().min(1).max(2000),
    TextBody: z.string().optional(),
    HtmlBody: z.string().optional(),
    MessageStream: z.string().optional(),
    Tag: z.string().max(1000).optional(),
    Headers: z.array(z.strictObject({ Name: z.string(), Value: z.string() })).optional(),
  })
  .refine((payload) => payload.TextBody || payload.HtmlBody, 'Provide either email TextBody or HtmlBody or both');

//   SendGrid v3 mail send: https://www.twilio.com/docs/sendgrid/api-reference/mail-send/mail-send
//   (personalizations[].to ≤ 1000 recipients in all; content text/plain before text/html; headers).
export const sendgridPayloadSchema = z
  .strictObject({
    personalizations: z.array(z.strictObject({ to: z.array(z.strictObject({ email: z.string().email(), name: z.string().optional() })).min(1) })).min(1).max(1000),
    from: z.strictObject({ email: z.string().email(), name: z.string().optional() }),
    subject: z.string().min(1),
    content: z.array(z.strictObject({ type: z.enum(['text/plain', 'text/html']), value: z.string().min(1) })).min(1),
    headers: z.record(z.string(), z.string()).optional(),
  })
  .refine((payload) => payload.content[0]?.type === 'text/plain' || payload.content.length === 1, 'If present, text/plain must be first, followed by any other content.');

//   Mailgun: https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/messages
//   (multipart/form-data: from, to, subject, text and/or html, h:X-My-Header).
export const mailgunFormSchema = z
  .looseObject({ from: named, to: z.string().min(3), subject: z.string().min(1), text: z.string().optional(), html: z.string().optional() })
  .refine((form) => form.text || form.html, "Need at least one of 'text' or 'html' parameters specified");

export type NewPlatform = 'teams' | 'gchat' | 'ntfy' | 'pushover' | 'mattermost' | 'pagerduty' | 'opsgenie' | 'resend' | 'postmark' | 'sendgrid' | 'mailgun';

const NEW_SCHEMAS: Record<Exclude<NewPlatform, 'opsgenie'>, z.ZodType> = {
  teams: teamsPayloadSchema,
  gchat: googleChatPayloadSchema,
  ntfy: ntfyPayloadSchema,
  pushover: pushoverPayloadSchema,
  mattermost: mattermostPayloadSchema,
  pagerduty: pagerDutyPayloadSchema,
  resend: resendPayloadSchema,
  postmark: postmarkPayloadSchema,
  sendgrid: sendgridPayloadSchema,
  mailgun: mailgunFormSchema,
};

/** Problems with a request to one of the new platforms, or [] when the platform would accept it. */
export function newPlatformProblems(platform: NewPlatform, payload: unknown, path: string): string[] {
  const schema = platform === 'opsgenie' ? (/\/close$/.test(path) ? opsgenieCloseSchema : opsgenieCreateSchema) : NEW_SCHEMAS[platform];
  const result = schema.safeParse(payload);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
}
