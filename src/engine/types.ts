/**
 * The channel-agnostic vocabulary of a conversation. Channels turn platform
 * updates into an `Inbound` and render an `Outbound`; flows see neither the
 * platform nor the database, only these types and the read-only `Lookups`.
 */
import type { CHANNELS, GENDERS, LANGUAGES, MEMBER_STATUSES, ROLES } from '../models/index.ts';

export type ChannelName = (typeof CHANNELS)[number];
export type Lang = (typeof LANGUAGES)[number];
export type Role = (typeof ROLES)[number];
export type MemberStatus = (typeof MEMBER_STATUSES)[number];
export type Gender = (typeof GENDERS)[number];

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
  /** 'greet': the person opened the chat without writing (e.g. followed the Zalo OA). */
  kind: 'text' | 'contact' | 'unsupported' | 'greet';
  /** Raw text as typed (never logged). */
  text?: string;
  /** A phone number shared through the app (Telegram contact); `userId` is whose number it is. */
  contact?: { phone: string; userId?: string };
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
  /** What kind of message this is (reply, approval_request, meeting_reminder…): the Message log, ZNS templates. */
  kind?: string;
  /** The person's message this answers (the Zalo OA counts such replies as free). */
  replyTo?: string;
  /** Values for a ZNS template, when this kind of message has one. */
  templateData?: Record<string, string>;
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
}

/** Everything kept per chat between messages. */
export interface ChatState {
  /** null: looked up, no member behind this chat yet. */
  who: Who | null;
  whoCheckedAt: number;
  /** Language chosen before the person is a member. */
  lang?: Lang;
  session?: Session;
  /** Optimistic-concurrency version, bumped on every save. */
  version: number;
}

/** A translatable message: an i18n key and its values. */
export interface Say {
  key: string;
  vars?: Record<string, string | number>;
  choices?: string[];
  requestContact?: boolean;
}

/** Facts a flow may read while it runs (implemented over MongoDB, cached where it pays). */
export interface Lookups {
  findInvite(code: string, now: Date): Promise<InviteView | undefined>;
  findClubMemberByPhone(clubId: string, phone: string): Promise<MemberView | undefined>;
  /** The oldest pending member of these clubs, other than `except` (decided this very turn). */
  nextPendingMember(clubIds: string[], except?: string[]): Promise<MemberView | undefined>;
  getMember(memberId: string): Promise<MemberView | undefined>;
  /** The member a link code (shown on another app) belongs to; the code is used up. */
  takeLinkCode(code: string): Promise<MemberView | undefined>;
  /** Whom a member of this club calls for help: the chair (else a vice chair), with their phone. */
  clubContact(clubId: string): Promise<ClubContact | undefined>;
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
  /** Whether the member has a chat on some app (filled in by `findClubMemberByPhone`). */
  hasChat?: boolean;
  /** Who approved or rejected this member. */
  decidedBy?: string;
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

/** Changes a flow decides; the engine's caller applies them (idempotently) to the database. */
export type Effect =
  | { type: 'createMember'; member: NewMember; identity?: { channel: ChannelName; chatId: string } }
  | {
      type: 'linkIdentity';
      memberId: string;
      identity: { channel: ChannelName; chatId: string };
      verified: boolean;
    }
  | { type: 'decideMember'; memberId: string; approve: boolean; byMemberId: string }
  | { type: 'setLanguage'; memberId: string; lang: Lang }
  | { type: 'createLinkCode'; memberId: string; code: string }
  /** Sends a one-time code to the member's own chats, to confirm a chat that claims their phone. */
  | { type: 'sendConfirmCode'; memberId: string; code: string };
