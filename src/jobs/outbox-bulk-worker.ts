/**
 * Sends a sender's bulk jobs (an audience's messages, 50 to a job: see `Outbox.enqueueBulk`) at
 * the platform's pace, beside its worker of single messages and sharing its rate (a Redis token
 * bucket per bot: replies asked for meanwhile get a slot within a moment).
 *
 * Each message keeps its own "sent" marker and Message record, so a job taken over from a worker
 * that died sends only what was not marked sent. One chat's messages go in order; different
 * chats' at once, each at the slot it booked.
 *
 * - 429: the bot's bucket is held back for `retry_after` and the message booked again (not an
 *   attempt).
 * - a network error or 5xx, or the platform's "later" (ZNS at night): the message goes on
 *   alone, as a single job with its own retries, so the rest of the job is not held up.
 * - blocked / refused: recorded failed at once, as the single worker does.
 * - quiet hours that began meanwhile: the message waits for the morning as a single job, or
 *   expires.
 * - withdrawn (a cancelled broadcast): recorded 'expired', not sent.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Job, Queue, Worker } from 'bullmq';
import {
  type BulkItem,
  type BulkJob,
  bulkQueueName,
  type OutboxJob,
  outboxQueueName,
  singleJob,
  withdrawnKey,
} from './outbox.ts';
import {
  asSendError,
  lastError,
  type OutboxWorkerOptions,
  outboxOutcomes,
  rateBucketKey,
} from './outbox-worker.ts';
import { deliveryNow } from './quiet-hours.ts';
import { RateBucket } from './rate-bucket.ts';

/** Slots are booked at most this far ahead, so a reply queued meanwhile waits no longer. */
const BOOK_AHEAD_MS = 1000;
/** 429s in a row for one message before it goes on alone. */
const MAX_RATE_LIMITED = 10;

export interface BulkWorkerOptions extends OutboxWorkerOptions {
  maxAttempts: number;
  backoffMs: number;
}

export function startBulkOutboxWorker(options: BulkWorkerOptions): Worker<BulkJob> {
  const { sender, log, clock, quietHours, redis, prefix } = options;
  const outcomes = outboxOutcomes(options);
  const singleQueueName = sender.queueName ?? outboxQueueName(sender.channel);
  const bucket = new RateBucket(redis, rateBucketKey(prefix, sender), sender.ratePerSecond);
  const singles = new Queue<OutboxJob>(singleQueueName, { connection: options.connection, prefix });
  singles.on('error', (error) => log.error({ err: error, channel: sender.channel }, 'outbox queue error'));

  /**
   * A message handed on to the single worker is noted, so this job taken over after a crash
   * leaves it to that worker instead of sending it too (kept as long as the sent markers).
   */
  const aloneKey = (id: string) => `${prefix}:alone:${id}`;

  /** Hands a message on to the single worker, to go after `delayMs` with its own retries. */
  const goAlone = async (item: BulkItem, queuedAt: Date, delayMs: number, attemptsLeft: number) => {
    await redis.set(aloneKey(item.id), '1', 'EX', 7 * 24 * 3600);
    const job = singleJob(item.id, item.message, queuedAt, {
      delay: delayMs,
      attempts: Math.max(1, attemptsLeft),
      backoffMs: options.backoffMs,
    });
    await singles.add(job.name, job.data, job.opts);
  };

  async function sendOne(item: BulkItem, queuedAt: Date, firstSlotMs: number): Promise<void> {
    const { id, message } = item;
    let slotMs = firstSlotMs;
    for (let limited = 0; ; limited++) {
      if (slotMs > 0) await sleep(slotMs);
      const delivery = deliveryNow(message, clock.now(), quietHours);
      if (delivery.action === 'drop') {
        await outcomes.record(id, message, { status: 'expired', attempts: 0 }, queuedAt);
        await options.onOutcome?.(id, 'failed');
        return;
      }
      if (delivery.action === 'hold') {
        await goAlone(item, queuedAt, delivery.ms, options.maxAttempts);
        return;
      }
      try {
        const { platformMessageId } = await sender.send(message, id);
        await outcomes.sent(id, message, queuedAt, 1, platformMessageId);
        return;
      } catch (error) {
        const failure = asSendError(error);
        log.warn({ job: id, channel: sender.channel, failure: failure.failure }, 'send failed');
        switch (failure.failure) {
          case 'rateLimited':
            await bucket.holdBack(failure.retryAfterMs ?? 1000);
            if (limited >= MAX_RATE_LIMITED) {
              await goAlone(item, queuedAt, failure.retryAfterMs ?? 1000, options.maxAttempts);
              return;
            }
            slotMs = (await bucket.take(1)).delaysMs[0] ?? 0;
            continue;
          case 'recipientGone':
          case 'permanent':
            await outcomes.failed(id, message, queuedAt, 1, failure);
            return;
          case 'later':
          case 'transient': {
            await outcomes.record(
              id,
              message,
              { status: 'queued', attempts: 1, lastError: lastError(failure) },
              queuedAt,
            );
            const later = failure.failure === 'later';
            const delay = later ? (failure.retryAfterMs ?? 60_000) : options.backoffMs;
            await goAlone(item, queuedAt, delay, later ? options.maxAttempts : options.maxAttempts - 1);
            return;
          }
        }
      }
    }
  }

  /** Books slots for `items` (none further than BOOK_AHEAD_MS ahead) and sends each at its own. */
  async function sendAll(items: BulkItem[], queuedAt: Date): Promise<void> {
    const sending: Promise<void>[] = [];
    for (let from = 0; from < items.length; ) {
      const { delaysMs, retryInMs } = await bucket.take(items.length - from, BOOK_AHEAD_MS);
      if (delaysMs.length === 0) {
        await sleep(retryInMs);
        continue;
      }
      for (const delayMs of delaysMs) sending.push(sendOne(items[from++]!, queuedAt, delayMs));
    }
    await Promise.all(sending);
  }

  const worker = new Worker<BulkJob>(
    bulkQueueName(singleQueueName),
    async (job: Job<BulkJob>) => {
      const queuedAt = new Date(job.data.queuedAt);
      const todo = await unsettled(job.data.items, queuedAt);
      // One chat's messages in order: its first ones, then its second ones, and so on.
      const rounds: BulkItem[][] = [];
      const seen = new Map<string, number>();
      for (const item of todo) {
        const chat = `${item.message.channel}:${item.message.chatId}`;
        const round = seen.get(chat) ?? 0;
        seen.set(chat, round + 1);
        if (rounds[round]) rounds[round].push(item);
        else rounds[round] = [item];
      }
      for (const round of rounds) await sendAll(round, queuedAt);
    },
    {
      connection: options.connection,
      prefix,
      concurrency: options.concurrency ?? 4,
      lockDuration: options.lockMs,
      stalledInterval: Math.max(1000, Math.floor(options.lockMs / 2)),
      maxStalledCount: 5,
    },
  );
  worker.on('error', (error) =>
    log.error({ err: error, channel: sender.channel }, 'outbox bulk worker error'),
  );

  /**
   * The items still to send: those marked sent (by a worker that died after sending them) are
   * recorded as sent, those of a withdrawn group as expired; those handed on alone are left to
   * the single worker.
   */
  async function unsettled(items: BulkItem[], queuedAt: Date): Promise<BulkItem[]> {
    const groups = [...new Set(items.flatMap((item) => (item.group ? [item.group] : [])))];
    const [markers, alone, withdrawn] = await Promise.all([
      Promise.all(items.map((item) => outcomes.sentMarker(item.id))),
      redis.mget(items.map((item) => aloneKey(item.id))),
      groups.length ? redis.mget(groups.map((group) => withdrawnKey(prefix, group))) : [],
    ]);
    const gone = new Set(groups.filter((_, index) => withdrawn[index] !== null));
    const todo: BulkItem[] = [];
    await Promise.all(
      items.map(async (item, index) => {
        const marker = markers[index];
        if (alone[index] !== null) return;
        if (marker !== null && marker !== undefined) {
          await outcomes.record(
            item.id,
            item.message,
            { status: 'sent', attempts: 1, platformMessageId: marker },
            queuedAt,
          );
          await options.onOutcome?.(item.id, 'sent');
        } else if (item.group && gone.has(item.group)) {
          await outcomes.record(item.id, item.message, { status: 'expired', attempts: 0 }, queuedAt);
          await options.onOutcome?.(item.id, 'cancelled');
        } else {
          todo.push(item);
        }
      }),
    );
    // Promise.all kept nothing of the order: put the items back in it.
    const order = new Map(items.map((item, index) => [item.id, index]));
    return todo.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  }

  worker.on('closed', () => void singles.close());
  return worker;
}
