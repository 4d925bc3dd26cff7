/**
 * Runs conversations against the `Engine` alone: no database, no channel, a fixed clock and
 * seeded ids. Replies are rendered with a translator that writes the i18n key (and its values)
 * instead of the text, so a case reads as the conversation's keys:
 *
 *   await converse(chat, [
 *     ['/start DH2026', 'register.askLanguage'],
 *     ['1', 'register.consent'],
 *   ]);
 *
 * Answers are typed as digits or words the answer parsers know ("có"): under this translator a
 * choice's label is its key, so typing a label ("English") does not pick it here.
 */
import { expect } from 'vitest';
import { flows } from '../../flows/index.ts';
import { flowSettings, loadConfig } from '../../src/config.ts';
import { randomSource } from '../../src/engine/codes.ts';
import { Engine } from '../../src/engine/engine.ts';
import type { Data } from '../../src/engine/flow.ts';
import type { ChatRef, ChatState, Effect, FlowId, Inbound } from '../../src/engine/types.ts';
import type { Translate } from '../../src/i18n.ts';
import { FixtureLookups } from './lookups.ts';

/** A Monday morning in Vietnam (10:00 ICT). */
export const NOW = new Date('2026-03-02T03:00:00Z');
const SESSION_IDLE_MS = 24 * 3600_000;

/**
 * "key" or "key {values}" instead of the text; the address words ({{you}}) are left out, they
 * are the same in every message of a case.
 */
export const keyTranslate: Translate = (_lang, key, vars) => {
  const { you: _you, You: _You, ...rest } = vars ?? {};
  return Object.keys(rest).length > 0 ? `${key} ${JSON.stringify(rest)}` : key;
};

/** mulberry32: a small seeded PRNG, so ids and codes are the same on every run. */
function seeded(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

/** One turn as a case sees it. */
export interface Reply {
  /** The i18n keys of the message, in order (the last is usually the question). */
  keys: string[];
  /** The values of each key (same order as `keys`). */
  vars: Record<string, unknown>[];
  /** The answers offered (their i18n keys, or the data shown as they are). */
  choices?: string[];
  /** The label of the "share my phone number" button, when the question has one. */
  contactButton?: string;
  /** What the turn decided, but the plans for an unanswered question (those are in `timeouts`). */
  effects: Effect[];
  /** The steps whose `timeout` was planned this turn (as `flow.step`). */
  timeouts: string[];
}

/** A plan for a question left unanswered (Step.timeout), made at the end of a turn. */
function isTimeoutPlan(effect: Effect): effect is Extract<Effect, { type: 'schedule' }> {
  return effect.type === 'schedule' && effect.effect.type === 'stepTimeout';
}

/** The engine, the fixture store behind it and the clock: one world per case. */
export class EngineWorld {
  readonly lookups = new FixtureLookups();
  readonly engine: Engine;
  now = NOW;

  /** `env`: settings as the environment gives them (DHIS2_URL…), the defaults otherwise. */
  constructor(seed = 1, env: Record<string, string> = {}) {
    this.engine = new Engine({
      flows,
      translate: keyTranslate,
      sessionIdleMs: SESSION_IDLE_MS,
      random: randomSource(seeded(seed)),
      settings: flowSettings(loadConfig(env)),
    });
  }

  advance(ms: number): void {
    this.now = new Date(this.now.getTime() + ms);
  }

  chat(chatId: string, channel: ChatRef['channel'] = 'telegram'): CaseChat {
    return new CaseChat(this, { channel, chatId });
  }
}

export class CaseChat {
  state: ChatState = { who: null, whoCheckedAt: 0, version: 0 };
  #messages = 0;
  readonly #world: EngineWorld;
  readonly ref: ChatRef;

  constructor(world: EngineWorld, ref: ChatRef) {
    this.#world = world;
    this.ref = ref;
  }

  /** The person types `text` (or shares a phone number). */
  say(text: string, contact?: Inbound['contact']): Promise<Reply> {
    return this.#send(contact ? { kind: 'contact', contact } : { kind: 'text', text });
  }

  /** The person sends a picture (the app's handle for it), with `caption` when given. */
  sendPhoto(photo: string, caption = ''): Promise<Reply> {
    return this.#send({ kind: 'photo', photo, text: caption });
  }

  #send(content: Pick<Inbound, 'kind' | 'text' | 'contact' | 'photo'>): Promise<Reply> {
    const inbound: Inbound = {
      ...this.ref,
      userId: this.ref.chatId,
      messageId: `m${++this.#messages}`,
      at: this.#world.now,
      ...content,
    };
    return this.#turn(() =>
      this.#world.engine.handle(this.state, inbound, this.#world.lookups, this.#world.now),
    );
  }

  /** The bot opens `flow` in this chat (as a `start` effect does for its audience). */
  open(flow: FlowId, args: Data = {}): Promise<Reply> {
    const { engine, lookups, now } = this.#world;
    return this.#turn(() => engine.open(this.state, this.ref, flow, args, lookups, now));
  }

  /**
   * One turn as the runtime runs it: who is behind the chat is read first (afresh every turn;
   * the runtime's cache of it, re-read for `actsWithRole` steps, is shown by the transcripts),
   * the effects are applied to the fixture, and a turn waiting for them (`afterEffects`) is
   * completed.
   */
  async #turn(run: () => ReturnType<Engine['handle']>): Promise<Reply> {
    const { lookups } = this.#world;
    this.state.who = lookups.whoOf(this.ref);
    lookups.now = this.#world.now;
    let result = await run();
    const effects: Effect[] = [];
    for (;;) {
      effects.push(...result.effects);
      for (const effect of result.effects) lookups.apply(effect);
      if (!result.afterEffects) break;
      result = await result.afterEffects(lookups.whoOf(this.ref) ?? undefined);
    }
    this.state = result.state;
    const reply = result.replies[0];
    const parts = (reply?.text ?? '')
      .split('\n\n')
      .filter((part) => part && !part.startsWith('common.choiceLine'));
    return {
      keys: parts.map((part) => part.split(' ', 1)[0]!),
      vars: parts.map((part) => {
        const json = part.indexOf(' {');
        return json < 0 ? {} : (JSON.parse(part.slice(json + 1)) as Record<string, unknown>);
      }),
      choices: reply?.choices,
      contactButton: reply?.contactButton,
      effects: effects.filter((effect) => !isTimeoutPlan(effect)),
      timeouts: effects.flatMap((effect) =>
        isTimeoutPlan(effect) && effect.effect.type === 'stepTimeout'
          ? [`${effect.effect.flow}.${effect.effect.step}`]
          : [],
      ),
    };
  }
}

/** What the bot answers with: one key, or every key of the message in order. */
export type Expected = string | string[];

/**
 * Plays `turns` in `chat`: each line is what the person says and the key(s) the bot answers
 * with. Returns the replies, for checks on values and effects.
 */
export async function converse(chat: CaseChat, turns: [string, Expected][]): Promise<Reply[]> {
  const replies: Reply[] = [];
  for (const [text, expected] of turns) {
    const reply = await chat.say(text);
    expect(reply.keys, `reply to "${text}"`).toEqual(typeof expected === 'string' ? [expected] : expected);
    replies.push(reply);
  }
  return replies;
}

/** Club ids, codes and people of the standard fixture. */
export const DH = 'club-dien-hong';
export const TK = 'club-tan-ky';
/** The communes the two clubs sit in (both in one province). */
export const COMMUNES = { dh: 'xa-dien-hong', tk: 'xa-tan-ky' } as const;
export const CODES = { open: 'DH2026', personal: 'DHP001', openTanKy: 'TK2026' } as const;
export const PEOPLE = {
  chair: { id: 'chair-dh', chat: '9001', phone: '84912000001' },
  volunteer: { id: 'volunteer-dh', chat: '9003', phone: '84912000003' },
  member: { id: 'member-dh', chat: '9004', phone: '84912000004' },
  /** A member with no chat of her own: a volunteer registered her. */
  noChat: { id: 'nochat-dh', phone: '84912000007' },
  /** A newcomer still waiting for the chair. */
  pending: { id: 'pending-1', chat: '9005' },
} as const;

/**
 * Two clubs; Điền Hồng has a chair, a volunteer and two members (one without a chat of her
 * own), an open code and a personal one; Tân Kỳ has an open code.
 */
export function standardWorld(seed = 1, env: Record<string, string> = {}): EngineWorld {
  const world = new EngineWorld(seed, env);
  const { lookups } = world;
  lookups
    .club(DH, 'CLB Điền Hồng', [COMMUNES.dh, 'nghe-an'])
    .club(TK, 'CLB Tân Kỳ', [COMMUNES.tk, 'nghe-an']);
  lookups
    .invite({ code: CODES.open, clubId: DH, clubName: 'CLB Điền Hồng', role: 'member', kind: 'open' })
    .invite({ code: CODES.personal, clubId: DH, clubName: 'CLB Điền Hồng', role: 'member', kind: 'personal' })
    .invite({ code: CODES.openTanKy, clubId: TK, clubName: 'CLB Tân Kỳ', role: 'member', kind: 'open' });
  const inClub = (role: 'chair' | 'volunteer' | 'member') => ({
    clubIds: [DH],
    roles: [{ role: 'member' as const, clubId: DH }, ...(role === 'member' ? [] : [{ role, clubId: DH }])],
  });
  const chat = (chatId: string) => [{ channel: 'telegram' as const, chatId }];
  const { chair, volunteer, member, noChat } = PEOPLE;
  lookups.member({ ...chair, fullName: 'Trần Văn Chủ', ...inClub('chair'), chats: chat(chair.chat) });
  lookups.member({
    ...volunteer,
    fullName: 'Lê Thị Giúp',
    birthYear: 1985,
    gender: 'female',
    ...inClub('volunteer'),
    chats: chat(volunteer.chat),
  });
  lookups.member({
    ...member,
    fullName: 'Phạm Thị Hoa',
    birthYear: 1948,
    gender: 'female',
    ...inClub('member'),
    chats: chat(member.chat),
  });
  lookups.member({
    ...noChat,
    fullName: 'Đỗ Thị Lan',
    birthYear: 1940,
    gender: 'female',
    ...inClub('member'),
  });
  return world;
}

/** The standard world and a newcomer in it still waiting for Điền Hồng's chair (PEOPLE.pending). */
export function worldWithNewcomer(seed = 1): EngineWorld {
  const world = standardWorld(seed);
  const { pending } = PEOPLE;
  world.lookups.member({
    id: pending.id,
    fullName: 'Mai',
    status: 'pending',
    clubIds: [DH],
    chats: [{ channel: 'telegram', chatId: pending.chat }],
  });
  return world;
}
