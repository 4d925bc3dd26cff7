/**
 * Report exports as files: an XLSX workbook for people (a sheet per period with a row per club,
 * its place in the hierarchy, a column per data element under its Vietnamese label, a total row;
 * then a sheet of the clubs that did not report) and a CSV for other software (one table, codes as
 * column names, ids beside names, times in ISO 8601 UTC, yes/no as 1/0).
 *
 * Pure apart from the XLSX library's zip writer (in memory): rows in, bytes out.
 *
 * ```ts
 * const input = { definition, rows: await clubRows(models, { orgUnitId, periods }), periods, timeZone };
 * const xlsx = await reportXlsx(input, translate, 'vi');   // Buffer
 * const csv = reportCsv(input);                           // string (with a BOM, CRLF)
 * ```
 */
import writeXlsxFile, { type Cell, type Row, type Sheet } from 'write-excel-file/node';
import { formatDay } from '../engine/format.ts';
import type { Lang } from '../engine/types.ts';
import type { Translate } from '../i18n.ts';
import type { ClubRef, ClubRow, ExportDefinition } from './export-shapes.ts';

/** Levels of the hierarchy shown as columns, top down (the country's level is the same for everyone). */
const LEVEL_KINDS = ['province', 'commune', 'club_area'] as const;

export interface ReportFileInput {
  definition: ExportDefinition;
  /** The periods asked for, in order: one sheet each, even when nobody reported. */
  periods: string[];
  /** Every expected club for every period; `submittedAt` null: it did not report. */
  rows: ClubRow[];
  /** APP_TIMEZONE: submission times are shown in it. */
  timeZone: string;
}

/** The hierarchy levels that occur in these rows, in LEVEL_KINDS order. */
function levelsOf(rows: ClubRef[]): string[] {
  const present = new Set(rows.flatMap((row) => row.path.map((unit) => unit.kind)));
  return LEVEL_KINDS.filter((kind) => present.has(kind));
}

/** The unit of `kind` on a club's path (the nearest to the club when a kind repeats). */
function unitOf(row: ClubRef, kind: string): { id: string; name: string } | undefined {
  return row.path.findLast((unit) => unit.kind === kind);
}

const byPlace = (a: ClubRef, b: ClubRef) => {
  const key = (row: ClubRef) =>
    [...row.path.map((unit) => unit.name), row.clubName, row.clubId].join('\u0000');
  return key(a).localeCompare(key(b), 'vi');
};

const reported = (row: ClubRow) => row.submittedAt !== null;

/** A column's total: sums of numbers, the count of "yes" for a yes/no. */
function total(rows: ClubRow[], code: string): number {
  let sum = 0;
  for (const row of rows) {
    const value = row.values[code];
    if (typeof value === 'number') sum += value;
    else if (value === true) sum += 1;
  }
  return sum;
}

/** Excel's sheet names: at most 31 characters, none of []:*?/\ . */
const sheetName = (text: string) => text.replace(/[[\]:*?/\\]/g, '-').slice(0, 31);

const HEADER = { fontWeight: 'bold', backgroundColor: '#DDEBF7', wrap: true, alignVertical: 'top' } as const;

/** The XLSX workbook (labels in `lang`, Vietnamese by default). */
export async function reportXlsx(
  input: ReportFileInput,
  translate: Translate,
  lang: Lang = 'vi',
): Promise<Buffer> {
  const say = (key: string, vars?: Record<string, unknown>) => translate(lang, key, vars);
  const levels = levelsOf(input.rows);
  const elements = input.definition.elements;
  const placeHeader = [
    ...levels.map((kind) => say(`reportFiles.levels.${kind}`)),
    say('reportFiles.clubId'),
    say('reportFiles.club'),
  ];
  const place = (row: ClubRef): Cell[] => [
    ...levels.map((kind) => unitOf(row, kind)?.name ?? ''),
    row.clubId,
    row.clubName,
  ];
  const yesNo = (value: boolean | null) =>
    value === null ? null : say(value ? 'reportFiles.yes' : 'reportFiles.no');
  const header = (labels: string[]): Row => labels.map((value) => ({ value, ...HEADER }));

  const sheets: Sheet<Buffer>[] = input.periods.map((period) => {
    const rows = input.rows.filter((row) => row.period === period && reported(row)).sort(byPlace);
    const data: Row[] = [
      header([
        ...placeHeader,
        say('reportFiles.submittedAt'),
        say('reportFiles.onTime'),
        ...elements.map((element) => translate(lang, element.key)),
      ]),
      ...rows.map(
        (row): Row => [
          ...place(row),
          row.submittedAt ? formatDay(row.submittedAt, input.timeZone, { year: true, time: true }) : null,
          yesNo(row.onTime),
          ...elements.map((element): Cell => {
            const value = row.values[element.code] ?? null;
            if (typeof value === 'boolean') return yesNo(value);
            return value === null ? null : { value, type: Number, format: '#,##0' };
          }),
        ],
      ),
      [
        { value: say('reportFiles.total', { count: rows.length }), fontWeight: 'bold' },
        ...placeHeader.slice(1).map(() => null),
        null,
        null,
        ...elements.map(
          (element): Cell => ({
            value: total(rows, element.code),
            type: Number,
            format: '#,##0',
            fontWeight: 'bold',
          }),
        ),
      ],
    ];
    return {
      sheet: sheetName(period),
      data,
      stickyRowsCount: 1,
      columns: [
        ...placeHeader.map((_, index) => ({ width: index === placeHeader.length - 1 ? 28 : 18 })),
        { width: 17 },
        { width: 10 },
        ...elements.map(() => ({ width: 14 })),
      ],
    };
  });

  const missing = input.rows.filter((row) => !reported(row)).sort(byPlace);
  sheets.push({
    sheet: sheetName(say('reportFiles.missingSheet')),
    data: [
      header([say('reportFiles.period'), ...placeHeader]),
      ...[...input.periods]
        .flatMap((period) => missing.filter((row) => row.period === period))
        .map((row): Row => [row.period, ...place(row)]),
    ],
    stickyRowsCount: 1,
    columns: [
      { width: 10 },
      ...placeHeader.map((_, index) => ({ width: index === placeHeader.length - 1 ? 28 : 18 })),
    ],
  });
  return writeXlsxFile(sheets, { fontFamily: 'Arial', fontSize: 11 }).toBuffer();
}

/** One CSV field: quoted when needed, and never read as a formula by a spreadsheet. */
function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/**
 * The CSV: one row per club and period (reported or not: `submitted_at` empty), columns
 * `period, <level>_id, <level>, …, club_id, club, submitted_at, on_time, <element codes…>`.
 * UTF-8 with a byte-order mark (so Excel reads the diacritics) and CRLF line ends (RFC 4180).
 */
export function reportCsv(input: ReportFileInput): string {
  const levels = levelsOf(input.rows);
  const codes = input.definition.elements.map((element) => element.code);
  const lines: (string | number | null)[][] = [
    [
      'period',
      ...levels.flatMap((kind) => [`${kind}_id`, kind]),
      'club_id',
      'club',
      'submitted_at',
      'on_time',
      ...codes,
    ],
  ];
  const flag = (value: boolean | null | undefined) => (typeof value === 'boolean' ? (value ? 1 : 0) : null);
  for (const period of input.periods) {
    const rows = input.rows.filter((row) => row.period === period).sort(byPlace);
    for (const row of rows) {
      lines.push([
        period,
        ...levels.flatMap((kind) => {
          const unit = unitOf(row, kind);
          return [unit?.id ?? null, unit?.name ?? null];
        }),
        row.clubId,
        row.clubName,
        row.submittedAt ? row.submittedAt.toISOString() : null,
        flag(row.onTime),
        ...codes.map((code) => {
          const value = row.values[code];
          return typeof value === 'boolean' ? flag(value) : (value ?? null);
        }),
      ]);
    }
  }
  return `\uFEFF${lines.map((line) => line.map(csvField).join(',')).join('\r\n')}\r\n`;
}
