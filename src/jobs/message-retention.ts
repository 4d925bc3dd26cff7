/**
 * Message texts are personal data (names, phone numbers in notices): the Message
 * log keeps them MESSAGE_TEXT_RETENTION_DAYS, then an hourly job removes the text
 * and keeps the delivery record. A job rather than a TTL index: FerretDB has none,
 * and only the text goes, not the record. (Replies and codes never store their
 * text at all: see `keepsText` in message-log.ts.) A broadcast's photo goes as long
 * after the broadcast ended (sent or cancelled); the broadcast's record stays.
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
    return startHourly(
      this.queue,
      ids,
      async () => {
        const now = new Date();
        await this.removeOldTexts(now);
        await this.removeOldPhotos(now);
      },
      this.#options,
    );
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

  /**
   * Removes the photos of broadcasts that ended more than the retention period before `now`.
   * Few broadcasts have a photo: they are read and sorted here, and each photo removed by its
   * `_id` (FerretDB would read every photo's bytes to answer a filter on anything else).
   */
  async removeOldPhotos(now: Date): Promise<number> {
    const { Broadcast, BroadcastPhoto } = this.#options.models;
    const cutoff = now.getTime() - this.#options.retentionDays * 24 * 3600_000;
    const withPhotos = await Broadcast.find(
      { photo: true },
      { finishedAt: 1, cancelledAt: 1, photoRemovedAt: 1 },
    ).lean();
    let removed = 0;
    for (const broadcast of withPhotos) {
      const endedAt = broadcast.cancelledAt ?? broadcast.finishedAt;
      if (broadcast.photoRemovedAt || !endedAt || endedAt.getTime() >= cutoff) continue;
      removed += (await BroadcastPhoto.deleteOne({ _id: broadcast._id })).deletedCount;
      await Broadcast.updateOne({ _id: broadcast._id }, { $set: { photoRemovedAt: now } });
    }
    if (removed > 0) this.#options.log.info({ count: removed }, 'old broadcast photos removed');
    return removed;
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
