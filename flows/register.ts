/**
 * Registration: a person joins a club by chat, or registers someone who has
 * no phone ("đăng ký hộ").
 *
 *   code → language → consent → name → birth year → gender → phone → summary → done
 *
 * An open club code makes a pending member the chair approves; a personal
 * invite makes an active member at once. A phone already in the club links
 * this chat to that member instead of creating a duplicate. Nothing is stored
 * before the person confirms the summary; declining consent stores nothing.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { parseBirthYearOrAge, parsePhone } from '../src/engine/answers.ts';
import {
  choiceStep,
  type Data,
  type Flow,
  type FlowContext,
  type Step,
  type StepOutcome,
} from '../src/engine/flow.ts';
import { formatPhone } from '../src/engine/format.ts';
import { HELPERS, isActiveMember } from '../src/engine/roles.ts';
import type { Gender, InviteView, Lang, NewMember } from '../src/engine/types.ts';

export const CONSENT_VERSION = 'v1';
const MIN_BIRTH_YEAR = 1920;
const MIN_AGE = 15;
const GENDERS: Gender[] = ['female', 'male', 'other'];
const GENDER_KEYS = ['gender.female', 'gender.male', 'gender.other'];
const LANGS: Lang[] = ['vi', 'en'];

/** The steps in order; after an edit the flow returns to the summary instead. */
const ORDER = ['name', 'birthYear', 'gender', 'phone', 'summary'] as const;

function next(after: (typeof ORDER)[number], data: Data): StepOutcome {
  if (data.editing) return { goto: 'summary', data: { editing: false } };
  return { goto: ORDER[ORDER.indexOf(after) + 1]! };
}

function inviteData(invite: InviteView): Data {
  return {
    code: invite.code,
    clubId: invite.clubId,
    clubName: invite.clubName,
    role: invite.role,
    inviteKind: invite.kind,
  };
}

/** A club invite starts registration; a link code from another app links this chat at once. */
async function withCode(code: string, ctx: FlowContext): Promise<StepOutcome | undefined> {
  const invite = await ctx.lookups.findInvite(code.toUpperCase(), ctx.now);
  if (invite) return { goto: 'language', data: inviteData(invite) };
  const member = await ctx.lookups.takeLinkCode(code);
  if (!member) return undefined;
  const { channel, chatId } = ctx.inbound;
  return {
    end: true,
    say: [{ key: 'register.linkedByCode', vars: { name: member.fullName } }],
    effects: [{ type: 'linkIdentity', memberId: member.id, identity: { channel, chatId }, verified: true }],
    open: { flow: 'menu' },
  };
}

/** A 24-hex id chosen before the member exists, so creating them is idempotent. */
function newMemberId(): string {
  return randomBytes(12).toString('hex');
}

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

const codeStep: Step = {
  ask: () => ({ key: 'register.askCode' }),
  async answer(answer, _data, ctx) {
    const code = answer.norm.replace(/[^a-z0-9]/g, '');
    return (code && (await withCode(code, ctx))) || { retry: { key: 'register.codeUnknown' } };
  },
};

const nameStep: Step = {
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

const birthYearStep: Step = {
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
const confirmAgeStep = choiceStep({
  question: (data) => ({
    key: data.proxy ? 'register.askAgeConfirmProxy' : 'register.askAgeConfirm',
    vars: { age: Number(data.ageGuess), year: Number(data.ageYear) },
  }),
  choices: ['register.ageRight', 'register.ageWrong'],
  yesNo: true,
  pick(choice, data, ctx) {
    const year = choice === 1 ? Number(data.ageYear) : (data.yearGuess as number | undefined);
    if (year === undefined) return { goto: 'birthYear', say: [yearHint(ctx)] };
    return {
      ...next('birthYear', data),
      say: choice === 1 ? [] : [{ key: 'register.yearTaken', vars: { year } }],
      data: { birthYear: year, editing: false },
    };
  },
});

const phoneStep: Step = {
  ask: (data) =>
    data.proxy ? { key: 'register.askPhoneProxy' } : { key: 'register.askPhone', requestContact: true },
  async answer(answer, data, ctx) {
    if (data.proxy && answer.norm === '0') return { ...next('phone', data), data: { phone: undefined } };
    let phone: string | undefined;
    let verified = false;
    if (answer.contact) {
      // A shared contact proves the number only when it is the sender's own.
      if (answer.contact.userId && answer.contact.userId !== ctx.inbound.userId) {
        return { retry: { key: 'register.contactNotYours' } };
      }
      phone = parsePhone(answer.contact.phone);
      verified = Boolean(phone);
    } else {
      phone = parsePhone(answer.text);
    }
    if (!phone) return { retry: { key: data.proxy ? 'register.phoneHintProxy' : 'register.phoneHint' } };

    const existing = await ctx.lookups.findClubMemberByPhone(String(data.clubId), phone);
    if (existing && data.proxy) {
      return {
        end: true,
        say: [{ key: 'register.proxyExists', vars: { name: existing.fullName } }],
        open: { flow: 'menu' },
      };
    }
    if (existing && !verified && existing.hasChat) {
      // A typed number proves nothing: the member confirms with a code sent to the chat they already use.
      const code = String(randomInt(100_000, 1_000_000));
      return {
        goto: 'confirmPhone',
        data: { linkMemberId: existing.id, linkName: existing.fullName, confirmCode: code },
        effects: [{ type: 'sendConfirmCode', memberId: existing.id, code }],
      };
    }
    if (existing) return linkTo(existing.id, existing.fullName, verified, data, ctx);
    return { ...next('phone', data), data: { phone, editing: false } };
  },
};

function linkTo(
  memberId: string,
  name: string,
  verified: boolean,
  data: Data,
  ctx: FlowContext,
): StepOutcome {
  const { channel, chatId } = ctx.inbound;
  return {
    end: true,
    say: [{ key: 'register.linked', vars: { name, club: String(data.clubName) } }],
    effects: [{ type: 'linkIdentity', memberId, identity: { channel, chatId }, verified }],
    open: { flow: 'menu' },
  };
}

const confirmPhoneStep: Step = {
  ask: () => ({ key: 'register.askConfirmCode' }),
  answer(answer, data, ctx) {
    if (answer.norm === '0')
      return { end: true, say: [{ key: 'register.confirmSkipped' }], open: { flow: 'menu' } };
    if (answer.norm.replace(/\s/g, '') !== data.confirmCode)
      return { retry: { key: 'register.confirmCodeWrong' } };
    return linkTo(String(data.linkMemberId), String(data.linkName), true, data, ctx);
  },
};

function summaryVars(data: Data, ctx: FlowContext) {
  return {
    name: String(data.fullName),
    year: Number(data.birthYear),
    gender: ctx.label(GENDER_KEYS[GENDERS.indexOf(data.gender as Gender)]!),
    phone: data.phone ? formatPhone(String(data.phone)) : ctx.label('register.noPhone'),
    club: String(data.clubName),
  };
}

function finish(data: Data, ctx: FlowContext): StepOutcome {
  const proxyHelper = data.proxy && ctx.who?.roles.some((grant) => HELPERS.includes(grant.role));
  const status = data.inviteKind === 'personal' || proxyHelper ? 'active' : 'pending';
  const member: NewMember = {
    id: String(data.memberId),
    fullName: String(data.fullName),
    birthYear: Number(data.birthYear),
    gender: data.gender as Gender,
    phone: data.phone ? String(data.phone) : undefined,
    language: data.proxy ? ctx.lang : (data.lang as Lang),
    clubId: String(data.clubId),
    role: data.proxy ? 'member' : (data.role as NewMember['role']),
    status,
    inviteCode: String(data.code ?? ''),
    inviteKind: data.inviteKind as NewMember['inviteKind'],
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
  return {
    end: true,
    say: [{ key: doneKey, vars: { name: member.fullName, club: String(data.clubName) } }],
    effects: [{ type: 'createMember', member, identity: data.proxy ? undefined : { channel, chatId } }],
    open: { flow: 'menu' },
  };
}

export const registerFlow: Flow = {
  id: 'register',
  menu: { label: 'menu.register', order: 10, visible: (who) => who === null || who.status === 'rejected' },
  keywords: ['dang ky', 'dang ki', 'register'],
  savesAtEnd: true,
  // Someone registering themselves has told us their age and gender; a proxy's answers are another person's.
  addressee: (data) =>
    data.proxy ? undefined : { birthYear: data.birthYear as number, gender: data.gender as Gender },
  async start(args, ctx) {
    const memberId = newMemberId();
    if (args.proxy) {
      if (!isActiveMember(ctx.who)) return { end: true, open: { flow: 'menu' } };
      const me = await ctx.lookups.getMember(ctx.who.memberId);
      return {
        goto: 'consent',
        data: {
          proxy: true,
          memberId,
          clubId: me?.clubIds[0],
          clubName: me?.clubNames[0],
          inviteKind: 'open',
        },
      };
    }
    if (typeof args.code === 'string' && args.code) {
      const found = await withCode(args.code, ctx);
      if (found && 'goto' in found) return { ...found, data: { ...found.data, memberId } };
      if (found) return found;
      return { goto: 'code', data: { memberId }, say: [{ key: 'register.codeUnknown' }] };
    }
    if (isActiveMember(ctx.who)) {
      return { end: true, say: [{ key: 'register.alreadyMember' }], open: { flow: 'menu' } };
    }
    return { goto: 'code', data: { memberId }, say: args.viaStart ? [{ key: 'register.welcome' }] : [] };
  },
  steps: {
    code: codeStep,
    language: choiceStep({
      question: 'register.askLanguage',
      choices: ['language.vi', 'language.en'],
      pick: (choice) => ({ goto: 'consent', lang: LANGS[choice - 1]!, data: { lang: LANGS[choice - 1] } }),
    }),
    consent: choiceStep({
      question: (data) => ({
        key: data.proxy ? 'register.consentProxy' : 'register.consent',
        vars: { club: String(data.clubName) },
      }),
      choices: ['register.agree', 'register.decline'],
      yesNo: true,
      pick: (choice) =>
        choice === 1 ? { goto: 'name' } : { end: true, say: [{ key: 'register.declined' }] },
    }),
    name: nameStep,
    birthYear: birthYearStep,
    confirmAge: confirmAgeStep,
    gender: choiceStep({
      question: (data) => ({ key: data.proxy ? 'register.askGenderProxy' : 'register.askGender' }),
      choices: GENDER_KEYS,
      pick: (choice, data) => ({
        ...next('gender', data),
        data: { gender: GENDERS[choice - 1], editing: false },
      }),
    }),
    phone: phoneStep,
    confirmPhone: confirmPhoneStep,
    summary: choiceStep({
      question: (data, ctx) => ({ key: 'register.summary', vars: summaryVars(data, ctx) }),
      choices: ['register.confirm', 'register.edit'],
      yesNo: true,
      pick: (choice, data, ctx) => (choice === 1 ? finish(data, ctx) : { goto: 'editField' }),
    }),
    editField: choiceStep({
      question: 'register.whichField',
      choices: ['register.fieldName', 'register.fieldYear', 'register.fieldGender', 'register.fieldPhone'],
      pick: (choice) => ({ goto: ORDER[choice - 1]!, data: { editing: true } }),
    }),
  },
};

/** "Đăng ký hộ": a member registers someone without a phone; same flow, proxy mode. */
export const registerProxyFlow: Flow = {
  id: 'registerProxy',
  menu: { label: 'menu.registerProxy', order: 30, visible: isActiveMember },
  keywords: ['dang ky ho', 'dang ki ho'],
  start: () => ({ end: true, open: { flow: 'register', args: { proxy: true } } }),
  steps: {},
};
