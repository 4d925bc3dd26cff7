/**
 * Surveys as data: a health check is an ordered list of questions, each with an i18n key, an
 * answer type, whether it may be skipped ("0 = bỏ qua"), when it is asked (danger signs only
 * for someone unwell), and rules that turn its answer into flags. The bot records and alerts;
 * it never diagnoses: a flag says only whom to tell and how soon.
 *
 * Thresholds (blood pressure) come from configuration (`HealthSettings`, from src/config.ts),
 * never from the survey, so a clinician can change them without touching a flow.
 *
 * @example
 * const value = readAnswer(question, '13/8', label); // { value: { systolic: 130, diastolic: 80 } }
 * const { level, flags } = evaluate(survey, answers, settings); // 'ok', []
 */
import {
  normalize,
  parseBloodPressure,
  parseChoice,
  parseFeeling,
  parseInteger,
  parseWeightKg,
  parseYesNo,
} from './answers.ts';

/** How much a response needs attention, least first. */
export const LEVELS = ['ok', 'watch', 'high', 'emergency'] as const;
export type Level = (typeof LEVELS)[number];

export interface BloodPressure {
  systolic: number;
  diastolic: number;
}

/** What a question expects. Choices are i18n keys, shown numbered; several choices are typed "1,3". */
export type AnswerType =
  | { kind: 'feeling' }
  | { kind: 'choice'; choices: string[] }
  /** Any number of the choices ("1,3"); 0 means none of them. */
  | { kind: 'several'; choices: string[] }
  | { kind: 'yesNo' }
  | { kind: 'number'; min: number; max: number }
  | { kind: 'bloodPressure' }
  | { kind: 'weight' }
  | { kind: 'text'; maxLength: number };

/**
 * An answer as stored: a choice's number (feeling: 1 well, 2 so-so, 3 unwell), the numbers chosen,
 * yes/no, a number, a blood pressure, a text; null when the person skipped the question.
 */
export type AnswerValue = number | number[] | boolean | BloodPressure | string | null;
export type Answers = Record<string, AnswerValue>;

/** A rule of a question: when its answer is so, the response gets `level`, for `reason` (an i18n key). */
export type Rule = { level: Exclude<Level, 'ok'>; reason: string } & (
  | { when: 'is'; value: number | boolean }
  | { when: 'anyChosen' }
  /** Systolic or diastolic at or over the configured `high` limit, or over the `emergency` one. */
  | { when: 'bloodPressure'; limit: 'high' | 'emergency' }
  | { when: 'atLeast' | 'atMost'; value: number }
);

export interface Question {
  /** Names the answer in the stored response, and the flow's step. */
  id: string;
  /** The i18n key of the question. */
  key: string;
  type: AnswerType;
  /** May be skipped with 0. */
  optional?: boolean;
  /** Asked only when an earlier question was answered so. */
  askIf?: { question: string; is: number | boolean };
  rules?: Rule[];
}

/** A survey; a change to its questions or rules is a new `version` (responses keep theirs). */
export interface Survey {
  id: string;
  version: number;
  questions: Question[];
}

/** Configured thresholds and acknowledgement times (DESIGN.md §1 has the defaults). */
export interface HealthSettings {
  /** At or over either value: high. */
  bpHigh: BloodPressure;
  /** Over either value: emergency. */
  bpEmergency: BloodPressure;
  /** An alert not acknowledged within this time goes one step up (watch and high alerts). */
  ackMs: number;
  /** The same, for emergencies. */
  emergencyAckMs: number;
}

/** What the person typed, read as the question's type; undefined when it is not clear. */
export function readAnswer(
  question: Question,
  text: string,
  label: (key: string) => string,
): { value: AnswerValue } | undefined {
  const { type } = question;
  const norm = normalize(text);
  if (question.optional && isSkip(norm, text)) return { value: null };
  const found = ((): AnswerValue | undefined => {
    switch (type.kind) {
      case 'feeling':
        return parseFeeling(text);
      case 'choice':
        return parseChoice(text, type.choices.length, type.choices.map(label));
      case 'several':
        return readSeveral(norm, type.choices.length);
      case 'yesNo': {
        const picked = parseChoice(text, 2);
        return picked !== undefined ? picked === 1 : parseYesNo(text);
      }
      case 'number': {
        const n = parseInteger(text);
        return n !== undefined && n >= type.min && n <= type.max ? n : undefined;
      }
      case 'bloodPressure':
        return parseBloodPressure(text);
      case 'weight':
        return parseWeightKg(text);
      case 'text': {
        const trimmed = text.trim().replace(/\s+/g, ' ');
        return trimmed === '' ? undefined : trimmed.slice(0, type.maxLength);
      }
    }
  })();
  return found === undefined ? undefined : { value: found };
}

/** "0", "bỏ qua", "chưa đo", or a plain no ("không", "ko") to a question that may be skipped. */
function isSkip(norm: string, text: string): boolean {
  if (norm === '0' || norm === 'bo qua' || norm === 'chua do' || norm === 'khong do') return true;
  // A digit is an answer, never a "no" ("2" may be a number asked for).
  return !/\d/.test(norm) && parseYesNo(text) === false;
}

/** "1,3", "1 3", "1 và 3" → [1, 3]; "0" or "không có" → []; anything else, or a number out of range: undefined. */
function readSeveral(norm: string, count: number): number[] | undefined {
  if (/^(?:0|khong|khong co|ko|k|khong co gi)$/.test(norm)) return [];
  const parts = norm.split(/\s*(?:,|;|\s|va|\+)\s*/).filter(Boolean);
  if (parts.length === 0 || !parts.every((part) => /^\d$/.test(part))) return undefined;
  const numbers = [...new Set(parts.map(Number))].sort((a, b) => a - b);
  return numbers.every((n) => n >= 1 && n <= count) ? numbers : undefined;
}

/** Whether `question` is asked, given the answers so far. */
export function isAsked(question: Question, answers: Answers): boolean {
  return !question.askIf || answers[question.askIf.question] === question.askIf.is;
}

/** The question after `id` that is asked given `answers` (the first one when `id` is undefined). */
export function nextQuestion(survey: Survey, answers: Answers, id?: string): Question | undefined {
  const from = id === undefined ? 0 : survey.questions.findIndex((q) => q.id === id) + 1;
  return survey.questions.slice(from).find((question) => isAsked(question, answers));
}

/** One reason a response was flagged: the question and the rule's reason. */
export interface Flag {
  question: string;
  level: Exclude<Level, 'ok'>;
  reason: string;
}

function matches(rule: Rule, value: AnswerValue, settings: HealthSettings): boolean {
  if (value === null) return false;
  switch (rule.when) {
    case 'is':
      return value === rule.value;
    case 'anyChosen':
      return Array.isArray(value) && value.length > 0;
    case 'bloodPressure': {
      if (typeof value !== 'object' || Array.isArray(value)) return false;
      if (rule.limit === 'emergency') {
        const { systolic, diastolic } = settings.bpEmergency;
        return value.systolic > systolic || value.diastolic > diastolic;
      }
      const { systolic, diastolic } = settings.bpHigh;
      return value.systolic >= systolic || value.diastolic >= diastolic;
    }
    case 'atLeast':
      return typeof value === 'number' && value >= rule.value;
    case 'atMost':
      return typeof value === 'number' && value <= rule.value;
  }
}

/**
 * The flags of a response and its level (the highest flag, 'ok' for none). Of a question's rules
 * only the first that matches counts, so a question lists its most serious rule first.
 */
export function evaluate(
  survey: Survey,
  answers: Answers,
  settings: HealthSettings,
): { level: Level; flags: Flag[] } {
  const flags = survey.questions.flatMap((question) => {
    const value = answers[question.id];
    if (value === undefined || !isAsked(question, answers)) return [];
    const rule = question.rules?.find((candidate) => matches(candidate, value, settings));
    return rule ? [{ question: question.id, level: rule.level, reason: rule.reason }] : [];
  });
  return { level: highest(flags.map((flag) => flag.level)), flags };
}

/** The most serious of these levels ('ok' for none). */
export function highest(levels: Level[]): Level {
  return levels.reduce<Level>(
    (top, level) => (LEVELS.indexOf(level) > LEVELS.indexOf(top) ? level : top),
    'ok',
  );
}

/**
 * An answer in plain words, for the summary shown to volunteers and in "kết quả của tôi":
 * choices by their labels, yes/no, "130/80", the text as typed; skipped: undefined.
 */
export function describeAnswer(
  question: Question,
  value: AnswerValue | undefined,
  label: (key: string) => string,
): string | undefined {
  if (value === null || value === undefined) return undefined;
  const { type } = question;
  if (type.kind === 'feeling') return label(FEELING_LABELS[(value as number) - 1]!);
  if (type.kind === 'choice') return label(type.choices[(value as number) - 1]!);
  if (type.kind === 'several') {
    const chosen = value as number[];
    return chosen.length === 0
      ? label('health.none')
      : chosen.map((n) => label(type.choices[n - 1]!)).join(', ');
  }
  if (typeof value === 'boolean') return label(value ? 'health.yes' : 'health.no');
  if (typeof value === 'object' && !Array.isArray(value)) return `${value.systolic}/${value.diastolic}`;
  return String(value);
}

/** The labels of the feeling question's answers (1 well, 2 so-so, 3 unwell). */
export const FEELING_LABELS = ['health.feeling.well', 'health.feeling.soSo', 'health.feeling.unwell'];

/** The numbered labels a question shows (none for numbers, blood pressure, weight and text). */
export function choicesOf(question: Question): string[] | undefined {
  const { type } = question;
  if (type.kind === 'feeling') return FEELING_LABELS;
  if (type.kind === 'choice' || type.kind === 'several') return type.choices;
  if (type.kind === 'yesNo') return ['health.yes', 'health.no'];
  return undefined;
}
