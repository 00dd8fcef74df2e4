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
