/**
 * The outbox: every message we send goes through a BullMQ queue per channel,
 * so platform rate limits, retries and restarts are handled in one place.
 * Job ids are deterministic (built from the inbound message that caused the
 * reply), so handling the same message twice never queues a second copy.
 * Quiet hours are applied here (a message that may wait is queued with a delay until they
 * end, or logged 'expired' and not queued) and again by the worker (see quiet-hours.ts).
 */
import { type ConnectionOptions, Queue } from 'bullmq';
import type { Clock } from '../clock.ts';
import type { ChannelName, Outbound } from '../engine/types.ts';
import { keepsText, type MessageLog } from './message-log.ts';
import { deliveryNow, type QuietHours } from './quiet-hours.ts';

/**
 * How long a finished job (and the text in it) stays in Redis. Replies and codes only need to
 * outlive their delivery: a redelivered update re-adds the same job id, and the worker's "sent"
 * marker (kept for days, without the text) stops a second send.
 */
const KEEP_DONE_SECONDS = { text: 24 * 3600, noText: 10 * 60 };

export interface OutboxJob {
  message: Outbound;
  queuedAt: string;
}

export interface OutboxOptions {
  connection: ConnectionOptions;
  /** BullMQ key prefix (isolates test runs and deployments sharing one Redis). */
  prefix: string;
  maxAttempts: number;
  backoffMs: number;
  clock: Clock;
  quietHours: QuietHours;
  /** Queue errors (Redis gone…) are reported here; the enqueue call itself fails too. */
  onError(error: Error): void;
  /**
   * The queue of each message of `channel`, when a channel has several (Telegram with several
   * bots: each bot's own); otherwise `outboxQueueName(channel)`.
   */
  queuesOf?: (channel: ChannelName, messages: Outbound[]) => Promise<string[] | undefined>;
}

export function outboxQueueName(channel: ChannelName): string {
  return `outbox-${channel}`;
}

/** BullMQ forbids ':' in custom ids; chat ids and message ids never contain '|'. */
export function outboxJobId(...parts: (string | number)[]): string {
  return parts.join('|').replaceAll(':', ';');
}

export class Outbox {
  readonly #options: OutboxOptions;
  readonly #log: MessageLog;
  readonly #queues = new Map<string, Queue<OutboxJob>>();

  constructor(options: OutboxOptions, log: MessageLog) {
    this.#options = options;
    this.#log = log;
  }

  /** The channel's queue (with several Telegram bots: the first bot's). */
  queue(channel: ChannelName): Queue<OutboxJob> {
    return this.#queueNamed(outboxQueueName(channel));
  }

  #queueNamed(name: string): Queue<OutboxJob> {
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = new Queue<OutboxJob>(name, {
        connection: this.#options.connection,
        prefix: this.#options.prefix,
      });
      queue.on('error', this.#options.onError);
      this.#queues.set(name, queue);
    }
    return queue;
  }

  /** Splits one channel's messages by the queue each goes to (one, but for several bots). */
  async #byQueue<T extends { message: Outbound }>(channel: ChannelName, list: T[]): Promise<[string, T[]][]> {
    const names = await this.#options.queuesOf?.(
      channel,
      list.map(({ message }) => message),
    );
    if (!names) return [[outboxQueueName(channel), list]];
    const groups = new Map<string, T[]>();
    list.forEach((entry, index) => {
      const name = names[index] ?? outboxQueueName(channel);
      groups.set(name, [...(groups.get(name) ?? []), entry]);
    });
    return [...groups];
  }

  /**
   * Queues messages in order; `idBase` makes their job ids (idBase|0, idBase|1, …). In quiet
   * hours a message that may wait is delayed until they end; one that would expire first is
   * logged 'expired' and not queued.
   */
  async enqueue(messages: Outbound[], idBase: string): Promise<void> {
    const now = this.#options.clock.now();
    const byChannel = new Map<ChannelName, { id: string; message: Outbound; delay: number }[]>();
    const expired: { id: string; message: Outbound }[] = [];
    messages.forEach((message, index) => {
      const id = outboxJobId(idBase, index);
      const delivery = deliveryNow(message, now, this.#options.quietHours);
      if (delivery.action === 'drop') {
        expired.push({ id, message });
        return;
      }
      const list = byChannel.get(message.channel) ?? [];
      list.push({ id, message, delay: delivery.action === 'hold' ? delivery.ms : 0 });
      byChannel.set(message.channel, list);
    });
    for (const [channel, all] of byChannel) {
      for (const [name, list] of await this.#byQueue(channel, all)) await this.#add(name, list, now);
    }
    await this.#log.queued(expired, now);
    for (const { id, message } of expired)
      await this.#log.result(id, message, { status: 'expired', attempts: 0 });
  }

  async #add(
    name: string,
    list: { id: string; message: Outbound; delay: number }[],
    now: Date,
  ): Promise<void> {
    await this.#queueNamed(name).addBulk(
      list.map(({ id, message, delay }) => ({
        name: message.kind ?? 'reply',
        data: { message, queuedAt: now.toISOString() },
        opts: {
          jobId: id,
          delay,
          attempts: this.#options.maxAttempts,
          backoff: { type: 'exponential', delay: this.#options.backoffMs },
          removeOnComplete: {
            age: keepsText(message) ? KEEP_DONE_SECONDS.text : KEEP_DONE_SECONDS.noText,
            count: 50_000,
          },
          removeOnFail: { age: 30 * 24 * 3600 },
        },
      })),
    );
    // Only what waits (quiet hours) is recorded now; the rest is recorded with its result.
    await this.#log.queued(
      list.filter(({ delay }) => delay > 0),
      now,
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((queue) => queue.close()));
  }
}
