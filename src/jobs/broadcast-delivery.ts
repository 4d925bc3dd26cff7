/**
 * The delivery of a broadcast: one job per broadcast (id `broadcast|<id>`, so starting it twice
 * starts it once) reads its audience a club at a time (a club's members by one indexed query,
 * each one's chats by member id — FerretDB answers `$in` by scanning) and queues each club's
 * messages through the outbox (Broadcasts.deliverClub), keeping how many clubs it has done in
 * its data — a worker that dies resumes at that club, and the per-member job ids and recorded
 * outcomes make a club read again send nobody twice. No request, and no job, holds the whole
 * audience.
 */
import { type ConnectionOptions, Worker } from 'bullmq';
import type { Logger } from '../log.ts';
import type { Models } from '../models/index.ts';
import { type Broadcasts, DELIVERY_QUEUE, type DeliveryJob } from '../runtime/broadcasts.ts';

/** Clubs read and queued at the same time. */
const CLUBS_AT_ONCE = 4;

export interface BroadcastDeliveryOptions {
  connection: ConnectionOptions;
  prefix: string;
  log: Logger;
  models: Models;
  broadcasts: Broadcasts;
  /** A job held by a worker that died is taken over after this (OUTBOX_LOCK_MS). */
  lockMs: number;
}

export function startBroadcastDelivery(options: BroadcastDeliveryOptions): Worker<DeliveryJob> {
  const { connection, prefix, log, models, broadcasts, lockMs } = options;
  const worker = new Worker<DeliveryJob>(
    DELIVERY_QUEUE,
    async (job) => {
      const id = job.data.broadcastId;
      const b = await models.Broadcast.findById(id, { target: 1, status: 1 }).lean();
      if (b?.status === 'cancelled') return broadcasts.withdraw(id);
      if (b?.status !== 'sending' || !b.target?.id) return;
      const clubs = await broadcasts.clubsOfArea({ kind: b.target.kind as 'unit' | 'club', id: b.target.id });
      // A few clubs at once: each is mostly waiting for the database.
      for (let next = job.data.clubsDone ?? 0; next < clubs.length; next += CLUBS_AT_ONCE) {
        const batch = clubs.slice(next, next + CLUBS_AT_ONCE);
        const results = await Promise.all(batch.map((clubId) => broadcasts.deliverClub(id, clubId)));
        // Cancelled meanwhile: what this job queued before it noticed is taken back out.
        if (results.includes('cancelled')) return broadcasts.withdraw(id);
        await job.updateData({ ...job.data, clubsDone: next + batch.length });
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
