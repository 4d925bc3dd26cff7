/**
 * Zalo Bot Platform (a Telegram-like HTTP API without buttons): a small typed
 * client of our own, webhook or long polling, and a sender. Questions are
 * answered by typing the numbers written in the text ("Gõ 1 = …").
 *
 * To confirm on a live bot (see PLATFORMS.md): the webhook body shape (the
 * documented `{ok, result}` wrapper or the bare event — both are accepted),
 * the rate limit (ZALO_BOT_RATE_PER_SECOND) and the 429 back-off.
 */
import { z } from 'zod';
import type { Inbound, Outbound } from '../engine/types.ts';
import { sameSecret, type WebhookResult, type WebhookRoute } from '../http/server.ts';
import { httpPost } from './http-json.ts';
import {
  type Channel,
  type ChannelContext,
  type ChannelSender,
  cleanText,
  fetchPicture,
  ignoreOddShape,
  platformId,
  SendError,
  splitText,
} from './types.ts';

const MAX_TEXT = 2000;
/** Zalo says nothing about how long to wait after a 429: wait this long. */
const QUOTA_BACKOFF_MS = 5000;
const POLL_TIMEOUT_SECONDS = 30;

export interface ZaloBotSettings {
  token: string;
  apiRoot: string;
  ratePerSecond: number;
  mode: 'webhook' | 'polling';
  webhookSecret?: string;
}

export class ZaloBotApiError extends Error {
  readonly code: number;

  constructor(code: number, description: string) {
    super(`${code} ${description}`);
    this.name = 'ZaloBotApiError';
    this.code = code;
  }
}

/** `POST {apiRoot}/bot{token}/{method}` with a JSON body; unwraps `{ok, result}`. */
export class ZaloBotApi {
  readonly #base: string;

  constructor(apiRoot: string, token: string) {
    this.#base = `${apiRoot.replace(/\/$/, '')}/bot${token}`;
  }

  async call<T>(method: string, params: Record<string, unknown> = {}, signal?: AbortSignal): Promise<T> {
    const response = await httpPost(`${this.#base}/${method}`, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(params),
      signal,
    });
    const body = (await response.json().catch(() => undefined)) as
      | { ok?: boolean; result?: T; error_code?: number; description?: string }
      | undefined;
    if (!body?.ok) {
      throw new ZaloBotApiError(
        body?.error_code ?? response.status,
        body?.description ?? response.statusText,
      );
    }
    return body.result as T;
  }
}

/** The parts of an update we read, checked before anything else sees them (ids become strings). */
const zaloBotUpdateSchema = z.object({
  event_name: z.string(),
  message: z.object({
    message_id: platformId,
    // Milliseconds since 1970; the bound keeps the Date valid.
    date: z
      .number()
      .int()
      .nonnegative()
      .max(2 ** 53)
      .optional(),
    text: z.string().optional(),
    // message.image.received: the picture's URL, and its caption.
    photo: z.string().url().max(2000).optional(),
    caption: z.string().optional(),
    from: z.object({ id: platformId, is_bot: z.boolean().optional() }),
    chat: z.object({ id: platformId, chat_type: z.string().optional() }),
  }),
});

export type ZaloBotUpdate = z.output<typeof zaloBotUpdateSchema>;

/**
 * The update in a webhook body or getUpdates item: `{ok, result: update}` or the update itself.
 * 'invalid' when it is no update at all; 'odd' when it names an event but its parts are not the
 * shape we know (acknowledged and ignored: a failed delivery would come back again and again).
 */
export function zaloBotUpdate(body: unknown): ZaloBotUpdate | 'invalid' | { odd: string } {
  const candidate =
    body && typeof body === 'object' && 'result' in body ? (body as { result: unknown }).result : body;
  const parsed = zaloBotUpdateSchema.safeParse(candidate);
  if (parsed.success) return parsed.data;
  const { issues } = parsed.error;
  if (issues.some((issue) => issue.path.length === 0 || issue.path[0] === 'event_name')) return 'invalid';
  return { odd: issues[0]!.path.slice(0, 2).join('.') };
}

/** The `Inbound` for an update; undefined for group chats and bots. Stickers and the like are 'unsupported'. */
export function zaloBotInbound(update: ZaloBotUpdate): Inbound | undefined {
  const { message } = update;
  if (message.chat.chat_type === 'GROUP' || message.from.is_bot) return undefined;
  const base = {
    channel: 'zalo-bot' as const,
    chatId: message.chat.id,
    userId: message.from.id,
    messageId: message.message_id,
    at: new Date(message.date ?? Date.now()),
  };
  if (update.event_name === 'message.text.received' && typeof message.text === 'string') {
    return { ...base, kind: 'text', text: cleanText(message.text) };
  }
  if (update.event_name === 'message.image.received' && message.photo)
    return { ...base, kind: 'photo', photo: message.photo, text: cleanText(message.caption ?? '') };
  return { ...base, kind: 'unsupported' };
}

export class ZaloBotSender implements ChannelSender {
  readonly channel = 'zalo-bot' as const;
  readonly ratePerSecond: number;
  readonly #api: ZaloBotApi;
  readonly #ctx: ChannelContext;
  /** Set once Zalo rejects the token: nothing more is sent until the token is fixed and the bot restarted. */
  #unauthorized: string | undefined;

  constructor(api: ZaloBotApi, ratePerSecond: number, ctx: ChannelContext) {
    this.#api = api;
    this.ratePerSecond = ratePerSecond;
    this.#ctx = ctx;
  }

  async send(message: Outbound): Promise<{ platformMessageId: string }> {
    if (this.#unauthorized)
      throw new SendError('permanent', `zalo bot channel stopped: ${this.#unauthorized}`);
    const photo = message.attachment?.type === 'photo' ? message.attachment.url : undefined;
    const fits = message.text.length <= MAX_TEXT;
    if (photo) {
      // A picture goes by its URL (Zalo fetches it), the text as its caption — or, longer than a
      // caption may be, after it, whole.
      try {
        const sent = await this.#api.call<{ message_id: string | number }>('sendPhoto', {
          chat_id: message.chatId,
          photo,
          ...(fits ? { caption: message.text } : {}),
        });
        if (fits) return { platformMessageId: String(sent.message_id) };
      } catch (error) {
        throw this.#toSendError(error);
      }
    }
    let lastId = '';
    for (const part of splitText(message.text, MAX_TEXT)) {
      try {
        const sent = await this.#api.call<{ message_id: string | number }>('sendMessage', {
          chat_id: message.chatId,
          text: part,
        });
        lastId = String(sent.message_id);
      } catch (error) {
        throw this.#toSendError(error);
      }
    }
    return { platformMessageId: lastId };
  }

  #toSendError(error: unknown): SendError {
    if (!(error instanceof ZaloBotApiError)) return new SendError('transient', `network: ${String(error)}`);
    if (error.code === 429) return new SendError('rateLimited', error.message, QUOTA_BACKOFF_MS);
    if (error.code === 401) {
      this.#unauthorized = error.message;
      this.#ctx.log.error(
        { alert: 'zalo_bot_unauthorized', error: error.message },
        'Zalo Bot token rejected: channel stopped',
      );
      return new SendError('permanent', error.message);
    }
    if (error.code === 408 || error.code >= 500) return new SendError('transient', error.message);
    return new SendError('permanent', error.message);
  }
}

/** Zalo Bot as a `Channel`. */
export function zaloBotChannel(settings: ZaloBotSettings, ctx: ChannelContext): Channel {
  const api = new ZaloBotApi(settings.apiRoot, settings.token);
  const handle = async (body: unknown): Promise<WebhookResult | 'invalid'> => {
    const update = zaloBotUpdate(body);
    if (update === 'invalid') return update;
    if ('odd' in update) return ignoreOddShape(ctx.log, 'zalo-bot', update.odd);
    const inbound = zaloBotInbound(update);
    // Zalo gives no update id: the chat and its message id identify a delivery (message ids are
    // not promised to be unique across chats).
    return inbound
      ? ctx.conversations.handle(inbound, `zalo-bot.${inbound.chatId}.${inbound.messageId}`)
      : 'ignored';
  };
  const polling = new AbortController();
  let loop: Promise<void> | undefined;

  const webhook: WebhookRoute = {
    path: '/webhooks/zalo-bot',
    authorize: (headers) =>
      !settings.webhookSecret || sameSecret(headers['x-bot-api-secret-token'], settings.webhookSecret),
    handle,
  };

  async function poll(): Promise<void> {
    let failures = 0;
    while (!polling.signal.aborted) {
      try {
        const result = await api.call<unknown>(
          'getUpdates',
          { timeout: String(POLL_TIMEOUT_SECONDS) },
          polling.signal,
        );
        failures = 0;
        for (const item of Array.isArray(result) ? result : result ? [result] : []) {
          await handleWithRetries(() => handle(item));
        }
      } catch (error) {
        if (polling.signal.aborted) return;
        // A long poll that ends with nothing may come back as 408: that is just "no news".
        if (error instanceof ZaloBotApiError && error.code === 408) continue;
        failures += 1;
        ctx.log.warn({ err: error, failures }, 'zalo bot getUpdates failed');
        await sleep(Math.min(30_000, 500 * 2 ** failures), polling.signal);
      }
    }
  }

  async function handleWithRetries(task: () => Promise<unknown>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await task();
        return;
      } catch (error) {
        if (attempt >= 5) {
          ctx.log.error({ err: error }, 'zalo bot update failed; skipped');
          return;
        }
        await sleep(200 * 2 ** attempt, polling.signal);
      }
    }
  }

  return {
    sender: new ZaloBotSender(api, settings.ratePerSecond, ctx),
    webhook,
    // The picture's URL, as Zalo gave it.
    fetchPhoto: (url) => fetchPicture(url),
    async startInbound() {
      if (settings.mode === 'webhook') {
        await api.call('setWebhook', {
          url: `${ctx.publicUrl}/webhooks/zalo-bot`,
          secret_token: settings.webhookSecret,
        });
        ctx.log.info('zalo bot webhook set');
        return;
      }
      // Long polling and a webhook exclude each other.
      await api
        .call('deleteWebhook')
        .catch((error) => ctx.log.warn({ err: error }, 'zalo bot deleteWebhook failed'));
      loop = poll();
    },
    async stop() {
      polling.abort();
      await loop;
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
