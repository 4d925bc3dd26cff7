/**
 * Work for other people's chats that need not hold up the reply to the person
 * who caused it happens here, after that reply:
 * - telling a large audience (an area's members): one job per notice reads the
 *   audience a page at a time and queues each page's messages through the
 *   outbox, keeping how far it got in its data, so a worker that dies resumes
 *   at that page; per-chat delivery ids make a page sent twice tell nobody twice;
 * - opening a flow in others' chats (an approval request in the leaders'
 *   chats): one job per `start`, run one at a time, so two requests for the
 *   same chair never race for her chat.
 */
import { type ConnectionOptions, Queue, Worker } from 'bullmq';
import type { NotifyEffect, StartEffect } from '../engine/types.ts';
import type { Logger } from '../log.ts';
import type { Audiences } from '../runtime/audiences.ts';
import { outboxJobId } from './outbox.ts';

const QUEUE = 'fan-out';

interface FanOutJob {
  effect: NotifyEffect | StartEffect;
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

  /** Queues the effect once per key (adding it again while it exists changes nothing). */
  async add(effect: NotifyEffect | StartEffect): Promise<void> {
    await this.#queue.add(
      effect.type,
      { effect },
      {
        jobId: outboxJobId('fan-out', effect.key),
        attempts: 8,
        backoff: { type: 'exponential', delay: 2000 },
        // A replayed turn adds the same job within seconds; the same request made again later
        // (a member asking a club once more) must not be taken for it.
        removeOnComplete: { age: effect.type === 'start' ? 3600 : 7 * 24 * 3600 },
        removeOnFail: { age: 30 * 24 * 3600 },
      },
    );
  }

  /** Tells each page of each queued audience with `tell` (Effects.notifyPage); opens flows with `open`. */
  startWorker(
    audiences: Audiences,
    tell: (effect: NotifyEffect, memberIds: string[]) => Promise<void>,
    open: (effect: StartEffect) => Promise<void>,
  ): Worker {
    const { connection, prefix, log } = this.#options;
    const worker = new Worker<FanOutJob>(
      QUEUE,
      async (job) => {
        const { effect } = job.data;
        if (effect.type === 'start') return open(effect);
        let after = job.data.after;
        for (;;) {
          const page = await audiences.page(effect.to, after);
          await tell(effect, page.memberIds);
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
