/**
 * "Who could not be reached on Zalo": collected per event and club for a
 * short while, then one notice to the club's leaders — not one per message.
 * An event is what a message belongs to (a meeting reminder round…); messages
 * without one are grouped by kind and day.
 */
import { type ConnectionOptions, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Outbound } from '../engine/types.ts';
import type { Logger } from '../log.ts';
import type { Models } from '../models/index.ts';
import type { Effects } from '../runtime/effects.ts';

const QUEUE = 'unreachable-notices';

export interface UnreachableNoticeOptions {
  connection: ConnectionOptions;
  prefix: string;
  redis: Redis;
  models: Models;
  effects: Effects;
  log: Logger;
  /** How long reports are gathered before the leaders are told. */
  gatherMs: number;
}

interface NoticeJob {
  clubId: string;
  eventKey: string;
}

export class UnreachableNotices {
  readonly #options: UnreachableNoticeOptions;
  readonly #queue: Queue<NoticeJob>;

  constructor(options: UnreachableNoticeOptions) {
    this.#options = options;
    this.#queue = new Queue<NoticeJob>(QUEUE, { connection: options.connection, prefix: options.prefix });
    this.#queue.on('error', (error) => options.log.error({ err: error }, 'unreachable notice queue error'));
  }

  #setKey({ clubId, eventKey }: NoticeJob): string {
    return `${this.#options.prefix}:unreachable:${eventKey}:${clubId}`;
  }

  async report(message: Outbound): Promise<void> {
    if (!message.memberId) return;
    const member = await this.#options.models.Member.findById(message.memberId, { clubIds: 1 }).lean();
    const clubId = member?.clubIds[0];
    if (!clubId) return;
    const eventKey = `${message.kind ?? 'message'}.${new Date().toISOString().slice(0, 10)}`;
    const notice = { clubId, eventKey };
    await this.#options.redis.sadd(this.#setKey(notice), message.memberId);
    await this.#options.redis.expire(this.#setKey(notice), 7 * 24 * 3600);
    // One job per event and club: later reports join the same notice.
    await this.#queue.add('notify', notice, {
      jobId: `unreachable|${eventKey}|${clubId}`.replaceAll(':', ';'),
      delay: this.#options.gatherMs,
      removeOnComplete: { age: 7 * 24 * 3600 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }

  startWorker(): Worker<NoticeJob> {
    const { connection, prefix, redis, effects, log } = this.#options;
    const worker = new Worker<NoticeJob>(
      QUEUE,
      async (job) => {
        const memberIds = await redis.smembers(this.#setKey(job.data));
        await effects.notifyUnreachable(job.data.clubId, job.data.eventKey, memberIds);
      },
      { connection, prefix },
    );
    worker.on('error', (error) => log.error({ err: error }, 'unreachable notice worker error'));
    return worker;
  }

  close(): Promise<void> {
    return this.#queue.close();
  }
}
