/**
 * A club's health round fires (see `HealthRoundEffect`; planned by src/jobs/health-rounds.ts):
 * the health check is opened for each active member who did not opt out — in her chat, or in
 * her proxies' chats when she has none — and a nudge is planned a day later. The nudge opens it
 * again only for those with no response since the round started; then nothing until next round.
 */
import type { MessageKind } from '../engine/message-kinds.ts';
import type { HealthRoundEffect, ScheduledEffect, StartEffect } from '../engine/types.ts';
import { msUntilQuietEnds, type QuietHours } from '../jobs/quiet-hours.ts';
import type { Scheduler } from '../jobs/scheduler.ts';
import type { Models } from '../models/index.ts';

const NUDGE_AFTER_MS = 24 * 3600_000;
const KIND: MessageKind = 'health_round';

/** A club's active members, and the chats picked for them (as `Effects.chatsOf` picks them). */
interface ClubChats<C> {
  members: { _id: unknown; optedOutAt?: Date | null; proxyIds?: string[] | null }[];
  chats: C[];
}

export interface HealthRoundDeps<C extends { memberId: string }> {
  models: Models;
  scheduler: Scheduler<ScheduledEffect>;
  quietHours: QuietHours;
  clubChats(clubId: string): Promise<ClubChats<C>>;
  /** Opens a flow in these chats. */
  startIn(effect: StartEffect, chats: C[], now: Date): Promise<void>;
  /** Opens a flow in its audience's chats. */
  start(effect: StartEffect, now: Date): Promise<void>;
}

export async function runHealthRound<C extends { memberId: string }>(
  effect: HealthRoundEffect,
  now: Date,
  deps: HealthRoundDeps<C>,
): Promise<void> {
  const { models, scheduler, quietHours } = deps;
  const untilMorning = msUntilQuietEnds(now, quietHours);
  if (untilMorning > 0) {
    await scheduler.schedule(`${effect.key}.morning`, { at: new Date(now.getTime() + untilMorning) }, effect);
    return;
  }
  const startsAt = new Date(effect.startsAt);
  const answered = effect.nudge
    ? new Set(
        (
          await models.HealthResponse.find(
            { clubId: effect.clubId, createdAt: { $gte: startsAt } },
            { subjectId: 1 },
          ).lean()
        ).map((response) => response.subjectId),
      )
    : new Set<string>();
  const { members, chats } = await deps.clubChats(effect.clubId);
  const withChat = new Set(chats.map((target) => target.memberId));
  const invited = members
    .filter((member) => !member.optedOutAt && !answered.has(String(member._id)))
    .map((member) => ({ id: String(member._id), proxyIds: member.proxyIds ?? [] }));
  const own = new Set(invited.filter((member) => withChat.has(member.id)).map((member) => member.id));
  // A proxy chooses whom she answers for in the check itself; asked once, with her own chat if she has one.
  const proxies = [
    ...new Set(invited.filter((member) => !own.has(member.id)).flatMap((member) => member.proxyIds)),
  ].filter((id) => !own.has(id));
  const round = (name: string, to: string[]): StartEffect => ({
    type: 'start',
    flow: 'healthCheck',
    args: { round: effect.nudge ? 'nudge' : 'invite' },
    for: { members: to },
    // A nudge to someone busy is dropped: she has her invitation waiting or is answering.
    ifBusy: effect.nudge ? 'skip' : 'wait',
    key: `${effect.key}.${name}`,
    kind: KIND,
  });
  await deps.startIn(
    round('members', []),
    chats.filter((target) => own.has(target.memberId)),
    now,
  );
  if (proxies.length > 0) await deps.start(round('proxies', proxies), now);
  if (effect.nudge) return;
  await scheduler.schedule(
    `${effect.key}.nudge`,
    { at: new Date(startsAt.getTime() + NUDGE_AFTER_MS) },
    { ...effect, nudge: true, key: `${effect.key}.nudge` },
  );
}
