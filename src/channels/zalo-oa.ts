/**
 * Zalo Official Account (OA API v3) with ZNS template messages as fallback.
 *
 * - Webhook: `X-ZEvent-Signature: mac=sha256(app_id + raw body + timestamp + OA secret key)`;
 *   anything else gets 401. Deliveries are deduplicated on `msg_id`. The work is done
 *   before answering, in a few milliseconds (well inside Zalo's 2 s), so a crash makes
 *   Zalo deliver again instead of losing the message.
 * - Sending: consultation messages, naming the person's message when we answer one
 *   (Zalo counts those as free replies). Only within 7 days of the person's last
 *   message; outside it, or when Zalo says so (-230/-232/-213/-227), the message goes
 *   by ZNS template when its kind has one, else the chair is told who was unreachable.
 *
 * To confirm on a live OA: the signature recipe, the event body shapes
 * (`user_submit_info` in particular), that `recipient.message_id` marks a reply.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Inbound, Outbound } from '../engine/types.ts';
import { sameSecret, type WebhookResult } from '../http/server.ts';
import type { Models } from '../models/index.ts';
import {
  type Channel,
  type ChannelContext,
  type ChannelSender,
  cleanText,
  ignoreOddShape,
  platformId,
  SendError,
  splitText,
} from './types.ts';
import { msUntilLocalTime, ZaloOaApiError, zaloPost } from './zalo-oa-api.ts';
import { TokenRefreshError, ZaloOaTokens } from './zalo-oa-tokens.ts';

const MAX_TEXT = 2000;
const WINDOW_MS = 7 * 24 * 3600_000;
/** Zalo's answers that mean "not through the OA now": go to the fallback. */
const OUTSIDE_WINDOW = new Set([-230, -232, -213, -227]);
const RATE_LIMITED = -32;
const OUT_OF_QUOTA = -211;
const NIGHT_BAN_OA = -234;
const NIGHT_BAN_ZNS = -133;
/** After a failed token refresh, try again this much later. */
const TOKEN_RETRY_MS = 60_000;
/** A signed event stamped further than this from now is refused: a recorded delivery cannot be replayed later. */
const MAX_EVENT_AGE_MS = 15 * 60_000;

export interface ZaloOaSettings {
  appId: string;
  appSecret: string;
  secretKey: string;
  apiRoot: string;
  oauthRoot: string;
  znsRoot: string;
  accessToken?: string;
  refreshToken?: string;
  ratePerSecond: number;
  /** Message kind → approved ZNS template id. */
  znsTemplates: Record<string, string>;
  timeZone: string;
}

export interface ZaloOaDeps {
  models: Models;
  redis: Redis;
  prefix: string;
  /** Tells the chair that this message could not reach its member on Zalo. */
  reportUnreachable(message: Outbound): Promise<void>;
}

/** The signature Zalo puts in `X-ZEvent-Signature` (after `mac=`). */
export function zaloEventSignature(
  appId: string,
  rawBody: Buffer | string,
  timestamp: string,
  secretKey: string,
) {
  return createHash('sha256').update(appId).update(rawBody).update(timestamp).update(secretKey).digest('hex');
}

/** What the signature covers and names: enough to check a delivery before reading the rest. */
const envelopeSchema = z.object({
  app_id: z.string(),
  event_name: z.string(),
  timestamp: z.union([z.string(), z.number()]),
});

/** The parts of an event we read, checked before anything reaches a query (ids become strings). */
const eventSchema = envelopeSchema.extend({
  timestamp: z.coerce
    .number()
    .int()
    .nonnegative()
    .max(2 ** 53),
  sender: z.object({ id: platformId }).optional(),
  follower: z.object({ id: platformId }).optional(),
  message: z
    .object({
      msg_id: platformId.optional(),
      text: z.string().optional(),
      tracking_id: z.string().max(200).optional(),
    })
    .optional(),
  info: z.object({ phone: z.string().max(40).optional() }).optional(),
});

type ZaloOaEvent = z.output<typeof eventSchema>;

function asEnvelope(body: unknown) {
  const parsed = envelopeSchema.safeParse(body);
  return parsed.success ? parsed.data : undefined;
}

/** When each person last wrote to the OA (the 7-day window), kept in Redis. */
class Interactions {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  async record(userId: string, at: number): Promise<void> {
    await this.#redis.set(`${this.#prefix}:zalo-oa:last:${userId}`, String(at), 'PX', WINDOW_MS + 3600_000);
  }

  async withinWindow(userId: string, now: number): Promise<boolean> {
    const last = Number(await this.#redis.get(`${this.#prefix}:zalo-oa:last:${userId}`));
    return Boolean(last) && now - last < WINDOW_MS;
  }
}

export class ZaloOaSender implements ChannelSender {
  readonly channel = 'zalo-oa' as const;
  readonly ratePerSecond: number;
  readonly #settings: ZaloOaSettings;
  readonly #tokens: ZaloOaTokens;
  readonly #interactions: Interactions;
  readonly #deps: ZaloOaDeps;

  constructor(settings: ZaloOaSettings, tokens: ZaloOaTokens, interactions: Interactions, deps: ZaloOaDeps) {
    this.#settings = settings;
    this.ratePerSecond = settings.ratePerSecond;
    this.#tokens = tokens;
    this.#interactions = interactions;
    this.#deps = deps;
  }

  async send(message: Outbound, jobId: string): Promise<{ platformMessageId: string }> {
    if (!(await this.#interactions.withinWindow(message.chatId, Date.now())))
      return this.#fallback(message, jobId);
    try {
      let lastId = '';
      for (const [index, part] of splitText(message.text, MAX_TEXT).entries()) {
        const recipient =
          message.replyTo && index === 0 ? { message_id: message.replyTo } : { user_id: message.chatId };
        const sent = await zaloPost<{ message_id?: string }>(
          this.#tokens,
          `${this.#settings.apiRoot.replace(/\/$/, '')}/v3.0/oa/message/cs`,
          { recipient, message: { text: part } },
        );
        lastId = String(sent?.message_id ?? '');
      }
      return { platformMessageId: lastId };
    } catch (error) {
      if (error instanceof ZaloOaApiError && OUTSIDE_WINDOW.has(error.code))
        return this.#fallback(message, jobId);
      throw this.#toSendError(error);
    }
  }

  /** ZNS by phone when this kind of message has a template; otherwise the chair is told. */
  async #fallback(message: Outbound, jobId: string): Promise<{ platformMessageId: string }> {
    const templateId = message.kind ? this.#settings.znsTemplates[message.kind] : undefined;
    const member = message.memberId
      ? await this.#deps.models.Member.findById(message.memberId, { phone: 1 }).lean()
      : undefined;
    if (!templateId || !member?.phone) {
      await this.#deps.reportUnreachable(message);
      throw new SendError(
        'permanent',
        'unreachable on Zalo: outside the OA window and no ZNS template or phone',
      );
    }
    try {
      const sent = await zaloPost<{ msg_id?: string }>(
        this.#tokens,
        `${this.#settings.znsRoot.replace(/\/$/, '')}/message/template`,
        {
          phone: member.phone,
          template_id: templateId,
          template_data: message.templateData ?? {},
          tracking_id: jobId,
        },
      );
      return { platformMessageId: `zns:${sent?.msg_id ?? ''}` };
    } catch (error) {
      throw this.#toSendError(error);
    }
  }

  #toSendError(error: unknown): SendError {
    if (error instanceof SendError) return error;
    // No usable token (the refresh failed and an operator was alerted): the OA's queue waits, nothing is given up.
    if (error instanceof TokenRefreshError)
      return new SendError('rateLimited', error.message, TOKEN_RETRY_MS);
    if (!(error instanceof ZaloOaApiError)) return new SendError('transient', String(error));
    const { code, message } = error;
    if (code === RATE_LIMITED) return new SendError('rateLimited', message, 60_000);
    if (code === OUT_OF_QUOTA) return new SendError('rateLimited', message, 3600_000);
    if (code === NIGHT_BAN_OA || code === NIGHT_BAN_ZNS) {
      return new SendError('later', message, msUntilLocalTime(new Date(), this.#settings.timeZone, 6, 30));
    }
    if (code >= 500 || code === 408 || code === -216 || code === -220)
      return new SendError('transient', message);
    return new SendError('permanent', message);
  }
}

/** The Zalo OA as a `Channel`. */
export function zaloOaChannel(settings: ZaloOaSettings, ctx: ChannelContext, deps: ZaloOaDeps): Channel {
  const tokens = new ZaloOaTokens(
    {
      oauthRoot: settings.oauthRoot,
      appId: settings.appId,
      appSecret: settings.appSecret,
      seedAccessToken: settings.accessToken,
      seedRefreshToken: settings.refreshToken,
    },
    deps.models,
    deps.redis,
    deps.prefix,
    ctx.log,
  );
  const interactions = new Interactions(deps.redis, deps.prefix);

  async function handle(event: ZaloOaEvent): Promise<WebhookResult | 'invalid'> {
    const at = event.timestamp || Date.now();
    const userId = event.sender?.id ?? event.follower?.id;
    if (event.event_name === 'unfollow' && event.follower?.id) {
      await ctx.effects.markStopped({ channel: 'zalo-oa', chatId: event.follower.id }, new Date(at));
      return 'handled';
    }
    if (event.event_name === 'user_received_message' && event.message?.tracking_id) {
      await deps.models.Message.updateOne(
        { _id: event.message.tracking_id },
        { $set: { deliveredAt: new Date(at) } },
      );
      return 'handled';
    }
    const inbound = userId ? toInbound(event, userId, at) : undefined;
    if (!inbound) return 'ignored';
    await interactions.record(userId!, at);
    return ctx.conversations.handle(inbound, `zalo-oa.${inbound.messageId}`);
  }

  return {
    sender: new ZaloOaSender(settings, tokens, interactions, deps),
    webhook: {
      path: '/webhooks/zalo-oa',
      authorize(headers, rawBody, body) {
        const event = asEnvelope(body);
        if (!event) return false;
        const mac = zaloEventSignature(settings.appId, rawBody, String(event.timestamp), settings.secretKey);
        const fresh = Math.abs(Date.now() - Number(event.timestamp)) <= MAX_EVENT_AGE_MS;
        return (
          fresh && event.app_id === settings.appId && sameSecret(headers['x-zevent-signature'], `mac=${mac}`)
        );
      },
      handle: async (body) => {
        const parsed = eventSchema.safeParse(body);
        if (parsed.success) return handle(parsed.data);
        // Signed by Zalo (authorize ran first) but not a shape we know: acknowledged, not redelivered.
        return ignoreOddShape(ctx.log, 'zalo-oa', parsed.error.issues[0]!.path.slice(0, 2).join('.'));
      },
    },
  };
}

function toInbound(event: ZaloOaEvent, userId: string, at: number): Inbound | undefined {
  const base = {
    channel: 'zalo-oa' as const,
    chatId: userId,
    userId,
    // Follows and shared info carry no msg_id: the time identifies the delivery.
    messageId: event.message?.msg_id ?? `${event.event_name}.${at}`,
    at: new Date(at),
  };
  switch (event.event_name) {
    case 'user_send_text':
      return typeof event.message?.text === 'string'
        ? { ...base, kind: 'text', text: cleanText(event.message.text) }
        : undefined;
    case 'follow':
      return { ...base, chatId: event.follower?.id ?? userId, kind: 'greet' };
    case 'user_submit_info':
      // The OA's form is filled in by hand: Zalo does not vouch that the number is the sender's.
      return event.info?.phone
        ? { ...base, kind: 'contact', contact: { phone: event.info.phone, vouched: false } }
        : undefined;
    default:
      return event.event_name.startsWith('user_send_') ? { ...base, kind: 'unsupported' } : undefined;
  }
}
