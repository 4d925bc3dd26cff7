/**
 * An in-memory stand-in for the storage behind `Lookups` (src/store/lookups.ts reads MongoDB and
 * Redis): a few clubs, members, invites and link codes, for engine cases that run without a
 * database. It answers the questions flows ask the way the store does (same filters, same
 * limits), and can apply the effects that change what a later turn reads (`apply`), so a case can
 * follow a conversation across several turns.
 */
import { canonicalCode } from '../../src/engine/codes.ts';
import { CLUB_LEADERS, REPORTERS, reachesClub } from '../../src/engine/roles.ts';
import type {
  AlertStatus,
  AreaRef,
  AreaView,
  BroadcastPreview,
  BroadcastWho,
  ChatRef,
  ClubContact,
  ClubMeetingRule,
  Effect,
  HealthAlertView,
  HealthResponseRecord,
  HealthResultView,
  InviteView,
  Lang,
  Lookups,
  MeetingView,
  MemberSettings,
  MemberView,
  OrgUnitView,
  PersonRef,
  ReportContextView,
  RollupView,
  Who,
} from '../../src/engine/types.ts';
import { shiftPeriod, weekCutoff } from '../../src/reports/periods.ts';
import { CONFIRM_CODES_PER_HOUR, WRONG_CODES_PER_HOUR } from '../../src/store/link-codes.ts';

/** A member as the fixture keeps it (the MongoDB record's fields that flows read). */
export interface FixtureMember
  extends Pick<
    MemberView,
    | 'id'
    | 'fullName'
    | 'birthYear'
    | 'gender'
    | 'phone'
    | 'status'
    | 'clubIds'
    | 'roles'
    | 'decidedBy'
    | 'volunteerIds'
    | 'consent'
  > {
  /** Clubs an active member asked to join, whose leaders have yet to decide. */
  pendingClubIds: string[];
  language: Lang;
  chats: ChatRef[];
  /** People who answer for this member. */
  proxyIds: string[];
}

/** A health alert as the fixture keeps it (the fields the store's document has). */
export interface FixtureAlert {
  id: string;
  memberId: string;
  clubId: string;
  level: HealthAlertView['level'];
  responseId: string;
  status: AlertStatus;
  stage: number;
  acknowledgedBy?: string;
  createdAt: Date;
}

export interface FixtureInvite extends InviteView {
  expiresAt?: Date;
  used?: boolean;
}

const chatKey = (chat: ChatRef) => `${chat.channel}:${chat.chatId}`;

export class FixtureLookups implements Lookups {
  readonly clubs = new Map<string, string>();
  /** Club id → its org unit and the units above it (the first is the club's own). */
  readonly clubUnits = new Map<string, string[]>();
  readonly responses: (HealthResponseRecord & { at: Date })[] = [];
  readonly alerts: FixtureAlert[] = [];
  /** The fixture's "now" for records created by effects (set by the world before each turn). */
  now = new Date(0);
  readonly members: FixtureMember[] = [];
  readonly invites = new Map<string, FixtureInvite>();
  /** Canonical link code → member id. */
  readonly linkCodes = new Map<string, string>();
  /** Meetings (`clubName` is filled in when read) and clubs' rules. */
  readonly meetings: Omit<MeetingView, 'clubName'>[] = [];
  readonly rules = new Map<string, ClubMeetingRule>();
  /** Weekly reports by `clubId|period`, and org units (for staff roll-ups). */
  readonly reports = new Map<
    string,
    {
      status: 'draft' | 'submitted';
      values: Record<string, number | boolean>;
      onTime: boolean | null;
      reopenedUntil: Date | null;
    }
  >();
  readonly units = new Map<string, { id: string; name: string; kind: string; parentId: string | null }>();
  readonly #wrongCodes = new Map<string, number>();
  readonly #confirmCodes = new Map<string, number>();

  club(id: string, name: string, units: string[] = []): this {
    this.clubs.set(id, name);
    this.clubUnits.set(id, units);
    return this;
  }

  member(fields: Partial<FixtureMember> & Pick<FixtureMember, 'id' | 'fullName'>): FixtureMember {
    const member: FixtureMember = {
      status: 'active',
      clubIds: [],
      pendingClubIds: [],
      roles: [],
      volunteerIds: [],
      language: 'vi',
      chats: [],
      proxyIds: [],
      ...fields,
    };
    this.members.push(member);
    return member;
  }

  invite(invite: FixtureInvite): this {
    this.invites.set(invite.code, invite);
    return this;
  }

  /** Who is behind a chat, as the runtime caches it (null: nobody yet). */
  whoOf(chat: ChatRef): Who | null {
    const member = this.members.find((m) => m.chats.some((c) => chatKey(c) === chatKey(chat)));
    if (!member) return null;
    return {
      memberId: member.id,
      status: member.status,
      lang: member.language,
      roles: member.roles,
      clubIds: member.clubIds,
      ...(member.birthYear ? { birthYear: member.birthYear } : {}),
      ...(member.gender ? { gender: member.gender } : {}),
    };
  }

  /**
   * Applies what a later turn of a case would read back: members created or deciding, chats
   * linked, clubs joined, codes made or used. Notices and flows for other people are not
   * delivered here (that is the runtime's part, shown by the transcripts).
   */
  apply(effect: Effect): void {
    switch (effect.type) {
      case 'createMember': {
        const { member, identity } = effect;
        const invite = this.invites.get(member.inviteCode);
        if (invite?.kind === 'personal') invite.used = true;
        this.member({
          ...member,
          clubIds: [member.clubId],
          roles: [{ role: member.role, clubId: member.clubId }],
          chats: identity ? [identity] : [],
        });
        return;
      }
      case 'linkIdentity':
        this.#get(effect.memberId).chats.push(effect.identity);
        return;
      case 'decideMember': {
        const member = this.#get(effect.memberId);
        member.decidedBy = effect.byMemberId;
        member.pendingClubIds = member.pendingClubIds.filter((id) => id !== effect.clubId);
        if (member.status === 'pending') member.status = effect.approve ? 'active' : 'rejected';
        else if (effect.approve) member.clubIds.push(effect.clubId);
        return;
      }
      case 'joinClub': {
        const member = this.#get(effect.memberId);
        if (effect.inviteKind === 'personal') member.clubIds.push(effect.clubId);
        else member.pendingClubIds.push(effect.clubId);
        return;
      }
      case 'assignVolunteer': {
        const member = this.#get(effect.memberId);
        const others = member.volunteerIds.filter((id) => id !== effect.volunteerId);
        member.volunteerIds = effect.assign ? [...others, effect.volunteerId] : others;
        return;
      }
      case 'eraseMember': {
        const member = this.#get(effect.memberId);
        Object.assign(member, { fullName: '', phone: undefined, birthYear: undefined, status: 'deleted' });
        member.chats = [];
        return;
      }
      case 'setLanguage':
        this.#get(effect.memberId).language = effect.lang;
        return;
      case 'saveWeeklyReport': {
        const member = this.#get(effect.byMemberId);
        if (!member.roles.some((g) => g.clubId === effect.clubId && REPORTERS.includes(g.role))) return;
        const key = `${effect.clubId}|${effect.period}`;
        const report = this.reports.get(key) ?? {
          status: 'draft' as const,
          values: {},
          onTime: null,
          reopenedUntil: null,
        };
        const reopened = report.reopenedUntil !== null && report.reopenedUntil > this.now;
        if (
          report.status === 'submitted' &&
          !reopened &&
          this.now > weekCutoff(effect.period, '1 12:00', 'Asia/Ho_Chi_Minh')
        )
          return;
        Object.assign(report.values, effect.values);
        if (effect.submit && report.status !== 'submitted') {
          report.status = 'submitted';
          report.onTime = this.now <= weekCutoff(effect.period, '1 12:00', 'Asia/Ho_Chi_Minh');
        }
        this.reports.set(key, report);
        return;
      }
      case 'reopenWeeklyReport': {
        // Staff of the club's unit or one above it, and a week the club sent.
        const member = this.#get(effect.byMemberId);
        const units = this.clubUnits.get(effect.clubId) ?? [];
        const staff = member.roles.some(
          (g) => (g.role === 'staff' || g.role === 'admin') && g.orgUnitId && units.includes(g.orgUnitId),
        );
        const report = this.reports.get(`${effect.clubId}|${effect.period}`);
        if (staff && report?.status === 'submitted') report.reopenedUntil = new Date(effect.until);
        return;
      }
      case 'createLinkCode':
        this.linkCodes.set(canonicalCode(effect.code), effect.memberId);
        return;
      case 'useLinkCode':
        this.linkCodes.delete(canonicalCode(effect.code));
        return;
      case 'saveHealthResponse':
        if (!this.responses.some((response) => response.id === effect.response.id)) {
          this.responses.push({ ...effect.response, at: this.now });
        }
        return;
      case 'raiseHealthAlert':
        if (!this.alerts.some((alert) => alert.id === effect.alert.id)) {
          this.alerts.push({ ...effect.alert, status: 'open', stage: 0, createdAt: this.now });
        }
        return;
      case 'escalateHealthAlert': {
        const alert = this.alerts.find((a) => a.id === effect.alertId);
        if (!alert || alert.stage !== effect.stage - 1 || !['open', 'escalated'].includes(alert.status))
          return;
        if (effect.by && !this.#mayAct(effect.by, alert)) return;
        Object.assign(alert, { stage: effect.stage, status: 'escalated' });
        for (const then of effect.whenOpen) this.apply(then);
        return;
      }
      case 'acknowledgeHealthAlert': {
        const alert = this.alerts.find((a) => a.id === effect.alertId);
        if (!alert || !['open', 'escalated'].includes(alert.status)) return;
        if (!this.#mayAct(effect.byMemberId, alert)) return;
        Object.assign(alert, { status: 'acknowledged', acknowledgedBy: effect.byMemberId });
        return;
      }
      case 'setMeetingRule':
        this.rules.set(effect.clubId, effect.rule);
        return;
      case 'moveMeeting':
        this.#meeting(effect.meetingId).startsAt = new Date(effect.startsAt);
        return;
      case 'cancelMeeting':
        this.#meeting(effect.meetingId).status = 'cancelled';
        return;
      case 'setRsvp':
        this.#meeting(effect.meetingId).rsvps[effect.memberId] = effect.rsvp;
        return;
      case 'setAttendance': {
        const meeting = this.#meeting(effect.meetingId);
        meeting.present = [...effect.present];
        meeting.headCount = effect.headCount;
        if (effect.close) meeting.status = 'held';
        return;
      }
      case 'checkIn': {
        const meeting = this.#meeting(effect.meetingId);
        if (!meeting.present.includes(effect.memberId)) meeting.present.push(effect.memberId);
        return;
      }
      case 'createMeeting':
        this.meetings.push({
          id: `${effect.clubId}|${effect.date}`,
          clubId: effect.clubId,
          startsAt: new Date(effect.startsAt),
          place: effect.place,
          status: 'scheduled',
          rsvps: {},
          present: [],
        });
        return;
    }
  }

  #mayAct(memberId: string, alert: FixtureAlert): boolean {
    const member = this.members.find((m) => m.id === memberId);
    return Boolean(member && reachesClub(member, alert.clubId, this.clubUnits.get(alert.clubId) ?? []));
  }

  async membersActedFor(memberId: string): Promise<PersonRef[]> {
    return this.members
      .filter((m) => m.status === 'active' && m.proxyIds.includes(memberId) && m.clubIds[0])
      .map((m) => ({ id: m.id, fullName: m.fullName, clubId: m.clubIds[0]! }));
  }

  async clubInfo(clubId: string): Promise<{ id: string; name: string; orgUnitId: string } | undefined> {
    const name = this.clubs.get(clubId);
    const unit = this.clubUnits.get(clubId)?.[0];
    return name && unit ? { id: clubId, name, orgUnitId: unit } : undefined;
  }

  async healthResults(memberId: string, limit: number): Promise<HealthResultView[]> {
    return this.responses
      .filter((response) => response.subjectId === memberId)
      .reverse()
      .slice(0, limit)
      .map(({ at, survey, answers, level, flags }) => ({ at, survey, answers, level, flags }));
  }

  async healthAlert(alertId: string): Promise<HealthAlertView | undefined> {
    const alert = this.alerts.find((a) => a.id === alertId);
    return alert && this.#alertView(alert);
  }

  async openHealthAlerts(clubIds: string[], limit: number): Promise<HealthAlertView[]> {
    return this.alerts
      .filter((alert) => clubIds.includes(alert.clubId) && ['open', 'escalated'].includes(alert.status))
      .reverse()
      .slice(0, limit)
      .flatMap((alert) => this.#alertView(alert) ?? []);
  }

  #alertView(alert: FixtureAlert): HealthAlertView | undefined {
    const member = this.members.find((m) => m.id === alert.memberId);
    const response = this.responses.find((r) => r.id === alert.responseId);
    if (!member || !response) return undefined;
    const proxy =
      response.answeredBy !== response.subjectId
        ? this.members.find((m) => m.id === response.answeredBy)
        : undefined;
    return {
      ...alert,
      memberName: member.fullName,
      birthYear: member.birthYear,
      phone: member.phone,
      clubName: this.clubs.get(alert.clubId) ?? alert.clubId,
      orgUnitIds: this.clubUnits.get(alert.clubId) ?? [],
      proxyName: proxy?.fullName,
      survey: response.survey,
      answers: response.answers,
    };
  }

  async findInvite(code: string, now: Date): Promise<InviteView | undefined> {
    const invite = this.invites.get(code);
    if (!invite || invite.used || (invite.expiresAt && invite.expiresAt < now)) return undefined;
    const { expiresAt: _expiresAt, used: _used, ...view } = invite;
    return view;
  }

  async findClubMemberByPhone(clubId: string, phone: string): Promise<MemberView | undefined> {
    const member = this.members.find((m) => m.clubIds.includes(clubId) && m.phone === phone);
    return member && { ...this.#view(member), hasChat: member.chats.length > 0 };
  }

  async nextPendingMember(clubIds: string[], except: string[] = []): Promise<MemberView | undefined> {
    const member = this.members.find(
      (m) =>
        !except.includes(m.id) &&
        ((m.status === 'pending' && m.clubIds.some((id) => clubIds.includes(id))) ||
          m.pendingClubIds.some((id) => clubIds.includes(id))),
    );
    return member && this.#view(member);
  }

  async getMember(memberId: string): Promise<MemberView | undefined> {
    const member = this.members.find((m) => m.id === memberId);
    return member && this.#view(member);
  }

  async findLinkCode(code: string, chat: ChatRef): Promise<MemberView | 'tooManyTries' | undefined> {
    const wrong = this.#wrongCodes.get(chatKey(chat)) ?? 0;
    if (wrong >= WRONG_CODES_PER_HOUR) return 'tooManyTries';
    const memberId = this.linkCodes.get(canonicalCode(code));
    if (!memberId) this.#wrongCodes.set(chatKey(chat), wrong + 1);
    return memberId ? this.getMember(memberId) : undefined;
  }

  async allowConfirmCode(memberId: string): Promise<boolean> {
    const sent = (this.#confirmCodes.get(memberId) ?? 0) + 1;
    this.#confirmCodes.set(memberId, sent);
    return sent <= CONFIRM_CODES_PER_HOUR;
  }

  async memberSettings(memberId: string): Promise<MemberSettings | undefined> {
    const member = this.members.find((m) => m.id === memberId);
    return member && { chats: [...member.chats].reverse(), optedOut: false };
  }

  async clubMembers(clubId: string): Promise<MemberView[]> {
    return this.#viewsOf((m) => m.status === 'active' && m.clubIds.includes(clubId));
  }

  async assignedTo(volunteerId: string): Promise<MemberView[]> {
    return this.#viewsOf((m) => m.status === 'active' && m.volunteerIds.includes(volunteerId));
  }

  /** The members `which` picks, by name (as the store sorts them). */
  #viewsOf(which: (member: FixtureMember) => boolean): MemberView[] {
    return this.members
      .filter(which)
      .sort((a, b) => a.fullName.localeCompare(b.fullName))
      .map((member) => this.#view(member));
  }

  async clubContact(clubId: string): Promise<ClubContact | undefined> {
    for (const role of CLUB_LEADERS) {
      const leader = this.members.find(
        (m) =>
          m.status === 'active' && m.roles.some((grant) => grant.role === role && grant.clubId === clubId),
      );
      if (leader) return { name: leader.fullName, phone: leader.phone };
    }
    return undefined;
  }

  async upcomingMeetings(clubIds: string[], from: Date, limit: number): Promise<MeetingView[]> {
    return this.meetings
      .filter((m) => clubIds.includes(m.clubId) && m.startsAt >= from && m.status !== 'held')
      .sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime())
      .slice(0, limit)
      .map((m) => ({ ...m, clubName: this.clubs.get(m.clubId) ?? m.clubId }));
  }

  async startedMeetings(clubIds: string[], from: Date, now: Date): Promise<MeetingView[]> {
    return this.meetings
      .filter(
        (m) =>
          clubIds.includes(m.clubId) && m.status === 'scheduled' && m.startsAt >= from && m.startsAt <= now,
      )
      .sort((a, b) => b.startsAt.getTime() - a.startsAt.getTime())
      .map((m) => ({ ...m, clubName: this.clubs.get(m.clubId) ?? m.clubId }));
  }

  async clubRoster(clubId: string): Promise<{ id: string; name: string }[]> {
    return this.members
      .filter((m) => m.status === 'active' && m.clubIds.includes(clubId))
      .map((m) => ({ id: m.id, name: m.fullName }))
      .sort((a, b) => a.name.localeCompare(b.name, 'vi'));
  }

  async meeting(meetingId: string): Promise<MeetingView | undefined> {
    const meeting = this.meetings.find((m) => m.id === meetingId);
    return meeting && { ...meeting, clubName: this.clubs.get(meeting.clubId) ?? meeting.clubId };
  }

  async meetingRule(clubId: string): Promise<ClubMeetingRule | undefined> {
    return this.rules.get(clubId);
  }

  #meeting(id: string): Omit<MeetingView, 'clubName'> {
    const meeting = this.meetings.find((m) => m.id === id);
    if (!meeting) throw new Error(`fixture has no meeting ${id}`);
    return meeting;
  }

  #get(memberId: string): FixtureMember {
    const member = this.members.find((m) => m.id === memberId);
    if (!member) throw new Error(`fixture has no member ${memberId}`);
    return member;
  }

  #view(member: FixtureMember): MemberView {
    const name = (id: string) => this.clubs.get(id) ?? id;
    const waitingFor = [...(member.status === 'pending' ? member.clubIds : []), ...member.pendingClubIds];
    return {
      id: member.id,
      fullName: member.fullName,
      birthYear: member.birthYear,
      gender: member.gender,
      phone: member.phone,
      status: member.status,
      clubIds: member.clubIds,
      clubNames: member.clubIds.map(name),
      roles: member.roles,
      waitingFor: waitingFor.map((id) => ({ id, name: name(id) })),
      decidedBy: member.decidedBy,
      volunteerIds: member.volunteerIds,
      consent: member.consent,
    };
  }

  async reportContext(clubId: string, period: string): Promise<ReportContextView | undefined> {
    const clubName = this.clubs.get(clubId);
    if (!clubName) return undefined;
    const report = this.reports.get(`${clubId}|${period}`);
    const previous = this.reports.get(`${clubId}|${shiftPeriod(period, -1)}`);
    const done = previous?.status === 'submitted' ? previous.values : undefined;
    return {
      clubName,
      members: this.members.filter((m) => m.status === 'active' && m.clubIds.includes(clubId)).length,
      ...(report ? { report: { ...report, values: { ...report.values } } } : {}),
      ...(done ? { previous: done } : {}),
      usual: Object.fromEntries(Object.entries(done ?? {}).map(([code, v]) => [code, Number(v)])),
    };
  }

  async orgUnitView(orgUnitId: string): Promise<OrgUnitView | undefined> {
    const unit = this.units.get(orgUnitId);
    if (!unit) return undefined;
    const children = [...this.units.values()].filter((u) => u.parentId === orgUnitId);
    return {
      id: orgUnitId,
      name: unit.name,
      kind: unit.kind,
      children: children.map(({ id, name, kind }) => ({ id, name, kind })),
    };
  }

  async reportRollup(orgUnitId: string, periods: string[]): Promise<RollupView> {
    const clubs = [...this.clubs.keys()].filter((id) => this.clubUnits.get(id)?.includes(orgUnitId));
    const totals: Record<string, number> = {};
    let reported = 0;
    let onTime = 0;
    for (const club of clubs) {
      for (const period of periods) {
        const r = this.reports.get(`${club}|${period}`);
        if (r?.status !== 'submitted') continue;
        reported += 1;
        if (r.onTime) onTime += 1;
        for (const [code, v] of Object.entries(r.values)) totals[code] = (totals[code] ?? 0) + Number(v);
      }
    }
    const last = periods.at(-1);
    const missing = clubs
      .filter((club) => this.reports.get(`${club}|${last}`)?.status !== 'submitted')
      .map((club) => ({ clubId: club, clubName: this.clubs.get(club)!, path: [] }));
    return {
      orgUnitId,
      periods,
      totals,
      clubs: clubs.length,
      expected: clubs.length * periods.length,
      reported,
      onTime,
      missing,
    };
  }

  /** Org units and clubs a broadcast's sender navigates ('unit:id' / 'club:id' → the view). */
  readonly areas = new Map<string, AreaView>();
  /** What `broadcastPreview` answers (the same for every audience, unless set per 'kind:id:who'). */
  preview: BroadcastPreview = {
    recipients: 0,
    byChannel: {},
    unreachable: { stopped: 0, optedOut: 0, outsideWindow: 0 },
    estimatedSeconds: 0,
  };
  readonly previews = new Map<string, BroadcastPreview>();
  /** Broadcasts not finished yet, by sender. */
  readonly openBroadcastsOf = new Map<string, { id: string; area: string; sendAt: Date; status: string }[]>();

  /** Adds an area (its children must be added too, to be entered). */
  area_(view: AreaView): this {
    this.areas.set(`${view.kind}:${view.id}`, view);
    return this;
  }

  async area(target: AreaRef): Promise<AreaView | undefined> {
    return this.areas.get(`${target.kind}:${target.id}`);
  }

  async broadcastPreview(target: AreaRef, who: BroadcastWho, _urgent: boolean): Promise<BroadcastPreview> {
    return this.previews.get(`${target.kind}:${target.id}:${who}`) ?? this.preview;
  }

  async openBroadcasts(senderId: string) {
    return this.openBroadcastsOf.get(senderId) ?? [];
  }
}
