/**
 * Report exports read back: the XLSX (with an independent reader) and the CSV, cell by cell; the
 * DHIS2 payload as mapped from our codes, and the push as a fake DHIS2 server (real HTTP on
 * loopback) validates it and answers import summaries and conflicts.
 */
import readXlsxFile from 'read-excel-file/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTranslator } from '../src/i18n.ts';
import {
  Dhis2Error,
  dataValueSet,
  parseDhis2Mapping,
  pushDataValueSet,
  readImportSummary,
} from '../src/reports/dhis2.ts';
import { reportCsv, reportXlsx } from '../src/reports/files.ts';
import { FakeDhis2 } from './fakes/dhis2.ts';
import { REPORT_FIXTURE } from './support/report-fixture.ts';

const t = createTranslator();
const TZ = 'Asia/Ho_Chi_Minh';
const { definition, rows, periods } = REPORT_FIXTURE;
const label = (code: string) => t('vi', definition.elements.find((element) => element.code === code)!.key);

/** A CSV line split into fields (RFC 4180 quotes). */
function csvRecords(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      record.push(field);
      field = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += char;
  }
  return records;
}

describe('XLSX export', () => {
  it('has a sheet per period with a row per reporting club, Vietnamese headers, totals, and a sheet of missing clubs', async () => {
    const buffer = await reportXlsx({ definition, rows, periods, timeZone: TZ }, t, 'vi');
    const sheets = await readXlsxFile(buffer);
    expect(sheets.map((sheet) => sheet.sheet)).toEqual(['2026W46', '2026W47', 'CLB chưa báo cáo']);

    const [w46, w47, missing] = sheets.map((sheet) => sheet.data);
    const elementHeaders = definition.elements.map((element) => t('vi', element.key));
    expect(w47![0]).toEqual([
      'Tỉnh/Thành phố',
      'Xã/Phường',
      'Mã CLB',
      'Tên CLB',
      'Ngày gửi',
      'Đúng hạn',
      ...elementHeaders,
    ]);
    expect(elementHeaders[0]).toBe(label('hop'));
    // Ordered by place: Hà Tĩnh before Nghệ An; in Nghệ An, Diễn Hồng's clubs by name.
    expect(w47!.slice(1)).toEqual([
      [
        'Tỉnh Hà Tĩnh',
        'Xã Thạch Kim',
        'club-tk',
        'CLB Thạch Kim',
        '24/11/2026 09:30',
        'Có',
        'Có',
        41,
        2_500_000,
        null,
      ],
      [
        'Tỉnh Nghệ An',
        'Xã Diễn Hồng',
        'club-dh',
        'CLB Diễn Hồng "Mới"',
        '23/11/2026 17:05',
        'Có',
        'Có',
        35,
        1_500_000,
        12_000_000,
      ],
      [
        'Tỉnh Nghệ An',
        'Xã Diễn Hồng',
        'club-dh2',
        'CLB Xóm Đông, thôn 3',
        '25/11/2026 08:00',
        'Không',
        'Không',
        0,
        0,
        null,
      ],
      ['Tổng cộng (3 CLB)', null, null, null, null, null, 2, 76, 4_000_000, 12_000_000],
    ]);
    expect(w46!.slice(1)).toEqual([
      [
        'Tỉnh Nghệ An',
        'Xã Diễn Hồng',
        'club-dh',
        'CLB Diễn Hồng "Mới"',
        '16/11/2026 20:00',
        'Có',
        'Có',
        30,
        0,
        null,
      ],
      ['Tổng cộng (1 CLB)', null, null, null, null, null, 1, 30, 0, 0],
    ]);
    expect(missing).toEqual([
      ['Kỳ báo cáo', 'Tỉnh/Thành phố', 'Xã/Phường', 'Mã CLB', 'Tên CLB'],
      ['2026W46', 'Tỉnh Hà Tĩnh', 'Xã Thạch Kim', 'club-tk', 'CLB Thạch Kim'],
      // Names in Vietnamese order (signs before letters).
      ['2026W46', 'Tỉnh Nghệ An', 'Xã Diễn Hồng', 'club-x', '=HYPERLINK("x")'],
      ['2026W46', 'Tỉnh Nghệ An', 'Xã Diễn Hồng', 'club-dh2', 'CLB Xóm Đông, thôn 3'],
      ['2026W47', 'Tỉnh Nghệ An', 'Xã Diễn Hồng', 'club-x', '=HYPERLINK("x")'],
    ]);
  });

  it('writes English labels when asked, and an empty period still gets its sheet', async () => {
    const buffer = await reportXlsx(
      { definition, rows, periods: ['2026W45', ...periods], timeZone: TZ },
      t,
      'en',
    );
    const sheets = await readXlsxFile(buffer);
    expect(sheets.map((sheet) => sheet.sheet)).toEqual([
      '2026W45',
      '2026W46',
      '2026W47',
      'Clubs not reported',
    ]);
    expect(sheets[0]!.data[0]!.slice(0, 4)).toEqual(['Province', 'Commune/Ward', 'Club id', 'Club']);
    expect(sheets[0]!.data.slice(1)).toEqual([['Total (0 clubs)', null, null, null, null, null, 0, 0, 0, 0]]);
  });
});

describe('CSV export', () => {
  it('is one table with codes as column names, ids beside names, and every field read back as written', () => {
    const text = reportCsv({ definition, rows, periods, timeZone: TZ });
    expect(text.startsWith('\uFEFF')).toBe(true);
    const records = csvRecords(text.slice(1));
    expect(records[0]).toEqual([
      'period',
      'province_id',
      'province',
      'commune_id',
      'commune',
      'club_id',
      'club',
      'submitted_at',
      'on_time',
      'hop',
      'dd',
      'tienvay',
      'quy',
    ]);
    expect(records.slice(1)).toEqual([
      [
        '2026W46',
        'vn-ht',
        'Tỉnh Hà Tĩnh',
        'vn-ht-tk',
        'Xã Thạch Kim',
        'club-tk',
        'CLB Thạch Kim',
        '',
        '',
        '',
        '',
        '',
        '',
      ],
      // A name that a spreadsheet would run as a formula is written as text.
      [
        '2026W46',
        'vn-na',
        'Tỉnh Nghệ An',
        'vn-na-dh',
        'Xã Diễn Hồng',
        'club-x',
        `'=HYPERLINK("x")`,
        '',
        '',
        '',
        '',
        '',
        '',
      ],
      [
        '2026W46',
        'vn-na',
        'Tỉnh Nghệ An',
        'vn-na-dh',
        'Xã Diễn Hồng',
        'club-dh',
        'CLB Diễn Hồng "Mới"',
        '2026-11-16T13:00:00.000Z',
        '1',
        '1',
        '30',
        '0',
        '',
      ],
      [
        '2026W46',
        'vn-na',
        'Tỉnh Nghệ An',
        'vn-na-dh',
        'Xã Diễn Hồng',
        'club-dh2',
        'CLB Xóm Đông, thôn 3',
        '',
        '',
        '',
        '',
        '',
        '',
      ],
      [
        '2026W47',
        'vn-ht',
        'Tỉnh Hà Tĩnh',
        'vn-ht-tk',
        'Xã Thạch Kim',
        'club-tk',
        'CLB Thạch Kim',
        '2026-11-24T02:30:00.000Z',
        '1',
        '1',
        '41',
        '2500000',
        '',
      ],
      [
        '2026W47',
        'vn-na',
        'Tỉnh Nghệ An',
        'vn-na-dh',
        'Xã Diễn Hồng',
        'club-x',
        `'=HYPERLINK("x")`,
        '',
        '',
        '',
        '',
        '',
        '',
      ],
      [
        '2026W47',
        'vn-na',
        'Tỉnh Nghệ An',
        'vn-na-dh',
        'Xã Diễn Hồng',
        'club-dh',
        'CLB Diễn Hồng "Mới"',
        '2026-11-23T10:05:00.000Z',
        '1',
        '1',
        '35',
        '1500000',
        '12000000',
      ],
      [
        '2026W47',
        'vn-na',
        'Tỉnh Nghệ An',
        'vn-na-dh',
        'Xã Diễn Hồng',
        'club-dh2',
        'CLB Xóm Đông, thôn 3',
        '2026-11-25T01:00:00.000Z',
        '0',
        '0',
        '0',
        '0',
        '',
      ],
    ]);
  });
});

const MAPPING = {
  dataSet: 'IshcWeekly1',
  orgUnits: { 'club-dh': 'ClbDienHong', 'club-dh2': 'ClbXomDong1', 'vn-ht': 'HaTinhProv1' },
  dataElements: {
    hop: 'IshcMeetng1',
    dd: 'IshcAttend1',
    tienvay: { dataElement: 'IshcLoanVn1', categoryOptionCombo: 'CocLoanNew1' },
  },
};

describe('DHIS2 payload', () => {
  it('maps codes and units, adds up clubs under one DHIS2 unit, and lists what it could not map', () => {
    const mapping = parseDhis2Mapping(JSON.stringify(MAPPING));
    const { payload, unmappedClubs, unmappedCodes } = dataValueSet(rows, definition, mapping, ['2026W47']);
    expect(payload.dataSet).toBe('IshcWeekly1');
    expect(payload.period).toBe('2026W47');
    const sorted = [...payload.dataValues].sort((a, b) =>
      `${a.orgUnit}${a.dataElement}`.localeCompare(`${b.orgUnit}${b.dataElement}`),
    );
    expect(sorted).toEqual([
      { dataElement: 'IshcAttend1', period: '2026W47', orgUnit: 'ClbDienHong', value: '35' },
      {
        dataElement: 'IshcLoanVn1',
        categoryOptionCombo: 'CocLoanNew1',
        period: '2026W47',
        orgUnit: 'ClbDienHong',
        value: '1500000',
      },
      { dataElement: 'IshcMeetng1', period: '2026W47', orgUnit: 'ClbDienHong', value: 'true' },
      { dataElement: 'IshcAttend1', period: '2026W47', orgUnit: 'ClbXomDong1', value: '0' },
      {
        dataElement: 'IshcLoanVn1',
        categoryOptionCombo: 'CocLoanNew1',
        period: '2026W47',
        orgUnit: 'ClbXomDong1',
        value: '0',
      },
      { dataElement: 'IshcMeetng1', period: '2026W47', orgUnit: 'ClbXomDong1', value: 'false' },
      // Thạch Kim's club is not mapped: its province is, and a yes/no there is a count of clubs.
      { dataElement: 'IshcAttend1', period: '2026W47', orgUnit: 'HaTinhProv1', value: '41' },
      {
        dataElement: 'IshcLoanVn1',
        categoryOptionCombo: 'CocLoanNew1',
        period: '2026W47',
        orgUnit: 'HaTinhProv1',
        value: '2500000',
      },
      { dataElement: 'IshcMeetng1', period: '2026W47', orgUnit: 'HaTinhProv1', value: '1' },
    ]);
    expect(unmappedCodes).toEqual(['quy']);
    expect(unmappedClubs).toEqual([]);

    const range = dataValueSet(rows, definition, mapping, periods);
    expect(range.payload.period).toBeUndefined();
    expect(new Set(range.payload.dataValues.map((value) => value.period))).toEqual(new Set(periods));
  });

  it('names the file and field of a wrong mapping', () => {
    expect(() => parseDhis2Mapping('{', 'm.json')).toThrow('m.json: not JSON');
    expect(() => parseDhis2Mapping(JSON.stringify({ ...MAPPING, dataSet: 'x' }), 'm.json')).toThrow(
      /^m\.json: dataSet: /,
    );
    expect(() =>
      parseDhis2Mapping(JSON.stringify({ ...MAPPING, dataElements: { dd: 'bad uid!' } }), 'm.json'),
    ).toThrow(/^m\.json: dataElements\.dd: /);
  });

  it('reads the summaries of DHIS2 before 2.38 (a bare ImportSummary)', () => {
    expect(
      readImportSummary({
        responseType: 'ImportSummary',
        status: 'SUCCESS',
        importCount: { imported: 3, updated: 1, ignored: 0, deleted: 0 },
      }),
    ).toEqual({ status: 'SUCCESS', imported: 3, updated: 1, ignored: 0, deleted: 0, conflicts: [] });
    expect(readImportSummary({ httpStatus: 'Unauthorized' })).toBeUndefined();
  });
});

describe('DHIS2 push (fake DHIS2 server)', () => {
  const fake = new FakeDhis2({
    dataSets: ['IshcWeekly1'],
    orgUnits: ['ClbDienHong', 'ClbXomDong1'],
    dataElements: {
      IshcMeetng1: 'BOOLEAN',
      IshcAttend1: 'INTEGER_ZERO_OR_POSITIVE',
      IshcLoanVn1: 'INTEGER_ZERO_OR_POSITIVE',
    },
    categoryOptionCombos: ['CocLoanNew1'],
  });
  let url = '';
  beforeAll(async () => {
    url = await fake.listen();
  });
  afterAll(() => fake.close());

  it('imports, then updates on a second push, and reports an unknown org unit as a conflict', async () => {
    const mapping = parseDhis2Mapping(JSON.stringify(MAPPING));
    const { payload } = dataValueSet(rows, definition, mapping, ['2026W47']);
    const first = await pushDataValueSet({ url, token: fake.token }, payload);
    // Hà Tĩnh's province uid is not in this DHIS2: its three values are refused, the six others stored.
    expect(first).toMatchObject({ status: 'WARNING', imported: 6, updated: 0, ignored: 3 });
    expect(first.conflicts).toEqual([
      { object: 'HaTinhProv1', value: 'Organisation unit not found or not accessible' },
      { object: 'HaTinhProv1', value: 'Organisation unit not found or not accessible' },
      { object: 'HaTinhProv1', value: 'Organisation unit not found or not accessible' },
    ]);
    expect(fake.pushes.at(-1)!.query.get('importStrategy')).toBe('CREATE_AND_UPDATE');
    expect(fake.values.get('IshcAttend1|2026W47|ClbDienHong|default')).toBe('35');

    const again = await pushDataValueSet({ url, token: fake.token }, payload);
    expect(again).toMatchObject({ imported: 0, updated: 6, ignored: 3 });
  });

  it('reports an unknown data element as a conflict and succeeds cleanly when everything is known', async () => {
    const mapping = parseDhis2Mapping(
      JSON.stringify({
        ...MAPPING,
        orgUnits: { 'club-dh': 'ClbDienHong' },
        dataElements: { dd: 'IshcAttend1', quy: 'IshcNoSuch1' },
      }),
    );
    const { payload, unmappedClubs } = dataValueSet(rows, definition, mapping, ['2026W47']);
    expect(unmappedClubs.map((club) => club.clubId).sort()).toEqual(['club-dh2', 'club-tk']);
    const summary = await pushDataValueSet({ url, token: fake.token }, payload);
    expect(summary).toMatchObject({ status: 'WARNING', updated: 1, ignored: 1 });
    expect(summary.conflicts).toEqual([
      { object: 'IshcNoSuch1', value: 'Data element not found or not accessible' },
    ]);

    const clean = dataValueSet(
      rows,
      definition,
      parseDhis2Mapping(JSON.stringify({ ...MAPPING, orgUnits: { 'club-dh': 'ClbDienHong' } })),
      ['2026W46'],
    );
    expect(await pushDataValueSet({ url, token: fake.token }, clean.payload)).toEqual({
      status: 'SUCCESS',
      imported: 3,
      updated: 0,
      ignored: 0,
      deleted: 0,
      conflicts: [],
    });
  });

  it('says why when DHIS2 refuses the token, fails, or cannot be reached', async () => {
    const { payload } = dataValueSet(rows, definition, parseDhis2Mapping(JSON.stringify(MAPPING)), [
      '2026W47',
    ]);
    await expect(pushDataValueSet({ url, token: 'd2pat_wrong' }, payload)).rejects.toThrow(
      /refused DHIS2_TOKEN \(HTTP 401\)/,
    );
    fake.failNext(503);
    await expect(pushDataValueSet({ url, token: fake.token }, payload)).rejects.toBeInstanceOf(Dhis2Error);
    await expect(pushDataValueSet({ url: 'http://127.0.0.1:9', token: fake.token }, payload)).rejects.toThrow(
      /did not answer/,
    );
  });
});
