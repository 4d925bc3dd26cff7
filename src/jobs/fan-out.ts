/**
 * Telling a large audience (an area's members) happens here, not in the
 * request that asked for it: one BullMQ job per notice reads the audience a
 * page at a time and queues each page's messages through the outbox. The job
 * keeps how far it got in its data, so a worker that dies resumes at that page;
 * per-chat delivery ids make a page sent twice tell nobody twice.
 */
import { type ConnectionOptions, Queue, Worker } from 'bullmq';
import type { NotifyEffect } from '../engine/types.ts';
import type { Logger } from '../log.ts';
import type { Audiences } from '../runtime/audiences.ts';
import { outboxJobId } from './outbox.ts';

const QUEUE = 'fan-out';

interface FanOutJob {
  effect: NotifyEffect;
  /** The last member id of the page already told. */
  after?: string;
}

export interface FanOutOptions {
  connection: ConnectionOptions;
  prefix: string;
  log: Logger;
}

export class FanOut {
  readonly #options: FanOutOptions;
  readonly #queue: Queue<FanOutJob>;

  constructor(options: FanOutOptions) {
    this.#options = options;
    this.#queue = new Queue<FanOutJob>(QUEUE, { connection: options.connection, prefix: options.prefix });
    this.#queue.on('error', (error) => options.log.error({ err: error }, 'fan-out queue error'));
  }

  /** Queues the notice once per key (adding it again while it exists changes nothing). */
  async add(effect: NotifyEffect): Promise<void> {
    await this.#queue.add(
      'notify',
      { effect },
      {
        jobId: outboxJobId('fan-out', effect.key),
        attempts: 8,
        backoff: { type: 'exponential', delay: 2000 },
        removeOnComplete: { age: 7 * 24 * 3600 },
        removeOnFail: { age: 30 * 24 * 3600 },
      },
    );
  }

  /** Tells each page of each queued audience with `tell` (Effects.notifyPage). */
  startWorker(
    audiences: Audiences,
    tell: (effect: NotifyEffect, memberIds: string[]) => Promise<void>,
  ): Worker {
    const { connection, prefix, log } = this.#options;
    const worker = new Worker<FanOutJob>(
      QUEUE,
      async (job) => {
        let after = job.data.after;
        for (;;) {
          const page = await audiences.page(job.data.effect.to, after);
          await tell(job.data.effect, page.memberIds);
          if (!page.after) return;
          after = page.after;
          await job.updateData({ ...job.data, after });
        }
      },
      { connection, prefix },
    );
    worker.on('error', (error) => log.error({ err: error }, 'fan-out worker error'));
    return worker;
  }

  close(): Promise<void> {
    return this.#queue.close();
  }
}
