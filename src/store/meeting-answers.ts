/**
 * Members' answers about a meeting (the MeetingAnswer model): her RSVP, her presence, that she
 * was reminded — each a document of its own, `meetingId|memberId|fact`, written by `_id`.
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

/** One fact about one member, with its field. */
export interface Answer {
  memberId: string;
  fact: Fact;
  set: { rsvp: Rsvp } | { present: (typeof PRESENT_BY)[number] } | { remindedAt: Date };
}

export interface MeetingAnswers {
  /** Member id → her answer. */
  rsvps: Record<string, Rsvp>;
  /** The members marked present. */
  present: string[];
  /** The members a reminder asked. */
  reminded: string[];
}

/** An insert of a fact that is there already (written before, or by someone else this moment). */
const DUPLICATE_KEY = 11000;

const answerId = (meetingId: string, memberId: string, fact: Fact) => `${meetingId}|${memberId}|${fact}`;

/**
 * Adds the facts that are not there yet, in one round trip, and returns those that were (left as
 * they are). Inserted, not upserted: on FerretDB an insert stays fast as the collection grows,
 * while an update or upsert, even by `_id`, slows with it (measured here with 60,000 answers: an
 * insert 5 ms, an upsert 75–100 ms, a `findOne` by `_id` 60 ms; 4–7 ms each when empty).
 */
export async function addAnswers(models: Models, meetingId: string, answers: Answer[]): Promise<Answer[]> {
  if (answers.length === 0) return [];
  try {
    await models.MeetingAnswer.bulkWrite(
      answers.map(({ memberId, fact, set }) => ({
        insertOne: { document: { _id: answerId(meetingId, memberId, fact), meetingId, memberId, ...set } },
      })),
      { ordered: false },
    );
    return [];
  } catch (error) {
    const failed = (error as { writeErrors?: { index: number; code: number }[] }).writeErrors ?? [];
    if (failed.length === 0 || failed.some(({ code }) => code !== DUPLICATE_KEY)) throw error;
    return failed.map(({ index }) => answers[index]!);
  }
}

/**
 * Her answer to "will you come": added, or changed if she had answered. Given by her and by her
 * proxy at the same moment, one of the two is kept whole.
 */
export async function setRsvp(
  models: Models,
  meetingId: string,
  memberId: string,
  rsvp: Rsvp,
): Promise<void> {
  const [answered] = await addAnswers(models, meetingId, [{ memberId, fact: 'rsvp', set: { rsvp } }]);
  if (answered)
    await models.MeetingAnswer.updateOne({ _id: answerId(meetingId, memberId, 'rsvp') }, { $set: { rsvp } });
}

/** These members are no longer marked present (the chair's roll-call left them out). */
export async function removePresence(models: Models, meetingId: string, memberIds: string[]): Promise<void> {
  if (memberIds.length === 0) return;
  await models.MeetingAnswer.bulkWrite(
    memberIds.map((memberId) => ({
      deleteOne: { filter: { _id: answerId(meetingId, memberId, 'present') } },
    })),
    { ordered: false },
  );
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
