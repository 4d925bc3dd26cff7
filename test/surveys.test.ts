/**
 * Surveys as data (src/engine/surveys.ts): how each answer type reads what people type, and how
 * the default survey's rules flag blood pressure at the configured limits — on both sides of
 * each limit.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SURVEY } from '../flows/surveys/default.ts';
import { flowSettings, loadConfig } from '../src/config.ts';
import { type AnswerType, evaluate, type Question, readAnswer } from '../src/engine/surveys.ts';

const label = (key: string) => key;
const question = (type: AnswerType, optional = false): Question => ({ id: 'q', key: 'q', type, optional });
const read = (type: AnswerType, text: string, optional = false) =>
  readAnswer(question(type, optional), text, label)?.value;

describe('answers by type', () => {
  it.each([
    [{ kind: 'feeling' }, '3', 3],
    [{ kind: 'feeling' }, 'ko khoe', 3],
    [{ kind: 'feeling' }, 'khỏe', 1],
    [{ kind: 'feeling' }, 'bt', 2],
    [{ kind: 'several', choices: ['a', 'b', 'c'] }, '1,3', [1, 3]],
    [{ kind: 'several', choices: ['a', 'b', 'c'] }, '3 1', [1, 3]],
    [{ kind: 'several', choices: ['a', 'b', 'c'] }, '1 và 2', [1, 2]],
    [{ kind: 'several', choices: ['a', 'b', 'c'] }, '0', []],
    [{ kind: 'several', choices: ['a', 'b', 'c'] }, 'không có', []],
    [{ kind: 'several', choices: ['a', 'b', 'c'] }, '4', undefined],
    [{ kind: 'several', choices: ['a', 'b', 'c'] }, 'đau', undefined],
    [{ kind: 'yesNo' }, '1', true],
    [{ kind: 'yesNo' }, 'có', true],
    [{ kind: 'yesNo' }, '2', false],
    [{ kind: 'yesNo' }, 'không có', false],
    [{ kind: 'yesNo' }, 'không biết', undefined],
    [{ kind: 'number', min: 0, max: 10 }, '5', 5],
    [{ kind: 'number', min: 0, max: 10 }, '11', undefined],
    [{ kind: 'bloodPressure' }, '13/8', { systolic: 130, diastolic: 80 }],
    [{ kind: 'bloodPressure' }, '150 trên 95', { systolic: 150, diastolic: 95 }],
    [{ kind: 'bloodPressure' }, 'cao', undefined],
    [{ kind: 'weight' }, '52kg', 52],
    [{ kind: 'choice', choices: ['x', 'y'] }, '2', 2],
    [{ kind: 'text', maxLength: 5 }, '  đau   lưng quá ', 'đau l'],
  ] as [AnswerType, string, unknown][])('%o reads "%s" as %o', (type, text, value) => {
    expect(read(type, text)).toEqual(value);
  });

  it('a question that may be skipped takes 0, "bỏ qua", "chưa đo" or a plain no as skipped', () => {
    for (const text of ['0', 'bỏ qua', 'chưa đo', 'không', 'ko']) {
      expect(read({ kind: 'bloodPressure' }, text, true), text).toBeNull();
    }
    // A digit is an answer: "2" to an optional number is 2, not "no".
    expect(read({ kind: 'number', min: 0, max: 10 }, '2', true)).toBe(2);
    // Not skippable: "0" is no blood pressure at all.
    expect(read({ kind: 'bloodPressure' }, '0')).toBeUndefined();
  });
});

describe('blood pressure flags at the configured limits', () => {
  const settings = flowSettings(loadConfig({})).health;
  const levelOf = (bloodPressure: { systolic: number; diastolic: number }) =>
    evaluate(DEFAULT_SURVEY, { feeling: 1, bloodPressure, fall: false, visit: false }, settings).level;

  it.each([
    [139, 89, 'ok'],
    [140, 80, 'high'],
    [130, 90, 'high'],
    [180, 120, 'high'],
    [181, 100, 'emergency'],
    [170, 121, 'emergency'],
  ] as const)('%i/%i is %s', (systolic, diastolic, level) => {
    expect(levelOf({ systolic, diastolic })).toBe(level);
  });

  it('follow the configuration, not the survey', () => {
    const strict = flowSettings(
      loadConfig({ HEALTH_BP_HIGH: '135/85', HEALTH_BP_EMERGENCY: '170/110' }),
    ).health;
    const answers = { feeling: 1, fall: false, visit: false };
    expect(
      evaluate(DEFAULT_SURVEY, { ...answers, bloodPressure: { systolic: 136, diastolic: 80 } }, strict).level,
    ).toBe('high');
    expect(
      evaluate(DEFAULT_SURVEY, { ...answers, bloodPressure: { systolic: 171, diastolic: 80 } }, strict).level,
    ).toBe('emergency');
    expect(() => loadConfig({ HEALTH_BP_HIGH: '140' })).toThrow(/HEALTH_BP_HIGH/);
  });

  it('danger signs asked only of someone unwell count only then', () => {
    const signs = { dangerSigns: [1], fall: false, visit: false };
    expect(evaluate(DEFAULT_SURVEY, { feeling: 3, ...signs }, settings).level).toBe('emergency');
    expect(evaluate(DEFAULT_SURVEY, { feeling: 1, ...signs }, settings).level).toBe('ok');
  });
});
