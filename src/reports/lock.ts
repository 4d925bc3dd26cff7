/**
 * A short mutual exclusion across processes, made of the one write FerretDB keeps atomic under
 * concurrency: inserting a unique `_id`. Measured here (FerretDB 1.24, PostgreSQL backend):
 * eight simultaneous `updateOne`s of one document — `$inc`, or `$set` of eight different keys,
 * with or without a guard in the filter — keep only some of the changes while every one reports
 * itself modified. So the running totals, which many clubs change at once, are changed under
 * this lock (MongoDB would not need it, and is not harmed by it).
 */
import { randomBytes } from 'node:crypto';
import type { Models } from '../models/index.ts';

/** A holder that died lets go after this long. */
const HOLD_MS = 10_000;
/** Waiting longer than this is an error (something is very slow). */
const WAIT_MS = 30_000;

interface LockDoc {
  _id: string;
  token: string;
  until: Date;
}

export async function withLock<T>(models: Models, key: string, fn: () => Promise<T>): Promise<T> {
  const locks = models.ReportTotal.db.collection<LockDoc>('report_locks');
  const token = randomBytes(8).toString('hex');
  const deadline = Date.now() + WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      await locks.insertOne({ _id: key, token, until: new Date(Date.now() + HOLD_MS) });
      break;
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
    }
    const held = await locks.findOne({ _id: key });
    if (held && held.until.getTime() < Date.now()) await locks.deleteOne({ _id: key, token: held.token });
    if (Date.now() > deadline) throw new Error(`lock ${key} not free after ${WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * Math.min(50, 5 * attempt)));
  }
  try {
    return await fn();
  } finally {
    await locks.deleteOne({ _id: key, token });
  }
}
