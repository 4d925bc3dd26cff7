/**
 * The reports API as the association's software calls it: a real app (FerretDB, Redis), reports
 * submitted through the chat's own store function, API tokens scoped to a province or a commune,
 * files read back, and the DHIS2 push answered by a fake DHIS2 server on loopback. Also the
 * signed download links that Zalo users get instead of a file.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import readXlsxFile from 'read-excel-file/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REPORT } from '../flows/reports/default.ts';
import { createApiToken } from '../src/http/api-tokens.ts';
import { reportLink } from '../src/http/report-links.ts';
import { createTranslator } from '../src/i18n.ts';
import { storedReportData } from '../src/reports/report-data.ts';
import { Dhis2NotConfigured, ReportService } from '../src/reports/report-service.ts';
import { saveReport } from '../src/reports/store.ts';
import { FakeDhis2 } from './fakes/dhis2.ts';
import { isolatedEnv, startTestApp, type TestApp } from './support/app.ts';
import { insertPlaces } from './support/report-places.ts';

const t = createTranslator();
const SETTINGS = { timeZone: 'Asia/Ho_Chi_Minh', cutoff: '1 12:00' };
const fake = new FakeDhis2({
  dataSets: ['IshcWeekly1'],
  orgUnits: ['ClbDienHong', 'ClbXomDong1'],
  dataElements: { IshcMeetng1: 'BOOLEAN', IshcAttend1: 'INTEGER_ZERO_OR_POSITIVE' },
});
let test: TestApp;
const tokens: Record<'province' | 'commune' | 'central' | 'otherProvince', string> = {
  province: '',
  commune: '',
  central: '',
  otherProvince: '',
};

/** A full report of the default definition, `dd` people at the meeting. */
function values(dd: number) {
  return Object.fromEntries(
    DEFAULT_REPORT.elements.map((e) => [e.code, e.type === 'yesno' ? dd > 0 : e.code === 'dd' ? dd : 1]),
  );
}

beforeAll(async () => {
  const dhis2Url = await fake.listen();
  const dir = mkdtempSync(join(tmpdir(), 'ishc-dhis2-'));
  const mappingFile = join(dir, 'mapping.json');
  writeFileSync(
    mappingFile,
    JSON.stringify({
      dataSet: 'IshcWeekly1',
      orgUnits: { 'club-dh': 'ClbDienHong', 'club-dh2': 'ClbXomDong1' },
      dataElements: { hop: 'IshcMeetng1', dd: 'IshcAttend1', tham: 'IshcUnknwn1' },
    }),
  );
  test = await startTestApp(
    isolatedEnv({ DHIS2_URL: dhis2Url, DHIS2_TOKEN: fake.token, DHIS2_MAPPING_FILE: mappingFile }),
  );
  const { models } = test.app;
  await insertPlaces(models);
  const submit = (clubId: string, period: string, dd: number, at: string) =>
    saveReport(
      models,
      {
        clubId,
        period,
        values: values(dd),
        by: 'chair',
        now: new Date(at),
        submit: true,
        definition: DEFAULT_REPORT,
      },
      SETTINGS,
    );
  // Week 47 is 16–22/11/2026, its cut-off Monday 23/11 12:00.
  await submit('club-dh', '2026W47', 35, '2026-11-22T10:00:00Z');
  await submit('club-dh2', '2026W47', 20, '2026-11-24T03:00:00Z');
  await submit('club-tk', '2026W47', 41, '2026-11-22T11:00:00Z');
  await submit('club-dh', '2026W46', 30, '2026-11-15T10:00:00Z');
  for (const [name, orgUnitId, role] of [
    ['province', 'vn-na', 'staff'],
    ['commune', 'vn-na-dh', 'staff'],
    ['central', 'vn', 'admin'],
    ['otherProvince', 'vn-ht', 'staff'],
  ] as const) {
    const created = await createApiToken(models, { orgUnitId, role });
    if (!created.ok) throw new Error(created.reason);
    tokens[name] = created.token;
  }
}, 60_000);

afterAll(async () => {
  await test?.stop();
  await fake.close();
});

/** The parts of the JSON answers the tests read. */
type Body = Record<string, unknown> & {
  totals: Record<string, number>;
  missing: { clubId: string }[];
  dataValues: unknown[];
  conflicts: unknown[];
};

const ROUTES = [
  ['GET', '/api/v1/reports'],
  ['GET', '/api/v1/reports/export.xlsx'],
  ['GET', '/api/v1/reports/export.csv'],
  ['GET', '/api/v1/reports/dhis2'],
  ['POST', '/api/v1/reports/dhis2/push'],
] as const;

function call(method: string, path: string, query: string, token?: string) {
  return fetch(`${test.url}${path}?${query}`, {
    method,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
}

describe('authorization', () => {
  it('answers 401 on every route without a token or with a bad one', async () => {
    for (const [method, path] of ROUTES) {
      for (const token of [undefined, 'ishc_0000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'x']) {
        const response = await call(method, path, 'orgUnit=vn-na&period=2026W47', token);
        expect(response.status, `${method} ${path} ${token}`).toBe(401);
      }
    }
  });

  it('answers 403 on every route to a province token asking for another province', async () => {
    for (const [method, path] of ROUTES) {
      for (const orgUnit of ['vn-ht', 'vn-ht-tk', 'vn']) {
        const response = await call(method, path, `orgUnit=${orgUnit}&period=2026W47`, tokens.province);
        expect(response.status, `${method} ${path} ${orgUnit}`).toBe(403);
        expect(((await response.json()) as { error: string }).error).toMatch(/^orgUnit: /);
      }
    }
    const commune = await call('GET', '/api/v1/reports', 'orgUnit=vn-na&period=2026W47', tokens.commune);
    expect(commune.status).toBe(403);
  });

  it('answers 400 naming the parameter: missing, malformed, unknown periods, too long a range', async () => {
    const cases: [string, RegExp][] = [
      ['period=2026W47', /^orgUnit: required/],
      ['orgUnit=vn-na', /^period: required/],
      ['orgUnit=vn-na&period=W47', /^period: not a known period/],
      ['orgUnit=vn-na&period=2026W60', /^period: not a known period/],
      ['orgUnit=vn-na&period=2026W47..2026W40', /^period: not a known period/],
      ['orgUnit=vn-na&period=2026W47..202611', /^period: not a known period/],
      ['orgUnit=vn-na&period=2024W01..2026W47', /^period: at most 60 periods/],
      [`orgUnit=vn-na&period=${'9'.repeat(10_000)}`, /^period: not a known period/],
      ['orgUnit=vn-xx&period=2026W47', /^orgUnit: there is no org unit/],
      [`orgUnit=${encodeURIComponent('😀')}&period=2026W47`, /^orgUnit: not an org unit code/],
    ];
    for (const [query, error] of cases) {
      const response = await call('GET', '/api/v1/reports', query, tokens.province);
      expect(response.status, query.slice(0, 60)).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(error);
    }
  });
});

describe('roll-up and files', () => {
  it('gives a province its roll-up: totals, reporting and on-time rates, the previous week', async () => {
    const response = await call('GET', '/api/v1/reports', 'orgUnit=vn-na&period=2026W47', tokens.province);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Body;
    expect(body).toMatchObject({
      orgUnit: { id: 'vn-na', name: 'Tỉnh Nghệ An' },
      periods: ['2026W47'],
      expected: 2,
      reported: 2,
      onTime: 1,
      reportingRate: 1,
      onTimeRate: 0.5,
      missing: [],
      previous: { periods: ['2026W46'], reported: 1, expected: 2 },
    });
    expect(body.totals.dd).toBe(55);
    expect(body.totals.hop).toBe(2);
    // The central token sees the whole country, Hà Tĩnh included.
    const national = (await (
      await call('GET', '/api/v1/reports', 'orgUnit=vn&period=2026W46..2026W47', tokens.central)
    ).json()) as Body;
    expect(national).toMatchObject({ expected: 6, reported: 4, missing: [] });
    // Missing: the clubs without a report for the range's last week.
    const week46 = (await (
      await call('GET', '/api/v1/reports', 'orgUnit=vn&period=2026W46', tokens.central)
    ).json()) as Body;
    expect(week46.missing.map((club: { clubId: string }) => club.clubId).sort()).toEqual([
      'club-dh2',
      'club-tk',
    ]);
  });

  it('exports the XLSX: a sheet per week, the clubs with their values, and the missing ones', async () => {
    const response = await call(
      'GET',
      '/api/v1/reports/export.xlsx',
      'orgUnit=vn-na&period=2026W46..2026W47',
      tokens.province,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(response.headers.get('content-disposition')).toBe(
      'attachment; filename="bao-cao-vn-na-2026W46-2026W47.xlsx"',
    );
    const sheets = await readXlsxFile(Buffer.from(await response.arrayBuffer()));
    expect(sheets.map((sheet) => sheet.sheet)).toEqual(['2026W46', '2026W47', 'CLB chưa báo cáo']);
    const w47 = sheets[1]!.data;
    const header = w47[0]!;
    expect(header.slice(0, 6)).toEqual([
      'Tỉnh/Thành phố',
      'Xã/Phường',
      'Mã CLB',
      'Tên CLB',
      'Ngày gửi',
      'Đúng hạn',
    ]);
    expect(header.slice(6)).toEqual(DEFAULT_REPORT.elements.map((e) => t('vi', e.key)));
    const dd = 6 + DEFAULT_REPORT.elements.findIndex((e) => e.code === 'dd');
    expect(w47.slice(1, 3).map((row) => [row[2], row[4], row[5], row[6], row[dd]])).toEqual([
      ['club-dh', '22/11/2026 17:00', 'Có', 'Có', 35],
      ['club-dh2', '24/11/2026 10:00', 'Không', 'Có', 20],
    ]);
    expect(w47[3]![0]).toBe('Tổng cộng (2 CLB)');
    expect(w47[3]![dd]).toBe(55);
    expect(sheets[2]!.data.slice(1)).toEqual([
      ['2026W46', 'Tỉnh Nghệ An', 'Xã Diễn Hồng', 'club-dh2', 'CLB Xóm Đông'],
    ]);
  });

  it('exports the CSV for the commune token', async () => {
    const response = await call(
      'GET',
      '/api/v1/reports/export.csv',
      'orgUnit=vn-na-dh&period=2026W47',
      tokens.commune,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (await response.text())
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    const codes = DEFAULT_REPORT.elements.map((e) => e.code);
    expect(lines[0]).toBe(
      [
        'period',
        'province_id',
        'province',
        'commune_id',
        'commune',
        'club_id',
        'club',
        'submitted_at',
        'on_time',
        ...codes,
      ].join(','),
    );
    expect(lines[1]).toBe(
      [
        '2026W47',
        'vn-na',
        'Tỉnh Nghệ An',
        'vn-na-dh',
        'Xã Diễn Hồng',
        'club-dh',
        'CLB Đông Hồng',
        '2026-11-22T10:00:00.000Z',
        '1',
        ...codes.map((c) => (c === 'hop' ? '1' : c === 'dd' ? '35' : '1')),
      ].join(','),
    );
    expect(lines).toHaveLength(3);
  });
});

describe('DHIS2', () => {
  it('gives the dataValueSets payload, telling in headers what the mapping does not name', async () => {
    const response = await call(
      'GET',
      '/api/v1/reports/dhis2',
      'orgUnit=vn-na&period=2026W47',
      tokens.province,
    );
    expect(response.status).toBe(200);
    const payload = (await response.json()) as Body;
    expect(payload).toMatchObject({ dataSet: 'IshcWeekly1', period: '2026W47' });
    expect(payload.dataValues).toContainEqual({
      dataElement: 'IshcAttend1',
      period: '2026W47',
      orgUnit: 'ClbDienHong',
      value: '35',
    });
    expect(payload.dataValues).toContainEqual({
      dataElement: 'IshcMeetng1',
      period: '2026W47',
      orgUnit: 'ClbXomDong1',
      value: 'true',
    });
    expect(response.headers.get('x-dhis2-unmapped-codes')).toBe(
      DEFAULT_REPORT.elements
        .map((e) => e.code)
        .filter((c) => !['hop', 'dd', 'tham'].includes(c))
        .sort()
        .join(','),
    );
  });

  it('pushes a week and returns the import summary with the conflicts DHIS2 reported', async () => {
    const response = await call(
      'POST',
      '/api/v1/reports/dhis2/push',
      'orgUnit=vn-na&period=2026W47',
      tokens.province,
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as Body;
    // 2 clubs × (hop, dd, tham); tham's uid is unknown to this DHIS2.
    expect(body).toMatchObject({
      sent: 6,
      status: 'WARNING',
      imported: 4,
      updated: 0,
      ignored: 2,
      unmappedClubs: [],
    });
    expect(body.conflicts).toEqual([
      { object: 'IshcUnknwn1', value: 'Data element not found or not accessible' },
      { object: 'IshcUnknwn1', value: 'Data element not found or not accessible' },
    ]);
    expect(fake.values.get('IshcAttend1|2026W47|ClbXomDong1|default')).toBe('20');

    fake.failNext(503);
    const failed = await call(
      'POST',
      '/api/v1/reports/dhis2/push',
      'orgUnit=vn-na&period=2026W47',
      tokens.province,
    );
    expect(failed.status).toBe(502);
    expect(((await failed.json()) as { error: string }).error).toMatch(/DHIS2 answered HTTP 503/);
  });

  it('says what is missing when DHIS2 is not configured', async () => {
    const reports = new ReportService({
      data: storedReportData(test.app.models),
      translate: t,
      timeZone: SETTINGS.timeZone,
      clock: test.app.clock,
    });
    await expect(reports.dhis2Push('vn-na', ['2026W47'])).rejects.toBeInstanceOf(Dhis2NotConfigured);
    await expect(reports.dhis2Payload('vn-na', ['2026W47'])).rejects.toThrow('set DHIS2_MAPPING_FILE');
  });
});

describe('signed download links', () => {
  const base = () => ({ secret: test.app.reportLinkSecret, baseUrl: test.url });
  const ref = { orgUnitId: 'vn-na', periods: ['2026W47'], format: 'xlsx' as const };

  it('serves the file until the link expires; a changed link is not found', async () => {
    const link = reportLink(base(), ref, 'vi', new Date(Date.now() + 24 * 3600_000));
    expect(new URL(link).pathname).toBe('/files/reports/bao-cao-vn-na-2026W47.xlsx');
    const response = await fetch(link);
    expect(response.status).toBe(200);
    const sheets = await readXlsxFile(Buffer.from(await response.arrayBuffer()));
    expect(sheets[0]!.data[1]![2]).toBe('club-dh');

    const expired = await fetch(reportLink(base(), ref, 'vi', new Date(Date.now() - 1000)));
    expect(expired.status).toBe(410);

    // Another unit in the payload, the signature of the first: refused.
    const [payload, signature] = new URL(link).searchParams.get('t')!.split('.');
    const other = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), o: 'vn-ht' }),
    ).toString('base64url');
    expect((await fetch(`${test.url}/files/reports/x.xlsx?t=${other}.${signature}`)).status).toBe(404);
    const forged = reportLink(
      { ...base(), secret: 'x'.repeat(40) },
      { ...ref, orgUnitId: 'vn' },
      'vi',
      new Date(Date.now() + 3600_000),
    );
    expect((await fetch(forged)).status).toBe(404);
    expect((await fetch(`${test.url}/files/reports/x.xlsx?t=${'a'.repeat(5000)}`)).status).toBe(404);
    expect((await fetch(`${test.url}/files/reports/x.xlsx`)).status).toBe(404);
  });

  it('serves the chart as a PNG', async () => {
    const response = await fetch(
      reportLink(base(), { ...ref, format: 'png' }, 'vi', new Date(Date.now() + 3600_000)),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    // 1080 px wide (IHDR width, big-endian at byte 16).
    expect(bytes.readUInt32BE(16)).toBe(1080);
  });
});
