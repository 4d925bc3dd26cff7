/**
 * Registration: a person joins a club by chat, or registers someone who has
 * no phone ("đăng ký hộ").
 *
 *   code → language → consent → name → birth year → gender → phone → summary → done
 *
 * An open club code makes a pending member the chair approves; a personal
 * invite makes an active member at once. A phone already in the club links
 * this chat to that member instead of creating a duplicate — but only with
 * proof: the app vouching for the number (members only) or a one-time code
 * sent to the member's own chat (or, if they have none, to the people who
 * answer for them, who hand it over in person). Nothing is stored
 * before the person confirms the summary; declining consent stores nothing.
 *
 * A member who types a club code again is told she is in that club (or waiting
 * for it), or asked whether to join that club too (joinOther): one more club
 * for the same member, never a second member.
 *
 * Proxy mode: proxyClub (only when the helper may choose among several clubs)
 * → consent → name → … The person is active at once only in a club where the
 * helper is a volunteer or leader; otherwise the chair approves.
 */
import { createHash } from 'node:crypto';
import { parseBirthYearOrAge, parseChoice, parsePhone } from '../src/engine/answers.ts';
import {
  choiceStep,
  type Flow,
  type FlowContext,
  type NoData,
  type Step,
  type StepOutcome,
} from '../src/engine/flow.ts';
import { formatPhone } from '../src/engine/format.ts';
import { clubsWithRole, HELPERS, isActiveMember, isLeader } from '../src/engine/roles.ts';
import type {
  Gender,
  InviteView,
  Lang,
  MemberView,
  NewMember,
  NotifyEffect,
  Role,
  StartEffect,
  Who,
} from '../src/engine/types.ts';

export const CONSENT_VERSION = 'v1';
const MIN_BIRTH_YEAR = 1920;
const MIN_AGE = 15;
const GENDERS: Gender[] = ['female', 'male', 'other'];
const GENDER_KEYS = ['gender.female', 'gender.male', 'gender.other'];
const LANGS: Lang[] = ['vi', 'en'];
/** A one-time confirm code works this long, for this many wrong tries. */
const CONFIRM_CODE_TTL_MS = 10 * 60_000;
const MAX_CODE_TRIES = 5;

type ClubChoice = { id: string; name: string };

/**
 * What registration keeps between messages. Each field is set by the step that asks for it (or
 * by the code that opened the flow), so a step reads only what the steps before it set: the
 * club once a code or the helper's choice is known, the answers once given.
 */
type RegisterData = {
  /** Chosen when the flow opens, so creating the member is idempotent. */
  memberId: string;
  /** Registering someone else (đăng ký hộ). */
  proxy?: boolean;
  /** The club: from the invite, or the helper's choice among `clubChoices`. */
  code?: string;
  clubId?: string;
  clubName?: string;
  role?: Role;
  inviteKind?: InviteView['kind'];
  clubChoices?: ClubChoice[];
  /** A member asked to join one more club: her name and her clubs now. */
  name?: string;
  clubs?: string;
  /** The answers. */
  lang?: Lang;
  fullName?: string;
  birthYear?: number;
  gender?: Gender;
  phone?: string;
  /** Answering again one field from the summary. */
  editing?: boolean;
  /** "75": the age reading (and its birth year) and the year reading, if any. */
  ageGuess?: number;
  ageYear?: number;
  yearGuess?: number;
  /** The one-time code that confirms a phone the club already has (a hash, never the code). */
  linkMemberId?: string;
  linkName?: string;
  codeSentTo?: 'member' | 'helpers';
  confirmHash?: string;
  confirmExpiresAt?: number;
  confirmWrong?: number;
};
type Outcome = StepOutcome<RegisterData>;

/** The steps in order; after an edit the flow returns to the summary instead. */
const ORDER = ['name', 'birthYear', 'gender', 'phone', 'summary'] as const;

function next(after: (typeof ORDER)[number], data: RegisterData): Outcome {
  if (data.editing) return { goto: 'summary', data: { editing: false } };
  return { goto: ORDER[ORDER.indexOf(after) + 1]! };
}

function inviteData(invite: InviteView): Partial<RegisterData> {
  return {
    code: invite.code,
    clubId: invite.clubId,
    clubName: invite.clubName,
    role: invite.role,
    inviteKind: invite.kind,
  };
}

/** A club invite starts registration; a link code from another app links this chat at once. */
async function withCode(code: string, ctx: FlowContext): Promise<Outcome | undefined> {
  const invite = await ctx.lookups.findInvite(code.toUpperCase(), ctx.now);
  if (invite && isKnownMember(ctx.who)) return knownMemberWith(ctx.who, ctx, invite);
  if (invite) return { goto: 'language', data: inviteData(invite) };
  const { channel, chatId } = ctx.inbound;
  const member = await ctx.lookups.findLinkCode(code, { channel, chatId });
  if (member === 'tooManyTries') {
    return { end: true, say: [{ key: 'register.tooManyWrongCodes' }], open: { flow: 'menu' } };
  }
  if (!member) return undefined;
  return {
    end: true,
    say: [{ key: 'register.linkedByCode', vars: { name: member.fullName } }],
    effects: [
      { type: 'useLinkCode', code },
      { type: 'linkIdentity', memberId: member.id, identity: { channel, chatId } },
    ],
    open: { flow: 'menu' },
  };
}

/** Someone the club already has (a rejected person may register anew). */
function isKnownMember(who: Who | null): who is Who {
  return who !== null && who.status !== 'rejected';
}

function endWith(key: string, vars: Record<string, string>): Outcome {
  return { end: true, say: [{ key, vars }], open: { flow: 'menu' } };
}

/**
 * A member typed `/start` (with `invite`'s code, or none): she is in that club already, or
 * waiting for its chair, or is asked whether to join it too.
 */
async function knownMemberWith(who: Who, ctx: FlowContext, invite?: InviteView): Promise<Outcome> {
  const me = await ctx.lookups.getMember(who.memberId);
  if (!me) return { end: true, open: { flow: 'menu' } };
  const clubs = me.clubNames.join(', ');
  if (!invite) {
    const waiting = me.status === 'pending' ? me.waitingFor[0] : undefined;
    return waiting
      ? endWith('register.alreadyWaiting', { club: waiting.name })
      : endWith('register.alreadyMember', { club: clubs });
  }
  if (me.waitingFor.some(({ id }) => id === invite.clubId)) {
    return endWith('register.alreadyWaiting', { club: invite.clubName });
  }
  if (me.clubIds.includes(invite.clubId)) return endWith('register.alreadyMember', { club: invite.clubName });
  return { goto: 'joinOther', data: { ...inviteData(invite), name: me.fullName, clubs } };
}

/**
 * Where a helper may register someone: the clubs where she is a volunteer or leader (the
 * person is active at once there), else her own clubs (their chair approves).
 */
function proxyClubs(me: MemberView): { id: string; name: string }[] {
  const helping = me.roles.filter((grant) => grant.clubId && HELPERS.includes(grant.role));
  const ids = helping.length > 0 ? [...new Set(helping.map((grant) => grant.clubId!))] : me.clubIds;
  return ids.map((id) => ({ id, name: me.clubNames[me.clubIds.indexOf(id)] ?? id }));
}

/** The helper picks the club, by number or by name, among `data.clubChoices`. */
const proxyClubStep: Step<RegisterData> = {
  ask: (data) => ({ key: 'register.askProxyClub', choiceTexts: data.clubChoices!.map((club) => club.name) }),
  answer(answer, data) {
    const clubs = data.clubChoices!;
    const picked = parseChoice(
      answer.text,
      clubs.length,
      clubs.map((club) => club.name),
    );
    if (picked === undefined) return { retry: { key: 'common.pickNumber', vars: { max: clubs.length } } };
    const club = clubs[picked - 1]!;
    return { goto: 'consent', data: { clubId: club.id, clubName: club.name } };
  },
};

/** "nguyen  thi lan" → "Nguyen Thi Lan"; names typed with capitals are kept as typed. */
function tidyName(text: string): string {
  const name = text.replace(/\s+/g, ' ').trim();
  if (name !== name.toLowerCase()) return name;
  return name.replace(/(^|\s)(\p{L})/gu, (_m, space: string, letter: string) => space + letter.toUpperCase());
}

/**
 * Why a typed name cannot be one (an i18n key of the hint that fits the mistake), or undefined
 * when it can: letters, with spaces, apostrophes, hyphens or dots between them.
 */
function nameProblem(name: string): string | undefined {
  if (/\d/.test(name)) return 'register.nameHint';
  const letters = name.match(/\p{L}/gu)?.length ?? 0;
  const onlyNameCharacters = /^[\p{L}\p{M} '’.-]+$/u.test(name);
  if (!onlyNameCharacters || letters < 2 || name.length > 80) return 'register.nameHintLetters';
  return undefined;
}

const codeStep: Step<RegisterData> = {
  ask: () => ({ key: 'register.askCode' }),
  async answer(answer, _data, ctx) {
    const code = answer.norm.replace(/[^a-z0-9]/g, '');
    return (code && (await withCode(code, ctx))) || { retry: { key: 'register.codeUnknown' } };
  },
};

const nameStep: Step<RegisterData> = {
  ask: (data) => ({ key: data.proxy ? 'register.askNameProxy' : 'register.askName' }),
  answer(answer, data) {
    const fullName = tidyName(answer.text);
    const problem = nameProblem(fullName);
    if (problem) return { retry: { key: problem } };
    return { ...next('name', data), data: { fullName, editing: false } };
  },
};

const yearHint = (ctx: FlowContext) => ({
  key: 'register.yearHint',
  vars: { min: MIN_BIRTH_YEAR, max: ctx.now.getFullYear() - MIN_AGE },
});

const birthYearStep: Step<RegisterData> = {
  ask: (data) => ({ key: data.proxy ? 'register.askYearProxy' : 'register.askYear' }),
  answer(answer, data, ctx) {
    const parsed = parseBirthYearOrAge(answer.text, ctx.now, MIN_BIRTH_YEAR, MIN_AGE);
    if (parsed.kind === 'invalid') return { retry: yearHint(ctx) };
    if (parsed.kind === 'ageOrYear') {
      return {
        goto: 'confirmAge',
        data: { ageGuess: parsed.age, ageYear: parsed.ageYear, yearGuess: parsed.year },
      };
    }
    return { ...next('birthYear', data), data: { birthYear: parsed.year, editing: false } };
  },
};

/** "75" alone may be an age or 1975: one question settles it ("no" takes the year reading). */
const confirmAgeStep = choiceStep<RegisterData>({
  question: (data) => ({
    key: data.proxy ? 'register.askAgeConfirmProxy' : 'register.askAgeConfirm',
    vars: { age: data.ageGuess!, year: data.ageYear! },
  }),
  choices: ['register.ageRight', 'register.ageWrong'],
  yesNo: true,
  pick(choice, data, ctx) {
    const year = choice === 1 ? data.ageYear! : data.yearGuess;
    if (year === undefined) return { goto: 'birthYear', say: [yearHint(ctx)] };
    return {
      ...next('birthYear', data),
      say: choice === 1 ? [] : [{ key: 'register.yearTaken', vars: { year } }],
      data: { birthYear: year, editing: false },
    };
  },
});

const phoneStep: Step<RegisterData> = {
  ask: (data) =>
    data.proxy ? { key: 'register.askPhoneProxy' } : { key: 'register.askPhone', requestContact: true },
  async answer(answer, data, ctx) {
    if (data.proxy && answer.norm === '0') return { ...next('phone', data), data: { phone: undefined } };
    if (answer.contact?.foreign) return { retry: { key: 'register.contactNotYours' } };
    const phone = parsePhone(answer.contact?.phone ?? answer.text);
    if (!phone) return { retry: { key: data.proxy ? 'register.phoneHintProxy' : 'register.phoneHint' } };

    const existing = await ctx.lookups.findClubMemberByPhone(data.clubId!, phone);
    if (!existing) return { ...next('phone', data), data: { phone, editing: false } };
    if (data.proxy) {
      return {
        end: true,
        say: [{ key: 'register.proxyExists', vars: { name: existing.fullName } }],
        open: { flow: 'menu' },
      };
    }
    // The number is a member's. This chat becomes theirs only with proof: the app vouching for
    // the number (never enough for a leader), or the one-time code.
    if (answer.contact?.vouched && !isLeader(existing.roles)) return linkTo(existing, data, ctx);
    return sendConfirmCode(existing, ctx);
  },
};

/** Sends a one-time code for `member` (to their chats, else to the people who answer for them). */
async function sendConfirmCode(member: MemberView, ctx: FlowContext): Promise<Outcome> {
  if (!(await ctx.lookups.allowConfirmCode(member.id))) {
    return { end: true, say: [{ key: 'register.tooManyConfirmCodes' }], open: { flow: 'menu' } };
  }
  const code = ctx.random.digits(6);
  return {
    goto: 'confirmPhone',
    data: {
      linkMemberId: member.id,
      linkName: member.fullName,
      codeSentTo: member.hasChat ? 'member' : 'helpers',
      confirmHash: hashCode(member.id, code),
      confirmExpiresAt: ctx.now.getTime() + CONFIRM_CODE_TTL_MS,
      confirmWrong: 0,
    },
    effects: [{ type: 'sendConfirmCode', memberId: member.id, code, sendId: ctx.random.id() }],
  };
}

/** The chat state keeps a hash, not the code itself. */
function hashCode(memberId: string, code: string): string {
  return createHash('sha256').update(`${memberId}:${code}`).digest('hex');
}

function linkTo(member: MemberView, data: RegisterData, ctx: FlowContext): Outcome {
  const { channel, chatId } = ctx.inbound;
  return {
    end: true,
    say: [{ key: 'register.linked', vars: { name: member.fullName, club: data.clubName! } }],
    effects: [{ type: 'linkIdentity', memberId: member.id, identity: { channel, chatId } }],
    open: { flow: 'menu' },
  };
}

const confirmPhoneStep: Step<RegisterData> = {
  ask: (data) => ({
    key: data.confirmWrong
      ? 'register.askConfirmCodeAgain'
      : data.codeSentTo === 'member'
        ? 'register.askConfirmCode'
        : 'register.askConfirmCodeFromHelper',
  }),
  async answer(answer, data, ctx) {
    if (answer.norm === '0')
      return { end: true, say: [{ key: 'register.confirmSkipped' }], open: { flow: 'menu' } };
    const typed = answer.norm.replace(/[\s.-]/g, '');
    if (!/^\d{6}$/.test(typed)) return { retry: { key: 'register.confirmCodeHint' } };
    const memberId = data.linkMemberId!;
    // An expired or used-up code is void: back to the phone question, where a new one can be asked for.
    const voided = { confirmHash: undefined };
    if (ctx.now.getTime() > data.confirmExpiresAt!) {
      return { goto: 'phone', data: voided, say: [{ key: 'register.confirmCodeExpired' }] };
    }
    if (hashCode(memberId, typed) !== data.confirmHash) {
      const wrong = (data.confirmWrong ?? 0) + 1;
      if (wrong >= MAX_CODE_TRIES) {
        return {
          goto: 'phone',
          data: voided,
          say: [{ key: 'register.confirmCodeVoid', vars: { tries: wrong } }],
        };
      }
      return {
        goto: 'confirmPhone',
        data: { confirmWrong: wrong },
        say: [{ key: 'register.confirmCodeWrong', vars: { left: MAX_CODE_TRIES - wrong } }],
      };
    }
    const member = await ctx.lookups.getMember(memberId);
    if (!member) return { end: true, say: [{ key: 'register.confirmSkipped' }], open: { flow: 'menu' } };
    return linkTo(member, data, ctx);
  },
};

function summaryVars(data: RegisterData, ctx: FlowContext) {
  return {
    name: data.fullName!,
    year: data.birthYear!,
    gender: ctx.label(GENDER_KEYS[GENDERS.indexOf(data.gender!)]!),
    phone: data.phone ? formatPhone(data.phone) : ctx.label('register.noPhone'),
    club: data.clubName!,
  };
}

/** The club's chair and vice chairs are asked to decide on `memberId` (who waits to join `clubId`). */
function askLeaders(memberId: string, clubId: string): StartEffect {
  return {
    type: 'start',
    flow: 'approve',
    args: { memberId },
    for: { leadersOf: clubId },
    // A leader deciding on someone else sees the newcomer next; one busy with something else, later.
    ifBusy: 'wait',
    busy: { sameFlow: { key: 'approve.newRequestQueued' }, otherFlow: { key: 'approve.newRequestBusy' } },
    key: `approval.${memberId}.${clubId}`,
    kind: 'approval_request',
  };
}

async function finish(data: RegisterData, ctx: FlowContext): Promise<Outcome> {
  // ctx.who is fresh here (the summary step `actsWithRole`): a role taken away counts at once.
  const proxyHelper = data.proxy && clubsWithRole(ctx.who, HELPERS).includes(data.clubId!);
  const status = data.inviteKind === 'personal' || proxyHelper ? 'active' : 'pending';
  const member: NewMember = {
    id: data.memberId,
    fullName: data.fullName!,
    birthYear: data.birthYear!,
    gender: data.gender!,
    phone: data.phone || undefined,
    language: data.proxy ? ctx.lang : data.lang!,
    clubId: data.clubId!,
    role: data.proxy ? 'member' : data.role!,
    status,
    inviteCode: data.code ?? '',
    inviteKind: data.inviteKind!,
    proxyMemberId: data.proxy ? ctx.who?.memberId : undefined,
  };
  const { channel, chatId } = ctx.inbound;
  const doneKey = data.proxy
    ? status === 'active'
      ? 'register.doneProxy'
      : 'register.doneProxyPending'
    : status === 'active'
      ? 'register.doneActive'
      : 'register.donePending';
  // A helper who made someone a member at once: the club's leaders hear of it (the helper aside).
  const helper = member.proxyMemberId ? await ctx.lookups.getMember(member.proxyMemberId) : undefined;
  const tellLeaders: NotifyEffect[] = helper
    ? [
        {
          type: 'notify',
          to: { leadersOf: member.clubId },
          except: [helper.id],
          say: {
            key: 'approve.proxyAddedNotice',
            vars: {
              helper: helper.fullName,
              name: member.fullName,
              year: member.birthYear,
              club: data.clubName!,
            },
          },
          kind: 'notice',
          key: `proxy-added.${member.id}`,
        },
      ]
    : [];
  return {
    end: true,
    say: [{ key: doneKey, vars: { name: member.fullName, club: data.clubName! } }],
    effects: [
      {
        type: 'createMember',
        member,
        identity: data.proxy ? undefined : { channel, chatId },
        whenPending: [askLeaders(member.id, member.clubId)],
        whenActive: tellLeaders,
      },
    ],
    open: { flow: 'menu' },
  };
}

export const registerFlow: Flow<RegisterData> = {
  id: 'register',
  menu: { label: 'menu.register', order: 10, visible: (who) => who === null || who.status === 'rejected' },
  keywords: ['dang ky', 'dang ki', 'register'],
  savesAtEnd: true,
  // Someone registering themselves has told us their age and gender; a proxy's answers are another person's.
  addressee: (data) => (data.proxy ? undefined : { birthYear: data.birthYear, gender: data.gender }),
  async start(args, ctx) {
    const memberId = ctx.random.id();
    if (args.proxy) {
      if (!isActiveMember(ctx.who)) return { end: true, open: { flow: 'menu' } };
      const me = await ctx.lookups.getMember(ctx.who.memberId);
      const clubs = me ? proxyClubs(me) : [];
      const data: RegisterData = { proxy: true, memberId, inviteKind: 'open' };
      if (clubs.length === 0)
        return { end: true, say: [{ key: 'register.proxyNoClub' }], open: { flow: 'menu' } };
      if (clubs.length > 1) return { goto: 'proxyClub', data: { ...data, clubChoices: clubs } };
      return { goto: 'consent', data: { ...data, clubId: clubs[0]!.id, clubName: clubs[0]!.name } };
    }
    if (typeof args.code === 'string' && args.code) {
      const found = await withCode(args.code, ctx);
      if (found && 'goto' in found) return { ...found, data: { ...found.data, memberId } };
      if (found) return found;
      return { goto: 'code', data: { memberId }, say: [{ key: 'register.codeUnknown' }] };
    }
    if (isKnownMember(ctx.who)) return knownMemberWith(ctx.who, ctx);
    return { goto: 'code', data: { memberId }, say: args.viaStart ? [{ key: 'register.welcome' }] : [] };
  },
  steps: {
    code: codeStep,
    proxyClub: proxyClubStep,
    joinOther: choiceStep<RegisterData>({
      question: (data) => ({
        key: 'register.askJoinOther',
        vars: { clubs: data.clubs!, club: data.clubName! },
      }),
      choices: ['register.joinYes', 'register.joinNo'],
      pick(choice, data, ctx) {
        if (choice === 2 || !ctx.who) return endWith('register.joinDeclined', { clubs: data.clubs! });
        const club = data.clubName!;
        return {
          end: true,
          say: [
            data.inviteKind === 'personal'
              ? { key: 'register.doneActive', vars: { name: data.name!, club } }
              : { key: 'register.donePending', vars: { club } },
          ],
          effects: [
            {
              type: 'joinClub',
              memberId: ctx.who.memberId,
              clubId: data.clubId!,
              role: data.role!,
              inviteCode: data.code!,
              inviteKind: data.inviteKind!,
              whenPending: [askLeaders(ctx.who.memberId, data.clubId!)],
            },
          ],
          open: { flow: 'menu' },
        };
      },
    }),
    language: choiceStep<RegisterData>({
      question: 'register.askLanguage',
      choices: ['language.vi', 'language.en'],
      pick: (choice) => ({ goto: 'consent', lang: LANGS[choice - 1]!, data: { lang: LANGS[choice - 1] } }),
    }),
    consent: choiceStep<RegisterData>({
      question: (data) => ({
        key: data.proxy ? 'register.consentProxy' : 'register.consent',
        vars: { club: data.clubName! },
      }),
      choices: ['register.agree', 'register.decline'],
      yesNo: true,
      pick: (choice) =>
        choice === 1 ? { goto: 'name' } : { end: true, say: [{ key: 'register.declined' }] },
    }),
    name: nameStep,
    birthYear: birthYearStep,
    confirmAge: confirmAgeStep,
    gender: choiceStep<RegisterData>({
      question: (data) => ({ key: data.proxy ? 'register.askGenderProxy' : 'register.askGender' }),
      choices: GENDER_KEYS,
      pick: (choice, data) => ({
        ...next('gender', data),
        data: { gender: GENDERS[choice - 1], editing: false },
      }),
    }),
    phone: phoneStep,
    confirmPhone: confirmPhoneStep,
    summary: {
      ...choiceStep<RegisterData>({
        question: (data, ctx) => ({ key: 'register.summary', vars: summaryVars(data, ctx) }),
        choices: ['register.confirm', 'register.edit'],
        yesNo: true,
        pick: (choice, data, ctx) => (choice === 1 ? finish(data, ctx) : { goto: 'editField' }),
      }),
      // In proxy mode the helper's role in the club decides whether the person is active at once.
      actsWithRole: true,
    },
    editField: choiceStep<RegisterData>({
      question: 'register.whichField',
      choices: ['register.fieldName', 'register.fieldYear', 'register.fieldGender', 'register.fieldPhone'],
      pick: (choice) => ({ goto: ORDER[choice - 1]!, data: { editing: true } }),
    }),
  },
};

/** "Đăng ký hộ": a member registers someone without a phone; same flow, proxy mode. */
export const registerProxyFlow: Flow<NoData> = {
  id: 'registerProxy',
  menu: { label: 'menu.registerProxy', order: 45, visible: isActiveMember },
  keywords: ['dang ky ho', 'dang ki ho'],
  start: () => ({ end: true, open: { flow: 'register', args: { proxy: true } } }),
  steps: {},
};
