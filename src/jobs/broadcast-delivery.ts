/**
 * The delivery of a broadcast: one job per broadcast (id `broadcast|<id>`, so starting it twice
 * starts it once) reads its audience a page at a time and queues each page's messages through
 * the outbox (Broadcasts.deliverPage), keeping how far it got in its data — a worker that dies
 * resumes at that page, and the per-member job ids and recorded outcomes make a page read again
 * send nobody twice. No request, and no job, holds the whole audience.
 */
import { type ConnectionOptions, Worker } from 'bullmq';
import type { Logger } from '../log.ts';
import type { Models } from '../models/index.ts';
import type { Audiences } from '../runtime/audiences.ts';
import { Broadcasts, DELIVERY_QUEUE, type DeliveryJob } from '../runtime/broadcasts.ts';

export interface BroadcastDeliveryOptions {
  connection: ConnectionOptions;
  prefix: string;
  log: Logger;
  models: Models;
  audiences: Audiences;
  broadcasts: Broadcasts;
  /** A job held by a worker that died is taken over after this (OUTBOX_LOCK_MS). */
  lockMs: number;
}

export function startBroadcastDelivery(options: BroadcastDeliveryOptions): Worker<DeliveryJob> {
  const { connection, prefix, log, models, audiences, broadcasts, lockMs } = options;
  const worker = new Worker<DeliveryJob>(
    DELIVERY_QUEUE,
    async (job) => {
      const id = job.data.broadcastId;
      const b = await models.Broadcast.findById(id, { target: 1, who: 1, status: 1 }).lean();
      if (b?.status === 'cancelled') return broadcasts.withdraw(id);
      if (b?.status !== 'sending' || !b.target?.id) return;
      const audience = Broadcasts.audience(
        { kind: b.target.kind as 'unit' | 'club', id: b.target.id },
        b.who as 'all' | 'board' | 'volunteers',
      );
      let after = job.data.after;
      for (;;) {
        const page = await audiences.page(audience, after);
        // Cancelled meanwhile: what this job queued before it noticed is taken back out.
        if ((await broadcasts.deliverPage(id, page.memberIds)) === 'cancelled')
          return broadcasts.withdraw(id);
        if (!page.after) break;
        after = page.after;
        await job.updateData({ ...job.data, after });
      }
      await broadcasts.closeAudience(id);
    },
    {
      connection,
      prefix,
      concurrency: 2,
      lockDuration: lockMs,
      stalledInterval: Math.max(1000, Math.floor(lockMs / 2)),
      maxStalledCount: 5,
    },
  );
  worker.on('error', (error) => log.error({ err: error }, 'broadcast delivery worker error'));
  return worker;
}
