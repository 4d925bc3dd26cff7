/**
 * Mongoose models. Documents are shaped for the subset of MongoDB that
 * FerretDB implements (see shared STORAGE.md): hot lookups go by `_id`,
 * identities live in their own collection instead of an array in Member,
 * and nothing relies on transactions, $elemMatch, TTL or positional updates.
 */
import mongoose, { type Connection, type InferSchemaType, type Model } from 'mongoose';

const { Schema } = mongoose;

import { MEETING_RULE_KINDS } from '../engine/meetings.ts';
import { CHANNELS, GENDERS, LANGUAGES, MEMBER_STATUSES, ROLES, RSVPS } from '../engine/vocabulary.ts';

export { CHANNELS, GENDERS, LANGUAGES, MEMBER_STATUSES, ROLES };
export const ORG_KINDS = ['central', 'province', 'commune', 'club_area'] as const;

/** A unit of the association's tree (central → province → commune → …), any depth. */
const orgUnitSchema = new Schema(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    kind: { type: String, enum: ORG_KINDS, required: true },
    parentId: { type: String, default: null },
    /** Ids from the root down to the parent, so "everything under X" is `{ ancestors: X }`. */
    ancestors: { type: [String], default: [] },
    /** Names used before the 2025 reorganisation (many clubs still use them). */
    formerNames: { type: [{ name: String, until: Date, _id: false }], default: [] },
  },
  { timestamps: true },
);
orgUnitSchema.index({ ancestors: 1 });
orgUnitSchema.index({ parentId: 1 });

const clubSchema = new Schema(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    orgUnitId: { type: String, required: true },
    /** The org unit and all its ancestors, for roll-ups by area. */
    ancestors: { type: [String], default: [] },
    village: { type: String, default: '' },
    foundingDecision: { number: String, date: Date },
    /**
     * When the club meets (a `MeetingRule` of src/engine/meetings.ts: kind, day or weekday and
     * week, local time) and where; none: the club has no regular meeting (one-off ones only).
     */
    meetingRule: {
      type: {
        kind: { type: String, enum: MEETING_RULE_KINDS },
        day: Number,
        weekday: Number,
        /** 1–5, or 'last'. */
        week: Schema.Types.Mixed,
        time: String,
        place: String,
        _id: false,
      },
      default: null,
    },
    /** When members are reminded of a meeting (see `reminderTimes`); none: DEFAULT_REMINDERS. */
    reminderOffsets: { type: [String], default: undefined },
    /**
     * The club's own weekly health round (weekday 0 Sunday … 6 Saturday, local "HH:MM"), either
     * or both; none: HEALTH_ROUND_WEEKDAY at HEALTH_ROUND_TIME.
     */
    healthRound: {
      type: {
        weekday: { type: Number, min: 0, max: 6 },
        time: { type: String, match: /^([01]\d|2[0-3]):[0-5]\d$/ },
        _id: false,
      },
      default: null,
    },
    /** Periods ('2026W47') the club submitted a report for: a roll-up's scan of clubs finds the missing ones. */
    reportedPeriods: { type: [String], default: [] },
  },
  { timestamps: true },
);
clubSchema.index({ ancestors: 1 });

/** A role is granted for one club or for one org unit (staff of a commune sees its clubs). */
const roleGrantSchema = new Schema(
  {
    role: { type: String, enum: ROLES, required: true },
    clubId: { type: String },
    orgUnitId: { type: String },
  },
  { _id: false },
);

const memberSchema = new Schema(
  {
    fullName: { type: String, required: true, maxlength: 120 },
    birthYear: { type: Number },
    gender: { type: String, enum: GENDERS },
    /** Normalised to 84 + 9 digits; absent for members who have no phone. */
    phone: { type: String },
    language: { type: String, enum: LANGUAGES, default: 'vi' },
    roles: { type: [roleGrantSchema], default: [] },
    /** Clubs this person belongs to (derived from roles, kept for simple queries). */
    clubIds: { type: [String], default: [] },
    /**
     * Clubs a member asked to join besides her own, until their chair decides (a new member's
     * first club is in `clubIds`, and `status` is pending). A plain array: $addToSet/$pull work
     * on FerretDB, where a status per element of an array would need positional updates.
     */
    pendingClubIds: { type: [String], default: [] },
    status: { type: String, enum: MEMBER_STATUSES, default: 'pending' },
    consent: {
      givenAt: Date,
      version: String,
      channel: String,
      /** Set when a proxy (family member, volunteer) consented on this person's behalf. */
      byMemberId: String,
    },
    /** People who answer for this member (a relative, a volunteer). */
    proxyIds: { type: [String], default: [] },
    /**
     * Volunteers the chair assigned to look after this member ("phân công"). A plain array of
     * ids, changed with $addToSet/$pull (FerretDB has no positional updates or $elemMatch).
     */
    volunteerIds: { type: [String], default: [] },
    /** When the member erased her data (status 'deleted'; the record is anonymised). */
    erasedAt: { type: Date },
    inviteCode: { type: String },
    decidedBy: { type: String },
    decidedAt: { type: Date },
    /** The chat (an identity `_id`, 'channel:chatId') the member chose to receive messages on. */
    preferredChat: { type: String, default: null },
    /** Since when the member gets only essential messages (see message-kinds.ts); null: all of them. */
    optedOutAt: { type: Date, default: null },
    /**
     * A copy of her identities (see src/store/member-chats.ts), so a club's chats are read with its
     * members; absent on records stored before it (their Identity documents are read instead).
     */
    chats: {
      type: [new Schema({ _id: String, channel: String, chatId: String, linkedAt: Date, stoppedAt: Date })],
      default: undefined,
    },
  },
  { timestamps: true },
);
memberSchema.index({ clubIds: 1, phone: 1 });
memberSchema.index({ clubIds: 1, status: 1 });
memberSchema.index({ pendingClubIds: 1 });
memberSchema.index({ volunteerIds: 1 });

/** One chat account of a member on one app. `_id` is `channel:chatId`, the hot-path key. */
const identitySchema = new Schema(
  {
    _id: { type: String, required: true },
    channel: { type: String, enum: CHANNELS, required: true },
    chatId: { type: String, required: true },
    memberId: { type: String, required: true },
    linkedAt: { type: Date, default: () => new Date() },
    /** The person blocked the bot or left the app; no message is sent here until they write again. */
    stoppedAt: { type: Date, default: null },
    /** Telegram with several bots: the bot she last wrote to (see src/channels/telegram-bots.ts). */
    botId: { type: String },
  },
  { timestamps: true },
);
identitySchema.index({ memberId: 1 });

const inviteSchema = new Schema(
  {
    /** The code people type: upper case letters and digits. */
    _id: { type: String, required: true },
    clubId: { type: String, required: true },
    role: { type: String, enum: ROLES, default: 'member' },
    /** open: anyone with the code may ask to join (chair approves); personal: one named person, active at once. */
    kind: { type: String, enum: ['open', 'personal'], required: true },
    forName: { type: String },
    createdBy: { type: String },
    expiresAt: { type: Date, default: null },
    usedBy: { type: String, default: null },
    usedAt: { type: Date, default: null },
  },
  { timestamps: true },
);
inviteSchema.index({ clubId: 1 });

export const MEETING_STATUSES = ['scheduled', 'cancelled', 'held'] as const;
export { RSVPS };

/**
 * One meeting of a club. `_id` is `clubId|YYYY-MM-DD`, the local date it was planned for
 * (`meetingId`): the planner only ever inserts, so a moved meeting keeps its name and is never
 * planned again at its old time, and two planners at once insert it once (duplicate `_id`).
 */
const meetingSchema = new Schema(
  {
    _id: { type: String, required: true },
    clubId: { type: String, required: true },
    /** The local date it was planned for (part of the id; `startsAt` may move). */
    date: { type: String, required: true },
    startsAt: { type: Date, required: true },
    place: { type: String, default: '' },
    agenda: { type: String, default: '' },
    status: { type: String, enum: MEETING_STATUSES, default: 'scheduled' },
    /** 'rule': planned from the club's rule; 'once': a one-off the chair created. */
    source: { type: String, enum: ['rule', 'once'], required: true },
    /** Set when a leader moved it: the rule's planning leaves such a meeting alone. */
    movedAt: { type: Date, default: null },
    /** Who changed it last (moved, cancelled, created). */
    changedBy: { type: String, default: null },
    /** The start time its reminders are planned for; null: to plan (new, or moved). */
    remindersFor: { type: Date, default: null },
    /** How many came, when roll-call gave only a number (who came: MeetingAnswer). */
    headCount: { type: Number, default: null },
    closedAt: { type: Date, default: null },
  },
  { timestamps: true },
);
meetingSchema.index({ clubId: 1, startsAt: 1 });
meetingSchema.index({ remindersFor: 1, status: 1 });

/** How a member was first marked present: her own check-in, or the chair's roll-call. */
export const PRESENT_BY = ['self', 'roll-call'] as const;

/**
 * One thing one member said or was told about one meeting, each in a document of its own: FerretDB
 * 1.24 loses some of several simultaneous updates of one document (see src/reports/lock.ts), and
 * a club's members answer at the same moment. `_id` is `meetingId|memberId|fact`, with one of the
 * fields below: `rsvp` (her answer, from her or her proxy; changed when she changes it),
 * `present` (her check-in or the chair's roll-call, which decides: left out, the document goes),
 * `remindedAt` (a reminder first asked her: she is told if the meeting changes). Written by
 * `_id`, read per meeting by `meetingId` (src/store/meeting-answers.ts).
 */
const meetingAnswerSchema = new Schema(
  {
    _id: { type: String, required: true },
    meetingId: { type: String, required: true },
    memberId: { type: String, required: true },
    rsvp: { type: String, enum: RSVPS },
    present: { type: String, enum: PRESENT_BY },
    remindedAt: { type: Date },
  },
  { timestamps: true },
);
meetingAnswerSchema.index({ meetingId: 1 });

/** 'expired': not sent, its `expiresAt` passed before it could go out (e.g. held in quiet hours). */
export const MESSAGE_STATUSES = ['queued', 'sent', 'failed', 'dead', 'expired'] as const;

/** Every outbound message and what became of it. `_id` is the outbox job id. */
const messageSchema = new Schema(
  {
    _id: { type: String, required: true },
    channel: { type: String, enum: CHANNELS, required: true },
    chatId: { type: String, required: true },
    memberId: { type: String },
    kind: { type: String, default: 'reply' },
    /** Absent for replies and codes, and removed after MESSAGE_TEXT_RETENTION_DAYS for the rest. */
    text: { type: String },
    status: { type: String, enum: MESSAGE_STATUSES, default: 'queued' },
    attempts: { type: Number, default: 0 },
    platformMessageId: { type: String },
    lastError: { type: String },
    queuedAt: { type: Date },
    sentAt: { type: Date },
    /** When the platform reported delivery (ZNS receipts). */
    deliveredAt: { type: Date },
  },
  { timestamps: true },
);
messageSchema.index({ status: 1, channel: 1 });

/**
 * The Zalo OA's OAuth tokens (one document, `_id: 'oa'`). The refresh token is
 * single-use and rotates, so the new pair is stored here before it is used.
 */
const zaloOaTokenSchema = new Schema(
  {
    _id: { type: String, required: true },
    accessToken: { type: String, required: true },
    refreshToken: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { timestamps: true },
);

export const HEALTH_LEVELS = ['ok', 'watch', 'high', 'emergency'] as const;
export const ALERT_STATUSES = ['open', 'acknowledged', 'escalated', 'closed'] as const;

/**
 * One completed health check. `_id` is chosen when the check opens (storing it twice changes
 * nothing); answers are keyed by the survey's question ids, as of `survey.version`.
 */
const healthResponseSchema = new Schema(
  {
    _id: { type: String, required: true },
    /** Whose health it is. */
    subjectId: { type: String, required: true },
    /** Who typed the answers (the subject, or a proxy acting for her). */
    answeredBy: { type: String, required: true },
    clubId: { type: String, required: true },
    survey: {
      type: new Schema(
        { id: { type: String, required: true }, version: { type: Number, required: true } },
        { _id: false },
      ),
      required: true,
    },
    answers: { type: Schema.Types.Mixed, default: {} },
    level: { type: String, enum: HEALTH_LEVELS, required: true },
    flags: { type: [{ question: String, level: String, reason: String, _id: false }], default: [] },
  },
  { timestamps: true, minimize: false },
);
healthResponseSchema.index({ subjectId: 1, createdAt: -1 });

/**
 * A health alert about one response (`_id` is the response's) and what happened to it: each
 * step (who was told, who acknowledged or asked for help) is recorded with its time. `stage` is
 * how far up the ladder it went (flows/health-alert.ts); `lastStepKey` lets a retried step be
 * recognised as done.
 */
const healthAlertSchema = new Schema(
  {
    _id: { type: String, required: true },
    memberId: { type: String, required: true },
    clubId: { type: String, required: true },
    level: { type: String, enum: HEALTH_LEVELS, required: true },
    responseId: { type: String, required: true },
    status: { type: String, enum: ALERT_STATUSES, default: 'open' },
    stage: { type: Number, default: 0 },
    acknowledgedBy: { type: String },
    lastStepKey: { type: String },
    steps: {
      type: [
        {
          at: { type: Date, required: true },
          /** Who was told (volunteer, chair, staff), for 'told' and 'escalated'. */
          to: { type: [String], default: undefined },
          action: { type: String, enum: ['told', 'escalated', 'acknowledged', 'helpAsked'], required: true },
          /** Who acted, for 'acknowledged' and 'helpAsked'. */
          by: String,
          _id: false,
        },
      ],
      default: [],
    },
  },
  { timestamps: true },
);
healthAlertSchema.index({ clubId: 1, status: 1, createdAt: -1 });

export const REPORT_STATUSES = ['draft', 'submitted'] as const;

/**
 * A club's report for one period (src/reports/): `_id` is `<clubId>|<period>`, period an ISO
 * week '2026W47' (or a month '202611'). Values are keyed by the data elements' codes, as of the
 * `definition` it was entered with (a later definition never rewrites it). `entries` says who
 * entered each value and when; `history` keeps every earlier value of an edited one.
 * `revision` grows with every change of a submitted report: the running totals keep the
 * revision they hold, so applying one twice changes nothing (src/reports/totals.ts).
 */
const weeklyReportSchema = new Schema(
  {
    _id: { type: String, required: true },
    clubId: { type: String, required: true },
    /** The club's org unit and all above it (copied), for roll-ups by area. */
    ancestors: { type: [String], default: [] },
    period: { type: String, required: true },
    definition: {
      type: new Schema(
        { id: { type: String, required: true }, version: { type: Number, required: true } },
        { _id: false },
      ),
      required: true,
    },
    /** Code → number | boolean. */
    values: { type: Schema.Types.Mixed, default: () => ({}) },
    /** Code → { by: member id, at: Date }. */
    entries: { type: Schema.Types.Mixed, default: () => ({}) },
    history: {
      type: [
        {
          code: { type: String, required: true },
          value: Schema.Types.Mixed,
          previous: Schema.Types.Mixed,
          by: String,
          at: Date,
          _id: false,
        },
      ],
      default: [],
    },
    status: { type: String, enum: REPORT_STATUSES, default: 'draft' },
    revision: { type: Number, default: 0 },
    submittedAt: { type: Date, default: null },
    submittedBy: { type: String, default: null },
    onTime: { type: Boolean, default: null },
    /** Staff reopened it after the cut-off (until `reopenedUntil`). */
    reopenedBy: { type: String, default: null },
    reopenedUntil: { type: Date, default: null },
  },
  { timestamps: true, minimize: false },
);

/**
 * Running totals of one org unit for one period: `_id` is `<orgUnitId>|<period>`. Each child
 * (a club under a commune, a commune under a province…) has one entry with the version it was
 * computed from; an entry is replaced only by a newer version, so a retried update is harmless
 * and a roll-up reads a handful of documents by `_id` (src/reports/totals.ts).
 */
const reportTotalSchema = new Schema(
  {
    _id: { type: String, required: true },
    orgUnitId: { type: String, required: true },
    period: { type: String, required: true },
    /** Grows with every change of an entry. */
    v: { type: Number, default: 0 },
    /** Child id (encoded) → { v, totals: {code: number}, reported, onTime, allAreas }. */
    children: { type: Schema.Types.Mixed, default: () => ({}) },
  },
  { timestamps: true, minimize: false },
);

export const API_TOKEN_ROLES = ['staff', 'admin'] as const;

/**
 * A token for the HTTP API (src/http/api-tokens.ts), scoped to an org unit and everything under
 * it. `_id` is the SHA-256 of the token (the token itself is never stored), so a request is
 * checked by one read by `_id`; `keyId` is the token's public part (`ishc_<keyId>_…`), which
 * lists, logs and `token revoke` use.
 */
const apiTokenSchema = new Schema(
  {
    _id: { type: String, required: true },
    keyId: { type: String, required: true, unique: true },
    orgUnitId: { type: String, required: true },
    role: { type: String, enum: API_TOKEN_ROLES, required: true },
    /** What it is for, as given at creation ("Sở Y tế Nghệ An"). */
    label: { type: String, default: '' },
    createdAt: { type: Date, required: true },
    revokedAt: { type: Date, default: null },
  },
  { timestamps: false },
);
export const BROADCAST_STATUSES = ['scheduled', 'sending', 'sent', 'cancelled'] as const;

/**
 * An announcement of staff to an area (src/runtime/broadcasts.ts). `_id` is chosen by the flow
 * (or the API) before it is written, so creating it again changes nothing. While it goes out its
 * counters live in Redis (atomic increments, one outcome per member); `counts` and `byClub` keep
 * them when it has finished, and acknowledgements that come later are `$inc`-ed here.
 */
const broadcastSchema = new Schema(
  {
    _id: { type: String, required: true },
    senderId: { type: String, required: true },
    senderChat: { type: { channel: String, chatId: String, _id: false }, default: null },
    senderLang: { type: String, enum: LANGUAGES, default: 'vi' },
    target: { kind: { type: String, enum: ['unit', 'club'] }, id: String, name: String },
    who: { type: String, enum: ['all', 'board', 'volunteers'], required: true },
    text: { vi: { type: String, required: true }, en: String },
    /** Goes with a photo (kept in BroadcastPhoto): the text is its caption where the app shows photos. */
    photo: { type: Boolean, default: false },
    urgent: { type: Boolean, default: false },
    ack: { type: Boolean, default: false },
    sendAt: { type: Date, required: true },
    /** The time asked for, when quiet hours moved it. */
    askedAt: { type: Date, default: null },
    status: { type: String, enum: BROADCAST_STATUSES, default: 'scheduled' },
    /** Recipients the preview counted when it was created. */
    recipients: { type: Number, default: 0 },
    /** Members it was addressed to (known once the audience has been read to its end). */
    total: { type: Number, default: null },
    counts: {
      sent: { type: Number, default: 0 },
      failed: { type: Number, default: 0 },
      blocked: { type: Number, default: 0 },
      unreachable: { type: Number, default: 0 },
      acknowledged: { type: Number, default: 0 },
    },
    byClub: { type: Schema.Types.Mixed, default: () => ({}) },
    cancelledAt: { type: Date, default: null },
    finishedAt: { type: Date, default: null },
    /** When the retention job removed its photo (src/jobs/message-retention.ts). */
    photoRemovedAt: { type: Date, default: null },
    /** 'chat' or 'api'. */
    via: { type: String, default: 'chat' },
  },
  { timestamps: true },
);
broadcastSchema.index({ senderId: 1, status: 1 });

/**
 * A broadcast's photo, fetched from the app it was sent on when the broadcast was created (`_id`
 * the broadcast's): uploaded to Telegram, linked for the Zalo Bot (src/http/picture-links.ts).
 */
const broadcastPhotoSchema = new Schema(
  {
    _id: { type: String, required: true },
    bytes: { type: Buffer, required: true },
    contentType: { type: String, required: true },
  },
  { timestamps: true },
);

export type OrgUnitDoc = InferSchemaType<typeof orgUnitSchema>;
export type ClubDoc = InferSchemaType<typeof clubSchema>;
export type MemberDoc = InferSchemaType<typeof memberSchema> & { _id: mongoose.Types.ObjectId };
export type IdentityDoc = InferSchemaType<typeof identitySchema>;
export type InviteDoc = InferSchemaType<typeof inviteSchema>;
export type MessageDoc = InferSchemaType<typeof messageSchema>;
export type MeetingDoc = InferSchemaType<typeof meetingSchema>;
export type MeetingAnswerDoc = InferSchemaType<typeof meetingAnswerSchema>;
export type ZaloOaTokenDoc = InferSchemaType<typeof zaloOaTokenSchema>;
export type HealthResponseDoc = InferSchemaType<typeof healthResponseSchema>;
export type HealthAlertDoc = InferSchemaType<typeof healthAlertSchema>;
export type WeeklyReportDoc = InferSchemaType<typeof weeklyReportSchema>;
export type ReportTotalDoc = InferSchemaType<typeof reportTotalSchema>;
export type ApiTokenDoc = InferSchemaType<typeof apiTokenSchema>;
export type BroadcastDoc = InferSchemaType<typeof broadcastSchema>;
export type BroadcastPhotoDoc = InferSchemaType<typeof broadcastPhotoSchema>;

export interface Models {
  OrgUnit: Model<OrgUnitDoc>;
  Club: Model<ClubDoc>;
  Member: Model<MemberDoc>;
  Identity: Model<IdentityDoc>;
  Invite: Model<InviteDoc>;
  Message: Model<MessageDoc>;
  Meeting: Model<MeetingDoc>;
  MeetingAnswer: Model<MeetingAnswerDoc>;
  ZaloOaToken: Model<ZaloOaTokenDoc>;
  HealthResponse: Model<HealthResponseDoc>;
  HealthAlert: Model<HealthAlertDoc>;
  WeeklyReport: Model<WeeklyReportDoc>;
  ReportTotal: Model<ReportTotalDoc>;
  ApiToken: Model<ApiTokenDoc>;
  Broadcast: Model<BroadcastDoc>;
  BroadcastPhoto: Model<BroadcastPhotoDoc>;
}

/** Binds the schemas to one connection (tests use one database per file). */
export function createModels(connection: Connection): Models {
  return {
    OrgUnit: connection.model('OrgUnit', orgUnitSchema, 'org_units') as unknown as Model<OrgUnitDoc>,
    Club: connection.model('Club', clubSchema, 'clubs') as unknown as Model<ClubDoc>,
    Member: connection.model('Member', memberSchema, 'members') as unknown as Model<MemberDoc>,
    Identity: connection.model('Identity', identitySchema, 'identities') as unknown as Model<IdentityDoc>,
    Invite: connection.model('Invite', inviteSchema, 'invites') as unknown as Model<InviteDoc>,
    Message: connection.model('Message', messageSchema, 'messages') as unknown as Model<MessageDoc>,
    Meeting: connection.model('Meeting', meetingSchema, 'meetings') as unknown as Model<MeetingDoc>,
    MeetingAnswer: connection.model(
      'MeetingAnswer',
      meetingAnswerSchema,
      'meeting_answers',
    ) as unknown as Model<MeetingAnswerDoc>,
    ZaloOaToken: connection.model(
      'ZaloOaToken',
      zaloOaTokenSchema,
      'zalo_oa_tokens',
    ) as unknown as Model<ZaloOaTokenDoc>,
    HealthResponse: connection.model(
      'HealthResponse',
      healthResponseSchema,
      'health_responses',
    ) as unknown as Model<HealthResponseDoc>,
    HealthAlert: connection.model(
      'HealthAlert',
      healthAlertSchema,
      'health_alerts',
    ) as unknown as Model<HealthAlertDoc>,
    WeeklyReport: connection.model(
      'WeeklyReport',
      weeklyReportSchema,
      'weekly_reports',
    ) as unknown as Model<WeeklyReportDoc>,
    ReportTotal: connection.model(
      'ReportTotal',
      reportTotalSchema,
      'report_totals',
    ) as unknown as Model<ReportTotalDoc>,
    ApiToken: connection.model('ApiToken', apiTokenSchema, 'api_tokens') as unknown as Model<ApiTokenDoc>,
    Broadcast: connection.model('Broadcast', broadcastSchema, 'broadcasts') as unknown as Model<BroadcastDoc>,
    BroadcastPhoto: connection.model(
      'BroadcastPhoto',
      broadcastPhotoSchema,
      'broadcast_photos',
    ) as unknown as Model<BroadcastPhotoDoc>,
  };
}

/** Creates the indexes once (at start, and by the test setup) rather than lazily on first use. */
export async function syncIndexes(models: Models): Promise<void> {
  for (const model of Object.values(models)) await model.createIndexes();
}
