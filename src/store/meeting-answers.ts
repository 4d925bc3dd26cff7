/**
 * Members' answers about a meeting (the MeetingAnswer model): her RSVP, her presence, that she
 * was reminded — each a document of its own, `meetingId|memberId|fact`, written whole by `_id`.
 *
 * Why not fields of the meeting: FerretDB 1.24 on PostgreSQL loses some of several simultaneous
 * updates of one document (src/reports/lock.ts), and a club's members answer a reminder, or
 * check in, at the same moment. Here no two writers share a document unless they write the
 * same fact (her RSVP from her and from her proxy; her presence from her check-in and from
 * the chair's roll-call), where the later write is the answer. A meeting's answers are read with
 * one equality on `meetingId` (FerretDB answers it in PostgreSQL; `$in` and `$or` would scan).
 */
import type { Rsvp } from '../engine/types.ts';
import type { Models, PRESENT_BY } from '../models/index.ts';

type Fact = 'rsvp' | 'present' | 'reminded';

/** One write: the fact set to these fields, or (`null`) the fact's document removed. */
export interface AnswerWrite {
  memberId: string;
  fact: Fact;
  set: { rsvp: Rsvp } | { present: (typeof PRESENT_BY)[number] } | { remindedAt: Date } | null;
}

export interface MeetingAnswers {
  /** Member id → her answer. */
  rsvps: Record<string, Rsvp>;
  /** The members marked present. */
  present: string[];
  /** The members a reminder asked. */
  reminded: string[];
}

/** An insert that lost to another writer creating the same document (the upsert's duplicate key). */
const DUPLICATE_KEY = 11000;
/** Tries of a write that keeps losing such races (the second is an update, so it does not lose). */
const TRIES = 3;

/**
 * Writes answers about `meetingId`, in one round trip. An upsert that a simultaneous writer of
 * the same document beat to its creation fails with a duplicate key (FerretDB often: 8 upserts
 * of one new `_id` at once, 4–5 fail; MongoDB at times): it is written again, as an update now.
 */
export async function writeAnswers(models: Models, meetingId: string, writes: AnswerWrite[]): Promise<void> {
  let todo = writes;
  for (let tried = 1; todo.length > 0; tried++) {
    try {
      await models.MeetingAnswer.bulkWrite(
        todo.map(({ memberId, fact, set }) => {
          const filter = { _id: `${meetingId}|${memberId}|${fact}` };
          return set
            ? { updateOne: { filter, update: { $set: { meetingId, memberId, ...set } }, upsert: true } }
            : { deleteOne: { filter } };
        }),
        { ordered: false },
      );
      return;
    } catch (error) {
      const failed = (error as { writeErrors?: { index: number; code: number }[] }).writeErrors ?? [];
      const raced = failed.length > 0 && failed.every(({ code }) => code === DUPLICATE_KEY);
      if (!raced || tried === TRIES) throw error;
      todo = failed.map(({ index }) => todo[index]!);
    }
  }
}

/** Everything the members answered about `meetingId`. */
export async function readAnswers(models: Models, meetingId: string): Promise<MeetingAnswers> {
  const docs = await models.MeetingAnswer.find(
    { meetingId },
    { memberId: 1, rsvp: 1, present: 1, remindedAt: 1 },
  ).lean();
  const answers: MeetingAnswers = { rsvps: {}, present: [], reminded: [] };
  for (const doc of docs) {
    if (doc.rsvp) answers.rsvps[doc.memberId] = doc.rsvp;
    if (doc.present) answers.present.push(doc.memberId);
    if (doc.remindedAt) answers.reminded.push(doc.memberId);
  }
  return answers;
}

/** Removes the answers about a meeting that is gone. */
export async function removeAnswers(models: Models, meetingId: string): Promise<void> {
  await models.MeetingAnswer.deleteMany({ meetingId });
}
