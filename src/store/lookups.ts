/**
 * What flows may read, over MongoDB. Every function is one or two indexed
 * queries; the hot path (who is behind a chat) goes by `_id`.
 */

import type { QueryFilter } from 'mongoose';
import { CLUB_LEADERS } from '../engine/roles.ts';
import type { Answers, Flag, Level } from '../engine/surveys.ts';
import type {
  AlertStatus,
  AreaRef,
  AreaView,
  BroadcastPreview,
  BroadcastWho,
  ChannelName,
  ChatRef,
  ClubContact,
  ClubMeetingRule,
  HealthAlertView,
  HealthResultView,
  InviteView,
  Lookups,
  MeetingView,
  MemberSettings,
  MemberView,
  OrgUnitView,
  PersonRef,
  ReportContextView,
  RollupView,
  Who,
} from '../engine/types.ts';
import type { HealthAlertDoc, MeetingDoc, MemberDoc, Models } from '../models/index.ts';
import { orgUnitView, reportContext, reportRollup } from '../reports/chat.ts';
import type { LinkCodes } from './link-codes.ts';
import { type MeetingAnswers, readAnswers } from './meeting-answers.ts';
import { readEach } from './read-each.ts';

type MemberRecord = {
  _id: unknown;
  fullName: string;
  birthYear?: number | null;
  gender?: string | null;
  phone?: string | null;
  status: string;
  clubIds: string[];
  pendingClubIds?: string[] | null;
  roles: { role: string; clubId?: string | null; orgUnitId?: string | null }[];
  language?: string | null;
  decidedBy?: string | null;
  volunteerIds?: string[] | null;
  consent?: { givenAt?: Date | null; channel?: string | null; byMemberId?: string | null } | null;
};

/** Whether `id` can be a member's `_id` (an ObjectId's hex): anything else finds nobody. */
const isMemberId = (id: string) => /^[0-9a-f]{24}$/.test(id);

/** The most recent meetings under way that `startedMeetings` lists. */
const STARTED_MEETINGS = 5;

/** Club names change rarely and there are few clubs: they are kept in memory this long. */
const CLUB_NAMES_TTL_MS = 5 * 60_000;

/** What the broadcast service answers for flows (src/runtime/broadcasts.ts; set once the app has it). */
export type BroadcastReads = Pick<Lookups, 'area' | 'openBroadcasts'> & {
  preview: Lookups['broadcastPreview'];
};

export class MongoLookups implements Lookups {
  readonly #models: Models;
  readonly #linkCodes: LinkCodes;
  #clubNames: { names: Map<string, string>; at: number } | undefined;
  broadcasts: BroadcastReads | undefined;

  constructor(models: Models, linkCodes: LinkCodes) {
    this.#models = models;
    this.#linkCodes = linkCodes;
  }

  async findLinkCode(code: string, chat: ChatRef): Promise<MemberView | 'tooManyTries' | undefined> {
    const memberId = await this.#linkCodes.find(code, chat);
    if (memberId === 'tooManyTries') return memberId;
    return memberId ? this.getMember(memberId) : undefined;
  }

  allowConfirmCode(memberId: string): Promise<boolean> {
    return this.#linkCodes.allowConfirmCode(memberId);
  }

  async findInvite(code: string, now: Date): Promise<InviteView | undefined> {
    const invite = await this.#models.Invite.findById(code).lean();
    if (!invite) return undefined;
    if (invite.expiresAt && invite.expiresAt < now) return undefined;
    if (invite.kind === 'personal' && invite.usedBy) return undefined;
    const clubName = (await this.#clubNameMap([invite.clubId])).get(invite.clubId);
    if (!clubName) return undefined;
    return {
      code: invite._id,
      clubId: invite.clubId,
      clubName,
      role: invite.role,
      kind: invite.kind,
    };
  }

  async findClubMemberByPhone(clubId: string, phone: string): Promise<MemberView | undefined> {
    const member = await this.#models.Member.findOne({ clubIds: clubId, phone }).lean();
    if (!member) return undefined;
    const hasChat = await this.#models.Identity.exists({ memberId: String(member._id) });
    return { ...(await this.#view(member as MemberRecord)), hasChat: Boolean(hasChat) };
  }

  async nextPendingMember(clubIds: string[], except: string[] = []): Promise<MemberView | undefined> {
    const skip = { _id: { $nin: except.filter(isMemberId) } };
    const oldest = (filter: { clubIds: string; status: 'pending' } | { pendingClubIds: string }) =>
      this.#models.Member.findOne({ ...filter, ...skip })
        .sort({ createdAt: 1 })
        .lean();
    // Newcomers and members asking to join one more club, club by club (no `$in`: store/read-each.ts).
    const waiting = await readEach(clubIds, (clubId) =>
      Promise.all([oldest({ clubIds: clubId, status: 'pending' }), oldest({ pendingClubIds: clubId })]),
    );
    const member = waiting
      .filter((found) => found !== null)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())[0];
    return member ? this.#view(member as MemberRecord) : undefined;
  }

  async clubContact(clubId: string): Promise<ClubContact | undefined> {
    // Members of this club who lead some club; which club they lead is checked below (FerretDB lacks $elemMatch).
    const leaders = await this.#models.Member.find(
      { clubIds: clubId, status: 'active', 'roles.role': { $in: CLUB_LEADERS } },
      { fullName: 1, phone: 1, roles: 1 },
    ).lean();
    // The chair if the club has one, else a vice chair (CLUB_LEADERS lists them in that order).
    for (const role of CLUB_LEADERS) {
      const leader = leaders.find((l) =>
        l.roles.some((grant) => grant.role === role && grant.clubId === clubId),
      );
      if (leader) return { name: leader.fullName, phone: leader.phone ?? undefined };
    }
    return undefined;
  }

  async getMember(memberId: string): Promise<MemberView | undefined> {
    if (!isMemberId(memberId)) return undefined;
    const member = await this.#models.Member.findById(memberId).lean();
    return member ? this.#view(member as MemberRecord) : undefined;
  }

  async memberSettings(memberId: string): Promise<MemberSettings | undefined> {
    if (!isMemberId(memberId)) return undefined;
    const [member, identities] = await Promise.all([
      this.#models.Member.findById(memberId, { preferredChat: 1, optedOutAt: 1 }).lean(),
      this.#models.Identity.find({ memberId, stoppedAt: null }, { channel: 1, chatId: 1 })
        .sort({ linkedAt: -1 })
        .lean(),
    ]);
    if (!member) return undefined;
    return {
      chats: identities.map(({ channel, chatId }) => ({ channel: channel as ChannelName, chatId })),
      preferredChat: member.preferredChat ?? undefined,
      optedOut: Boolean(member.optedOutAt),
    };
  }

  async membersActedFor(memberId: string): Promise<PersonRef[]> {
    const members = await this.#models.Member.find(
      { proxyIds: memberId, status: 'active' },
      { fullName: 1, clubIds: 1 },
    )
      .sort({ fullName: 1 })
      .lean();
    return members.flatMap((member) =>
      member.clubIds[0]
        ? [{ id: String(member._id), fullName: member.fullName, clubId: member.clubIds[0] }]
        : [],
    );
  }

  async clubInfo(clubId: string): Promise<{ id: string; name: string; orgUnitId: string } | undefined> {
    const club = await this.#models.Club.findById(clubId, { name: 1, orgUnitId: 1 }).lean();
    return club ? { id: club._id, name: club.name, orgUnitId: club.orgUnitId } : undefined;
  }

  async healthResults(memberId: string, limit: number): Promise<HealthResultView[]> {
    const responses = await this.#models.HealthResponse.find({ subjectId: memberId })
      .sort({ createdAt: -1 })
      .limit(limit)
      .lean();
    return responses.map((response) => ({
      at: response.createdAt,
      survey: { id: response.survey.id, version: response.survey.version },
      answers: (response.answers ?? {}) as Answers,
      level: response.level as Level,
      flags: response.flags as Flag[],
    }));
  }

  async healthAlert(alertId: string): Promise<HealthAlertView | undefined> {
    const alert = await this.#models.HealthAlert.findById(alertId).lean();
    return alert ? (await this.#alertViews([alert]))[0] : undefined;
  }

  async openHealthAlerts(clubIds: string[], limit: number): Promise<HealthAlertView[]> {
    const alerts = await readEach(clubIds, (clubId) =>
      this.#models.HealthAlert.find({ clubId, status: { $in: ['open', 'escalated'] } })
        .sort({ createdAt: -1 })
        .limit(limit)
        .lean(),
    );
    return this.#alertViews(
      alerts.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()).slice(0, limit),
    );
  }

  /** Alerts with their members, responses, clubs and proxies, each read once by `_id`. */
  async #alertViews(alerts: (HealthAlertDoc & { _id: string })[]): Promise<HealthAlertView[]> {
    if (alerts.length === 0) return [];
    const { Member, HealthResponse, Club } = this.#models;
    const [responses, clubs] = await Promise.all([
      readEach(
        alerts.map((alert) => alert.responseId),
        (id) => HealthResponse.findById(id).lean(),
      ),
      readEach(
        alerts.map((alert) => alert.clubId),
        (id) => Club.findById(id, { name: 1, orgUnitId: 1, ancestors: 1 }).lean(),
      ),
    ]);
    const proxies = responses.filter((response) => response.answeredBy !== response.subjectId);
    const people = await readEach(
      [...alerts.map((alert) => alert.memberId), ...proxies.map((r) => r.answeredBy)],
      (id) => Member.findById(id, { fullName: 1, birthYear: 1, phone: 1 }).lean(),
    );
    const person = (id: string) => people.find((member) => String(member._id) === id);
    return alerts.flatMap((alert) => {
      const member = person(alert.memberId);
      const response = responses.find((r) => r._id === alert.responseId);
      const club = clubs.find((c) => c._id === alert.clubId);
      if (!member || !response) return [];
      const proxy = response.answeredBy !== response.subjectId ? person(response.answeredBy) : undefined;
      return [
        {
          id: alert._id,
          memberId: alert.memberId,
          memberName: member.fullName,
          birthYear: member.birthYear ?? undefined,
          phone: member.phone ?? undefined,
          clubId: alert.clubId,
          clubName: club?.name ?? alert.clubId,
          orgUnitIds: club ? [club.orgUnitId, ...club.ancestors] : [],
          level: alert.level as Level,
          status: alert.status as AlertStatus,
          stage: alert.stage,
          proxyName: proxy?.fullName,
          acknowledgedBy: alert.acknowledgedBy ?? undefined,
          survey: { id: response.survey.id, version: response.survey.version },
          answers: (response.answers ?? {}) as Answers,
          createdAt: alert.createdAt,
        },
      ];
    });
  }

  async clubMembers(clubId: string): Promise<MemberView[]> {
    return this.#views({ clubIds: clubId, status: 'active' });
  }

  async assignedTo(volunteerId: string): Promise<MemberView[]> {
    return this.#views({ volunteerIds: volunteerId, status: 'active' });
  }

  /** The members matching `filter`, by name (small sets: one club, one volunteer's people). */
  async #views(filter: QueryFilter<MemberDoc>): Promise<MemberView[]> {
    const members = await this.#models.Member.find(filter).sort({ fullName: 1 }).lean();
    // The club names once for all of them (each view would otherwise read them at the same time).
    await this.#clubNameMap(
      members.flatMap((member) => [...member.clubIds, ...(member.pendingClubIds ?? [])]),
    );
    return Promise.all(members.map((member) => this.#view(member as MemberRecord)));
  }

  async upcomingMeetings(clubIds: string[], from: Date, limit: number): Promise<MeetingView[]> {
    const meetings = await readEach(clubIds, (clubId) =>
      this.#models.Meeting.find({ clubId, startsAt: { $gte: from }, status: { $ne: 'held' } }, MEETING_FIELDS)
        .sort({ startsAt: 1 })
        .limit(limit)
        .lean(),
    );
    meetings.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
    return this.#meetingViews(meetings.slice(0, limit));
  }

  async startedMeetings(clubIds: string[], from: Date, now: Date): Promise<MeetingView[]> {
    const meetings = await readEach(clubIds, (clubId) =>
      this.#models.Meeting.find(
        { clubId, status: 'scheduled', startsAt: { $gte: from, $lte: now } },
        MEETING_FIELDS,
      )
        .sort({ startsAt: -1 })
        .limit(STARTED_MEETINGS)
        .lean(),
    );
    meetings.sort((a, b) => b.startsAt.getTime() - a.startsAt.getTime());
    return this.#meetingViews(meetings.slice(0, STARTED_MEETINGS));
  }

  async clubRoster(clubId: string): Promise<{ id: string; name: string }[]> {
    const members = await this.#models.Member.find(
      { clubIds: clubId, status: 'active' },
      { fullName: 1 },
    ).lean();
    return members
      .map((member) => ({ id: String(member._id), name: member.fullName }))
      .sort((a, b) => a.name.localeCompare(b.name, 'vi'));
  }

  async meeting(meetingId: string): Promise<MeetingView | undefined> {
    const meeting = await this.#models.Meeting.findById(meetingId, MEETING_FIELDS).lean();
    return meeting ? (await this.#meetingViews([meeting]))[0] : undefined;
  }

  /** The meetings with their clubs' names and their members' answers (one read per meeting). */
  async #meetingViews(meetings: MeetingFields[]): Promise<MeetingView[]> {
    const names = await this.#clubNameMap(meetings.map((meeting) => meeting.clubId));
    const answers = await readEach(meetings, (meeting) => readAnswers(this.#models, meeting._id));
    return meetings.map((meeting, i) => meetingView(meeting, names, answers[i]!));
  }

  async meetingRule(clubId: string): Promise<ClubMeetingRule | undefined> {
    const club = await this.#models.Club.findById(clubId, { meetingRule: 1 }).lean();
    const rule = club?.meetingRule as ClubMeetingRule | null | undefined;
    return rule?.kind ? { ...rule, place: rule.place ?? '' } : undefined;
  }

  /** The name of a club, from the in-memory cache when it holds it. */
  async clubName(clubId: string): Promise<string | undefined> {
    return (await this.#clubNameMap([clubId])).get(clubId);
  }

  /** Who is behind a chat, and whether that chat had been marked stopped (two `_id` reads). */
  async resolveWho(channel: ChannelName, chatId: string): Promise<{ who: Who | null; stopped: boolean }> {
    const identity = await this.#models.Identity.findById(`${channel}:${chatId}`).lean();
    if (!identity) return { who: null, stopped: false };
    const member = await this.#models.Member.findById(identity.memberId).lean();
    if (!member) return { who: null, stopped: false };
    return { who: toWho(member as MemberRecord), stopped: Boolean(identity.stoppedAt) };
  }

  /**
   * Club id → name, from memory when fresh and holding every id in `needed` (a club created
   * since the last read is found at once); otherwise one read of the small clubs collection.
   */
  async #clubNameMap(needed: string[]): Promise<Map<string, string>> {
    const cached = this.#clubNames;
    if (cached && Date.now() - cached.at < CLUB_NAMES_TTL_MS && needed.every((id) => cached.names.has(id))) {
      return cached.names;
    }
    const clubs = await this.#models.Club.find({}, { name: 1 }).lean();
    this.#clubNames = { names: new Map(clubs.map((club) => [club._id, club.name])), at: Date.now() };
    return this.#clubNames.names;
  }

  async #view(member: MemberRecord): Promise<MemberView> {
    const pendingClubIds = member.pendingClubIds ?? [];
    const clubNames = await this.#clubNameMap([...member.clubIds, ...pendingClubIds]);
    const waitingFor = [...(member.status === 'pending' ? member.clubIds : []), ...pendingClubIds];
    return {
      id: String(member._id),
      fullName: member.fullName,
      birthYear: member.birthYear ?? undefined,
      gender: (member.gender ?? undefined) as MemberView['gender'],
      phone: member.phone ?? undefined,
      status: member.status as MemberView['status'],
      clubIds: member.clubIds,
      clubNames: member.clubIds.map((id) => clubNames.get(id) ?? id),
      waitingFor: waitingFor.map((id) => ({ id, name: clubNames.get(id) ?? id })),
      roles: toWho(member).roles,
      decidedBy: member.decidedBy ?? undefined,
      volunteerIds: member.volunteerIds ?? [],
      ...(member.consent?.givenAt
        ? {
            consent: {
              givenAt: member.consent.givenAt,
              channel: (member.consent.channel ?? undefined) as ChannelName | undefined,
              byMemberId: member.consent.byMemberId ?? undefined,
            },
          }
        : {}),
    };
  }

  async reportContext(clubId: string, period: string): Promise<ReportContextView | undefined> {
    return reportContext(this.#models, clubId, period);
  }

  async orgUnitView(orgUnitId: string): Promise<OrgUnitView | undefined> {
    return orgUnitView(this.#models, orgUnitId);
  }

  async reportRollup(orgUnitId: string, periods: string[]): Promise<RollupView> {
    return reportRollup(this.#models, orgUnitId, periods);
  }

  area(target: AreaRef): Promise<AreaView | undefined> {
    return this.#broadcastReads().area(target);
  }

  broadcastPreview(target: AreaRef, who: BroadcastWho, urgent: boolean): Promise<BroadcastPreview> {
    return this.#broadcastReads().preview(target, who, urgent);
  }

  openBroadcasts(senderId: string) {
    return this.#broadcastReads().openBroadcasts(senderId);
  }

  #broadcastReads(): BroadcastReads {
    if (!this.broadcasts)
      throw new Error('MongoLookups.broadcasts is not set: the app sets it when it builds Broadcasts');
    return this.broadcasts;
  }
}

const MEETING_FIELDS = { clubId: 1, startsAt: 1, place: 1, status: 1, headCount: 1 };
type MeetingFields = Pick<MeetingDoc, 'clubId' | 'startsAt' | 'place' | 'status' | 'headCount'> & {
  _id: string;
};

function meetingView(
  meeting: MeetingFields,
  names: Map<string, string>,
  answers: MeetingAnswers,
): MeetingView {
  return {
    id: meeting._id,
    clubId: meeting.clubId,
    clubName: names.get(meeting.clubId) ?? meeting.clubId,
    startsAt: meeting.startsAt,
    place: meeting.place,
    status: meeting.status,
    rsvps: answers.rsvps,
    present: answers.present,
    ...(meeting.headCount != null ? { headCount: meeting.headCount } : {}),
  };
}

export function toWho(member: MemberRecord): Who {
  return {
    memberId: String(member._id),
    status: member.status as Who['status'],
    lang: (member.language ?? 'vi') as Who['lang'],
    clubIds: member.clubIds,
    roles: member.roles.map((grant) => ({
      role: grant.role as Who['roles'][number]['role'],
      ...(grant.clubId ? { clubId: grant.clubId } : {}),
      ...(grant.orgUnitId ? { orgUnitId: grant.orgUnitId } : {}),
    })),
    ...(member.birthYear ? { birthYear: member.birthYear } : {}),
    ...(member.gender ? { gender: member.gender as Who['gender'] } : {}),
  };
}
