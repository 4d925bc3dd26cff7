/**
 * Message texts are personal data (names, phone numbers in notices): the Message
 * log keeps them MESSAGE_TEXT_RETENTION_DAYS, then an hourly job removes the text
 * and keeps the delivery record. A job rather than a TTL index: FerretDB has none,
 * and only the text goes, not the record. (Replies and codes never store their
 * text at all: see `keepsText` in message-log.ts.)
 */
import { type ConnectionOptions, Queue, Worker } from 'bullmq';
import type { Logger } from '../log.ts';
import type { Models } from '../models/index.ts';

const QUEUE = 'message-retention';
/** One scheduler per deployment, whatever the number of workers: upserting it again changes nothing. */
export const RETENTION_SCHEDULER_ID = 'message-text-retention';
const EVERY_MS = 3600_000;

export interface MessageRetentionOptions {
  connection: ConnectionOptions;
  prefix: string;
  models: Models;
  log: Logger;
  retentionDays: number;
}

export class MessageRetention {
  readonly #options: MessageRetentionOptions;
  readonly queue: Queue;

  constructor(options: MessageRetentionOptions) {
    this.#options = options;
    this.queue = new Queue(QUEUE, { connection: options.connection, prefix: options.prefix });
    this.queue.on('error', (error) => options.log.error({ err: error }, 'message retention queue error'));
  }

  /** Registers the hourly run and starts the worker that does it. */
  async start(): Promise<Worker> {
    await this.queue.upsertJobScheduler(
      RETENTION_SCHEDULER_ID,
      { every: EVERY_MS },
      { name: 'remove-old-texts', opts: { removeOnComplete: { count: 24 }, removeOnFail: { count: 24 } } },
    );
    const { connection, prefix, log } = this.#options;
    const worker = new Worker(QUEUE, () => this.removeOldTexts(new Date()), { connection, prefix });
    worker.on('error', (error) => log.error({ err: error }, 'message retention worker error'));
    return worker;
  }

  /** Unsets the text of messages logged more than the retention period before `now`; the records stay. */
  async removeOldTexts(now: Date): Promise<number> {
    const cutoff = new Date(now.getTime() - this.#options.retentionDays * 24 * 3600_000);
    const result = await this.#options.models.Message.updateMany(
      { createdAt: { $lt: cutoff }, text: { $exists: true } },
      { $unset: { text: 1 } },
      { timestamps: false },
    );
    if (result.modifiedCount > 0)
      this.#options.log.info({ count: result.modifiedCount }, 'old message texts removed');
    return result.modifiedCount;
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
