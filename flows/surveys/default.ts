/**
 * The default health check, as data (see src/engine/surveys.ts). Each question is one short
 * message answerable with one digit:
 *
 *   feeling (1 khỏe / 2 bình thường / 3 không khỏe)
 *     └─ 3 → danger signs (several: "1,3"; 0 = none)   any → emergency
 *   blood pressure if measured lately (0 = skip)       > 180/120 → emergency, ≥ 140/90 → high
 *   a fall since last time (yes/no)                     yes → watch
 *   a home visit wanted (yes/no)                        yes → watch
 *   anything else (free text, 0 = skip)
 *
 * Unwell alone is 'watch'. Thresholds are configuration (HEALTH_BP_HIGH, HEALTH_BP_EMERGENCY).
 * A change to the questions or rules is a new version: stored responses keep theirs.
 */
import type { Survey } from '../../src/engine/surveys.ts';

export const DANGER_SIGNS = [
  'health.sign.headache',
  'health.sign.chestPain',
  'health.sign.breathless',
  'health.sign.blurredVision',
  'health.sign.numbness',
];

export const DEFAULT_SURVEY: Survey = {
  id: 'default',
  version: 1,
  questions: [
    {
      id: 'feeling',
      key: 'health.ask.feeling',
      type: { kind: 'feeling' },
      rules: [{ when: 'is', value: 3, level: 'watch', reason: 'health.reason.unwell' }],
    },
    {
      id: 'dangerSigns',
      key: 'health.ask.dangerSigns',
      type: { kind: 'several', choices: DANGER_SIGNS },
      askIf: { question: 'feeling', is: 3 },
      rules: [{ when: 'anyChosen', level: 'emergency', reason: 'health.reason.dangerSign' }],
    },
    {
      id: 'bloodPressure',
      key: 'health.ask.bloodPressure',
      type: { kind: 'bloodPressure' },
      optional: true,
      rules: [
        { when: 'bloodPressure', limit: 'emergency', level: 'emergency', reason: 'health.reason.bpVeryHigh' },
        { when: 'bloodPressure', limit: 'high', level: 'high', reason: 'health.reason.bpHigh' },
      ],
    },
    {
      id: 'fall',
      key: 'health.ask.fall',
      type: { kind: 'yesNo' },
      rules: [{ when: 'is', value: true, level: 'watch', reason: 'health.reason.fall' }],
    },
    {
      id: 'visit',
      key: 'health.ask.visit',
      type: { kind: 'yesNo' },
      rules: [{ when: 'is', value: true, level: 'watch', reason: 'health.reason.visit' }],
    },
    {
      id: 'note',
      key: 'health.ask.note',
      type: { kind: 'text', maxLength: 200 },
      optional: true,
    },
  ],
};

/** Surveys by id (a stored response names its survey and version). */
export const SURVEYS: Record<string, Survey> = { [DEFAULT_SURVEY.id]: DEFAULT_SURVEY };
