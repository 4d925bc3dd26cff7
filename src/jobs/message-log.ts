/**
 * The Message collection records every outbound message and what became of
 * it (the text only for kinds that keep it, see `keepsText`).
 *
 * Nothing is held in the process: each write ("queued", then the result) is
 * appended to a Redis list the moment it happens — Redis holds the message's
 * job too, and runs with AOF in production — so a stop or a crash loses no
 * record. One process at a time (a Redis lock) drains the list into MongoDB in
 * batches, merging the writes of each record, at the pace MongoDB sustains;
 * when MongoDB is down the list simply grows (nothing is dropped) and drains
 * when it is back. A record MongoDB refuses is set aside (counted, logged
 * without content) so the rest go through.
 *
 * "queued" uses $setOnInsert only, so a late "queued" write never overwrites
 * a result that landed first.
 *
 * A message queued to go at once gets no "queued" write: its BullMQ job holds it durably from that
 * moment, and its result carries the whole record (with `queuedAt`), so it goes to MongoDB once,
 * in a bulk insert at its final state — also when it waited minutes behind a rate limit. Only a
 * message queued with a delay (quiet hours) is recorded "queued" at once; such a write is still
 * held back in Redis for up to HOLD_MS in case its result follows. A result whose record is
 * already stored (a delayed message, a retry) fails its insert and becomes an upsert.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { type AnyBulkWriteOperation, mongo } from 'mongoose';
import { MESSAGE_KINDS } from '../engine/message-kinds.ts';
import type { Outbound } from '../engine/types.ts';
import type { Logger } from '../log.ts';
import type { MessageDoc, Models } from '../models/index.ts';
import { tickBatch } from './tick-batch.ts';

type Status = MessageDoc['status'];

export interface MessageResult {
  status: Status;
  attempts: number;
  platformMessageId?: string;
  lastError?: string;
  sentAt?: Date;
}

/** Writes gather this long before a drain: batches of hundreds, not a command per message. */
const DRAIN_DELAY_MS = 1000;
/** How long a record that is only "queued" waits in Redis for its result (real time, see above). */
const HOLD_MS = 2000;
/** Writes read from the list at a time (merged per record before they go to MongoDB). */
const READ_AT_ONCE = 2000;
/**
 * Statements per bulkWrite command. FerretDB on PostgreSQL holds one PostgreSQL
 * connection per updated document until the command ends: 60 updates in one
 * command took 67 connections, 120 wedged it for good (measured). Ten keeps
 * every process far below its pool_max_conns while still batching.
 */
const STATEMENTS_PER_COMMAND = 10;
/** New records per insert command (inserts hold no connection per document on FerretDB). */
const INSERTS_PER_COMMAND = 100;
/** The drainer's lock lives this long unless renewed (a drainer that died is taken over). */
const LOCK_MS = 30_000;
/** After a failed write (MongoDB down), the next try waits this long. */
const RETRY_MS = 2000;

/** One record's pending write: what to set now, and what only a new document gets. */
interface PendingWrite {
  set: Partial<MessageResult>;
  setOnInsert: Record<string, unknown>;
  /** When a drain first put this record back to wait for its result (Date.now()). */
  heldSince?: number;
}

export class MessageLog {
  readonly #models: Models;
  readonly #log: Logger;
  readonly #redis: Redis;
  readonly #listKey: string;
  readonly #lockKey: string;
  readonly #owner = randomBytes(8).toString('hex');
  #timer: NodeJS.Timeout | undefined;
  /** Appends made in the same turn of the event loop (many jobs finishing together) go in one RPUSH. */
  readonly #push = tickBatch((batches: string[][]) => this.#pushLines(batches));
  #draining: Promise<void> = Promise.resolve();
  /** Records MongoDB refused (e.g. a character PostgreSQL cannot store): set aside so the rest go through. */
  setAside = 0;

  constructor(models: Models, log: Logger, redis: Redis, prefix: string) {
    this.#models = models;
    this.#log = log;
    this.#redis = redis;
    this.#listKey = `${prefix}:message-log`;
    this.#lockKey = `${prefix}:message-log:drainer`;
  }

  /** Records that messages were queued (one Redis round trip for all of them). */
  async queued(entries: { id: string; message: Outbound }[], at: Date): Promise<void> {
    await this.#append(
      entries.map(({ id, message }) => [
        id,
        { set: {}, setOnInsert: { ...base(message), status: 'queued', attempts: 0, queuedAt: at } },
      ]),
    );
  }

  /** The message's state now; `queuedAt` (the job's) completes the record when it is the first write. */
  async result(id: string, message: Outbound, result: MessageResult, queuedAt?: Date): Promise<void> {
    const setOnInsert = { ...base(message), ...(queuedAt ? { queuedAt } : {}) };
    await this.#append([[id, { set: result, setOnInsert }]]);
  }

  /** Writes waiting in Redis for MongoDB. */
  backlog(): Promise<number> {
    return this.#redis.llen(this.#listKey);
  }

  async #append(writes: [string, PendingWrite][]): Promise<void> {
    if (writes.length === 0) return;
    await this.#push(writes.map((write) => JSON.stringify(write)));
    this.#timer ??= setTimeout(() => void this.flush(), DRAIN_DELAY_MS);
  }

  async #pushLines(batches: string[][]): Promise<undefined[]> {
    await this.#redis.rpush(this.#listKey, ...batches.flat());
    return [];
  }

  /**
   * Moves what waits in Redis into MongoDB, if no other process is doing it; resolves when the
   * list is empty (but for records held back for their result, unless `everything`), another
   * process drains it, or MongoDB failed (a retry is planned).
   */
  flush({ everything = false } = {}): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#draining = this.#draining
      .then(() => this.#drain(everything))
      .catch((error: unknown) => {
        this.#log.error({ err: error }, 'message log drain failed; will retry');
        this.#timer ??= setTimeout(() => void this.flush(), RETRY_MS);
      });
    return this.#draining;
  }

  /**
   * Stops planning drains and gives up the drainer's lock if this process holds it (what waits
   * stays in Redis for the next process, which must not wait LOCK_MS for a lock nobody renews).
   */
  async close(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#releaseLock();
  }

  async #releaseLock(): Promise<void> {
    if ((await this.#redis.get(this.#lockKey)) === this.#owner) await this.#redis.del(this.#lockKey);
  }

  async #drain(everything: boolean): Promise<void> {
    const locked = await this.#redis.set(this.#lockKey, this.#owner, 'PX', LOCK_MS, 'NX');
    if (locked !== 'OK') return;
    try {
      for (;;) {
        const raw = await this.#redis.lrange(this.#listKey, 0, READ_AT_ONCE - 1);
        if (raw.length === 0) return;
        const merged = new Map<string, PendingWrite>();
        for (const line of raw) {
          const [id, write] = JSON.parse(line) as [string, PendingWrite];
          const earlier = merged.get(id);
          merged.set(id, earlier ? merge(earlier, write) : write);
        }
        const now = Date.now();
        const entries = [...merged];
        const held = everything ? [] : entries.filter(([, write]) => waitsForResult(write, now));
        const due = entries.filter(([, write]) => everything || !waitsForResult(write, now));
        // Every write holds the whole record: inserted whole, in bulk (far cheaper than an upsert
        // per state); those stored before (a delayed message, a retry) become updates.
        const stored = await this.#insertFresh(due);
        if (!stored) {
          // MongoDB is failing: everything stays in Redis (writes already done repeat harmlessly).
          this.#timer ??= setTimeout(() => void this.flush(), RETRY_MS);
          return;
        }
        // What was read goes; what waits for its result goes back to the end, in one step.
        const trim = this.#redis.multi().ltrim(this.#listKey, raw.length, -1);
        if (held.length > 0)
          trim.rpush(
            this.#listKey,
            ...held.map(([id, write]) => JSON.stringify([id, { heldSince: now, ...write }])),
          );
        await trim.pexpire(this.#lockKey, LOCK_MS).exec();
        if (due.length === 0) {
          // Only records waiting for their result are left: look again shortly.
          this.#timer ??= setTimeout(() => void this.flush(), DRAIN_DELAY_MS);
          return;
        }
      }
    } finally {
      // Released only if still ours (a drainer slower than LOCK_MS may have been taken over).
      await this.#releaseLock();
    }
  }

  /**
   * Inserts new records INSERTS_PER_COMMAND at a time. Any that exist already (a drain that
   * stopped before trimming the list) or that MongoDB refuses go the update path, one by one.
   */
  async #insertFresh(entries: [string, PendingWrite][]): Promise<boolean> {
    return this.#inChunks(entries, INSERTS_PER_COMMAND, async (chunk) => {
      try {
        // The driver's insert, not mongoose's: building and validating a mongoose document per
        // record was the largest cost of a broadcast's log. The records are ours and whole.
        const now = new Date();
        const { Message } = this.#models;
        await Message.db.collection<MessageRecord>(Message.collection.collectionName).insertMany(
          chunk.map((entry) => toDocument(entry, now)),
          { ordered: false },
        );
        return true;
      } catch (error) {
        // Only the records that were not inserted, and never as one command: FerretDB holds a
        // PostgreSQL connection per updated document until the command ends, and a hundred
        // upserts at once wedged it for good (seen in the inbound bench).
        const failed = notInserted(error, chunk.length);
        const rest = chunk.filter((_, index) => failed.has(index));
        return this.#inChunks(rest, STATEMENTS_PER_COMMAND, (part) => this.#writeBatch(part));
      }
    });
  }

  /** Runs `write` over `entries` in chunks, in order; false as soon as one fails (MongoDB down). */
  async #inChunks(
    entries: [string, PendingWrite][],
    size: number,
    write: (chunk: [string, PendingWrite][]) => Promise<boolean>,
  ): Promise<boolean> {
    for (let at = 0; at < entries.length; at += size) {
      if (!(await write(entries.slice(at, at + size)))) return false;
    }
    return true;
  }

  /**
   * One command for the batch; if it fails, one record at a time, so a record MongoDB refuses
   * is set aside instead of blocking every later one. False when MongoDB itself is failing.
   */
  async #writeBatch(batch: [string, PendingWrite][]): Promise<boolean> {
    try {
      await this.#models.Message.bulkWrite(batch.map(toOperation), { ordered: true });
      return true;
    } catch {
      // Retried below one by one (an ordered batch may have stored its first records: the writes are idempotent).
    }
    for (const entry of batch) {
      try {
        await this.#models.Message.bulkWrite([toOperation(entry)]);
      } catch (error) {
        // Name and code only: a write error can carry the document, texts included.
        const { name, code } = error as { name?: string; code?: unknown };
        if (!refusedRecord(error)) {
          this.#log.error({ error: name, code }, 'message log write failed; will retry');
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
}

/** The same record written twice: the later `$set` wins field by field; `$setOnInsert` keeps the first. */
function merge(earlier: PendingWrite, later: PendingWrite): PendingWrite {
  const heldSince = earlier.heldSince ?? later.heldSince;
  return {
    set: { ...earlier.set, ...later.set },
    setOnInsert: { ...later.setOnInsert, ...earlier.setOnInsert },
    ...(heldSince === undefined ? {} : { heldSince }),
  };
}

/** Only "queued" so far, and not yet held back for HOLD_MS: its result may still come. */
function waitsForResult(write: PendingWrite, now: number): boolean {
  return write.set.status === undefined && now - (write.heldSince ?? now) < HOLD_MS;
}

/**
 * A new record whole, as the schema would store it: what only a new document gets, the latest
 * state over it, its times as dates again (they went through JSON in Redis), and the timestamps.
 */
function toDocument([id, write]: [string, PendingWrite], now: Date): MessageRecord {
  const record: Record<string, unknown> = {
    status: 'queued',
    attempts: 0,
    ...write.setOnInsert,
    ...write.set,
  };
  for (const field of DATE_FIELDS)
    if (typeof record[field] === 'string') record[field] = new Date(record[field] as string);
  return { ...record, _id: id, createdAt: now, updatedAt: now };
}

type MessageRecord = Record<string, unknown> & { _id: string };

const DATE_FIELDS = ['queuedAt', 'sentAt', 'deliveredAt'] as const;

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

/** Positions in an unordered insert that failed (all of them when the error does not say). */
function notInserted(error: unknown, count: number): Set<number> {
  const writeErrors = (error as { writeErrors?: { index?: unknown }[] }).writeErrors;
  const indexes = writeErrors?.map((writeError) => writeError.index);
  if (!indexes?.length || indexes.some((index) => typeof index !== 'number'))
    return new Set(Array.from({ length: count }, (_, index) => index));
  return new Set(indexes as number[]);
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
