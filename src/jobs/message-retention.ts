/**
 * Message texts are personal data (names, phone numbers in notices): the Message
 * log keeps them MESSAGE_TEXT_RETENTION_DAYS, then an hourly job removes the text
 * and keeps the delivery record. A job rather than a TTL index: FerretDB has none,
 * and only the text goes, not the record. (Replies and codes never store their
 * text at all: see `keepsText` in message-log.ts.)
 */
import type { Queue, Worker } from 'bullmq';
import type { Models } from '../models/index.ts';
import { type HourlyOptions, hourlyQueue, startHourly } from './hourly.ts';

const QUEUE = 'message-retention';
/** One scheduler per deployment, whatever the number of workers: upserting it again changes nothing. */
export const RETENTION_SCHEDULER_ID = 'message-text-retention';
const LABEL = 'message retention';

export interface MessageRetentionOptions extends HourlyOptions {
  models: Models;
  retentionDays: number;
}

export class MessageRetention {
  readonly #options: MessageRetentionOptions;
  readonly queue: Queue;

  constructor(options: MessageRetentionOptions) {
    this.#options = options;
    this.queue = hourlyQueue(QUEUE, options, LABEL);
  }

  /** Registers the hourly run and starts the worker that does it. */
  start(): Promise<Worker> {
    const ids = { schedulerId: RETENTION_SCHEDULER_ID, jobName: 'remove-old-texts', label: LABEL };
    return startHourly(this.queue, ids, () => this.removeOldTexts(new Date()), this.#options);
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
