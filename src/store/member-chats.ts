/**
 * A copy of each member's chats on her Member record (`chats`), so the chats of a club or of a
 * page of an audience come with its members in one read. FerretDB reads identities by member one
 * member at a time (~3 ms each: 10,000 reads for a province's reminders) and answers `$in` by
 * scanning the collection. Identity stays the truth (it is read by chat for every message that
 * comes in); every write to a member's identities is followed by `syncMemberChats`.
 *
 * A member without the copy (stored before it existed, or given an Identity directly by an import
 * or a test) has her identities read from Identity, as before.
 */
import type { IdentityDoc, Models } from '../models/index.ts';

/** An identity as the copy keeps it (its `_id` is the Identity's, 'channel:chatId'). */
export type ChatCopy = Pick<IdentityDoc, 'channel' | 'chatId' | 'linkedAt' | 'stoppedAt'> & { _id: string };

/** Copies the identities of these members onto their records, as they are now. */
export async function syncMemberChats(models: Models, memberIds: (string | undefined)[]): Promise<void> {
  for (const memberId of new Set(memberIds)) {
    if (!memberId) continue;
    const identities = await models.Identity.find({ memberId }).lean();
    const chats: ChatCopy[] = identities.map(({ _id, channel, chatId, linkedAt, stoppedAt }) => ({
      _id,
      channel,
      chatId,
      linkedAt,
      stoppedAt,
    }));
    await models.Member.updateOne({ _id: memberId }, { $set: { chats } });
  }
}

/** The member's identities from her copy, or undefined when she has none (read Identity then). */
export function copiedIdentities(member: {
  _id: unknown;
  chats?: unknown;
}): (ChatCopy & { memberId: string })[] | undefined {
  if (!Array.isArray(member.chats)) return undefined;
  const memberId = String(member._id);
  // Written by syncMemberChats only, from Identity documents.
  return (member.chats as ChatCopy[]).map((chat) => ({ ...chat, memberId }));
}
