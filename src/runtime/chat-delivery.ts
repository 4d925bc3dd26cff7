/**
 * What reaches chats: notices to an audience, flows opened in its chats (held to the morning at
 * night, offered for later to a busy chat), a question's reminder when it goes unanswered; and
 * which chat of each member is written to, and which chats are live.
 */

import { inQuestion } from '../engine/engine.ts';
import { isEssential, mayHoldAtNight } from '../engine/message-kinds.ts';
import type {
  ChannelName,
  Lang,
  NotifyEffect,
  Offer,
  Outbound,
  Say,
  StartEffect,
  StepTimeoutEffect,
  Who,
} from '../engine/types.ts';
import type { BulkChat } from '../jobs/outbox.ts';
import { msUntilQuietEnds } from '../jobs/quiet-hours.ts';
import type { ChatKey } from '../store/chat-state.ts';
import { type MongoLookups, toWho } from '../store/lookups.ts';
import { type ChatCopy, copiedIdentities, syncMemberChats } from '../store/member-chats.ts';
import { readEach, readMany } from '../store/read-each.ts';
import { Audiences } from './audiences.ts';
import type { ApplyEffects, EffectsDeps } from './effects.ts';

/** Saves of a chat's state lost to a concurrent one are tried again this often. */
const MAX_SAVE_ATTEMPTS = 3;
/** A conversation touched within this time is not interrupted by an approval request. */
const BUSY_MS = 30 * 60_000;
/** Chats a `start` opens its flow in at once (their messages then go out as one bulk job). */
const START_CONCURRENCY = 50;
/** The first few are opened and queued on their own, so the first messages go without waiting for 50. */
const START_FIRST = 5;
/**
 * What a batch of members is read with: her chat's choice and opt-out, and what `toWho` needs, so
 * a flow opened in her chat knows who she is without reading her again (see `#openIn`).
 */
const CHAT_FIELDS = {
  language: 1,
  preferredChat: 1,
  optedOutAt: 1,
  chats: 1,
  status: 1,
  clubIds: 1,
  roles: 1,
  birthYear: 1,
  gender: 1,
} as const;

/** Where to write to a member who has several apps and has not written lately. */
const CHANNEL_PREFERENCE: ChannelName[] = ['zalo-oa', 'zalo-bot', 'telegram', 'simulator'];

export interface ChatDeliveryDeps extends EffectsDeps {
  /** Applies the effects of a flow opened in a chat (Effects.apply). */
  apply: ApplyEffects;
}

export class ChatDelivery {
  readonly #deps: ChatDeliveryDeps;

  constructor(deps: ChatDeliveryDeps) {
    this.#deps = deps;
  }

  /**
   * Tells an audience (see `NotifyEffect`). A large one (an area) is read and told in pages by
   * the fan-out job, never within the message that caused it.
   */
  async notify(effect: NotifyEffect, now: Date): Promise<void> {
    if (Audiences.isLarge(effect.to)) return this.#deps.fanOut.add(effect);
    await this.notifyPage(effect, (await this.#deps.audiences.page(effect.to)).memberIds, now);
  }

  /**
   * Tells these members of `effect`'s audience (those who opted out, only what is essential);
   * each chat's delivery id is `key.channel.chatId`.
   */
  async notifyPage(effect: NotifyEffect, memberIds: string[], now: Date): Promise<void> {
    const to = memberIds.filter((id) => !effect.except?.includes(id));
    await this.notifyChats(effect, await this.chatsOf(to), now);
  }

  /** Tells these chats (see `notifyPage`). */
  async notifyChats(effect: NotifyEffect, chats: MemberChat[], now: Date): Promise<void> {
    const essential = isEssential(effect.kind, effect.urgent);
    const notices: BulkChat[] = [];
    for (const { chat, memberId, lang, optedOut } of chats) {
      if (optedOut && !essential) continue;
      const messages = effect.alone
        ? [this.#deps.renderer.render(chat, lang, effect.say, memberId)]
        : await this.noticeFor(chat, { memberId, lang }, effect.say, now);
      notices.push({
        messages: messages.map((message) => ({ ...message, kind: effect.kind, urgent: effect.urgent })),
        idBase: `${effect.key}.${chat.channel}.${chat.chatId}`,
      });
    }
    await this.#deps.outbox.enqueueBulk(notices);
  }

  /** Opens a flow in the audience's chats (see `StartEffect` for who is busy and what they get). */
  async start(effect: StartEffect, now: Date): Promise<void> {
    const { audiences, scheduler, quietHours } = this.#deps;
    // At night a flow is not opened in someone's chat: its question would wait for the morning
    // while a digit typed meanwhile answered it unseen. It is opened when the quiet hours end.
    const untilMorning = msUntilQuietEnds(now, quietHours);
    const urgent = effect.urgent || undefined;
    if (untilMorning > 0 && effect.ifBusy !== 'interrupt' && mayHoldAtNight({ kind: effect.kind, urgent })) {
      await scheduler.schedule(
        `${effect.key}.morning`,
        { at: new Date(now.getTime() + untilMorning) },
        effect,
      );
      return;
    }
    const { memberIds } = await audiences.page(effect.for);
    const to = memberIds.filter((id) => !effect.except?.includes(id));
    await this.startIn(effect, await this.chatsOf(to), now);
  }

  /** Opens `effect`'s flow in these chats (see `start`), outside quiet hours. */
  async startIn(effect: StartEffect, targets: MemberChat[], now: Date): Promise<void> {
    // An urgent flow, or one that may interrupt, reaches those who opted out.
    const essential = isEssential(effect.kind, effect.urgent || effect.ifBusy === 'interrupt');
    const chats = targets.filter(({ optedOut }) => essential || !optedOut);
    // Chats are independent: a few are opened at once (a club's reminder reaches its members
    // together). What the flow reads that is the same for every chat (the meeting) is read once.
    const lookups = readOnce(this.#deps.lookups);
    for (let from = 0; from < chats.length; ) {
      const to = from + (from === 0 ? START_FIRST : START_CONCURRENCY);
      const opened = await Promise.all(
        chats.slice(from, to).map((target) => this.#openIn(effect, target, now, lookups)),
      );
      await this.#deps.outbox.enqueueBulk(opened.filter((chat) => chat !== undefined));
      from = to;
    }
  }

  /**
   * Opens `effect`'s flow in one chat, or offers it there (busy), as `start` says; returns what
   * to send there.
   */
  async #openIn(
    effect: StartEffect,
    { chat, memberId, lang, who }: MemberChat,
    now: Date,
    lookups: MongoLookups,
  ): Promise<BulkChat | undefined> {
    const { chatStates, engine } = this.#deps;
    const state = await chatStates.load(chat);
    const idBase = `${effect.key}.${chat.channel}.${chat.chatId}`;
    const urgent = effect.urgent || undefined;
    const { expiresAt } = effect;
    const tag = (messages: Outbound[]) =>
      messages.map((message) => ({ ...message, kind: effect.kind, urgent, expiresAt }));
    const session = state.session;
    const busy = inQuestion(session) && now.getTime() - session.updatedAt < BUSY_MS;
    if (!state.whoCheckedAt) {
      // The member behind this chat was read with it (`chatsOf`): no second read of her.
      state.who = who ?? (await lookups.resolveWho(chat.channel, chat.chatId)).who;
      state.whoCheckedAt = now.getTime();
      // Kept for the next request, so a busy person is not looked up again each time.
      if (busy) await chatStates.save(chat, state);
    }
    if ((!busy || effect.ifBusy === 'interrupt') && state.who) {
      const opened = await engine.open(state, chat, effect.flow, effect.args, lookups, now);
      if (await chatStates.save(chat, opened.state)) {
        await this.#deps.apply(opened.effects, now);
        return { messages: tag(opened.replies), idBase };
      }
    }
    if (effect.ifBusy === 'skip') return;
    // Already in this very flow, which shows what is new by itself (approval): nothing to keep.
    const sameFlow = session?.flow === effect.flow && engine.gathers(effect.flow);
    // Busy with something else (or with another meeting's question): it comes when that ends.
    if (!sameFlow) await this.#offer(chat, { flow: effect.flow, args: effect.args, key: effect.key });
    const note = sameFlow ? effect.busy?.sameFlow : effect.busy?.otherFlow;
    if (!note) return;
    return {
      messages: tag(await engine.notice(state, chat, { memberId, lang }, note, lookups, now)),
      idBase,
    };
  }

  /** A question left unanswered: the reminder (or the closing words), if the chat is still there. */
  async stepTimeout(effect: StepTimeoutEffect, now: Date): Promise<void> {
    const { chatStates, engine, lookups, outbox } = this.#deps;
    const state = await chatStates.load(effect.chat);
    const result = engine.timedOut(state, effect.chat, effect, lookups, now);
    if (!result || !(await chatStates.save(effect.chat, result.state))) return;
    const memberId = state.who?.memberId;
    const replies = result.replies.map((reply) => ({
      ...reply,
      kind: 'unanswered_reminder' as const,
      memberId,
    }));
    await outbox.enqueue(replies, effect.key);
  }

  /** Keeps `offer` for a busy chat (once per key), for when what it is doing ends. */
  async #offer(chat: ChatKey, offer: Offer): Promise<void> {
    const { chatStates } = this.#deps;
    for (let attempt = 0; attempt < MAX_SAVE_ATTEMPTS; attempt++) {
      const state = await chatStates.load(chat);
      if (state.offers?.some((kept) => kept.key === offer.key)) return;
      state.offers = [...(state.offers ?? []), offer];
      if (await chatStates.save(chat, state)) return;
    }
  }

  /** `say` to a chat, followed by the question it has open, if any (see Engine.notice). */
  async noticeFor(
    chat: ChatKey,
    to: { memberId: string; lang: Lang },
    say: Say,
    now: Date,
  ): Promise<Outbound[]> {
    const state = await this.#deps.chatStates.load(chat);
    return this.#deps.engine.notice(state, chat, to, say, this.#deps.lookups, now);
  }

  async leaderChats(clubId: string) {
    return this.chatsOf((await this.#deps.audiences.page({ leadersOf: clubId })).memberIds);
  }

  /**
   * One chat per member to write to, with the member's language and whether she opted out of
   * non-essential messages: the chat she chose in her settings if it is live, else the chat she
   * last wrote from if it is live, else by CHANNEL_PREFERENCE, the most recently linked first.
   */
  async chatsOf(memberIds: string[]): Promise<MemberChat[]> {
    const { models } = this.#deps;
    if (memberIds.length === 0) return [];
    const members = await readMany(
      memberIds,
      (memberId) => models.Member.findById(memberId, CHAT_FIELDS).lean(),
      (ids) => models.Member.find({ _id: { $in: ids } }, CHAT_FIELDS).lean(),
    );
    return this.#pickChats(members, await this.#liveIdentities(members, 'together'));
  }

  /** A club's active members and their chats (as `chatsOf` picks them): one read of its members. */
  async clubChats(clubId: string) {
    const members = await this.#deps.models.Member.find(
      { clubIds: clubId, status: 'active' },
      { ...CHAT_FIELDS, proxyIds: 1 },
    ).lean();
    const identities = await this.#liveIdentities(members, 'each');
    return { members, chats: await this.#pickChats(members, identities) };
  }

  /**
   * The live identities of these members: from the copy on their records (member-chats.ts), else
   * read from Identity (no `$in` for a short list: see store/read-each.ts) — `together` (a page
   * of an audience: one `$in` when long) or `each` (a club: one equality per member).
   */
  async #liveIdentities(
    members: { _id: unknown; chats?: unknown }[],
    read: 'together' | 'each',
  ): Promise<ChatOfMember[]> {
    const { models } = this.#deps;
    const identities: ChatOfMember[] = [];
    const unknown: string[] = [];
    for (const member of members) {
      const copied = copiedIdentities(member);
      if (copied) identities.push(...copied);
      else unknown.push(String(member._id));
    }
    const one = (memberId: string) => models.Identity.find({ memberId }).lean();
    identities.push(
      ...(read === 'together'
        ? await readMany(unknown, one, (ids) => models.Identity.find({ memberId: { $in: ids } }).lean())
        : await readEach(unknown, one)),
    );
    return identities.filter((identity) => !identity.stoppedAt);
  }

  /** Each member's chat among her live `identities` (see `chatsOf`). */
  async #pickChats(
    members: {
      _id: unknown;
      status: string;
      clubIds: string[];
      roles: { role: string; clubId?: string | null; orgUnitId?: string | null }[];
      language?: string | null;
      birthYear?: number | null;
      gender?: string | null;
      preferredChat?: string | null;
      optedOutAt?: Date | null;
    }[],
    identities: ChatOfMember[],
  ): Promise<MemberChat[]> {
    const lastChats = await this.#deps.chatStates.lastChats(members.map((member) => String(member._id)));
    const rank = (channel: string) => CHANNEL_PREFERENCE.indexOf(channel as ChannelName);
    // The most recently linked first, then by app.
    const ordered = [...identities].sort(
      (a, b) => (b.linkedAt?.getTime() ?? 0) - (a.linkedAt?.getTime() ?? 0),
    );
    return members.flatMap((member) => {
      const memberId = String(member._id);
      const own = ordered
        .filter((identity) => identity.memberId === memberId)
        .sort((a, b) => rank(a.channel) - rank(b.channel));
      const chosen =
        own.find((identity) => identity._id === member.preferredChat) ??
        own.find((identity) => identity._id === lastChats.get(memberId)) ??
        own[0];
      if (!chosen) return [];
      const chat = { channel: chosen.channel as ChannelName, chatId: chosen.chatId };
      return [
        {
          chat,
          memberId,
          lang: (member.language ?? 'vi') as Lang,
          optedOut: Boolean(member.optedOutAt),
          // Read with CHAT_FIELDS: all that `toWho` uses.
          who: toWho(member as Parameters<typeof toWho>[0]),
        },
      ];
    });
  }

  /** Tells the leaders of `clubId` that these members could not be reached for one event. */
  async notifyUnreachable(clubId: string, eventKey: string, memberIds: string[]): Promise<void> {
    const { Member } = this.#deps.models;
    const members = await readMany(
      memberIds,
      (memberId) => Member.findById(memberId, { fullName: 1 }).lean(),
      (ids) => Member.find({ _id: { $in: ids } }, { fullName: 1 }).lean(),
    );
    if (members.length === 0) return;
    await this.notify(
      {
        type: 'notify',
        to: { leadersOf: clubId },
        say: {
          key: 'notices.unreachable',
          vars: { count: members.length, names: members.map((member) => member.fullName).join(', ') },
        },
        kind: 'notice',
        key: `unreachable.${eventKey}.${clubId}`,
      },
      this.#deps.clock.now(),
    );
  }

  /** The platform says this chat is gone (blocked, deactivated): stop writing to it. */
  async markStopped(chat: ChatKey, now: Date): Promise<void> {
    await this.#setStopped(chat, now);
    await this.#deps.chatStates.forgetWho([chat]);
  }

  /** A stopped chat wrote again: it is live, and so is its member. */
  async markResumed(chat: ChatKey): Promise<void> {
    await this.#setStopped(chat, null);
  }

  /** Marks the chat stopped (or live again) and moves its member between active and stopped. */
  async #setStopped(chat: ChatKey, stoppedAt: Date | null): Promise<void> {
    const { models } = this.#deps;
    const identity = await models.Identity.findOneAndUpdate(
      { _id: `${chat.channel}:${chat.chatId}` },
      { $set: { stoppedAt } },
    ).lean();
    if (!identity) return;
    await syncMemberChats(models, [identity.memberId]);
    const [from, to] = stoppedAt ? (['active', 'stopped'] as const) : (['stopped', 'active'] as const);
    await models.Member.updateOne({ _id: identity.memberId, status: from }, { $set: { status: to } });
  }
}

/** A member's chat to write to, with her language and whether she opted out (see `chatsOf`). */
export type MemberChat = { chat: ChatKey; memberId: string; lang: Lang; optedOut: boolean; who?: Who };

/** One of a member's chats (an Identity, or its copy on her record). */
type ChatOfMember = ChatCopy & { memberId: string };

/**
 * `lookups` for one batch of chats opened by the same `start`: a meeting is read once for all of
 * them (a club's reminder opens the same question in each member's chat).
 */
function readOnce(lookups: MongoLookups): MongoLookups {
  const meetings = new Map<string, ReturnType<MongoLookups['meeting']>>();
  return new Proxy(lookups, {
    get(target, property) {
      if (property === 'meeting')
        return (meetingId: string) => {
          let meeting = meetings.get(meetingId);
          if (!meeting) {
            meeting = target.meeting(meetingId);
            meetings.set(meetingId, meeting);
          }
          return meeting;
        };
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
