/**
 * Broadcasts: staff's announcements to an area, from the chat flow (flows/broadcast.ts, through
 * effects) or the HTTP API — one service for both: create (checked against the sender's subtree),
 * preview, send now or at a time, cancel, status, acknowledgements.
 *
 * Delivery, nothing lost and nothing twice:
 * - one BullMQ job per broadcast (src/jobs/broadcast-delivery.ts) reads the audience a page at a
 *   time (Audiences, AUDIENCE_PAGE members) and keeps how far it got in its data: a worker that
 *   dies resumes at that page; no request ever holds the whole audience;
 * - each member's message is an outbox job with the id `bc.<broadcast>.<member>|0`: queued twice
 *   (a page read again after a restart), it is one job; sent, its "sent" marker stops a second
 *   send (see outbox-worker.ts). Each member gets one chat — her preferred one (Effects.chatsOf);
 * - every member's outcome (sent, failed, blocked, unreachable) is recorded once in Redis by one
 *   Lua script (HSETNX on the member, then HINCRBY of the counters, per club too): counting the
 *   same outcome again changes nothing, and no read-modify-write races between workers;
 * - the sender hears the progress at each quarter or every 5 minutes (by the app's clock), and
 *   the report once at the end (the report is claimed by HSETNX, so two workers finishing at
 *   once send one);
 * - `recipients` (the API's 201, the sender's "N người") are those the preview counts as
 *   reached: not stopped, not opted out (unless urgent), not outside the Zalo OA's window.
 */
import { type ConnectionOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Clock } from '../clock.ts';
import {
  BROADCAST_ROLES,
  broadcastText,
  broadcastUnits,
  formatCount,
  mayBroadcast,
  mayBroadcastUrgent,
} from '../engine/broadcasts.ts';
import { type Engine, inQuestion } from '../engine/engine.ts';
import { localClock, localDate } from '../engine/meetings.ts';
import type { Renderer } from '../engine/render.ts';
import type {
  AreaRef,
  AreaView,
  BroadcastDraft,
  BroadcastPreview,
  BroadcastWho,
  ChannelName,
  ChatRef,
  Effect,
  Lang,
  Outbound,
  Role,
  RoleGrant,
  Say,
  ScheduledEffect,
} from '../engine/types.ts';
import type { Translate } from '../i18n.ts';
import type { MessageLog } from '../jobs/message-log.ts';
import { type Outbox, outboxJobId } from '../jobs/outbox.ts';
import { msUntilQuietEnds, type QuietHours } from '../jobs/quiet-hours.ts';
import type { Scheduler } from '../jobs/scheduler.ts';
import type { Logger } from '../log.ts';
import type { BroadcastDoc, Models } from '../models/index.ts';
import type { ChatStates } from '../store/chat-state.ts';
import type { MongoLookups } from '../store/lookups.ts';
import { readEach } from '../store/read-each.ts';
import type { MemberChat } from './chat-delivery.ts';
import type { Effects } from './effects.ts';

/** What became of one member's message. */
export type BroadcastOutcome = 'sent' | 'failed' | 'blocked' | 'unreachable' | 'cancelled';
const OUTCOMES: BroadcastOutcome[] = ['sent', 'failed', 'blocked', 'unreachable', 'cancelled'];

/** The sender hears of progress at least this often while a broadcast goes out. */
const PROGRESS_EVERY_MS = 5 * 60_000;
/** Redis keys of a broadcast live this long after its last write. */
const KEEP_SECONDS = 90 * 24 * 3600;
/** Someone who answered a question within this time is busy: the acknowledgement question waits. */
const BUSY_MS = 30 * 60_000;
/** A club read by one reader of a broadcast's area is taken by another within this time (see #clubChats). */
const SHARE_MS = 60_000;
/** At most this many clubs' reads are kept for a second reader. */
const SHARED_CLUBS = 200;
/** Members whose messages are made, then queued together (in bulk jobs of 50), at once. */
const QUEUE_AT_ONCE = 100;

/** Why a broadcast was refused: a 403 for the API, a message in chat. */
export class BroadcastRefused extends Error {
  readonly reason: 'forbidden' | 'urgentNotAllowed' | 'notFound' | 'empty' | 'photo';

  constructor(reason: BroadcastRefused['reason']) {
    super(`broadcast refused: ${reason}`);
    this.reason = reason;
  }
}

/** Who asks: a member (in chat: her grants are read afresh) or an API token's scope. */
export type BroadcastAuthority =
  | { memberId: string }
  | { token: { orgUnitId: string; role: string; id?: string } };

export interface BroadcastStatus {
  id: string;
  status: string;
  area: string;
  sendAt: string;
  urgent: boolean;
  /** Who will get it, as the preview counts them when it is created (not stopped, not opted out…). */
  recipients: number;
  /** Every outcome to come once the audience is read: those sent to plus those unreachable. */
  total: number | null;
  sent: number;
  failed: number;
  blocked: number;
  /** Planned, the preview's unreachable; from the time it goes out, those delivery could not reach. */
  unreachable: number;
  acknowledged: number;
  byClub: Record<string, Record<string, number>>;
}

export interface BroadcastsDeps {
  models: Models;
  /** The app's state Redis (counters, the OA window). */
  redis: Redis;
  prefix: string;
  connection: ConnectionOptions;
  bullPrefix: string;
  effects: Effects;
  outbox: Outbox;
  messageLog: Pick<MessageLog, 'result'>;
  chatStates: ChatStates;
  engine: Engine;
  lookups: MongoLookups;
  renderer: Renderer;
  translate: Translate;
  scheduler: Scheduler<ScheduledEffect>;
  quietHours: QuietHours;
  clock: Clock;
  log: Logger;
  /** Messages a second each app sends (the outbox's pace): for the preview's estimate. */
  rates: Partial<Record<ChannelName, number>>;
  /** Whether the Zalo OA has a ZNS template for announcements (then nobody is outside its window). */
  znsTemplate: boolean;
  /** The bytes of a photo a sender sent in chat (Channel.fetchPhoto of the app she sent it on). */
  fetchPhoto(photo: ChatRef & { ref: string }): Promise<{ bytes: Buffer; contentType: string }>;
  /** The link an app that fetches pictures by URL (the Zalo Bot) gets for a broadcast's photo. */
  pictureUrl(broadcastId: string): string;
  timeZone: string;
}

/**
 * Records one member's outcome once. KEYS: outcomes (member → outcome), counts, clubs (member →
 * club). ARGV: member, outcome, now (ms, the app's clock), progress interval (ms), keep (s).
 * Returns {done, total, expected, ticked} — done -1 when this member's outcome was already
 * recorded; ticked 1 when the last progress told (`progressAt`) is an interval old (it is now).
 */
const RECORD_OUTCOME = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return {-1, 0, 0, 0} end
local club = redis.call('HGET', KEYS[3], ARGV[1]) or '-'
club = string.match(club, '^[^\\t]*')
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
redis.call('HINCRBY', KEYS[2], 'club:' .. club .. ':' .. ARGV[2], 1)
local done = redis.call('HINCRBY', KEYS[2], 'done', 1)
local ticked = 0
local now = tonumber(ARGV[3])
if now - tonumber(redis.call('HGET', KEYS[2], 'progressAt') or '0') >= tonumber(ARGV[4]) then
  redis.call('HSET', KEYS[2], 'progressAt', ARGV[3])
  ticked = 1
end
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[5])
local expected = redis.call('HGET', KEYS[2], 'expected') or redis.call('HGET', KEYS[2], 'planned') or '0'
return {done, tonumber(redis.call('HGET', KEYS[2], 'total') or '-1'), tonumber(expected), ticked}
`;

/** Notes members as addressed (once each) with their club and chat. KEYS: clubs, counts. ARGV: member, value, … */
const ADDRESS = `
local added = 0
for i = 1, #ARGV, 2 do
  if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then added = added + 1 end
end
redis.call('EXPIRE', KEYS[1], ${KEEP_SECONDS})
return redis.call('HINCRBY', KEYS[2], 'addressed', added)
`;

/**
 * The audience has been read to its end: the total is what was addressed, plus the members who
 * stopped the bot on every app (ARGV[1]; counted unreachable once). KEYS: counts. Returns {done, total}.
 */
const CLOSE_TOTAL = `
if redis.call('HSETNX', KEYS[1], 'stopped', ARGV[1]) == 1 then
  local n = tonumber(ARGV[1])
  redis.call('HINCRBY', KEYS[1], 'addressed', n)
  redis.call('HINCRBY', KEYS[1], 'unreachable', n)
  redis.call('HINCRBY', KEYS[1], 'done', n)
end
local total = tonumber(redis.call('HGET', KEYS[1], 'addressed') or '0')
redis.call('HSET', KEYS[1], 'total', total)
return {tonumber(redis.call('HGET', KEYS[1], 'done') or '0'), total}
`;

type RedisWithScripts = Redis & {
  bcRecord(...args: (string | number)[]): Promise<[number, number, number, number]>;
  bcAddress(...args: (string | number)[]): Promise<number>;
  bcClose(...args: string[]): Promise<[number, number]>;
};

/** The job that reads a broadcast's audience and queues its messages (see broadcast-delivery.ts). */
export interface DeliveryJob {
  broadcastId: string;
  /** How many of the area's clubs (in `clubsOfArea` order) are queued already. */
  clubsDone?: number;
}

export const DELIVERY_QUEUE = 'broadcasts';

/** How many of a preview's audience cannot be reached, whatever the reason. */
const unreachableOf = (preview: BroadcastPreview | undefined): number =>
  preview
    ? preview.unreachable.stopped + preview.unreachable.optedOut + preview.unreachable.outsideWindow
    : 0;

export class Broadcasts {
  readonly #deps: BroadcastsDeps;
  readonly #redis: RedisWithScripts;
  readonly #queue: Queue<DeliveryJob>;
  /** Club reads a second reader may take over (see `#clubChats`), oldest first. */
  readonly #sharedReads = new Map<string, { at: number; read: ReturnType<Effects['clubChats']> }>();

  constructor(deps: BroadcastsDeps) {
    this.#deps = deps;
    const redis = deps.redis as RedisWithScripts;
    if (typeof redis.bcRecord !== 'function') {
      redis.defineCommand('bcRecord', { numberOfKeys: 3, lua: RECORD_OUTCOME });
      redis.defineCommand('bcAddress', { numberOfKeys: 2, lua: ADDRESS });
      redis.defineCommand('bcClose', { numberOfKeys: 1, lua: CLOSE_TOTAL });
    }
    this.#redis = redis;
    this.#queue = new Queue<DeliveryJob>(DELIVERY_QUEUE, {
      connection: deps.connection,
      prefix: deps.bullPrefix,
    });
    this.#queue.on('error', (error) => deps.log.error({ err: error }, 'broadcast queue error'));
  }

  #key(id: string, part: string): string {
    return `${this.#deps.prefix}:bc:${id}:${part}`;
  }

  // ---------- what the flow reads (through Lookups) ----------

  /** An org unit (with the units and clubs directly under it) or a club. */
  async area(target: AreaRef): Promise<AreaView | undefined> {
    const { models } = this.#deps;
    if (target.kind === 'club') {
      const club = await models.Club.findById(target.id, { name: 1, ancestors: 1 }).lean();
      if (!club) return undefined;
      return { ...target, name: club.name, level: 'club', ancestors: club.ancestors ?? [], children: [] };
    }
    const [unit, units, clubs] = await Promise.all([
      models.OrgUnit.findById(target.id, { name: 1, kind: 1, ancestors: 1 }).lean(),
      models.OrgUnit.find({ parentId: target.id }, { name: 1 }).lean(),
      models.Club.find({ orgUnitId: target.id }, { name: 1 }).lean(),
    ]);
    if (!unit) return undefined;
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name, 'vi');
    units.sort(byName);
    clubs.sort(byName);
    return {
      ...target,
      name: unit.name,
      level: unit.kind,
      ancestors: unit.ancestors ?? [],
      children: [
        ...units.map((child) => ({ kind: 'unit' as const, id: String(child._id), name: child.name })),
        ...clubs.map((club) => ({ kind: 'club' as const, id: String(club._id), name: club.name })),
      ],
    };
  }

  /**
   * Whom a broadcast would reach — the same members, chats and reasons as delivery (#sort): its
   * clubs are read a few at a time, each by equality on the club (FerretDB answers that from
   * PostgreSQL at once, where one `$in` over an area's clubs reads every member of the country:
   * store/read-each.ts), a province's members never all in memory at once. A member of two clubs
   * of the area counts once.
   */
  /** `sharing`: the id of a broadcast going out now, whose delivery may take this count's reads. */
  async preview(
    target: AreaRef,
    who: BroadcastWho,
    urgent: boolean,
    sharing?: string,
  ): Promise<BroadcastPreview> {
    const byChannel: Partial<Record<ChannelName, number>> = {};
    const unreachable = { stopped: 0, optedOut: 0, outsideWindow: 0 };
    const seen = new Set<string>();
    const stopped = new Set<string>();
    await readEach(await this.#clubsOf(target), async (clubId) => {
      const [sorted, gone] = await Promise.all([
        this.#clubRecipients(clubId, who, urgent, { seen, sharing }),
        this.#stoppedIn(clubId, who),
      ]);
      for (const { chat } of sorted.reach) byChannel[chat.channel] = (byChannel[chat.channel] ?? 0) + 1;
      unreachable.stopped += sorted.noChat.length;
      unreachable.optedOut += sorted.optedOut.length;
      unreachable.outsideWindow += sorted.outsideWindow.length;
      for (const id of gone) stopped.add(id);
    });
    unreachable.stopped += stopped.size;
    const recipients = Object.values(byChannel).reduce((sum, n) => sum + n, 0);
    const estimatedSeconds = Math.ceil(
      Math.max(
        0,
        ...Object.entries(byChannel).map(
          ([channel, n]) => n / (this.#deps.rates[channel as ChannelName] ?? 10),
        ),
      ),
    );
    return { recipients, byChannel, unreachable, estimatedSeconds };
  }

  /** Members of the audience in this club who stopped the bot on every app (status 'stopped'). */
  async #stoppedIn(clubId: string, who: BroadcastWho): Promise<string[]> {
    const roles = BROADCAST_ROLES[who];
    const members = await this.#deps.models.Member.find(
      { clubIds: clubId, status: 'stopped', 'roles.role': { $in: roles } },
      { roles: 1 },
    ).lean();
    return members
      .filter((member) =>
        member.roles.some((grant) => grant.clubId === clubId && roles.includes(grant.role as Role)),
      )
      .map((member) => String(member._id));
  }

  /** Members of the audience who stopped the bot on every app (each once: not among the active read). */
  async #stoppedMembers(target: AreaRef, who: BroadcastWho): Promise<number> {
    const ids = await readEach(await this.#clubsOf(target), (clubId) => this.#stoppedIn(clubId, who));
    return new Set(ids).size;
  }

  async #clubsOf(target: AreaRef): Promise<string[]> {
    if (target.kind === 'club') return [target.id];
    // A club's `ancestors` hold its own unit too: one equality, which FerretDB pushes down (an `$or` it does not).
    const clubs = await this.#deps.models.Club.find({ ancestors: target.id }, { _id: 1 }).lean();
    return clubs.map((club) => String(club._id)).sort();
  }

  /** The clubs of a broadcast's area, in the order delivery goes through them. */
  clubsOfArea(target: AreaRef): Promise<string[]> {
    return this.#clubsOf(target);
  }

  /**
   * A club's members and chats, read once for the two readers of a broadcast sent now: its count
   * (the sender's figure) and its delivery run at the same time and both read every club of the
   * area — on FerretDB a member read costs ~0.4 ms of its CPU — so the second of them within
   * SHARE_MS takes the first one's read (`sharing`: the broadcast's id; without it, a fresh read).
   */
  #clubChats(clubId: string, sharing?: string): ReturnType<Effects['clubChats']> {
    if (!sharing) return this.#deps.effects.clubChats(clubId);
    const key = `${sharing}|${clubId}`;
    const now = Date.now();
    const shared = this.#sharedReads.get(key);
    this.#sharedReads.delete(key);
    if (shared && now - shared.at < SHARE_MS) return shared.read;
    // What nobody took in time goes (oldest first), and few clubs are kept at a time: a reader far
    // behind reads again rather than the process holding a province's members.
    for (const [old, { at }] of this.#sharedReads) {
      if (now - at < SHARE_MS && this.#sharedReads.size < SHARED_CLUBS) break;
      this.#sharedReads.delete(old);
    }
    const read = this.#deps.effects.clubChats(clubId);
    this.#sharedReads.set(key, { at: now, read });
    return read;
  }

  /**
   * The members of one club a broadcast is for (active, holding one of `who`'s roles in it; not in
   * `seen`, the members of clubs already read — a member of two clubs counts once), sorted as
   * delivery sees them (see #sort). Read the way FerretDB answers fast (Effects.clubChats).
   */
  async #clubRecipients(
    clubId: string,
    who: BroadcastWho,
    urgent: boolean,
    { seen, sharing }: { seen?: Set<string>; sharing?: string } = {},
  ) {
    const roles = BROADCAST_ROLES[who];
    const { members, chats } = await this.#clubChats(clubId, sharing);
    const memberIds = members
      .filter((member) =>
        member.roles.some((grant) => grant.clubId === clubId && roles.includes(grant.role as Role)),
      )
      .map((member) => String(member._id))
      .filter((id) => !seen?.has(id));
    for (const id of memberIds) seen?.add(id);
    const wanted = new Set(memberIds);
    return {
      memberIds,
      ...(await this.#sort(
        memberIds,
        chats.filter((chat) => wanted.has(chat.memberId)),
        urgent,
      )),
    };
  }

  /**
   * These members as delivery sees them: those it reaches (with their chat), and those it cannot:
   * no live chat, opted out of non-essential messages (unless urgent), outside the Zalo OA's window
   * with no ZNS template for announcements.
   */
  async #sort(memberIds: string[], chats: MemberChat[], urgent: boolean) {
    const withChat = new Set(chats.map((chat) => chat.memberId));
    const noChat = memberIds.filter((id) => !withChat.has(id));
    const optedOut = urgent ? [] : chats.filter((chat) => chat.optedOut);
    const candidates = urgent ? chats : chats.filter((chat) => !chat.optedOut);
    const oa = this.#deps.znsTemplate ? [] : candidates.filter((chat) => chat.chat.channel === 'zalo-oa');
    const outside = new Set<string>();
    if (oa.length > 0) {
      const now = this.#deps.clock.now().getTime();
      const lasts = await this.#deps.redis.mget(
        oa.map((chat) => `${this.#deps.prefix}:zalo-oa:last:${chat.chat.chatId}`),
      );
      oa.forEach((chat, index) => {
        const last = Number(lasts[index]);
        if (!last || now - last >= 7 * 24 * 3600_000) outside.add(chat.memberId);
      });
    }
    return {
      reach: candidates.filter((chat) => !outside.has(chat.memberId)),
      noChat,
      optedOut,
      outsideWindow: candidates.filter((chat) => outside.has(chat.memberId)),
    };
  }

  /** The sender's broadcasts still to go out or going out, the newest first. */
  async openBroadcasts(senderId: string) {
    const found = await this.#deps.models.Broadcast.find(
      { senderId, status: { $in: ['scheduled', 'sending'] } },
      { target: 1, sendAt: 1, status: 1 },
    )
      .sort({ sendAt: -1 })
      .limit(5)
      .lean();
    return found.map((b) => ({
      id: String(b._id),
      area: b.target?.name ?? '',
      sendAt: b.sendAt,
      status: b.status,
    }));
  }

  // ---------- effects ----------

  async apply(effect: Effect, now: Date): Promise<void> {
    try {
      switch (effect.type) {
        case 'createBroadcast':
          await this.create(effect.broadcast, { memberId: effect.broadcast.senderId }, now);
          break;
        case 'cancelBroadcast':
          await this.cancel(effect.broadcastId, { memberId: effect.byMemberId });
          break;
        case 'acknowledgeBroadcast':
          await this.acknowledge(effect.broadcastId, effect.memberId);
          break;
        case 'sendBroadcast':
          await this.#startDelivery(effect.broadcastId);
          break;
      }
    } catch (error) {
      if (!(error instanceof BroadcastRefused)) throw error;
      this.#deps.log.warn({ reason: error.reason, effect: effect.type }, 'broadcast refused');
      // The sender in chat hears of it (the API answers its own caller).
      if (effect.type === 'createBroadcast') {
        const { id, senderId, senderChat } = effect.broadcast;
        const sender = await this.#deps.models.Member.findById(senderId, { language: 1 }).lean();
        await this.#tellSender(
          { _id: id, senderId, senderChat, senderLang: sender?.language },
          { key: error.reason === 'photo' ? 'broadcast.photoFailed' : 'broadcast.refused' },
          'refused',
        );
      }
    }
  }

  /** The grants of whoever asks (a member's, read now; a token's scope). */
  async #grants(authority: BroadcastAuthority): Promise<RoleGrant[]> {
    if ('token' in authority) {
      const { orgUnitId, role } = authority.token;
      return [{ role: role === 'admin' ? 'admin' : 'staff', orgUnitId }];
    }
    const member = await this.#deps.models.Member.findById(authority.memberId, {
      status: 1,
      roles: 1,
    }).lean();
    if (member?.status !== 'active') return [];
    return member.roles.map((grant) => ({
      role: grant.role as RoleGrant['role'],
      ...(grant.clubId ? { clubId: grant.clubId } : {}),
      ...(grant.orgUnitId ? { orgUnitId: grant.orgUnitId } : {}),
    }));
  }

  /** Whether these grants reach the area (their unit, or under it). */
  async reaches(grants: RoleGrant[], area: Pick<AreaView, 'kind' | 'id' | 'ancestors'>): Promise<boolean> {
    const units = broadcastUnits(grants);
    return units.some((unit) => (area.kind === 'unit' && area.id === unit) || area.ancestors.includes(unit));
  }

  /**
   * Creates a broadcast and plans it (or starts it now). Creating an id that exists changes nothing
   * and answers as the first time did. Throws BroadcastRefused outside the sender's subtree, or
   * for an urgent broadcast from someone who may not send one.
   */
  async create(
    draft: BroadcastDraft,
    authority: BroadcastAuthority,
    now: Date,
    via: 'chat' | 'api' = 'chat',
  ): Promise<{
    id: string;
    recipients: number;
    unreachable: number;
    sendAt: Date;
    moved: boolean;
    status: string;
  }> {
    const { models } = this.#deps;
    const existing = await models.Broadcast.findById(draft.id).lean();
    if (existing) {
      const [planned, unreachable] = await this.#redis.hmget(
        this.#key(draft.id, 'counts'),
        'planned',
        'plannedUnreachable',
      );
      return {
        id: draft.id,
        recipients: planned === null ? existing.recipients : Number(planned),
        unreachable: Number(unreachable ?? 0),
        sendAt: existing.sendAt,
        moved: Boolean(existing.askedAt),
        status: existing.status,
      };
    }
    if (!draft.text.vi.trim()) throw new BroadcastRefused('empty');
    const grants = await this.#grants(authority);
    const area = await this.area(draft.target);
    if (!area) throw new BroadcastRefused('notFound');
    if (!mayBroadcast(grants) || !(await this.reaches(grants, area))) throw new BroadcastRefused('forbidden');
    if (draft.urgent) {
      const levels = await models.OrgUnit.find({ _id: { $in: broadcastUnits(grants) } }, { kind: 1 }).lean();
      const levelOf = (id: string) => levels.find((unit) => String(unit._id) === id)?.kind;
      if (!mayBroadcastUrgent(grants, levelOf)) throw new BroadcastRefused('urgentNotAllowed');
    }
    const asked = draft.sendAt ? new Date(draft.sendAt) : now;
    const start = asked < now ? now : asked;
    const quiet = draft.urgent ? 0 : msUntilQuietEnds(start, this.#deps.quietHours);
    const sendAt = new Date(start.getTime() + quiet);
    // How many it is for: those the preview counts as reached (as the chat's preview showed the
    // sender). Sent now, it starts going out before it is counted; the count is kept in Redis
    // (the document has one writer at a time).
    const later = sendAt.getTime() - now.getTime() > 1000;
    let planned = later ? await this.preview(draft.target, draft.who, draft.urgent) : undefined;
    let recipients = planned?.recipients ?? 0;
    if (draft.photo) await this.#keepPhoto(draft.id, draft.photo);
    const sender =
      'memberId' in authority
        ? await models.Member.findById(authority.memberId, { language: 1 }).lean()
        : undefined;
    const doc = {
      _id: draft.id,
      senderId: draft.senderId,
      senderChat: draft.senderChat ?? null,
      senderLang: (sender?.language ?? 'vi') as Lang,
      target: { kind: area.kind, id: area.id, name: area.name },
      who: draft.who,
      text: { vi: draft.text.vi, ...(draft.text.en ? { en: draft.text.en } : {}) },
      photo: Boolean(draft.photo),
      urgent: draft.urgent,
      ack: draft.ack,
      sendAt,
      askedAt: quiet > 0 ? asked : null,
      status: 'scheduled' as const,
      recipients,
      via,
    };
    try {
      await models.Broadcast.create(doc);
    } catch (error) {
      // Created meanwhile by a retry of the same request: it answers as that one did.
      if ((error as { code?: number }).code !== 11000) throw error;
    }
    if (planned) {
      await this.#plan(draft.id, planned);
      await this.#deps.scheduler.schedule(
        `broadcast.${draft.id}`,
        { at: sendAt },
        { type: 'sendBroadcast', broadcastId: draft.id, key: `broadcast.${draft.id}` },
      );
    } else {
      await this.#startDelivery(draft.id);
      planned = await this.preview(draft.target, draft.who, draft.urgent, draft.id);
      await this.#plan(draft.id, planned);
      recipients = planned.recipients;
      doc.recipients = recipients;
    }
    if (via === 'chat') await this.#tellCreated(doc as unknown as BroadcastDoc & { _id: string }, quiet > 0);
    return {
      id: draft.id,
      recipients,
      unreachable: unreachableOf(planned),
      sendAt,
      moved: quiet > 0,
      status: 'scheduled',
    };
  }

  /** Fetches the sender's photo from her app and keeps it under the broadcast's id (BroadcastPhoto). */
  async #keepPhoto(id: string, photo: ChatRef & { ref: string }): Promise<void> {
    let fetched: { bytes: Buffer; contentType: string };
    try {
      fetched = await this.#deps.fetchPhoto(photo);
    } catch (error) {
      this.#deps.log.warn({ err: error, channel: photo.channel }, 'broadcast photo not fetched');
      throw new BroadcastRefused('photo');
    }
    await this.#deps.models.BroadcastPhoto.updateOne(
      { _id: id },
      { $set: { bytes: fetched.bytes, contentType: fetched.contentType } },
      { upsert: true },
    );
  }

  /** A broadcast's message with its photo, on the apps that show one (PHOTO_APPS). */
  #withPhoto(message: Outbound, id: string): Outbound {
    if (message.channel === 'telegram') return { ...message, attachment: { type: 'photo', picture: id } };
    if (message.channel === 'zalo-bot')
      return { ...message, attachment: { type: 'photo', url: this.#deps.pictureUrl(id) } };
    return message;
  }

  /**
   * Keeps what the preview expects: `planned` (who will get it), `plannedUnreachable`, and
   * `expected` (both: the outcomes to come, for the progress's "of" until the audience is read).
   */
  async #plan(id: string, preview: BroadcastPreview): Promise<void> {
    const unreachable = unreachableOf(preview);
    await this.#redis.hset(this.#key(id, 'counts'), {
      planned: preview.recipients,
      plannedUnreachable: unreachable,
      expected: preview.recipients + unreachable,
    });
  }

  /** The sender hears when it goes out, and why later than asked (quiet hours). */
  async #tellCreated(b: BroadcastDoc & { _id: string }, moved: boolean): Promise<void> {
    const { timeZone } = this.#deps;
    const vars = {
      area: b.target?.name ?? '',
      time: localClock(b.sendAt, timeZone),
      date: localDate(b.sendAt, timeZone).split('-').reverse().join('/'),
      recipients: formatCount(b.recipients, b.senderLang as Lang),
    };
    const key = moved
      ? 'broadcast.movedToMorning'
      : b.sendAt > this.#deps.clock.now()
        ? 'broadcast.scheduledFor'
        : 'broadcast.sending';
    await this.#tellSender(b, { key, vars }, 'created');
  }

  async #tellSender(
    b: {
      _id: unknown;
      senderId: string;
      senderChat?: { channel?: string | null; chatId?: string | null } | null;
      senderLang?: string | null;
    },
    say: Say,
    what: string,
  ): Promise<void> {
    // Sent through the API: its caller asks for the status (there is no chat to tell).
    if (b.senderId.startsWith('api:')) return;
    const key = `bc.${String(b._id)}.sender.${what}`;
    if (b.senderChat?.channel && b.senderChat.chatId) {
      const chat = { channel: b.senderChat.channel as ChannelName, chatId: b.senderChat.chatId };
      const message = this.#deps.renderer.render(chat, (b.senderLang ?? 'vi') as Lang, say, b.senderId);
      await this.#deps.outbox.enqueue([{ ...message, kind: 'notice', urgent: true }], key);
      return;
    }
    await this.#deps.effects.notify(
      { type: 'notify', to: { members: [b.senderId] }, say, kind: 'notice', key, alone: true, urgent: true },
      this.#deps.clock.now(),
    );
  }

  async #startDelivery(id: string): Promise<void> {
    const started = await this.#deps.models.Broadcast.findOneAndUpdate(
      { _id: id, status: { $in: ['scheduled', 'sending'] } },
      { $set: { status: 'sending' } },
    ).lean();
    if (!started) return;
    // The first "every 5 minutes" progress comes 5 minutes from now (by the app's clock).
    await this.#redis.hsetnx(this.#key(id, 'counts'), 'progressAt', this.#deps.clock.now().getTime());
    await this.#queue.add(
      'deliver',
      { broadcastId: id },
      {
        jobId: outboxJobId('broadcast', id),
        attempts: 20,
        backoff: { type: 'exponential', delay: 2000 },
        removeOnComplete: { age: 7 * 24 * 3600 },
        removeOnFail: { age: 30 * 24 * 3600 },
      },
    );
  }

  /**
   * Queues one club's messages (the delivery job calls it club after club). Members whose outcome
   * is recorded already (a club read again after a restart) are skipped; the others are addressed
   * once each (a member of two clubs of the area too), and queued with their own job id.
   */
  async deliverClub(id: string, clubId: string): Promise<'cancelled' | 'ok'> {
    const { models, outbox } = this.#deps;
    const b = await models.Broadcast.findById(id).lean();
    if (!b || b.status === 'cancelled') return 'cancelled';
    const club = await this.#clubRecipients(clubId, b.who as BroadcastWho, b.urgent, { sharing: id });
    if (club.memberIds.length === 0) return 'ok';
    const done = await this.#redis.hmget(this.#key(id, 'outcomes'), ...club.memberIds);
    const todo = new Set(club.memberIds.filter((_, index) => done[index] === null));
    if (todo.size === 0) return 'ok';
    const channelOf = new Map(club.reach.map((chat) => [chat.memberId, chat.chat.channel]));
    await this.#redis.bcAddress(
      this.#key(id, 'clubs'),
      this.#key(id, 'counts'),
      ...[...todo].flatMap((memberId) => [memberId, `${clubId}\t${channelOf.get(memberId) ?? ''}`]),
    );
    const unreachable = [
      ...club.noChat,
      ...club.optedOut.map((chat) => chat.memberId),
      ...club.outsideWindow.map((chat) => chat.memberId),
    ];
    for (const memberId of unreachable)
      if (todo.has(memberId)) await this.record(id, memberId, 'unreachable');
    const reach = club.reach.filter((chat) => todo.has(chat.memberId));
    const now = this.#deps.clock.now();
    const group = withdrawGroup(id);
    const tag = (message: Outbound): Outbound => ({
      ...message,
      kind: 'announcement',
      ...(b.urgent ? { urgent: true } : {}),
    });
    for (let from = 0; from < reach.length; from += QUEUE_AT_ONCE) {
      const chats = await Promise.all(
        reach.slice(from, from + QUEUE_AT_ONCE).map(async ({ chat, memberId, lang }) => {
          const idBase = `bc.${id}.${memberId}`;
          const text = broadcastText(b.text as { vi: string; en?: string }, lang);
          const messages = b.ack
            ? await this.#openAck(chat, { memberId, lang }, id, text, b.urgent, now)
            : [
                this.#deps.renderer.render(
                  chat,
                  lang,
                  { key: 'broadcast.deliver', vars: { text } },
                  memberId,
                ),
              ];
          // The photo goes with the first message, the one holding the text.
          const tagged = messages.map((message, index) =>
            b.photo && index === 0 ? this.#withPhoto(tag(message), id) : tag(message),
          );
          return { messages: tagged, idBase, group };
        }),
      );
      await outbox.enqueueBulk(chats);
    }
    return 'ok';
  }

  /**
   * An announcement that asks "Trả lời 1 nếu đã nhận": the question is opened in the chat (flow
   * broadcastAck) when the person is not in the middle of another; otherwise she gets the text
   * after what she is answering, and the question when she is done (an offer, as `start` does).
   */
  async #openAck(
    chat: { channel: ChannelName; chatId: string },
    to: { memberId: string; lang: Lang },
    broadcastId: string,
    text: string,
    urgent: boolean,
    now: Date,
  ): Promise<Outbound[]> {
    const { chatStates, engine, lookups } = this.#deps;
    const args = { broadcastId, text };
    for (let attempt = 0; attempt < 3; attempt++) {
      const state = await chatStates.load(chat);
      if (!state.whoCheckedAt) {
        state.who = (await lookups.resolveWho(chat.channel, chat.chatId)).who;
        state.whoCheckedAt = now.getTime();
      }
      const session = state.session;
      const busy = inQuestion(session) && now.getTime() - session.updatedAt < BUSY_MS;
      if (!busy || urgent) {
        const opened = await engine.open(state, chat, 'broadcastAck', args, lookups, now);
        if (await chatStates.save(chat, opened.state)) return opened.replies;
        continue;
      }
      const key = `bc.${broadcastId}`;
      if (!state.offers?.some((offer) => offer.key === key))
        state.offers = [...(state.offers ?? []), { flow: 'broadcastAck', args, key }];
      if (!(await chatStates.save(chat, state))) continue;
      return engine.notice(state, chat, to, { key: 'broadcast.deliver', vars: { text } }, lookups, now);
    }
    return [
      this.#deps.renderer.render(chat, to.lang, { key: 'broadcast.deliver', vars: { text } }, to.memberId),
    ];
  }

  /** The audience has been read to its end: the total is known; finishes if every outcome is in. */
  async closeAudience(id: string): Promise<void> {
    // The total goes to MongoDB with the report (one writer of the document at a time).
    const b = await this.#deps.models.Broadcast.findById(id, { target: 1, who: 1 }).lean();
    const stopped = b?.target?.id
      ? await this.#stoppedMembers(
          { kind: b.target.kind as 'unit' | 'club', id: b.target.id },
          b.who as BroadcastWho,
        )
      : 0;
    const [done, total] = await this.#redis.bcClose(this.#key(id, 'counts'), String(stopped));
    if (done >= total) await this.#finish(id);
  }

  /**
   * What became of a message the outbox worker finished (`jobId` as queued by deliverPage): the
   * member's outcome, counted once; progress and the final report follow from it.
   */
  async onOutcome(jobId: string, outcome: Exclude<BroadcastOutcome, 'unreachable'>): Promise<void> {
    const match = /^bc\.([^.|]+)\.([^.|]+)\|\d+$/.exec(jobId);
    if (!match) return;
    await this.record(match[1]!, match[2]!, outcome);
  }

  /** Records a member's outcome once; tells the sender of progress, or the end. */
  async record(id: string, memberId: string, outcome: BroadcastOutcome): Promise<void> {
    const [done, total, expected, ticked] = await this.#redis.bcRecord(
      this.#key(id, 'outcomes'),
      this.#key(id, 'counts'),
      this.#key(id, 'clubs'),
      memberId,
      outcome,
      this.#deps.clock.now().getTime(),
      PROGRESS_EVERY_MS,
      KEEP_SECONDS,
    );
    if (done < 0) return;
    if (total >= 0 && done >= total) return this.#finish(id);
    const of = total >= 0 ? total : Math.max(expected, done);
    const quarter = (n: number) => Math.floor((n * 4) / Math.max(1, of));
    if ((quarter(done) > quarter(done - 1) && quarter(done) < 4) || ticked === 1)
      await this.#progress(id, done, of);
  }

  async #progress(id: string, done: number, of: number): Promise<void> {
    const b = await this.#deps.models.Broadcast.findById(id, {
      senderId: 1,
      senderChat: 1,
      senderLang: 1,
      status: 1,
    }).lean();
    if (b?.status !== 'sending') return;
    const lang = (b.senderLang ?? 'vi') as Lang;
    await this.#tellSender(
      b,
      { key: 'broadcast.progress', vars: { done: formatCount(done, lang), total: formatCount(of, lang) } },
      `progress.${done}`,
    );
  }

  /** Every outcome is in: the counts go to MongoDB and the sender gets the report, once. */
  async #finish(id: string): Promise<void> {
    const counts = this.#key(id, 'counts');
    if ((await this.#redis.hsetnx(counts, 'finished', '1')) === 0) return;
    const status = await this.status(id);
    if (!status) return;
    const b = await this.#deps.models.Broadcast.findOneAndUpdate(
      { _id: id, status: 'sending' },
      {
        $set: {
          status: 'sent',
          total: status.total,
          recipients: status.recipients,
          finishedAt: this.#deps.clock.now(),
          counts: {
            sent: status.sent,
            failed: status.failed,
            blocked: status.blocked,
            unreachable: status.unreachable,
            acknowledged: status.acknowledged,
          },
          byClub: status.byClub,
        },
      },
      { returnDocument: 'after' },
    ).lean();
    if (!b) return;
    await this.#redis.hset(counts, 'reported', '1');
    await this.#tellSender(b, await this.#report(b, status), 'report');
  }

  async #report(b: BroadcastDoc & { _id: unknown }, status: BroadcastStatus): Promise<Say> {
    const lang = (b.senderLang ?? 'vi') as Lang;
    const t = this.#deps.translate;
    const n = (value: number) => formatCount(value, lang);
    const clubIds = Object.keys(status.byClub).filter((club) => club !== '-');
    const clubs = await this.#deps.models.Club.find({ _id: { $in: clubIds } }, { name: 1 }).lean();
    const lines = clubs
      .sort((a, c) => a.name.localeCompare(c.name))
      .slice(0, 30)
      .map((club) => {
        const c = status.byClub[String(club._id)] ?? {};
        return t(lang, 'broadcast.reportClub', {
          club: club.name,
          sent: n(c.sent ?? 0),
          notSent: n((c.failed ?? 0) + (c.blocked ?? 0) + (c.unreachable ?? 0)),
          acknowledged: n(c.acknowledged ?? 0),
        });
      });
    return {
      key: b.ack ? 'broadcast.reportAck' : 'broadcast.report',
      vars: {
        area: b.target?.name ?? '',
        total: n(status.total ?? 0),
        sent: n(status.sent),
        failed: n(status.failed),
        blocked: n(status.blocked),
        unreachable: n(status.unreachable),
        acknowledged: n(status.acknowledged),
        clubs: lines.join('\n'),
      },
    };
  }

  /**
   * Cancels what has not gone out: a planned broadcast does not start; one going out stops reading
   * its audience, and its messages still waiting in the outbox are taken out (logged 'expired').
   * Only its sender, an admin, or a token whose subtree holds its area may cancel.
   */
  async cancel(id: string, authority: BroadcastAuthority): Promise<'cancelled' | 'finished' | 'notFound'> {
    const { models, scheduler } = this.#deps;
    const b = await models.Broadcast.findById(id).lean();
    if (!b) return 'notFound';
    const grants = await this.#grants(authority);
    const isSender = 'memberId' in authority && authority.memberId === b.senderId;
    const area = await this.area({ kind: b.target!.kind as 'unit' | 'club', id: b.target!.id! });
    if (!isSender && !(area && mayBroadcast(grants) && (await this.reaches(grants, area))))
      throw new BroadcastRefused('forbidden');
    const cancelled = await models.Broadcast.findOneAndUpdate(
      { _id: id, status: { $in: ['scheduled', 'sending'] } },
      { $set: { status: 'cancelled', cancelledAt: this.#deps.clock.now() } },
    ).lean();
    if (!cancelled) return b.status === 'cancelled' ? 'cancelled' : 'finished';
    await scheduler.unschedule(`broadcast.${id}`);
    await this.withdraw(id);
    const now = await this.status(id);
    const lang = (b.senderLang ?? 'vi') as Lang;
    await this.#tellSender(
      b,
      {
        key: 'broadcast.cancelledReport',
        vars: {
          area: b.target?.name ?? '',
          sent: formatCount(now?.sent ?? 0, lang),
          withdrawn: formatCount(Math.max(0, (now?.recipients ?? b.recipients) - (now?.sent ?? 0)), lang),
        },
      },
      'cancelled',
    );
    return 'cancelled';
  }

  /** Takes a cancelled broadcast's waiting messages out of the outbox (those not sent yet). */
  async withdraw(id: string): Promise<void> {
    const { outbox, messageLog } = this.#deps;
    // Those queued in bulk are not sent (the bulk worker records them); those waiting alone are removed.
    await outbox.withdraw(withdrawGroup(id));
    let cursor = '0';
    do {
      const [next, entries] = await this.#redis.hscan(this.#key(id, 'clubs'), cursor, 'COUNT', 500);
      cursor = next;
      const jobs: { memberId: string; channel: ChannelName }[] = [];
      for (let i = 0; i < entries.length; i += 2) {
        const channel = entries[i + 1]!.split('\t')[1];
        if (channel) jobs.push({ memberId: entries[i]!, channel: channel as ChannelName });
      }
      await Promise.all(
        jobs.map(async ({ memberId, channel }) => {
          const jobId = outboxJobId(`bc.${id}.${memberId}`, 0);
          const queue = outbox.queue(channel);
          const job = await queue.getJob(jobId);
          if (!job || (await job.isActive()) || (await job.isCompleted()) || (await job.isFailed())) return;
          if ((await queue.remove(jobId)) !== 1) return;
          await messageLog.result(jobId, job.data.message, { status: 'expired', attempts: job.attemptsMade });
          await this.record(id, memberId, 'cancelled');
        }),
      );
    } while (cursor !== '0');
  }

  /** A recipient answered "1": counted once per member, in Redis and on the broadcast. */
  async acknowledge(id: string, memberId: string): Promise<void> {
    if ((await this.#redis.hsetnx(this.#key(id, 'acks'), memberId, '1')) === 0) return;
    await this.#redis.expire(this.#key(id, 'acks'), KEEP_SECONDS);
    const club = ((await this.#redis.hget(this.#key(id, 'clubs'), memberId)) ?? '-').split('\t')[0];
    const results = await this.#redis
      .multi()
      .hincrby(this.#key(id, 'counts'), 'acknowledged', 1)
      .hincrby(this.#key(id, 'counts'), `club:${club}:acknowledged`, 1)
      .hget(this.#key(id, 'counts'), 'reported')
      .exec();
    // While it goes out, the report writes the counts; after that, a late answer raises the kept one
    // (one writer of the document at a time: FerretDB may lose one of two concurrent updates).
    const acknowledged = Number(results?.[0]?.[1] ?? 0);
    if (results?.[2]?.[1] === '1')
      await this.#deps.models.Broadcast.updateOne(
        { _id: id },
        { $max: { 'counts.acknowledged': acknowledged } },
      );
  }

  /** Where a broadcast stands: its live counters (Redis) or, once they are gone, those kept on it. */
  async status(id: string): Promise<BroadcastStatus | undefined> {
    const b = await this.#deps.models.Broadcast.findById(id).lean();
    if (!b) return undefined;
    const live = await this.#redis.hgetall(this.#key(id, 'counts'));
    const byClub: Record<string, Record<string, number>> = {};
    const counts: Record<string, number> = {};
    if (Object.keys(live).length > 1 || b.status !== 'sent') {
      for (const [field, value] of Object.entries(live)) {
        const club = /^club:(.*):(\w+)$/.exec(field);
        if (!club) {
          counts[field] = Number(value);
          continue;
        }
        const perClub = byClub[club[1]!] ?? {};
        perClub[club[2]!] = Number(value);
        byClub[club[1]!] = perClub;
      }
    } else {
      Object.assign(counts, b.counts);
      Object.assign(byClub, b.byClub);
    }
    const total = b.total ?? (counts.total !== undefined ? counts.total : null);
    return {
      id,
      status: b.status,
      area: b.target?.name ?? '',
      sendAt: b.sendAt.toISOString(),
      urgent: b.urgent,
      recipients: counts.planned ?? b.recipients,
      total,
      sent: counts.sent ?? 0,
      failed: counts.failed ?? 0,
      blocked: counts.blocked ?? 0,
      // Before it goes out, those the preview finds unreachable; then those delivery found.
      unreachable: b.status === 'scheduled' ? (counts.plannedUnreachable ?? 0) : (counts.unreachable ?? 0),
      acknowledged: Math.max(counts.acknowledged ?? 0, b.counts?.acknowledged ?? 0),
      byClub,
    };
  }

  close(): Promise<void> {
    return this.#queue.close();
  }
}

export { OUTCOMES };

/** The outbox group of a broadcast's messages, withdrawn when it is cancelled. */
function withdrawGroup(id: string): string {
  return `bc.${id}`;
}
