/**
 * "Xoá dữ liệu" (Decree 13/2023, the personal data protection law): a member erases what the
 * club keeps about her. Applied by the `eraseMember` effect (see src/engine/types.ts).
 *
 * What goes: her name, phone, birth year, gender and consent details (the record stays,
 * anonymised, with status 'deleted', so a club's counts of members stay right without saying
 * who); her health responses (the documents whose subject she is); the texts of messages to
 * her in the Message log; the name on a personal invite she used; her place in other members'
 * volunteers and proxies; every chat of hers (unlinked, its state in Redis cleared). The leaders
 * of her clubs are told she left, by name, in a message whose text the log does not keep.
 *
 * Idempotent, and in an order that a retry completes: the notices first (their delivery keys
 * are fixed), the record's anonymisation last, so a failure half-way leaves her findable for
 * the retry.
 *
 * What stays: her meeting answers (RSVPs, attendance), tied to the anonymised record like her
 * clubs and roles, so a meeting's counts stay right without saying who she was.
 */
import type { ChannelName, NotifyEffect } from '../engine/types.ts';
import type { MessageLog } from '../jobs/message-log.ts';
import type { Models } from '../models/index.ts';
import type { ChatStates } from '../store/chat-state.ts';
import type { MongoLookups } from '../store/lookups.ts';

export interface EraseDeps {
  models: Models;
  /** Log records of messages sent to her until now are written before their texts are removed. */
  messageLog: Pick<MessageLog, 'flush'>;
  chatStates: ChatStates;
  lookups: MongoLookups;
  notify(effect: NotifyEffect): Promise<void>;
}

export async function eraseMember(deps: EraseDeps, memberId: string, now: Date): Promise<void> {
  const { models, chatStates, lookups } = deps;
  const member = await models.Member.findById(memberId, { fullName: 1, clubIds: 1, status: 1 }).lean();
  if (!member || member.status === 'deleted') return;

  for (const clubId of member.clubIds) {
    await deps.notify({
      type: 'notify',
      to: { leadersOf: clubId },
      say: {
        key: 'eraseData.leftNotice',
        vars: { name: member.fullName, club: (await lookups.clubName(clubId)) ?? '' },
      },
      kind: 'member_left',
      key: `left.${memberId}.${clubId}`,
      except: [memberId],
    });
  }

  const identities = await models.Identity.find({ memberId }, { channel: 1, chatId: 1 }).lean();
  const chats = identities.map(({ channel, chatId }) => ({ channel: channel as ChannelName, chatId }));
  // Her checks and the alerts they raised (their answers are her health data).
  await models.HealthResponse.deleteMany({ subjectId: memberId });
  await models.HealthAlert.deleteMany({ memberId });
  await deps.messageLog.flush();
  await models.Message.updateMany(
    { $or: [{ memberId }, ...chats.map(({ channel, chatId }) => ({ channel, chatId }))] },
    { $unset: { text: 1 } },
  );
  await models.Invite.updateMany({ usedBy: memberId }, { $unset: { forName: 1 } });
  await models.Member.updateMany({ volunteerIds: memberId }, { $pull: { volunteerIds: memberId } });
  await models.Member.updateMany({ proxyIds: memberId }, { $pull: { proxyIds: memberId } });
  await models.Identity.deleteMany({ memberId });
  await chatStates.clear(chats, memberId);

  // Her clubs and roles stay (counts by club and role), without anything that says who she was.
  await models.Member.updateOne(
    { _id: memberId },
    {
      $set: {
        fullName: '',
        status: 'deleted',
        erasedAt: now,
        volunteerIds: [],
        proxyIds: [],
        pendingClubIds: [],
        preferredChat: null,
        chats: [],
      },
      $unset: { birthYear: 1, gender: 1, phone: 1, consent: 1, inviteCode: 1 },
    },
  );
}
