/**
 * The Message collection records every outbound message and what became of
 * it. Writes are batched into one `bulkWrite` every few hundred milliseconds
 * instead of one round trip per message: the queue (Redis) is the source of
 * truth while a message is in flight, this log is for people and reports.
 *
 * "queued" uses $setOnInsert only, so a late "queued" write never overwrites
 * a result that landed first.
 */
import type { AnyBulkWriteOperation } from 'mongoose';
import type { Outbound } from '../engine/types.ts';
import type { Logger } from '../log.ts';
import type { MessageDoc, Models } from '../models/index.ts';

type Status = MessageDoc['status'];

export interface MessageResult {
  status: Status;
  attempts: number;
  platformMessageId?: string;
  lastError?: string;
  sentAt?: Date;
}

const FLUSH_MS = 250;
const FLUSH_AT = 200;
/**
 * Statements per bulkWrite command. FerretDB on PostgreSQL holds one PostgreSQL
 * connection per updated document until the command ends: 60 updates in one
 * command took 67 connections, 120 wedged it for good (measured). Ten keeps
 * every process far below its pool_max_conns while still batching.
 */
const STATEMENTS_PER_COMMAND = 10;
/** If MongoDB is down for long, keep at most this many pending writes (oldest dropped, logged). */
const MAX_PENDING = 20_000;

export class MessageLog {
  readonly #models: Models;
  readonly #log: Logger;
  #pending: AnyBulkWriteOperation<MessageDoc>[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(models: Models, log: Logger) {
    this.#models = models;
    this.#log = log;
  }

  queued(id: string, message: Outbound, at: Date): void {
    this.#push({
      updateOne: {
        filter: { _id: id },
        update: { $setOnInsert: { ...base(message), status: 'queued', attempts: 0, queuedAt: at } },
        upsert: true,
      },
    });
  }

  result(id: string, message: Outbound, result: MessageResult): void {
    this.#push({
      updateOne: {
        filter: { _id: id },
        update: { $set: result, $setOnInsert: base(message) },
        upsert: true,
      },
    });
  }

  #push(op: AnyBulkWriteOperation<MessageDoc>): void {
    this.#pending.push(op);
    if (this.#pending.length > MAX_PENDING) {
      this.#pending.splice(0, this.#pending.length - MAX_PENDING);
      this.#log.warn({ dropped: true }, 'message log backlog full; oldest entries dropped');
    }
    if (this.#pending.length >= FLUSH_AT) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Writes what is pending; resolves when it is stored (or kept for the next try on error). */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#flushing = this.#flushing.then(async () => {
      while (this.#pending.length > 0) {
        const batch = this.#pending.slice(0, STATEMENTS_PER_COMMAND);
        try {
          await this.#models.Message.bulkWrite(batch, { ordered: true });
        } catch (error) {
          this.#log.error({ err: error, count: batch.length }, 'message log write failed; will retry');
          this.#timer ??= setTimeout(() => void this.flush(), FLUSH_MS * 8);
          return;
        }
        this.#pending.splice(0, batch.length);
      }
    });
    return this.#flushing;
  }
}

function base(message: Outbound) {
  return {
    channel: message.channel,
    chatId: message.chatId,
    memberId: message.memberId,
    kind: message.kind ?? 'reply',
    text: message.text,
  };
}
