// The contract every notification channel implements: its options schema and
// send(). A remote's failure is a DeliveryResult, never a throw.

import type { z } from 'zod';
import type { Resolved } from '../config/secrets';
import type { DigestMessage } from './digest';
import type { AlertMessage } from './message';

export type DeliveryResult =
  | { ok: true }
  | {
      ok: false;
      /** Worth trying again later (5xx, 429, timeout, network). */
      retryable: boolean;
      /** The remote asked us to wait this long (429 Retry-After). */
      retryAfterMs?: number;
      error: string;
    };

export interface SendContext {
  fetch: typeof fetch;
  signal: AbortSignal;
  /** The tick's scheduled time. */
  now: number;
  /** The wall clock, for what must be current when sent (a webhook signature's timestamp). */
  clock: () => number;
  /** Unique per message and channel; receivers can deduplicate on it. */
  deliveryId: string;
  /** Worker bindings and vars, for channels that send through a binding (Cloudflare's send_email). */
  env?: Record<string, unknown>;
  /** Told the platform's answer to a delivery it took (`host: HTTP 202 {...}`); `npm run notify-test` prints it. */
  onAnswer?: (answer: string) => void;
}

/** How an option holds a credential (Channel.credentials). */
export type CredentialForm = 'key' | 'url';

/** One channel: `src/notify/<name>.ts`. */
export interface Channel<Options extends z.ZodObject = z.ZodObject> {
  options: Options;
  /**
   * Problems with options that zod cannot see, with the option name:
   * `[['signingSecret', 'is required ...']]`. Called at validation time,
   * with secrets still unresolved (references).
   */
  validate?(options: z.output<Options>): Array<[field: string, message: string]>;
  /**
   * Set when the channel takes no checklist digests (a pager pages people for
   * incidents): why, for the validation message. A checklist may not name it,
   * and checklists that name no channels leave it out.
   */
  noDigests?: string;
  /**
   * Options that hold a credential: written inline rather than as
   * `secret('NAME')` they are a config error, and no validation message
   * quotes them. `key`: the whole text is one (an API key, a bot token);
   * `url`: a URL that carries one in its path or query (an incoming-webhook
   * URL). Header values named like a credential (`headers.Authorization`,
   * `X-Api-Key`) are credentials in every channel and check without being listed.
   */
  credentials?: { readonly [Field in keyof z.output<Options> & string]?: CredentialForm };
  send(options: Resolved<z.output<Options>>, message: AlertMessage, ctx: SendContext): Promise<DeliveryResult>;
  /** Posts a checklist digest in the channel's own format. */
  sendDigest(options: Resolved<z.output<Options>>, message: DigestMessage, ctx: SendContext): Promise<DeliveryResult>;
}
