/**
 * "Khám sức khỏe": a member answers the short health check (flows/surveys/default.ts), or a
 * proxy answers it for a member she acts for. One question per message, each answered with one
 * digit (or the words people type: "ko khoe", "13/8", "khong").
 *
 *   start ─(acts for others)─→ whom ─→ feeling ─3─→ dangerSigns ─┐
 *         ─────────────────────────→ feeling ─1,2────────────────┴→ bloodPressure (0 = skip)
 *         → fall → visit → note (0 = skip) → thanks, with a one-line summary
 *
 * The answers live in the session (Redis) until the last one, so a restart resumes the check;
 * then one response is stored (`saveHealthResponse`: subject, answered-by, survey version,
 * answers, flags). A flagged response raises an alert (flows/health-alert.ts has the ladder):
 * an emergency (a danger sign, blood pressure over the emergency limit) tells the person at once
 * to call 115 while the volunteers and the chair are told; watch or high, the volunteers.
 */
import { parseChoice } from '../src/engine/answers.ts';
import type { Flow, FlowContext, Step, StepOutcome } from '../src/engine/flow.ts';
import { isActiveMember } from '../src/engine/roles.ts';
import {
  type Answers,
  choicesOf,
  evaluate,
  isAsked,
  nextQuestion,
  type Question,
  readAnswer,
} from '../src/engine/surveys.ts';
import type { Effect, PersonRef, Who } from '../src/engine/types.ts';
import { alertStep, firstTold } from './health-alert.ts';
import { DEFAULT_SURVEY } from './surveys/default.ts';

const SURVEY = DEFAULT_SURVEY;

/** The line before the first question when a health round opens the check (`args.round`). */
const ROUND_LINES = { invite: 'health.roundInvite', nudge: 'health.roundNudge' } as const;

/** What the check keeps between messages. */
type CheckData = {
  /** Chosen when the check opens, so storing it is idempotent. */
  responseId: string;
  /** Whose health this is (the person writing, or the member a proxy chose). */
  subjectId: string;
  clubId: string;
  /** The member's name when a proxy answers for her (questions then name her). */
  subjectName?: string;
  /** The members this proxy may answer for (the `whom` question). */
  actedFor?: PersonRef[];
  answers: Answers;
};

/** The first question, for `subject` (chosen, or the person herself). */
function begin(data: Pick<CheckData, 'responseId' | 'actedFor'>, subject: PersonRef, ctx: FlowContext) {
  const own = subject.id === ctx.who?.memberId;
  return {
    goto: SURVEY.questions[0]!.id,
    data: {
      ...data,
      subjectId: subject.id,
      clubId: subject.clubId,
      subjectName: own ? undefined : subject.fullName,
      answers: {},
    },
  };
}

/** The person writing as the subject of a check: in her first club; none for staff, who have no club. */
function self(who: Who | null): PersonRef | undefined {
  const clubId = who?.clubIds[0];
  return who && clubId ? { id: who.memberId, fullName: '', clubId } : undefined;
}

/** The names offered by the `whom` question: the members she acts for, then herself if she has a club. */
const whomLabels = (data: CheckData, ctx: FlowContext) => [
  ...data.actedFor!.map((person) => person.fullName),
  ...(self(ctx.who) ? [ctx.label('health.myself')] : []),
];

/** "Bạn đang trả lời cho: 1 Bà Lan, 2 Ông Minh, 3 Chính tôi". */
const whomStep: Step<CheckData> = {
  ask: (data, ctx) => ({ key: 'health.askWhom', choiceTexts: whomLabels(data, ctx) }),
  answer(answer, data, ctx) {
    const people = data.actedFor!;
    const labels = whomLabels(data, ctx);
    const picked = parseChoice(answer.text, labels.length, labels);
    if (picked === undefined) return { retry: { key: 'common.pickNumber', vars: { max: labels.length } } };
    // The line after the people is "Chính tôi", shown only to someone with a club.
    return begin(data, people[picked - 1] ?? self(ctx.who)!, ctx);
  },
};

/** One question of the survey as a step. */
function questionStep(question: Question): Step<CheckData> {
  return {
    ask: (data) => ({
      key: data.subjectName ? `${question.key}For` : question.key,
      vars: data.subjectName ? { name: data.subjectName } : undefined,
      choices: choicesOf(question),
    }),
    answer(answer, data, ctx) {
      const read = readAnswer(question, answer.text, ctx.label);
      if (!read) return { retry: { key: `health.hint.${question.type.kind}` } };
      const answers = { ...data.answers, [question.id]: read.value };
      const next = nextQuestion(SURVEY, answers, question.id);
      if (next) return { goto: next.id, data: { answers } };
      return finish({ ...data, answers }, ctx);
    },
  };
}

/** The last answer: store the response, raise an alert when it is flagged, thank with a summary. */
async function finish(data: CheckData, ctx: FlowContext): Promise<StepOutcome<CheckData>> {
  const who = ctx.who!;
  // An answer to a question no longer asked (changed on the way back) is not kept.
  const answers = Object.fromEntries(
    SURVEY.questions
      .filter((question) => question.id in data.answers && isAsked(question, data.answers))
      .map((question) => [question.id, data.answers[question.id]!]),
  );
  const { level, flags } = evaluate(SURVEY, answers, ctx.settings.health);
  const effects: Effect[] = [
    {
      type: 'saveHealthResponse',
      response: {
        id: data.responseId,
        subjectId: data.subjectId,
        answeredBy: who.memberId,
        clubId: data.clubId,
        survey: { id: SURVEY.id, version: SURVEY.version },
        answers,
        level,
        flags,
      },
    },
  ];
  if (level !== 'ok') {
    // The alert's id is the response's: one alert per response, however often the turn is replayed.
    const alert = { id: data.responseId, memberId: data.subjectId, clubId: data.clubId, level };
    const club = await ctx.lookups.clubInfo(data.clubId);
    effects.push(
      { type: 'raiseHealthAlert', alert: { ...alert, responseId: data.responseId }, to: firstTold(level) },
      ...alertStep({ ...alert, orgUnitId: club?.orgUnitId }, 0, ctx.settings.health, ctx.now),
    );
  }
  const name = data.subjectName;
  const summary = [ctx.label(`health.level.${level}`), ...flags.map((flag) => ctx.label(flag.reason))].join(
    ', ',
  );
  const thanks = {
    key: name ? 'health.thanksFor' : 'health.thanks',
    vars: { summary, ...(name ? { name } : {}) },
  };
  const say =
    level === 'emergency'
      ? [
          { key: name ? 'health.emergencyFor' : 'health.emergency', vars: name ? { name } : undefined },
          thanks,
        ]
      : level === 'ok'
        ? [thanks]
        : [thanks, { key: 'health.volunteerTold' }];
  return { end: true, say, effects };
}

export const healthCheckFlow: Flow<CheckData> = {
  id: 'healthCheck',
  menu: {
    label: 'menu.healthCheck',
    order: 10,
    visible: (who) => isActiveMember(who) && who.clubIds.length > 0,
  },
  keywords: ['kham suc khoe', 'suc khoe', 'kham', 'health check', 'health'],
  savesAtEnd: true,
  async start(args, ctx) {
    if (!isActiveMember(ctx.who)) return { end: true, open: { flow: 'menu' } };
    const who = ctx.who;
    const responseId = ctx.random.id();
    // Opened by the club's health round (src/runtime/health-rounds.ts): one line says why.
    const say = args.round === 'invite' || args.round === 'nudge' ? [{ key: ROUND_LINES[args.round] }] : [];
    const actedFor = await ctx.lookups.membersActedFor(who.memberId);
    if (actedFor.length > 0) return { goto: 'whom', data: { responseId, actedFor, answers: {} }, say };
    const me = self(who);
    // Staff belong to no club: their health is not the clubs' to watch.
    return me ? { ...begin({ responseId }, me, ctx), say } : { end: true, open: { flow: 'menu' } };
  },
  steps: {
    whom: whomStep,
    ...Object.fromEntries(SURVEY.questions.map((question) => [question.id, questionStep(question)])),
  },
};
