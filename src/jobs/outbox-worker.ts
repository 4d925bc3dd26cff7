/**
 * Sends the outbox of one channel at that platform's pace.
 *
 * - 429: the whole queue pauses for the platform's `retry_after` (BullMQ
 *   manual rate limiting); the attempt is not counted.
 * - network errors and 5xx: retried with exponential backoff, then "dead".
 * - blocked / deactivated: not retried; the chat is marked stopped.
 *
 * A worker killed mid-job leaves the job locked; BullMQ's stalled check hands
 * it to another worker after `lockMs`. A Redis marker written as soon as the
 * platform accepted the message stops that second worker from sending it
 * again. (A kill inside the HTTP call itself, before the platform answered,
 * cannot be told apart from a lost request: that message is sent again —
 * a repeated reminder is better than a lost health alert.)
 *
 * Quiet hours are checked again before each send: a message that comes due at night (a retry,
 * a ZNS night ban's delay) and may wait goes back to the delayed set until they end, or is
 * logged 'expired' when it would be pointless by then.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type ConnectionOptions,
  DelayedError,
  type Job,
  RateLimitError,
  UnrecoverableError,
  Worker,
} from 'bullmq';
import type { Redis } from 'ioredis';
import { type ChannelSender, SendError } from '../channels/types.ts';
import type { Clock } from '../clock.ts';
import type { Outbound } from '../engine/types.ts';
import type { Logger } from '../log.ts';
import type { MessageLog, MessageResult } from './message-log.ts';
import { type OutboxJob, outboxQueueName } from './outbox.ts';
import { deliveryNow, type QuietHours } from './quiet-hours.ts';
import { RateBucket } from './rate-bucket.ts';
import { tickBatch } from './tick-batch.ts';

export interface OutboxWorkerOptions {
  connection: ConnectionOptions;
  prefix: string;
  redis: Redis;
  sender: ChannelSender;
  messageLog: MessageLog;
  log: Logger;
  clock: Clock;
  quietHours: QuietHours;
  /** Called when the platform says the person is gone (blocked the bot, deleted the account). */
  onRecipientGone(message: Outbound): Promise<void>;
  /** How long a job stays locked to a worker that stopped answering. */
  lockMs: number;
  concurrency?: number;
  /** Told once a message's fate is settled (a broadcast counts its recipients' outcomes by it). */
  onOutcome?(jobId: string, outcome: 'sent' | 'failed' | 'blocked' | 'cancelled'): Promise<void>;
}

const SENT_MARKER_TTL_SECONDS = 7 * 24 * 3600;

/**
 * What the single and the bulk worker of a sender record alike: each message's "sent" marker (the
 * messages sending at once read and write theirs together: one Redis round trip each way), its
 * Message record, and its settled outcome.
 */
export function outboxOutcomes(options: OutboxWorkerOptions) {
  const { messageLog, redis } = options;
  const markerKey = (jobId: string) => `${options.prefix}:sent:${jobId}`;
  const sentMarker = tickBatch((ids: string[]) => redis.mget(ids.map(markerKey)));
  const markSent = tickBatch(async (sent: [string, string][]) => {
    const pipeline = redis.pipeline();
    for (const [id, platformMessageId] of sent)
      pipeline.set(markerKey(id), platformMessageId, 'EX', SENT_MARKER_TTL_SECONDS);
    const failed = (await pipeline.exec())?.find(([error]) => error)?.[0];
    if (failed) throw failed;
    return [];
  });
  return {
    /** The platform's id of a message already sent (by a worker that died before finishing), or null. */
    sentMarker,
    record: (id: string, message: Outbound, result: MessageResult, queuedAt: Date) =>
      messageLog.result(id, message, result, queuedAt),
    async sent(id: string, message: Outbound, queuedAt: Date, attempts: number, platformMessageId: string) {
      await Promise.all([
        markSent([id, platformMessageId]),
        messageLog.result(
          id,
          message,
          { status: 'sent', attempts, platformMessageId, sentAt: options.clock.now() },
          queuedAt,
        ),
      ]);
      await options.onOutcome?.(id, 'sent');
    },
    /** Failed for good: the person is gone (the chat is marked stopped), or the platform refused it. */
    async failed(id: string, message: Outbound, queuedAt: Date, attempts: number, failure: SendError) {
      await messageLog.result(
        id,
        message,
        { status: 'failed', attempts, lastError: lastError(failure) },
        queuedAt,
      );
      if (failure.failure === 'recipientGone') await options.onRecipientGone(message);
      await options.onOutcome?.(id, failure.failure === 'recipientGone' ? 'blocked' : 'failed');
    },
  };
}

export function lastError(failure: SendError): string {
  return failure.message.slice(0, 500);
}

export function asSendError(error: unknown): SendError {
  return error instanceof SendError ? error : new SendError('transient', String(error));
}

export function startOutboxWorker(options: OutboxWorkerOptions): Worker<OutboxJob> {
  const { sender, log, clock, quietHours } = options;
  const outcomes = outboxOutcomes(options);
  const bucket = new RateBucket(options.redis, rateBucketKey(options.prefix, sender), sender.ratePerSecond);

  const worker: Worker<OutboxJob> = new Worker<OutboxJob>(
    sender.queueName ?? outboxQueueName(sender.channel),
    async (job: Job<OutboxJob>, token?: string) => {
      const id = job.id!;
      const { message } = job.data;
      const attempts = job.attemptsMade + 1;
      const queuedAt = new Date(job.data.queuedAt);
      const record = (result: MessageResult) => outcomes.record(id, message, result, queuedAt);
      const alreadySent = await outcomes.sentMarker(id);
      if (alreadySent !== null) {
        await record({ status: 'sent', attempts, platformMessageId: alreadySent });
        await options.onOutcome?.(id, 'sent');
        return alreadySent;
      }
      const delivery = deliveryNow(message, clock.now(), quietHours);
      if (delivery.action === 'drop') {
        await record({ status: 'expired', attempts: job.attemptsMade });
        await options.onOutcome?.(id, 'failed');
        return 'expired';
      }
      if (delivery.action === 'hold') {
        // BullMQ's delays run on real time: the wait is measured on our clock, then added to it.
        await job.moveToDelayed(Date.now() + delivery.ms, token);
        throw new DelayedError();
      }
      try {
        // The bot's rate is shared with its bulk worker: this message takes its slot too.
        const [slot] = (await bucket.take(1)).delaysMs;
        if (slot) await sleep(slot);
        const { platformMessageId } = await sender.send(message, id);
        await outcomes.sent(id, message, queuedAt, attempts, platformMessageId);
        return platformMessageId;
      } catch (error) {
        const failure = asSendError(error);
        log.warn({ job: id, channel: sender.channel, failure: failure.failure, attempts }, 'send failed');
        switch (failure.failure) {
          case 'rateLimited':
            await bucket.holdBack(failure.retryAfterMs ?? 1000);
            await worker.rateLimit(failure.retryAfterMs ?? 1000);
            throw new RateLimitError();
          case 'recipientGone':
          case 'permanent':
            await outcomes.failed(id, message, queuedAt, attempts, failure);
            throw new UnrecoverableError(lastError(failure));
          case 'later':
            await record({ status: 'queued', attempts, lastError: lastError(failure) });
            await job.moveToDelayed(Date.now() + (failure.retryAfterMs ?? 60_000), token);
            throw new DelayedError();
          case 'transient': {
            const last = attempts >= (job.opts.attempts ?? 1);
            await record({ status: last ? 'dead' : 'queued', attempts, lastError: lastError(failure) });
            if (last) await options.onOutcome?.(id, 'failed');
            throw failure;
          }
        }
      }
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency ?? 4,
      limiter: { max: Math.max(1, Math.floor(sender.ratePerSecond)), duration: 1000 },
      lockDuration: options.lockMs,
      stalledInterval: Math.max(1000, Math.floor(options.lockMs / 2)),
      maxStalledCount: 5,
    },
  );
  worker.on('error', (error) => log.error({ err: error, channel: sender.channel }, 'outbox worker error'));
  return worker;
}

/** The Redis bucket of a sender's rate (one per bot: its queue's name). */
export function rateBucketKey(prefix: string, sender: ChannelSender): string {
  return `${prefix}:rate:${sender.queueName ?? outboxQueueName(sender.channel)}`;
}
