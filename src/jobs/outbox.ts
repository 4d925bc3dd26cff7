/**
 * The outbox: every message we send goes through a BullMQ queue per channel,
 * so platform rate limits, retries and restarts are handled in one place.
 * Job ids are deterministic (built from the inbound message that caused the
 * reply), so handling the same message twice never queues a second copy.
 * Quiet hours are applied here (a message that may wait is queued with a delay until they
 * end, or logged 'expired' and not queued) and again by the worker (see quiet-hours.ts).
 */
import { type ConnectionOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
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

/** One message of a bulk job: its own job id (its sent marker's), and the group it can be withdrawn with. */
export interface BulkItem {
  id: string;
  message: Outbound;
  group?: string;
}

/** Many chats' messages in one job (see `enqueueBulk`). */
export interface BulkJob {
  items: BulkItem[];
  queuedAt: string;
}

/** One chat's messages for `enqueueBulk`, as `enqueue` takes them. */
export interface BulkChat {
  messages: Outbound[];
  idBase: string;
  /** Set for messages a sender may take back before they go (a broadcast's id, see `withdraw`). */
  group?: string;
}

/**
 * Messages per bulk job: a job's cost in Redis (its own scripts) is shared by this many, and a
 * worker that dies half-way resends none of those already marked sent.
 */
const BULK_SIZE = 50;

export interface OutboxOptions {
  connection: ConnectionOptions;
  /** For the withdrawn groups' markers. */
  redis: Redis;
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

/** The queue of bulk jobs beside a sender's queue of single messages (same bot, same rate). */
export function bulkQueueName(queueName: string): string {
  return `${queueName}-bulk`;
}

/** Set by `withdraw`: a bulk worker sends nothing more of the group (kept as long as bulk jobs). */
export function withdrawnKey(prefix: string, group: string): string {
  return `${prefix}:withdrawn:${group}`;
}

/**
 * One message's job in a sender's queue (the single worker's), as the outbox queues it and as the
 * bulk worker hands a message on: with its retries, kept after it is done as long as KEEP_DONE_SECONDS says.
 */
export function singleJob(
  id: string,
  message: Outbound,
  queuedAt: Date,
  { delay, attempts, backoffMs }: { delay: number; attempts: number; backoffMs: number },
) {
  return {
    name: message.kind ?? 'reply',
    data: { message, queuedAt: queuedAt.toISOString() } satisfies OutboxJob,
    opts: {
      jobId: id,
      delay,
      attempts,
      backoff: { type: 'exponential' as const, delay: backoffMs },
      removeOnComplete: {
        age: keepsText(message) ? KEEP_DONE_SECONDS.text : KEEP_DONE_SECONDS.noText,
        count: 50_000,
      },
      removeOnFail: { age: 30 * 24 * 3600 },
    },
  };
}

/** BullMQ forbids ':' in custom ids; chat ids and message ids never contain '|'. */
export function outboxJobId(...parts: (string | number)[]): string {
  return parts.join('|').replaceAll(':', ';');
}

export class Outbox {
  readonly #options: OutboxOptions;
  readonly #log: MessageLog;
  readonly #queues = new Map<string, Queue<OutboxJob | BulkJob>>();

  constructor(options: OutboxOptions, log: MessageLog) {
    this.#options = options;
    this.#log = log;
  }

  /** The channel's queue (with several Telegram bots: the first bot's). */
  queue(channel: ChannelName): Queue<OutboxJob> {
    return this.#queueNamed(outboxQueueName(channel)) as Queue<OutboxJob>;
  }

  #queueNamed(name: string): Queue<OutboxJob | BulkJob> {
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = new Queue<OutboxJob | BulkJob>(name, {
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
    const { single, expired } = this.#sort([{ messages, idBase }], now, false);
    await this.#addSingles(single, now);
    await this.#expire(expired, now);
  }

  /**
   * Queues many chats' messages (an audience's page) as a few bulk jobs of up to BULK_SIZE
   * messages — not a job each: what a message costs in Redis is most of what the outbox costs.
   * Each message keeps the id `enqueue` would give it, so it is sent once whichever way it went;
   * a chat's messages stay together, in order. What must wait for the morning is queued singly,
   * delayed, as `enqueue` does.
   */
  async enqueueBulk(chats: BulkChat[]): Promise<void> {
    const now = this.#options.clock.now();
    const { single, bulk, expired } = this.#sort(chats, now, true);
    for (const [channel, items] of bulk) {
      for (const [name, list] of await this.#byQueue(channel, items)) {
        await this.#queueNamed(bulkQueueName(name)).addBulk(
          chunksOf(list).map((chunk) => ({
            name: 'bulk',
            data: { items: chunk, queuedAt: now.toISOString() },
            opts: {
              jobId: outboxJobId('bulk', chunk[0]!.id, chunk.length),
              attempts: 20,
              backoff: { type: 'exponential', delay: 1000 },
              removeOnComplete: { age: 3600, count: 10_000 },
              removeOnFail: { age: 30 * 24 * 3600 },
            },
          })),
        );
      }
    }
    await this.#addSingles(single, now);
    await this.#expire(expired, now);
  }

  /** Bulk messages of `group` not sent yet are not sent (the bulk worker logs them 'expired'). */
  async withdraw(group: string): Promise<void> {
    await this.#options.redis.set(withdrawnKey(this.#options.prefix, group), '1', 'EX', 30 * 24 * 3600);
  }

  /** Which messages go now (in bulk when asked), which wait singly for the morning, which expire. */
  #sort(chats: BulkChat[], now: Date, inBulk: boolean) {
    const single = new Map<ChannelName, { id: string; message: Outbound; delay: number }[]>();
    const bulk = new Map<ChannelName, BulkItem[]>();
    const expired: { id: string; message: Outbound }[] = [];
    for (const { messages, idBase, group } of chats) {
      messages.forEach((message, index) => {
        const id = outboxJobId(idBase, index);
        const delivery = deliveryNow(message, now, this.#options.quietHours);
        if (delivery.action === 'drop') {
          expired.push({ id, message });
        } else if (inBulk && delivery.action === 'send') {
          append(bulk, message.channel, { id, message, ...(group ? { group } : {}) });
        } else {
          append(single, message.channel, {
            id,
            message,
            delay: delivery.action === 'hold' ? delivery.ms : 0,
          });
        }
      });
    }
    return { single, bulk, expired };
  }

  async #addSingles(
    byChannel: Map<ChannelName, { id: string; message: Outbound; delay: number }[]>,
    now: Date,
  ): Promise<void> {
    for (const [channel, all] of byChannel) {
      for (const [name, list] of await this.#byQueue(channel, all)) await this.#add(name, list, now);
    }
  }

  async #expire(expired: { id: string; message: Outbound }[], now: Date): Promise<void> {
    await this.#log.queued(expired, now);
    for (const { id, message } of expired)
      await this.#log.result(id, message, { status: 'expired', attempts: 0 });
  }

  async #add(
    name: string,
    list: { id: string; message: Outbound; delay: number }[],
    now: Date,
  ): Promise<void> {
    const { maxAttempts, backoffMs } = this.#options;
    await this.#queueNamed(name).addBulk(
      list.map(({ id, message, delay }) =>
        singleJob(id, message, now, { delay, attempts: maxAttempts, backoffMs }),
      ),
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

function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Chunks of about BULK_SIZE messages, never splitting one chat's (consecutive) messages. */
function chunksOf(items: BulkItem[]): BulkItem[][] {
  const chunks: BulkItem[][] = [];
  let chunk: BulkItem[] = [];
  items.forEach((item, index) => {
    chunk.push(item);
    const next = items[index + 1];
    const sameChat =
      next?.message.chatId === item.message.chatId && next.message.channel === item.message.channel;
    if (chunk.length >= BULK_SIZE && !sameChat) {
      chunks.push(chunk);
      chunk = [];
    }
  });
  if (chunk.length) chunks.push(chunk);
  return chunks;
}
