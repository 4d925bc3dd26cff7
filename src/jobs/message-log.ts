/**
 * The Message collection records every outbound message and what became of
 * it (the text only for kinds that keep it, see `keepsText`). Writes are
 * batched into one `bulkWrite` every few hundred milliseconds instead of one
 * round trip per message: the queue (Redis) is the source of truth while a
 * message is in flight, this log is for people and reports.
 *
 * "queued" uses $setOnInsert only, so a late "queued" write never overwrites
 * a result that landed first. A record MongoDB refuses is set aside (counted,
 * logged without content); records are dropped only while MongoDB fails.
 */
import { type AnyBulkWriteOperation, mongo } from 'mongoose';
import { MESSAGE_KINDS } from '../engine/message-kinds.ts';
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
/** While MongoDB is failing, keep at most this many records waiting (the oldest are dropped, counted). */
const MAX_PENDING = 20_000;

/** One record's pending write: what to set now, and what only a new document gets. */
interface PendingWrite {
  set: Partial<MessageResult>;
  setOnInsert: Record<string, unknown>;
}

export class MessageLog {
  readonly #models: Models;
  readonly #log: Logger;
  /**
   * Writes waiting, one per record (insertion order = oldest first). Later writes to a record
   * merge into its entry, so a message queued and sent between two flushes costs one statement.
   */
  #pending = new Map<string, PendingWrite>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  /** True after a write failed for a reason other than its record (MongoDB down): only then may records drop. */
  #failing = false;
  /** Records dropped because MongoDB was failing while the backlog was full. */
  dropped = 0;
  /** Records MongoDB refused (e.g. a character PostgreSQL cannot store): set aside so the rest go through. */
  setAside = 0;

  constructor(models: Models, log: Logger) {
    this.#models = models;
    this.#log = log;
  }

  queued(id: string, message: Outbound, at: Date): void {
    this.#push(id, {
      set: {},
      setOnInsert: { ...base(message), status: 'queued', attempts: 0, queuedAt: at },
    });
  }

  result(id: string, message: Outbound, result: MessageResult): void {
    this.#push(id, { set: result, setOnInsert: base(message) });
  }

  #push(id: string, write: PendingWrite): void {
    const earlier = this.#pending.get(id);
    this.#pending.set(id, earlier ? merge(earlier, write) : write);
    if (this.#failing && this.#pending.size > MAX_PENDING) this.#dropOldest();
    if (this.#pending.size >= FLUSH_AT) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  #dropOldest(): void {
    const [oldest] = this.#pending.keys();
    this.#pending.delete(oldest!);
    this.dropped += 1;
    if (this.dropped % 1000 === 1) {
      this.#log.warn(
        { dropped: this.dropped },
        'message log backlog full while MongoDB fails; oldest dropped',
      );
    }
  }

  /** Writes what is pending; resolves when it is stored (or kept for the next try when MongoDB fails). */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#flushing = this.#flushing.then(async () => {
      while (this.#pending.size > 0) {
        const batch = this.#takeOldest(STATEMENTS_PER_COMMAND);
        const stored = await this.#writeBatch(batch);
        this.#failing = !stored;
        if (!stored) {
          this.#timer ??= setTimeout(() => void this.flush(), FLUSH_MS * 8);
          return;
        }
      }
    });
    return this.#flushing;
  }

  #takeOldest(count: number): [string, PendingWrite][] {
    const batch: [string, PendingWrite][] = [];
    for (const entry of this.#pending) {
      if (batch.length === count) break;
      batch.push(entry);
    }
    for (const [id] of batch) this.#pending.delete(id);
    return batch;
  }

  /**
   * One command for the batch; if it fails, one record at a time, so a record MongoDB refuses
   * is set aside instead of blocking every later one. False when MongoDB itself is failing:
   * what was not stored goes back to the front of the queue.
   */
  async #writeBatch(batch: [string, PendingWrite][]): Promise<boolean> {
    try {
      await this.#models.Message.bulkWrite(batch.map(toOperation), { ordered: true });
      return true;
    } catch {
      // Retried below one by one (an ordered batch may have stored its first records: the writes are idempotent).
    }
    for (const [index, entry] of batch.entries()) {
      try {
        await this.#models.Message.bulkWrite([toOperation(entry)]);
      } catch (error) {
        // Name and code only: a write error can carry the document, texts included.
        const { name, code } = error as { name?: string; code?: unknown };
        if (!refusedRecord(error)) {
          this.#log.error(
            { error: name, code, count: batch.length - index },
            'message log write failed; will retry',
          );
          this.#requeue(batch.slice(index));
          return false;
        }
        this.setAside += 1;
        this.#log.error(
          { kind: entry[1].setOnInsert.kind, error: name, code, setAside: this.setAside },
          'message record refused by MongoDB; set aside',
        );
      }
    }
    return true;
  }

  /** Puts unstored records back in front of anything that arrived meanwhile, merging in order. */
  #requeue(entries: [string, PendingWrite][]): void {
    const newer = this.#pending;
    this.#pending = new Map(entries);
    for (const [id, write] of newer) {
      const earlier = this.#pending.get(id);
      this.#pending.set(id, earlier ? merge(earlier, write) : write);
    }
  }
}

/** The same record written twice: the later `$set` wins field by field; `$setOnInsert` keeps the first. */
function merge(earlier: PendingWrite, later: PendingWrite): PendingWrite {
  return {
    set: { ...earlier.set, ...later.set },
    setOnInsert: { ...later.setOnInsert, ...earlier.setOnInsert },
  };
}

function toOperation([id, write]: [string, PendingWrite]): AnyBulkWriteOperation<MessageDoc> {
  // A field may not be in both: what is set wins over what only a new document would get.
  const setOnInsert = Object.fromEntries(
    Object.entries(write.setOnInsert).filter(([key]) => !(key in write.set)),
  );
  const update = Object.keys(write.set).length
    ? { $set: write.set, $setOnInsert: setOnInsert }
    : { $setOnInsert: setOnInsert };
  return { updateOne: { filter: { _id: id }, update, upsert: true } };
}

/** MongoDB answered that it will not store this record (not: MongoDB is unreachable or busy). */
function refusedRecord(error: unknown): boolean {
  return error instanceof mongo.MongoServerError && !error.hasErrorLabel('RetryableWriteError');
}

/** Whether the log stores this message's text (see `keepText` in message-kinds.ts). */
export function keepsText(message: Outbound): boolean {
  return MESSAGE_KINDS[message.kind ?? 'reply'].keepText;
}

function base(message: Outbound) {
  return {
    channel: message.channel,
    chatId: message.chatId,
    memberId: message.memberId,
    kind: message.kind ?? 'reply',
    ...(keepsText(message) ? { text: message.text } : {}),
  };
}
