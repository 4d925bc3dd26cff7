/**
 * The channel-agnostic vocabulary of a conversation. Channels turn platform
 * updates into an `Inbound` and render an `Outbound`; flows see neither the
 * platform nor the database, only these types and the read-only `Lookups`.
 */
import type { MeetingRule } from './meetings.ts';
import type { MessageKind } from './message-kinds.ts';
import type { Answers, Flag, HealthSettings, Level } from './surveys.ts';
import type { CHANNELS, FLOW_IDS, GENDERS, LANGUAGES, MEMBER_STATUSES, ROLES, RSVPS } from './vocabulary.ts';

export type ChannelName = (typeof CHANNELS)[number];
export type Lang = (typeof LANGUAGES)[number];
export type Role = (typeof ROLES)[number];
export type MemberStatus = (typeof MEMBER_STATUSES)[number];
export type Gender = (typeof GENDERS)[number];
export type FlowId = (typeof FLOW_IDS)[number];
export type Rsvp = (typeof RSVPS)[number];

/** One thing a person sent us, whatever the app. */
export interface Inbound {
  channel: ChannelName;
  /** Where replies go (a private chat's id). */
  chatId: string;
  /** The sender's account id on that app (equals chatId in private chats). */
  userId: string;
  /** The platform's id for this message; with channel + chatId it identifies a delivery. */
  messageId: string;
  at: Date;
  /**
   * 'greet': the person opened the chat without writing (e.g. followed the Zalo OA). 'photo': a
   * picture (`photo`), its caption in `text`; read only by a step that takes photos, otherwise
   * answered as 'unsupported'.
   */
  kind: 'text' | 'contact' | 'unsupported' | 'greet' | 'photo';
  /** Raw text as typed (never logged). */
  text?: string;
  /** The app's own handle for a picture sent: a Telegram file_id, a Zalo Bot image URL. */
  photo?: string;
  /**
   * A phone number shared through the app. `vouched`: the platform itself says the number is the
   * sender's own (a Telegram contact whose user_id is the sender) — only then is it proof of owning
   * it. `foreign`: the card is someone else's (a Telegram contact of another user).
   */
  contact?: { phone: string; vouched: boolean; foreign?: boolean };
}

/** One message to send: already translated; choices are rendered by each channel in its own way. */
export interface Outbound {
  channel: ChannelName;
  chatId: string;
  lang: Lang;
  text: string;
  /** Numbered answers, shown as "1 = …" lines or buttons; option N is answered by typing N. */
  choices?: string[];
  /** Label of the app's "share my phone number" button, where the app has one. */
  contactButton?: string;
  memberId?: string;
  /**
   * What kind of message this is (see message-kinds.ts; none = 'reply'): the Message log, ZNS
   * templates, quiet hours and opt-out go by it.
   */
  kind?: MessageKind;
  /** The person's message this answers (the Zalo OA counts such replies as free; never held at night). */
  replyTo?: string;
  /** Goes out at once even in quiet hours, and reaches members who opted out (a health emergency). */
  urgent?: boolean;
  /**
   * ISO time after which the message is pointless (a reminder for a meeting that has started):
   * if it cannot go out before then (held in quiet hours, retried), it is dropped and logged 'expired'.
   */
  expiresAt?: string;
  /** Values for a ZNS template, when this kind of message has one. */
  templateData?: Record<string, string>;
  /** A file sent with `text` as its caption (report files for staff: src/runtime/report-files.ts). */
  attachment?: OutboundAttachment;
}

/**
 * A document or photo: a report file made when the message goes out (`report`; apps that take an
 * upload), or an image the platform fetches itself (`url`; the Zalo Bot).
 */
export interface OutboundAttachment {
  type: 'document' | 'photo';
  report?: { orgUnitId: string; periods: string[]; format: 'xlsx' | 'csv' | 'png'; lang: Lang };
  url?: string;
  /** A picture kept in MongoDB (a broadcast's photo, by the broadcast's id), uploaded as it goes out. */
  picture?: string;
}

export interface RoleGrant {
  role: Role;
  clubId?: string;
  orgUnitId?: string;
}

/** What the engine knows about the person behind a chat (cached with the chat state). */
export interface Who {
  memberId: string;
  status: MemberStatus;
  lang: Lang;
  roles: RoleGrant[];
  clubIds: string[];
  /** For how the bot addresses them (see address.ts). */
  birthYear?: number;
  gender?: Gender;
}

/** An open conversation: which flow, which step, what has been answered so far. */
export interface Session {
  flow: string;
  step: string;
  data: Record<string, unknown>;
  /** Invalid answers in a row to the current step. */
  tries: number;
  updatedAt: number;
  /**
   * The questions answered before this one in this flow, oldest first (the last MAX_HISTORY),
   * each with the data as it was before its answer: "quay lại" / "back" returns to the last.
   * Going back undoes no effect an answer had (a code sent stays sent); answering again has
   * them again.
   */
  history?: PastStep[];
}

/** A question answered earlier in the open session, and the session's data before that answer. */
export interface PastStep {
  step: string;
  data: Record<string, unknown>;
}

/** Everything kept per chat between messages. */
export interface ChatState {
  /** null: looked up, no member behind this chat yet. */
  who: Who | null;
  whoCheckedAt: number;
  /** Language chosen before the person is a member. */
  lang?: Lang;
  session?: Session;
  /**
   * Flows opened for this person while they were busy with another (`start` with ifBusy 'wait'):
   * the first comes when what they are doing ends, in place of the menu.
   */
  offers?: Offer[];
  /** Optimistic-concurrency version, bumped on every save. */
  version: number;
}

/** A flow waiting to be offered to a busy person; `key` is the `start` effect's. */
export interface Offer {
  flow: FlowId;
  args: Record<string, unknown>;
  key: string;
}

/** A translatable message: an i18n key and its values. */
export interface Say {
  key: string;
  vars?: Record<string, string | number>;
  /** The answers, as i18n keys. */
  choices?: string[];
  /** The answers, when they are data rather than words (club names): shown as they are. */
  choiceTexts?: string[];
  requestContact?: boolean;
}

/** Facts a flow may read while it runs (implemented over MongoDB, cached where it pays). */
export interface Lookups {
  findInvite(code: string, now: Date): Promise<InviteView | undefined>;
  findClubMemberByPhone(clubId: string, phone: string): Promise<MemberView | undefined>;
  /** The oldest person waiting to join one of these clubs, other than `except` (decided this very turn). */
  nextPendingMember(clubIds: string[], except?: string[]): Promise<MemberView | undefined>;
  getMember(memberId: string): Promise<MemberView | undefined>;
  /**
   * The member a link code (shown on another app) belongs to (the `useLinkCode` effect uses it up).
   * A wrong code counts against the chat; one that typed too many lately gets 'tooManyTries' (and
   * its code is not even looked at).
   */
  findLinkCode(code: string, chat: ChatRef): Promise<MemberView | 'tooManyTries' | undefined>;
  /** Counts a one-time confirm code about to be sent to `memberId`; false once too many were sent lately. */
  allowConfirmCode(memberId: string): Promise<boolean>;
  /** Whom a member of this club calls for help: the chair (else a vice chair), with their phone. */
  clubContact(clubId: string): Promise<ClubContact | undefined>;
  /** A member's own settings: her live chats (the most recently linked first) and what she chose. */
  memberSettings(memberId: string): Promise<MemberSettings | undefined>;
  /** Active members this person answers for (she is among their proxies), by name. */
  membersActedFor(memberId: string): Promise<PersonRef[]>;
  /** A club's name and the org unit it sits in (whose staff hear of what the club cannot handle). */
  clubInfo(clubId: string): Promise<{ id: string; name: string; orgUnitId: string } | undefined>;
  /** A member's last `limit` completed health checks, the newest first. */
  healthResults(memberId: string, limit: number): Promise<HealthResultView[]>;
  /** A health alert with what its recipients need to act: who, where, the answers. */
  healthAlert(alertId: string): Promise<HealthAlertView | undefined>;
  /** Alerts of these clubs that nobody has acknowledged yet, the newest first (at most `limit`). */
  openHealthAlerts(clubIds: string[], limit: number): Promise<HealthAlertView[]>;
  /** The active members of a club, by name (a club has tens of members: read whole, paged by the flow). */
  clubMembers(clubId: string): Promise<MemberView[]>;
  /** The active members a volunteer is assigned to ("phân công"), by name. */
  assignedTo(volunteerId: string): Promise<MemberView[]>;
  /** The next meetings (scheduled or cancelled) of these clubs starting at `from` or later, soonest first. */
  upcomingMeetings(clubIds: string[], from: Date, limit: number): Promise<MeetingView[]>;
  /** A club's meeting rule and place, if it has one. */
  meetingRule(clubId: string): Promise<ClubMeetingRule | undefined>;
  /** One meeting, whatever its status. */
  meeting(meetingId: string): Promise<MeetingView | undefined>;
  /**
   * The meetings of these clubs that have started (since `from`) and are not closed yet, the
   * latest first: what roll-call and check-in are for.
   */
  startedMeetings(clubIds: string[], from: Date, now: Date): Promise<MeetingView[]>;
  /** A club's active members, by name: the roll-call list. */
  clubRoster(clubId: string): Promise<{ id: string; name: string }[]>;
  /** A club's report for a week, the weeks before it (hints, what is usual) and its member count. */
  reportContext(clubId: string, period: string): Promise<ReportContextView | undefined>;
  /** An org unit with the units right below it (staff choose where to look). */
  orgUnitView(orgUnitId: string): Promise<OrgUnitView | undefined>;
  /** The roll-up of an org unit's reports for these periods (src/reports/rollup.ts). */
  reportRollup(orgUnitId: string, periods: string[]): Promise<RollupView>;
  /** An org unit or a club, with what lies directly under a unit (a broadcast's audience is chosen in it). */
  area(target: AreaRef): Promise<AreaView | undefined>;
  /** Whom a broadcast would reach, by app, and how long it would take (src/runtime/broadcasts.ts). */
  broadcastPreview(target: AreaRef, who: BroadcastWho, urgent: boolean): Promise<BroadcastPreview>;
  /** Broadcasts this member sent that have not finished going out (to cancel them), the newest first. */
  openBroadcasts(senderId: string): Promise<{ id: string; area: string; sendAt: Date; status: string }[]>;
}

/** What the weekly-report flow reads of a club's reports. */
export interface ReportContextView {
  clubName: string;
  /** Active members: a count of people above it is asked back. */
  members: number;
  report?: {
    status: 'draft' | 'submitted';
    values: Record<string, number | boolean>;
    onTime: boolean | null;
    reopenedUntil: Date | null;
  };
  /** The last submitted week before this one (its values are the hints). */
  previous?: Record<string, number | boolean>;
  /** The mean of the last submitted weeks (up to four), per code: far from it is asked back. */
  usual: Record<string, number>;
}

export interface OrgUnitView {
  id: string;
  name: string;
  kind: string;
  children: { id: string; name: string; kind: string }[];
}

export interface RollupView {
  orgUnitId: string;
  periods: string[];
  totals: Record<string, number>;
  clubs: number;
  expected: number;
  reported: number;
  onTime: number;
  missing: { clubId: string; clubName: string; path: { id: string; name: string; kind: string }[] }[];
  allAreasActive?: number;
  previous?: { periods: string[]; totals: Record<string, number>; reported: number; expected: number };
}

/** A club's rule with where it meets. */
export type ClubMeetingRule = MeetingRule & { place: string };

export interface MeetingView {
  id: string;
  clubId: string;
  clubName: string;
  startsAt: Date;
  place: string;
  status: 'scheduled' | 'cancelled' | 'held';
  /** Member id → her answer to the reminders' question, for those who answered. */
  rsvps: Record<string, Rsvp>;
  /** Members marked present (by roll-call or their own check-in). */
  present: string[];
  /** The head count, when roll-call gave only a number. */
  headCount?: number;
}

/** A member named in a list (whom a proxy answers for). */
export interface PersonRef {
  id: string;
  fullName: string;
  clubId: string;
}

/** What flows read once configured (src/config.ts turns the environment into this). */
export interface FlowSettings {
  health: HealthSettings;
  /** IANA zone of the clubs, for the dates people read. */
  timeZone: string;
  /**
   * Weekly reports: edits close at `cutoff` ("<days after the week> <HH:MM>", REPORT_CUTOFF);
   * `dhis2`: staff may push reports to DHIS2 (DHIS2_URL, DHIS2_TOKEN and DHIS2_MAPPING_FILE set).
   */
  reports: { cutoff: string; dhis2: boolean };
}

/** A completed health check, as stored: whose it is, who typed it, what was answered and flagged. */
export interface HealthResponseRecord {
  id: string;
  subjectId: string;
  answeredBy: string;
  clubId: string;
  survey: { id: string; version: number };
  answers: Answers;
  level: Level;
  flags: Flag[];
}

export interface HealthResultView {
  at: Date;
  survey: { id: string; version: number };
  answers: Answers;
  level: Level;
  flags: Flag[];
}

/** open: told, nobody answered yet; escalated: gone one step up; acknowledged: someone has contacted the member. */
export type AlertStatus = 'open' | 'acknowledged' | 'escalated' | 'closed';
/** Who is told of an alert at each step up: the member's volunteers, the club's chair, the commune's staff. */
export type AlertRole = 'volunteer' | 'chair' | 'staff';

export interface HealthAlertView {
  id: string;
  memberId: string;
  memberName: string;
  birthYear?: number;
  phone?: string;
  clubId: string;
  clubName: string;
  /** The club's org unit and the units above it. */
  orgUnitIds: string[];
  level: Level;
  status: AlertStatus;
  /** How many steps up it has gone (0: the first people told). */
  stage: number;
  /** Who answered for the member, when it was someone else. */
  proxyName?: string;
  acknowledgedBy?: string;
  survey: { id: string; version: number };
  answers: Answers;
  createdAt: Date;
}

export interface MemberSettings {
  chats: ChatRef[];
  /** The chat she chose to receive messages on ('channel:chatId'), if any. */
  preferredChat?: string;
  optedOut: boolean;
}

/** A chat on one app. */
export interface ChatRef {
  channel: ChannelName;
  chatId: string;
}

export interface ClubContact {
  name: string;
  phone?: string;
}

export interface InviteView {
  code: string;
  clubId: string;
  clubName: string;
  role: Role;
  kind: 'open' | 'personal';
}

export interface MemberView {
  id: string;
  fullName: string;
  birthYear?: number;
  gender?: Gender;
  phone?: string;
  status: MemberStatus;
  clubIds: string[];
  clubNames: string[];
  roles: RoleGrant[];
  /** Clubs whose chair has yet to decide on this person (their first club while pending, or one more). */
  waitingFor: { id: string; name: string }[];
  /** Whether the member has a chat on some app (filled in by `findClubMemberByPhone`). */
  hasChat?: boolean;
  /** Who last approved or rejected this member. */
  decidedBy?: string;
  /** The volunteers the chair assigned to look after this member ("phân công"). */
  volunteerIds: string[];
  /** When and how the member (or someone on her behalf) agreed to the club keeping her data. */
  consent?: { givenAt: Date; channel?: ChannelName; byMemberId?: string };
}

export interface NewMember {
  id: string;
  fullName: string;
  birthYear: number;
  gender: Gender;
  phone?: string;
  language: Lang;
  clubId: string;
  role: Role;
  status: MemberStatus;
  inviteCode: string;
  inviteKind: 'open' | 'personal';
  /** Who registered this person on their behalf (they have no chat of their own). */
  proxyMemberId?: string;
}

/**
 * Whom a message or a flow is for: a flow says whom to tell, the runtime finds their chats
 * (src/runtime/audiences.ts) — each member's preferred chat, as `chatsOf` picks it.
 */
export type Audience =
  /** These members. */
  | { members: string[] }
  /** The chair and vice chairs of a club. */
  | { leadersOf: string }
  /** Those who may report for a club: its chair, vice chairs and members with the `reporter` role. */
  | { reportersOf: string }
  /**
   * The volunteers who look after a member: those the chair assigned to her ("phân công") who
   * still volunteer in one of her clubs; when none is, every volunteer of her clubs, so an alert
   * about someone nobody was assigned to yet still reaches a volunteer.
   */
  | { volunteersOf: string }
  /** The people who answer for a member (who registered them on their behalf). */
  | { proxiesOf: string }
  /** Active members of an org unit and everything under it who hold one of `roles` there. */
  | { orgUnit: string; roles: Role[] }
  /** Everyone in any of these small audiences, once (a chair who also volunteers is told once). */
  | { anyOf: SmallAudience[] };

/** An audience read in one page (all but an org unit's). */
export type SmallAudience = Exclude<Audience, { orgUnit: string } | { anyOf: unknown }>;

/**
 * A message to an audience. `key` names the delivery (with each chat, the outbox job id), so
 * applying the effect again tells nobody twice. Unless `alone`, the message is followed by the
 * question the recipient has open, so a notice never takes the place of what they were answering.
 */
export interface NotifyEffect {
  type: 'notify';
  to: Audience;
  say: Say;
  /** The message kind (Message log, ZNS templates, quiet hours). */
  kind: MessageKind;
  key: string;
  /** Members of the audience not to tell (e.g. the helper who did the thing). */
  except?: string[];
  alone?: boolean;
  urgent?: boolean;
}

/**
 * Opens `flow` in the chats of an audience (an approval request in the chair's chat). Someone in
 * the middle of another flow is not interrupted unless `ifBusy` is 'interrupt' (urgent flows
 * only): with 'wait' they get `busy.otherFlow` (how to open it when free), or `busy.sameFlow`
 * when they are already in this flow (which then shows the newcomer next by itself); with
 * 'skip', nothing.
 */
export interface StartEffect {
  type: 'start';
  flow: FlowId;
  args: Record<string, unknown>;
  for: Audience;
  ifBusy: 'wait' | 'skip' | 'interrupt';
  key: string;
  kind: MessageKind;
  busy?: { sameFlow?: Say; otherFlow?: Say };
  except?: string[];
  /** Opened at once even in quiet hours and for people who opted out (a health emergency). */
  urgent?: boolean;
  /** ISO time after which its messages are pointless (see `Outbound.expiresAt`): a meeting's start. */
  expiresAt?: string;
}

/**
 * A question left unanswered (see `Step.timeout`): when it fires, the chat is reminded (or its
 * conversation closed) only if it still sits at that step untouched since `stamp` (its session's
 * `updatedAt` when the plan was made).
 */
export interface StepTimeoutEffect {
  type: 'stepTimeout';
  chat: ChatRef;
  flow: string;
  step: string;
  stamp: number;
  key: string;
}

/**
 * A meeting's reminder (`offset`, e.g. "-2h") is due: the club's members who have not said they
 * will not come get the RSVP question (a member without a chat: her proxies) — but only while the
 * meeting is still scheduled at `startsAt` (a moved or cancelled meeting's old reminder does
 * nothing), outside quiet hours (else at their end, unless the meeting starts first).
 */
export interface MeetingReminderEffect {
  type: 'meetingReminder';
  meetingId: string;
  offset: string;
  startsAt: string;
  key: string;
}

/**
 * A club's health round (`startsAt`, the round's planned time) is due: its active members who
 * did not opt out are invited into the health check (a member without a chat: her proxies);
 * the `nudge`, a day later, invites again only those with no response since `startsAt`.
 */
export interface HealthRoundEffect {
  type: 'healthRound';
  clubId: string;
  startsAt: string;
  nudge?: boolean;
  key: string;
}

/**
 * A health alert goes up to `stage` (the people in `to`), unless it was acknowledged or has already
 * gone that far: then nothing happens. Planned when an alert is raised (not acknowledged in time)
 * and applied at once when a recipient answers "2 Cần hỗ trợ" (`by`: who asked). `whenOpen` (whom
 * to tell, the next step's plan) is applied only when the alert did go up.
 */
export interface EscalateAlertEffect {
  type: 'escalateHealthAlert';
  alertId: string;
  stage: number;
  to: AlertRole[];
  by?: string;
  key: string;
  whenOpen: Effect[];
}

/** What may be planned for later: a message, a flow, or an alert's next step, applied when its time comes. */
export type ScheduledEffect =
  | NotifyEffect
  | StartEffect
  | StepTimeoutEffect
  | EscalateAlertEffect
  | MeetingReminderEffect
  | HealthRoundEffect
  | SendBroadcastEffect
  | ReportNudgesEffect;

/** A planned broadcast's time came: its delivery starts (unless it was cancelled). */
export interface SendBroadcastEffect {
  type: 'sendBroadcast';
  broadcastId: string;
  key: string;
}

/**
 * Weekly reports' nudges are due: 'chairs' — the chair, vice chairs and reporters of every club
 * that has not reported this week are offered the report, once each (REPORT_NUDGE_WEEKDAY/TIME);
 * 'staff' — each commune's staff get the clubs still missing last week's
 * (REPORT_MISSING_WEEKDAY/TIME). Clubs that reported are skipped.
 */
export interface ReportNudgesEffect {
  type: 'reportNudges';
  who: 'chairs' | 'staff';
  key: string;
}

/** Changes a flow decides; the engine's caller applies them (idempotently) to the database. */
export type Effect =
  | NotifyEffect
  | StartEffect
  | StepTimeoutEffect
  | EscalateAlertEffect
  /** Stores a completed health check (one document; applying it again changes nothing). */
  | { type: 'saveHealthResponse'; response: HealthResponseRecord }
  /** Opens an alert about a response; `to`: who is told first (the alert's first step). */
  | {
      type: 'raiseHealthAlert';
      alert: { id: string; memberId: string; clubId: string; level: Level; responseId: string };
      to: AlertRole[];
    }
  /**
   * Someone has contacted the member. Applied only if `byMemberId` is of the member's club (or its
   * commune's staff) and the alert is still open; `whenAcknowledged` (cancelling its next step) then.
   */
  | { type: 'acknowledgeHealthAlert'; alertId: string; byMemberId: string; whenAcknowledged: Effect[] }
  | MeetingReminderEffect
  | HealthRoundEffect
  | ReportNudgesEffect
  /**
   * `effect` happens later — once at `at` (ISO time), or `every` so often (`ms`, or a cron
   * `pattern` in APP_TIMEZONE) — even across restarts. Scheduling a `key` again replaces its plan;
   * each planned time fires once (its deliveries are keyed by the key and that time).
   */
  | {
      type: 'schedule';
      key: string;
      when: { at: string } | { every: { ms: number } | { pattern: string } };
      effect: ScheduledEffect;
    }
  /** Forgets the plan of `key` (a cancelled meeting's reminders never fire). */
  | { type: 'unschedule'; key: string }
  /**
   * Creates a member (and links this chat, when given). Whether they end up pending is known only
   * then (a personal invite may have been used meanwhile): `whenPending` / `whenActive` are
   * applied accordingly — whom to ask or tell is written in the flow.
   */
  | {
      type: 'createMember';
      member: NewMember;
      identity?: { channel: ChannelName; chatId: string };
      whenPending?: Effect[];
      whenActive?: Effect[];
    }
  /**
   * Links a chat to a member whose ownership it proved (an app-vouched phone or a one-time code).
   * The member's other chats are told, so a stranger's link does not go unnoticed.
   */
  | { type: 'linkIdentity'; memberId: string; identity: ChatRef }
  /** Unlinks the member's chats that were linked after `keep` (the "NGẮT" answer to a link notice). */
  | { type: 'unlinkNewerChats'; memberId: string; keep: ChatRef }
  /**
   * A leader's decision on a person waiting to join `clubId`; applied only if `byMemberId` leads it
   * then and the person still waits. `whenDecided` (the notices) is applied only if the decision was.
   */
  | {
      type: 'decideMember';
      memberId: string;
      clubId: string;
      approve: boolean;
      byMemberId: string;
      whenDecided?: Effect[];
    }
  /** A member asks to join one more club (a personal invite: joins at once). */
  | {
      type: 'joinClub';
      memberId: string;
      clubId: string;
      role: Role;
      inviteCode: string;
      inviteKind: 'open' | 'personal';
      /** Applied when she waits for that club's leaders (not a personal invite, or one used meanwhile). */
      whenPending?: Effect[];
    }
  | { type: 'setLanguage'; memberId: string; lang: Lang }
  /** Messages to the member go to this chat of hers while it is live (see `chatsOf`). */
  | { type: 'setPreferredChat'; memberId: string; chat: ChatRef }
  /**
   * A leader sets a club's meeting rule: the coming meetings it gives are planned; those the old
   * rule gave on other dates (not moved by a leader) are removed. Applied only if `byMemberId`
   * leads the club then.
   */
  | {
      type: 'setMeetingRule';
      clubId: string;
      rule: ClubMeetingRule;
      byMemberId: string;
      /** To members already reminded of a meeting the new rule removed or moved. */
      notice: Say;
    }
  /**
   * A leader moves a meeting (`startsAt` ISO), cancels it, or creates a one-off one (on local
   * `date`, which names it); applied only if `byMemberId` leads the meeting's club then.
   */
  | { type: 'moveMeeting'; meetingId: string; startsAt: string; byMemberId: string; notice: Say }
  | { type: 'cancelMeeting'; meetingId: string; byMemberId: string; notice: Say }
  /**
   * A member's answer to "will you come" (by her, or by a proxy of hers), saved on the meeting
   * while it is scheduled and has not started; applied only if she is in its club.
   */
  | { type: 'setRsvp'; meetingId: string; memberId: string; rsvp: Rsvp; byMemberId: string }
  /**
   * Roll-call: who was at the meeting (`present`, the others of `roster` absent), or only how
   * many (`headCount`); replaces the last roll-call. Applied while the meeting is open, for a
   * leader of its club; `close` then closes it (held: no more changes).
   */
  | {
      type: 'setAttendance';
      meetingId: string;
      roster: string[];
      present: string[];
      headCount?: number;
      byMemberId: string;
      close?: boolean;
    }
  /** A member says she is at the meeting ("có mặt"): applied for a member of its club while it is open. */
  | { type: 'checkIn'; meetingId: string; memberId: string }
  | {
      type: 'createMeeting';
      clubId: string;
      date: string;
      startsAt: string;
      place: string;
      byMemberId: string;
    }
  /** The member gets only essential messages (`optedOut`), or all of them again. */
  | { type: 'setOptOut'; memberId: string; optedOut: boolean }
  | { type: 'createLinkCode'; memberId: string; code: string }
  /** A link code worked: it is used up (once the turn's outcome is decided, so a replay answers the same). */
  | { type: 'useLinkCode'; code: string }
  /**
   * Sends a one-time code that confirms a chat claiming the member's phone: to the member's own
   * chats, or — when they have none — to the people who answer for them (proxies, else the club's
   * leaders), who hand it over in person. `sendId` names the delivery (never the code).
   */
  | { type: 'sendConfirmCode'; memberId: string; code: string; sendId: string }
  /**
   * A leader assigns a volunteer of `clubId` to look after a member of it (`assign`), or takes
   * the assignment away. Applied only if `byMemberId` leads the club then, the member is an
   * active member of it and (to assign) the volunteer volunteers in it; `whenDone` (the notices)
   * only then.
   */
  | {
      type: 'assignVolunteer';
      memberId: string;
      volunteerId: string;
      clubId: string;
      byMemberId: string;
      assign: boolean;
      whenDone?: Effect[];
    }
  /**
   * The member erases her data ("xoá dữ liệu", src/runtime/erase-member.ts): her record is
   * anonymised (status 'deleted'), her health responses deleted, every chat of hers unlinked
   * and cleared, and the leaders of her clubs told she left.
   */
  | { type: 'eraseMember'; memberId: string }
  /**
   * Values of a club's weekly report, entered by `byMemberId` (a draft, or `submit`ted): applied
   * only if she may report for the club then (chair, vice chair, reporter; staff above it after
   * the cut-off), and never to a submitted week past its cut-off unless staff reopened it.
   */
  | {
      type: 'saveWeeklyReport';
      clubId: string;
      period: string;
      values: Record<string, number | boolean>;
      byMemberId: string;
      submit: boolean;
    }
  /**
   * Staff reopen a club's submitted week after its cut-off, until `until` (ISO): the club may change
   * it again until then. Applied only if `byMemberId` is staff or admin of the club's org unit or
   * one above it (MongoDB's roles then) and the week was sent; `whenReopened` (the club told) then.
   */
  | {
      type: 'reopenWeeklyReport';
      clubId: string;
      period: string;
      byMemberId: string;
      until: string;
      whenReopened: Effect[];
    }
  | SendReportFilesEffect
  | PushReportsEffect
  /** Staff send (or plan) an announcement to an area (src/runtime/broadcasts.ts checks the sender again). */
  | { type: 'createBroadcast'; broadcast: BroadcastDraft }
  /** What of a broadcast has not gone out yet does not go; applied only for its sender (or an admin). */
  | { type: 'cancelBroadcast'; broadcastId: string; byMemberId: string }
  /** A recipient answered "1" to "Trả lời 1 nếu đã nhận": counted once per member. */
  | { type: 'acknowledgeBroadcast'; broadcastId: string; memberId: string }
  | SendBroadcastEffect;

/**
 * Sends a staff member the report of `orgUnitId` for `periods` in the chat `to`
 * (src/runtime/report-files.ts): `xlsx` the Excel file, `chart` the picture (reporting rate over
 * the last 12 weeks, clubs active by area in the last week). Telegram gets the file itself (a
 * document, a photo); the Zalo Bot the picture as a photo and the file as a download link valid
 * REPORT_LINK_HOURS; the Zalo OA and the simulator links. Applied only if `memberId` is staff or
 * admin of that unit or one above it (MongoDB's roles then); otherwise `to` is told so.
 */
export interface SendReportFilesEffect {
  type: 'sendReportFiles';
  to: ChatRef;
  memberId: string;
  orgUnitId: string;
  periods: string[];
  kind: 'xlsx' | 'chart';
  lang: Lang;
  /** Names the delivery (a retried turn sends it once). */
  key: string;
}

/**
 * Pushes the reports of `orgUnitId` for `periods` to DHIS2 (CREATE_AND_UPDATE) and tells `to`
 * DHIS2's import summary (new, updated, ignored, conflicts). Same authorization as above.
 */
export interface PushReportsEffect {
  type: 'pushReportsToDhis2';
  to: ChatRef;
  memberId: string;
  orgUnitId: string;
  periods: string[];
  lang: Lang;
  key: string;
}

/** An org unit or a club: where a broadcast goes. */
export interface AreaRef {
  kind: 'unit' | 'club';
  id: string;
}

/** An area as a broadcast's sender picks it: its name, the units above it, what lies under it. */
export interface AreaView extends AreaRef {
  name: string;
  /** For a unit: 'central', 'province', 'commune'…; 'club' for a club. */
  level: string;
  /** The org units above it, from the root (a club's include its own unit). */
  ancestors: string[];
  /** Units, then clubs, directly under a unit (none for a club). */
  children: (AreaRef & { name: string })[];
}

/** Who in an area a broadcast is for: everyone, the clubs' chairs and board, the volunteers. */
export type BroadcastWho = 'all' | 'board' | 'volunteers';

/** What a broadcast will reach: recipients by app, who cannot be reached and why, and how long. */
export interface BroadcastPreview {
  recipients: number;
  byChannel: Partial<Record<ChannelName, number>>;
  unreachable: { stopped: number; optedOut: number; outsideWindow: number };
  /** At the apps' rates, each app sending in parallel. */
  estimatedSeconds: number;
}

/** A broadcast as its sender composed it (in chat or through the API). */
export interface BroadcastDraft {
  id: string;
  senderId: string;
  /** Where the sender hears of progress (absent: the sender's own preferred chat). */
  senderChat?: ChatRef;
  target: AreaRef;
  who: BroadcastWho;
  text: { vi: string; en?: string };
  /**
   * A photo the sender sent in chat (Telegram, Zalo Bot), the text its caption: where she sent it
   * and the app's handle for it (Inbound.photo). It is fetched and kept when the broadcast is created.
   */
  photo?: ChatRef & { ref: string };
  urgent: boolean;
  /** Recipients are asked "Trả lời 1 nếu đã nhận"; the answers are counted. */
  ack: boolean;
  /** ISO time; absent: now. In quiet hours (not urgent) it moves to their end, and the sender is told. */
  sendAt?: string;
}
