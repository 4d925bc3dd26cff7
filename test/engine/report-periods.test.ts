/** Report periods (ISO weeks, months, cut-off) and the default report definition, as data. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_REPORT } from '../../flows/reports/default.ts';
import {
  ACTIVITY_AREAS,
  allAreasActive,
  checkDefinition,
  elementsFor,
  validValue,
} from '../../src/reports/definitions.ts';
import {
  closesMonth,
  monthOfWeek,
  parsePeriod,
  parsePeriodRange,
  periodDays,
  periodsBetween,
  shiftPeriod,
  weekCutoff,
  weekOf,
  weekOfDay,
  weeksOfMonth,
} from '../../src/reports/periods.ts';

describe('periods', () => {
  it.each([
    ['2026-11-18', '2026W47'],
    ['2026-11-16', '2026W47'],
    ['2026-11-22', '2026W47'],
    ['2026-11-23', '2026W48'],
    ['2026-01-01', '2026W1'],
    ['2025-12-29', '2026W1'],
    ['2027-01-01', '2026W53'],
    ['2021-01-03', '2020W53'],
  ])('the ISO week of %s is %s', (day, week) => {
    expect(weekOfDay(day)).toBe(week);
  });

  it('reads an instant in the app time zone (Sunday 23:30 in Vietnam is still that week)', () => {
    expect(weekOf(new Date('2026-11-22T16:30:00Z'), 'Asia/Ho_Chi_Minh')).toBe('2026W47');
    expect(weekOf(new Date('2026-11-22T17:30:00Z'), 'Asia/Ho_Chi_Minh')).toBe('2026W48');
  });

  it('turns periods into days and back', () => {
    expect(periodDays('2026W47')).toEqual({ first: '2026-11-16', last: '2026-11-22' });
    expect(periodDays('202602')).toEqual({ first: '2026-02-01', last: '2026-02-28' });
    expect(periodDays('202612')).toEqual({ first: '2026-12-01', last: '2026-12-31' });
  });

  it('rejects what is no period', () => {
    for (const bad of [
      '2025W53',
      '2026W0',
      '2026W54',
      '202613',
      '202600',
      'W47',
      'tuần này',
      '',
      '2026W47x',
      '1999W10',
    ]) {
      expect(parsePeriod(bad), bad).toBeUndefined();
    }
    expect(parsePeriod('2026w47')).toEqual({ kind: 'week', year: 2026, week: 47 });
    expect(parsePeriodRange('2026W40..2026W47')).toHaveLength(8);
    expect(parsePeriodRange('2026W47..2026W40')).toBeUndefined();
    expect(parsePeriodRange('2026W47..202611')).toBeUndefined();
    expect(parsePeriodRange('x'.repeat(5000))).toBeUndefined();
  });

  it('lists periods across a year end, and shifts them', () => {
    expect(periodsBetween('2026W52', '2027W2')).toEqual(['2026W52', '2026W53', '2027W1', '2027W2']);
    expect(periodsBetween('202611', '202702')).toEqual(['202611', '202612', '202701', '202702']);
    expect(shiftPeriod('2027W1', -2)).toBe('2026W52');
    expect(shiftPeriod('202601', -1)).toBe('202512');
    expect(() => periodsBetween('2026W47', '202611')).toThrow();
  });

  it('puts each week in the month of its Thursday; the last one closes the month', () => {
    expect(monthOfWeek('2026W49')).toBe('202612'); // 30 Nov – 6 Dec, Thursday 3 Dec
    expect(weeksOfMonth('202611')).toEqual(['2026W45', '2026W46', '2026W47', '2026W48']);
    expect(closesMonth('2026W48')).toBe(true);
    expect(closesMonth('2026W47')).toBe(false);
  });

  it('closes a week on the Monday after it at 12:00 local time by default', () => {
    expect(weekCutoff('2026W47', '1 12:00', 'Asia/Ho_Chi_Minh').toISOString()).toBe(
      '2026-11-23T05:00:00.000Z',
    );
    expect(weekCutoff('2026W47', '2 18:00', 'Asia/Ho_Chi_Minh').toISOString()).toBe(
      '2026-11-24T11:00:00.000Z',
    );
  });
});

describe('the default report definition', () => {
  it('is well formed: unique short codes, every area covered, bounds set', () => {
    expect(() => checkDefinition(DEFAULT_REPORT)).not.toThrow();
    const areas = new Set(DEFAULT_REPORT.elements.filter((e) => e.activity).map((e) => e.area));
    for (const area of ACTIVITY_AREAS) expect(areas.has(area), area).toBe(true);
  });

  it('asks the monthly elements only in the week that closes the month', () => {
    const weekly = elementsFor(DEFAULT_REPORT, false).map((e) => e.code);
    expect(weekly).not.toContain('quy');
    expect(elementsFor(DEFAULT_REPORT, true).map((e) => e.code)).toEqual(
      expect.arrayContaining(['quy', 'davay', 'bhyt']),
    );
  });

  it('checks values against type and bounds', () => {
    const dd = DEFAULT_REPORT.elements.find((e) => e.code === 'dd')!;
    const hop = DEFAULT_REPORT.elements.find((e) => e.code === 'hop')!;
    expect(validValue(dd, 35)).toBe(true);
    for (const bad of [-1, 12.5, 100_000, '35', true, Number.NaN])
      expect(validValue(dd, bad), String(bad)).toBe(false);
    expect(validValue(hop, true)).toBe(true);
    expect(validValue(hop, 1)).toBe(false);
  });

  it('calls all eight areas active only when each has some activity', () => {
    const all = { vay: 1, ha: 3, tham: 2, tg: 1, ql: 1, tt: 1, vh: 1, hd: 500_000 };
    expect(allAreasActive(DEFAULT_REPORT, all)).toBe(true);
    expect(allAreasActive(DEFAULT_REPORT, { ...all, ql: 0 })).toBe(false);
  });
});
