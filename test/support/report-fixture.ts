/**
 * A small, hand-made set of club rows for the export tests: two provinces, three clubs that
 * report and one that never does (with a name a spreadsheet would run as a formula), two weeks.
 */
import type { ClubRow, ExportDefinition } from '../../src/reports/export-shapes.ts';

const definition: ExportDefinition = {
  id: 'weekly',
  version: 1,
  elements: [
    { code: 'hop', area: 'club', key: 'report.el.hop', type: 'yesno' },
    { code: 'dd', area: 'club', key: 'report.el.dd', type: 'count' },
    { code: 'tienvay', area: 'income', key: 'report.el.tienvay', type: 'vnd' },
    { code: 'quy', area: 'income', key: 'report.el.quy', type: 'vnd' },
  ],
};

const central = { id: 'vn', name: 'Trung ương Hội', kind: 'central' };
const ngheAn = [
  central,
  { id: 'vn-na', name: 'Tỉnh Nghệ An', kind: 'province' },
  { id: 'vn-na-dh', name: 'Xã Diễn Hồng', kind: 'commune' },
];
const haTinh = [
  central,
  { id: 'vn-ht', name: 'Tỉnh Hà Tĩnh', kind: 'province' },
  { id: 'vn-ht-tk', name: 'Xã Thạch Kim', kind: 'commune' },
];

const dh = { clubId: 'club-dh', clubName: 'CLB Diễn Hồng "Mới"', path: ngheAn };
const dh2 = { clubId: 'club-dh2', clubName: 'CLB Xóm Đông, thôn 3', path: ngheAn };
const tk = { clubId: 'club-tk', clubName: 'CLB Thạch Kim', path: haTinh };
const x = { clubId: 'club-x', clubName: '=HYPERLINK("x")', path: ngheAn };

const none = { hop: null, dd: null, tienvay: null, quy: null };
const missing = (club: typeof dh, period: string): ClubRow => ({
  ...club,
  period,
  values: none,
  submittedAt: null,
  onTime: null,
});

const rows: ClubRow[] = [
  {
    ...dh,
    period: '2026W47',
    values: { hop: true, dd: 35, tienvay: 1_500_000, quy: 12_000_000 },
    submittedAt: new Date('2026-11-23T10:05:00Z'),
    onTime: true,
  },
  {
    ...tk,
    period: '2026W47',
    values: { hop: true, dd: 41, tienvay: 2_500_000, quy: null },
    submittedAt: new Date('2026-11-24T02:30:00Z'),
    onTime: true,
  },
  {
    ...dh2,
    period: '2026W47',
    values: { hop: false, dd: 0, tienvay: 0, quy: null },
    submittedAt: new Date('2026-11-25T01:00:00Z'),
    onTime: false,
  },
  missing(x, '2026W47'),
  {
    ...dh,
    period: '2026W46',
    values: { hop: true, dd: 30, tienvay: 0, quy: null },
    submittedAt: new Date('2026-11-16T13:00:00Z'),
    onTime: true,
  },
  missing(tk, '2026W46'),
  missing(dh2, '2026W46'),
  missing(x, '2026W46'),
];

export const REPORT_FIXTURE = { definition, rows, periods: ['2026W46', '2026W47'] };
