/** A member who is well answering the default health check, as typed and as stored. */
export const WELL_CHECK = {
  /** After "khám sức khỏe": well, 130/80 (said "13/8"), no fall, no visit, nothing to add. */
  typed: ['1', '13/8', '2', '2', '0'],
  answers: {
    feeling: 1,
    bloodPressure: { systolic: 130, diastolic: 80 },
    fall: false,
    visit: false,
    note: null,
  },
} as const;
