import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { ChannelName, Outbound, OutboundAttachment } from '../engine/types.ts';
import type { WebhookRoute } from '../http/server.ts';
import type { Translate } from '../i18n.ts';
import type { Outbox } from '../jobs/outbox.ts';
import type { Logger } from '../log.ts';
import type { Conversations } from '../runtime/conversations.ts';
import type { Effects } from '../runtime/effects.ts';

/** Why a send failed, in terms the outbox acts on (each platform maps its own errors to these). */
export type SendFailure =
  /** The platform asks us to slow down: wait `retryAfterMs`, then try again (not counted as an attempt). */
  | 'rateLimited'
  /** The person blocked the bot or left: never retry; mark the chat stopped. */
  | 'recipientGone'
  /** Network error or the platform's 5xx: retry with backoff. */
  | 'transient'
  /** The request itself is wrong (bad chat id, bad token): retrying cannot help. */
  | 'permanent'
  /** Not now (e.g. a night ban): try again at `retryAt`, without counting an attempt. */
  | 'later';

export class SendError extends Error {
  readonly failure: SendFailure;
  /** For 'rateLimited': how long to wait; for 'later': how long until the retry. */
  readonly retryAfterMs: number | undefined;

  constructor(failure: SendFailure, message: string, retryAfterMs?: number) {
    super(message);
    this.name = 'SendError';
    this.failure = failure;
    this.retryAfterMs = retryAfterMs;
  }
}

/** The sending half of a channel: one message out, the platform's id for it back. */
export interface ChannelSender {
  readonly channel: ChannelName;
  /** Messages per second the platform allows this bot overall. */
  readonly ratePerSecond: number;
  /** The outbox queue it sends (default `outboxQueueName(channel)`; each of several Telegram bots has its own). */
  readonly queueName?: string;
  /** Throws `SendError`. `jobId` identifies the message (e.g. as a ZNS tracking id). */
  send(message: Outbound, jobId: string): Promise<{ platformMessageId: string }>;
}

/** Splits a long text so no part exceeds `max` characters: at a line break, else a space, else anywhere. */
export function splitText(text: string, max: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max);
    const usable = (cut: number) => (cut > max / 2 ? cut : -1);
    const cut = [usable(window.lastIndexOf('\n')), usable(window.lastIndexOf(' '))].find((at) => at > 0);
    const at = cut ?? max;
    parts.push(rest.slice(0, at).trimEnd());
    rest = rest.slice(at).trimStart();
  }
  if (rest) parts.push(rest);
  return parts;
}

/**
 * Control characters (Unicode Cc: U+0000–U+001F, U+007F–U+009F) except line feed and tab, and
 * lone UTF-16 surrogates (Cs): nobody types them on purpose, and some break storage
 * (PostgreSQL under FerretDB refuses U+0000 in a document).
 */
const UNSAFE_CHARACTERS = /(?![\n\t])[\p{Cc}\p{Cs}]/gu;

/** Inbound text as the rest of the app may see it: every channel passes what people type through here. */
export function cleanText(text: string): string {
  return text.replace(UNSAFE_CHARACTERS, '');
}

/** A platform id (user, chat, message) as a short string, whatever JSON type the platform used. */
export const platformId = z
  .union([z.string(), z.number().int().nonnegative()])
  .transform(String)
  .pipe(z.string().min(1).max(64));

const loggedShapes = new Set<string>();

/**
 * A body from the platform (authenticated, or from our own long poll) that is not the shape we
 * know: acknowledged and dropped, since a platform redelivers a failed update again and again.
 * Logged once per channel and kind per process, with no content.
 */
export function ignoreOddShape(log: Logger, channel: ChannelName, kind: string): 'ignored' {
  const key = `${channel}:${kind}`;
  if (!loggedShapes.has(key)) {
    loggedShapes.add(key);
    log.warn({ channel, kind }, 'update of an unexpected shape ignored (logged once per kind)');
  }
  return 'ignored';
}

/** A picture's bytes as an app gave them. */
export interface FetchedPhoto {
  bytes: Buffer;
  contentType: string;
}

/** Pictures larger than this are not taken (Telegram's upload limit for photos). */
export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;

/** Fetches a picture by URL, refusing what is not an image or is too large. */
export async function fetchPicture(url: string): Promise<FetchedPhoto> {
  const response = await fetch(url, { signal: AbortSignal.timeout(15_000) });
  const contentType = response.headers.get('content-type') ?? '';
  if (!response.ok) throw new Error(`picture not fetched: HTTP ${response.status}`);
  if (!contentType.startsWith('image/')) throw new Error(`picture not fetched: ${contentType || 'no type'}`);
  const bytes = Buffer.from(await response.arrayBuffer());
  if (bytes.length === 0 || bytes.length > MAX_PHOTO_BYTES)
    throw new Error(`picture not fetched: ${bytes.length} bytes`);
  return { bytes, contentType };
}

/** What every chat app adapter provides to the app. */
export interface Channel {
  sender: ChannelSender;
  /** Present when the platform can push updates to us. */
  webhook?: WebhookRoute;
  /**
   * The bytes of a picture a person sent (Inbound.photo: the app's handle for it), for an app
   * whose pictures can be sent on (Telegram, the Zalo Bot). Throws when it cannot be had.
   */
  fetchPhoto?(ref: string): Promise<FetchedPhoto>;
  /** Starts receiving (registers the webhook, or starts long polling). Web role only. */
  startInbound?(): Promise<void>;
  stop?(): Promise<void>;
}

/** What adapters need from the rest of the app. */
export interface ChannelContext {
  conversations: Conversations;
  effects: Effects;
  /** For messages that are no answer in a conversation (a pointer from a Telegram group). */
  outbox: Outbox;
  /** Shared state such as rate limits, with keys under `prefix`. */
  redis: Redis;
  prefix: string;
  translate: Translate;
  log: Logger;
  /** PUBLIC_URL without a trailing slash, when set. */
  publicUrl?: string;
  /** Makes the report file an outbound attachment names (apps that take uploads: Telegram). */
  reportFile?: (
    ref: NonNullable<OutboundAttachment['report']>,
  ) => Promise<{ bytes: Buffer; filename: string }>;
  /** A kept picture an outbound attachment names (`picture`: a broadcast's photo), for apps that take uploads. */
  picture?: (id: string) => Promise<{ bytes: Buffer; filename: string }>;
}
