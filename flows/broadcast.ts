/**
 * Staff send an announcement to their area ("gửi thông báo", a line of staff's and admins' menu).
 *
 *   start → area (numbered: "Tất cả <here>", then the units and clubs under it; a unit goes one
 *           level down) → who (1 all members / 2 chairs and board / 3 volunteers)
 *         → text (≤ 2,000 characters: a longer one is refused with its length, never cut; or a
 *                 photo, on Telegram and the Zalo Bot: its caption is the text ─no caption─→ caption)
 *         → addEnglish ─1─→ english ─┐
 *                      ─2────────────┴→ urgent (province staff and admins only) → ack
 *         → confirm (the preview: recipients by app, who cannot be reached, how long; with a photo,
 *                    the apps that get the text without it)
 *              ─1 send now─→ created
 *              ─2 schedule─→ date → time → created (a time in quiet hours moves to 06:00: the
 *                                             runtime tells the sender)
 *              ─3─→ dropped → menu
 *
 * Only areas inside the sender's own subtree are listed; the runtime (src/runtime/broadcasts.ts)
 * checks the subtree and the right to send urgently again with her roles as they are when it
 * applies `createBroadcast`, so a role taken away meanwhile sends nothing.
 */
import { parseDayMonth, parseTimeOfDay } from '../src/engine/answers.ts';
import {
  BROADCAST_MAX_TEXT,
  BROADCAST_WHO,
  broadcastUnits,
  formatCount,
  mayBroadcast,
  mayBroadcastUrgent,
  PHOTO_APPS,
} from '../src/engine/broadcasts.ts';
import { choiceStep, type Flow, type FlowContext, type Step, type StepOutcome } from '../src/engine/flow.ts';
import { localDate, localTime } from '../src/engine/meetings.ts';
import { isActiveMember } from '../src/engine/roles.ts';
import type {
  AreaRef,
  AreaView,
  BroadcastPreview,
  BroadcastWho,
  ChannelName,
  ChatRef,
  Say,
} from '../src/engine/types.ts';
import { type Person, pickPersonStep } from './pages.ts';

/** What the sender has chosen so far. */
type BroadcastData = {
  /** The choices of the area step: '*' is the level shown itself, else 'unit:<id>' / 'club:<id>'. */
  areas: Person[];
  /** The level the area step shows ('' at the sender's own units, when she has several). */
  here: string;
  hereRef?: AreaRef;
  page: number;
  target?: AreaRef & { name: string };
  who?: BroadcastWho;
  vi?: string;
  en?: string;
  /** A photo sent at the text step: where it was sent and the app's handle for it. */
  photo?: ChatRef & { ref: string };
  canUrgent: boolean;
  urgent: boolean;
  ack: boolean;
  preview?: BroadcastPreview;
  date?: string;
};

/** Characters a broadcast's text step reads: longer texts are refused with their length, not cut. */
const READS_UP_TO = 20_000;

const areaRef = (id: string): AreaRef => {
  const [kind, ...rest] = id.split(':');
  return { kind: kind === 'club' ? 'club' : 'unit', id: rest.join(':') };
};

/** The choices at an area: itself ("tất cả"), then what lies under it. */
function listing(area: AreaView, ctx: FlowContext): Partial<BroadcastData> {
  return {
    here: area.name,
    hereRef: { kind: area.kind, id: area.id },
    page: 0,
    areas: [
      { id: '*', name: ctx.label('broadcast.allOf', { area: area.name }) },
      ...area.children.map((child) => ({ id: `${child.kind}:${child.id}`, name: child.name })),
    ],
  };
}

/**
 * A text step (Vietnamese or English): refused with its length when too long. With `photo`, a
 * picture is taken too (on the apps that send pictures on): its caption is the text; without a
 * caption, the text is asked for next (step `caption`).
 */
function textStep(
  field: 'vi' | 'en',
  question: string,
  next: (data: BroadcastData) => string,
  options: { photo?: boolean } = {},
): Step<BroadcastData> {
  return {
    ask: (_data, ctx) => ({
      key: options.photo && PHOTO_APPS.includes(ctx.inbound.channel) ? `${question}OrPhoto` : question,
      vars: { max: formatCount(BROADCAST_MAX_TEXT, 'vi') },
    }),
    maxLength: READS_UP_TO,
    takesPhoto: options.photo,
    answer(answer, data, ctx) {
      if (answer.photo) {
        const photo = { channel: ctx.inbound.channel, chatId: ctx.inbound.chatId, ref: answer.photo };
        if (!answer.text.trim()) return { goto: 'caption', data: { photo } };
        data = { ...data, photo };
      }
      const text = answer.text.trim();
      if (text.length > BROADCAST_MAX_TEXT)
        return {
          retry: {
            key: 'broadcast.tooLong',
            vars: { length: formatCount(text.length, 'vi'), max: formatCount(BROADCAST_MAX_TEXT, 'vi') },
          },
        };
      if (text.length < 2) return { retry: { key: 'broadcast.textHint' } };
      return { goto: next({ ...data, [field]: text }), data: { [field]: text, photo: data.photo } };
    },
  };
}

/** After the texts: the urgent question for those who may send urgently, else the acknowledgement. */
const afterTexts = (data: BroadcastData) => (data.canUrgent ? 'urgent' : 'ack');

/** The preview's words: recipients by app, who cannot be reached, the time it takes. */
function previewSay(data: BroadcastData, ctx: FlowContext): Say {
  const preview = data.preview!;
  const n = (value: number) => formatCount(value, ctx.lang);
  const channels = Object.entries(preview.byChannel)
    .filter(([, count]) => count > 0)
    .map(([channel, count]) =>
      ctx.label('broadcast.previewChannel', {
        app: ctx.label(`channels.${channel as ChannelName}`),
        count: n(count!),
      }),
    )
    .join('\n');
  return {
    key: data.urgent ? 'broadcast.previewUrgent' : 'broadcast.preview',
    vars: {
      area: data.target!.name,
      who: ctx.label(`broadcast.who.${data.who}`),
      recipients: n(preview.recipients),
      channels: channels || '-',
      stopped: n(preview.unreachable.stopped),
      optedOut: n(preview.unreachable.optedOut),
      outsideWindow: n(preview.unreachable.outsideWindow),
      minutes: n(Math.max(1, Math.ceil(preview.estimatedSeconds / 60))),
      ack: data.ack ? ctx.label('broadcast.previewAck') : '',
      photo: data.photo ? photoWords(preview, ctx) : '',
    },
  };
}

/** "With a photo", and which of the apps it goes to get the text alone. */
function photoWords(preview: BroadcastPreview, ctx: FlowContext): string {
  const textOnly = Object.entries(preview.byChannel)
    .filter(([channel, count]) => count! > 0 && !PHOTO_APPS.includes(channel as ChannelName))
    .map(([channel]) => ctx.label(`channels.${channel as ChannelName}`));
  if (textOnly.length === 0) return ctx.label('broadcast.previewPhoto');
  return ctx.label('broadcast.previewPhotoTextOnly', { apps: textOnly.join(', ') });
}

/** The broadcast, as the runtime creates it (now, or at `sendAt`). */
function created(data: BroadcastData, ctx: FlowContext, sendAt?: Date): StepOutcome<BroadcastData> {
  if (!ctx.who || !mayBroadcast(ctx.who.roles)) return notAllowed;
  // What the sender hears next comes from the runtime: when it goes out (or why it does not).
  return {
    end: true,
    effects: [
      {
        type: 'createBroadcast',
        broadcast: {
          id: ctx.random.id(),
          senderId: ctx.who.memberId,
          senderChat: { channel: ctx.inbound.channel, chatId: ctx.inbound.chatId },
          target: { kind: data.target!.kind, id: data.target!.id },
          who: data.who!,
          text: { vi: data.vi!, ...(data.en ? { en: data.en } : {}) },
          ...(data.photo ? { photo: data.photo } : {}),
          urgent: data.urgent,
          ack: data.ack,
          ...(sendAt ? { sendAt: sendAt.toISOString() } : {}),
        },
      },
    ],
  };
}

const notAllowed: StepOutcome<BroadcastData> = {
  end: true,
  say: [{ key: 'broadcast.notAllowed' }],
  open: { flow: 'menu' },
};

export const broadcastFlow: Flow<BroadcastData> = {
  id: 'broadcast',
  menu: {
    label: 'menu.broadcast',
    order: 80,
    visible: (who) => isActiveMember(who) && mayBroadcast(who.roles),
  },
  keywords: ['gui thong bao', 'thong bao', 'broadcast', 'send announcement'],
  async start(_args, ctx) {
    if (!isActiveMember(ctx.who) || !mayBroadcast(ctx.who.roles)) return notAllowed;
    const units = (
      await Promise.all(broadcastUnits(ctx.who.roles).map((id) => ctx.lookups.area({ kind: 'unit', id })))
    ).filter((unit): unit is AreaView => unit !== undefined);
    if (units.length === 0) return notAllowed;
    const levels = new Map(units.map((unit) => [unit.id, unit.level]));
    const canUrgent = mayBroadcastUrgent(ctx.who.roles, (id) => levels.get(id));
    const base = { canUrgent, urgent: false, ack: false };
    if (units.length === 1) return { goto: 'area', data: { ...base, ...listing(units[0]!, ctx) } };
    return {
      goto: 'area',
      data: {
        ...base,
        here: '',
        page: 0,
        areas: units.map((unit) => ({ id: `unit:${unit.id}`, name: unit.name })),
      },
    };
  },
  steps: {
    area: pickPersonStep<BroadcastData>({
      name: 'area',
      question: (data) =>
        data.here ? { key: 'broadcast.askArea', vars: { area: data.here } } : { key: 'broadcast.askUnit' },
      people: (data) => data.areas,
      async pick(person, data, ctx) {
        if (person.id === '*')
          return { goto: 'who', data: { target: { ...data.hereRef!, name: data.here } } };
        const ref = areaRef(person.id);
        const area = await ctx.lookups.area(ref);
        if (!area) return { retry: { key: 'broadcast.areaGone' } };
        if (area.kind === 'club' || area.children.length === 0)
          return { goto: 'who', data: { target: { kind: area.kind, id: area.id, name: area.name } } };
        return { goto: 'area', data: listing(area, ctx) };
      },
    }),
    who: choiceStep<BroadcastData>({
      question: (data) => ({ key: 'broadcast.askWho', vars: { area: data.target!.name } }),
      choices: ['broadcast.who.all', 'broadcast.who.board', 'broadcast.who.volunteers'],
      pick: (choice) => ({ goto: 'text', data: { who: BROADCAST_WHO[choice - 1]! } }),
    }),
    text: textStep('vi', 'broadcast.askText', () => 'addEnglish', { photo: true }),
    caption: textStep('vi', 'broadcast.askCaption', () => 'addEnglish'),
    addEnglish: choiceStep<BroadcastData>({
      question: 'broadcast.askEnglish',
      choices: ['broadcast.englishYes', 'broadcast.englishNo'],
      yesNo: true,
      pick: (choice, data) =>
        choice === 1 ? { goto: 'english' } : { goto: afterTexts(data), data: { en: undefined } },
    }),
    english: textStep('en', 'broadcast.askEnglishText', afterTexts),
    urgent: choiceStep<BroadcastData>({
      question: 'broadcast.askUrgent',
      choices: ['broadcast.notUrgent', 'broadcast.isUrgent'],
      pick: (choice) => ({ goto: 'ack', data: { urgent: choice === 2 } }),
    }),
    ack: choiceStep<BroadcastData>({
      question: 'broadcast.askAck',
      choices: ['broadcast.ackYesAsk', 'broadcast.ackNoAsk'],
      yesNo: true,
      async pick(choice, data, ctx) {
        const preview = await ctx.lookups.broadcastPreview(data.target!, data.who!, data.urgent);
        return { goto: 'confirm', data: { ack: choice === 1, preview } };
      },
    }),
    confirm: {
      ...choiceStep<BroadcastData>({
        question: previewSay,
        choices: ['broadcast.sendNow', 'broadcast.schedule', 'broadcast.drop'],
        pick(choice, data, ctx) {
          if (choice === 1) return created(data, ctx);
          if (choice === 2) return { goto: 'date' };
          return { end: true, say: [{ key: 'broadcast.dropped' }], open: { flow: 'menu' } };
        },
      }),
      actsWithRole: true,
    },
    date: {
      ask: () => ({ key: 'broadcast.askDate' }),
      answer(answer, _data, ctx) {
        const date = parseDayMonth(answer.text, localDate(ctx.now, ctx.settings.timeZone));
        if (!date) return { retry: { key: 'meetingMove.dateHint' } };
        return { goto: 'time', data: { date } };
      },
    },
    time: {
      ask: () => ({ key: 'broadcast.askTime' }),
      answer(answer, data, ctx) {
        const time = parseTimeOfDay(answer.text);
        if (!time) return { retry: { key: 'meetingRule.timeHint' } };
        const sendAt = localTime(data.date!, time, ctx.settings.timeZone);
        if (sendAt <= ctx.now) return { retry: { key: 'meetingMove.past' } };
        return created(data, ctx, sendAt);
      },
      actsWithRole: true,
    },
  },
};
