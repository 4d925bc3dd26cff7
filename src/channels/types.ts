import type { Conversations } from '../engine/conversations.ts';
import type { ChannelName, Outbound } from '../engine/types.ts';
import type { WebhookRoute } from '../http/server.ts';
import type { Translate } from '../i18n.ts';
import type { Logger } from '../log.ts';
import type { Effects } from '../store/effects.ts';

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

/** What every chat app adapter provides to the app. */
export interface Channel {
  sender: ChannelSender;
  /** Present when the platform can push updates to us. */
  webhook?: WebhookRoute;
  /** Starts receiving (registers the webhook, or starts long polling). Web role only. */
  startInbound?(): Promise<void>;
  stop?(): Promise<void>;
}

/** What adapters need from the rest of the app. */
export interface ChannelContext {
  conversations: Conversations;
  effects: Effects;
  translate: Translate;
  log: Logger;
  /** PUBLIC_URL without a trailing slash, when set. */
  publicUrl?: string;
}
