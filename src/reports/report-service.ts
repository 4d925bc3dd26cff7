/**
 * What staff get out of the weekly reports, in one place for the HTTP API, the signed download
 * links and the chat: the roll-up as JSON, the XLSX and CSV files, the chart picture, the DHIS2
 * payload and its push. Authorization is the caller's (API token, chat role): this module only
 * reads and renders.
 *
 * ```ts
 * const reports = new ReportService({ data, translate, timeZone, clock, dhis2 });
 * const file = await reports.file({ orgUnitId: 'vn-nghe-an', periods: ['2026W47'], format: 'xlsx' }, 'vi');
 * // file.bytes, file.filename ("bao-cao-vn-nghe-an-2026W47.xlsx"), file.contentType
 * ```
 */
import type { Clock } from '../clock.ts';
import { formatDay } from '../engine/format.ts';
import type { Lang } from '../engine/types.ts';
import type { Translate } from '../i18n.ts';
import { type ChartInput, reportChartPng } from './chart.ts';
import {
  type DataValueSet,
  type Dhis2Mapping,
  dataValueSet,
  type ImportSummary,
  pushDataValueSet,
} from './dhis2.ts';
import type { ClubRef, ClubRow, ExportDefinition, Rollup } from './export-shapes.ts';
import { reportCsv, reportXlsx } from './files.ts';

/** The report data this service reads (bound to src/reports/rollup.ts and periods.ts in app.ts). */
export interface ReportData {
  /** The definition in use now (columns, labels, areas). */
  definition: ExportDefinition;
  /** The periods of an API `period` ('2026W47', '2026W40..2026W47', '202611'); undefined: not valid. */
  parsePeriods(text: string): string[] | undefined;
  /** The weeks a period stands for (a week: itself; a month: its weeks). */
  weeksOf(period: string): string[];
  /** The week `n` weeks after (negative: before) `week`. */
  shiftWeek(week: string, n: number): string;
  /** The name of an org unit (undefined: none). */
  orgUnitName(orgUnitId: string): Promise<string | undefined>;
  rollup(orgUnitId: string, periods: string[]): Promise<Rollup>;
  clubRows(orgUnitId: string, periods: string[]): Promise<ClubRow[]>;
}

export type ReportFormat = 'xlsx' | 'csv' | 'png';

/** A file to make: what a signed link or an outbound attachment names. */
export interface ReportFileRef {
  orgUnitId: string;
  periods: string[];
  format: ReportFormat;
}

export interface ReportFile {
  bytes: Buffer;
  filename: string;
  contentType: string;
}

export interface Dhis2Settings {
  mapping?: Dhis2Mapping;
  url?: string;
  token?: string;
}

export class Dhis2NotConfigured extends Error {
  constructor(missing: string) {
    super(`DHIS2 is not configured: set ${missing}`);
    this.name = 'Dhis2NotConfigured';
  }
}

const CONTENT_TYPES: Record<ReportFormat, string> = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv; charset=utf-8',
  png: 'image/png',
};

/** How many weeks the chart's reporting rate covers. */
export const CHART_WEEKS = 12;

export interface ReportServiceDeps {
  data: ReportData;
  translate: Translate;
  timeZone: string;
  clock: Clock;
  dhis2?: Dhis2Settings;
}

export class ReportService {
  readonly #deps: ReportServiceDeps;

  constructor(deps: ReportServiceDeps) {
    this.#deps = deps;
  }

  get data(): ReportData {
    return this.#deps.data;
  }

  /** The roll-up with the unit's name and the rates worked out (what GET /api/v1/reports answers). */
  async summary(orgUnitId: string, periods: string[]) {
    const { data } = this.#deps;
    const [rollup, name] = await Promise.all([data.rollup(orgUnitId, periods), data.orgUnitName(orgUnitId)]);
    const rate = (n: number) =>
      rollup.expected > 0 ? Math.round((n / rollup.expected) * 1000) / 1000 : null;
    return {
      ...rollup,
      orgUnit: { id: orgUnitId, name: name ?? orgUnitId },
      reportingRate: rate(rollup.reported),
      onTimeRate: rate(rollup.onTime),
    };
  }

  /** A file: XLSX or CSV of the club rows, or the chart (of the last week asked for). */
  async file(ref: ReportFileRef, lang: Lang = 'vi'): Promise<ReportFile> {
    const { data, translate, timeZone } = this.#deps;
    const label = ref.periods.length === 1 ? ref.periods[0] : `${ref.periods[0]}-${ref.periods.at(-1)}`;
    const filename = `bao-cao-${ref.orgUnitId}-${label}.${ref.format}`;
    let bytes: Buffer;
    if (ref.format === 'png') {
      bytes = reportChartPng(
        await this.chartInput(ref.orgUnitId, data.weeksOf(ref.periods.at(-1)!).at(-1)!, lang),
      );
    } else {
      const rows = await data.clubRows(ref.orgUnitId, ref.periods);
      const input = {
        definition: data.definition,
        rows,
        periods: ref.periods.flatMap((p) => data.weeksOf(p)),
        timeZone,
      };
      bytes =
        ref.format === 'xlsx'
          ? await reportXlsx(input, translate, lang)
          : Buffer.from(reportCsv(input), 'utf8');
    }
    return { bytes, filename, contentType: CONTENT_TYPES[ref.format] };
  }

  /** The words and numbers of the chart: rates of the CHART_WEEKS weeks up to `week`, areas of `week`. */
  async chartInput(orgUnitId: string, week: string, lang: Lang): Promise<ChartInput> {
    const { data, translate, timeZone, clock } = this.#deps;
    const say = (key: string, vars?: Record<string, unknown>) => translate(lang, key, vars);
    const weeks = Array.from({ length: CHART_WEEKS }, (_, index) =>
      data.shiftWeek(week, index - CHART_WEEKS + 1),
    );
    const [rollups, rows, name] = await Promise.all([
      Promise.all(weeks.map((w) => data.rollup(orgUnitId, [w]))),
      data.clubRows(orgUnitId, [week]),
      data.orgUnitName(orgUnitId),
    ]);
    const reported = rows.filter((row) => row.submittedAt !== null);
    const areas = [...new Set(data.definition.elements.filter((e) => e.activity).map((e) => e.area))];
    const [year, number] = week.split('W');
    return {
      title: say('reportFiles.chart.title', { week: number, year }),
      subtitle: say('reportFiles.chart.subtitle', {
        name: name ?? orgUnitId,
        clubs: rollups.at(-1)?.expected ?? 0,
      }),
      rateTitle: say('reportFiles.chart.rateTitle', { count: CHART_WEEKS }),
      rates: weeks.map((w, index) => ({
        label: say('reportFiles.chart.weekShort', { week: w.split('W')[1] }),
        reported: rollups[index]!.reported,
        expected: rollups[index]!.expected,
      })),
      areaTitle: say('reportFiles.chart.areaTitle', { week: number }),
      areas: areas.map((area) => {
        const codes = data.definition.elements
          .filter((e) => e.activity && e.area === area)
          .map((e) => e.code);
        const active = reported.filter((row) =>
          codes.some((code) => Number(row.values[code] ?? 0) > 0),
        ).length;
        return { label: say(`reportFiles.areas.${area}`), active, of: reported.length };
      }),
      noData: say('reportFiles.chart.noData'),
      footer: say('reportFiles.chart.footer', {
        at: formatDay(clock.now(), timeZone, { year: true, time: true }),
      }),
    };
  }

  /** The DHIS2 `dataValueSets` payload of these periods (a month asked for: its weeks added up). */
  async dhis2Payload(orgUnitId: string, periods: string[]) {
    const { data, dhis2 } = this.#deps;
    if (!dhis2?.mapping) throw new Dhis2NotConfigured('DHIS2_MAPPING_FILE');
    const requested = new Map<string, string>();
    for (const period of periods) for (const week of data.weeksOf(period)) requested.set(week, period);
    const rows = await data.clubRows(orgUnitId, periods);
    return dataValueSet(rows, data.definition, dhis2.mapping, periods, (week) => requested.get(week));
  }

  /** Pushes these periods to DHIS2 (CREATE_AND_UPDATE) and returns its import summary. */
  async dhis2Push(
    orgUnitId: string,
    periods: string[],
  ): Promise<{ summary: ImportSummary; sent: number; unmappedClubs: ClubRef[]; unmappedCodes: string[] }> {
    const { dhis2 } = this.#deps;
    if (!dhis2?.url || !dhis2.token) throw new Dhis2NotConfigured('DHIS2_URL and DHIS2_TOKEN');
    const { payload, unmappedClubs, unmappedCodes } = await this.dhis2Payload(orgUnitId, periods);
    const summary = await pushDataValueSet({ url: dhis2.url, token: dhis2.token }, payload as DataValueSet);
    return { summary, sent: payload.dataValues.length, unmappedClubs, unmappedCodes };
  }
}
