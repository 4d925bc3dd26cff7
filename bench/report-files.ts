/**
 * How long the report files take for a whole country: the XLSX and the CSV of one week for N
 * clubs (default 25,000, the scale of DESIGN.md §1), made in memory from club rows as
 * clubRows() returns them (the database read is the rollup bench's business). Run it as the
 * image runs the app (`--max-old-space-size=192`) to see that it fits the heap:
 *
 *   npm run bench -- report-files [clubs]
 *
 * Last line: {"bench":"report-files","clubs":…,"xlsxS":…,"xlsxMB":…,"csvS":…,"csvMB":…,"heapMB":…,"rssMB":…}
 */
import { DEFAULT_REPORT } from '../flows/reports/default.ts';
import { createTranslator } from '../src/i18n.ts';
import { reportCsv, reportXlsx } from '../src/reports/files.ts';
import type { ClubRow } from '../src/reports/rollup.ts';

const clubs = Number(process.argv[2] ?? 25_000);
const rows: ClubRow[] = Array.from({ length: clubs }, (_, i) => ({
  clubId: `club-${i}`,
  clubName: `CLB Liên thế hệ số ${i}`,
  period: '2026W47',
  path: [
    { id: 'vn', name: 'Trung ương Hội', kind: 'central' },
    { id: `p${i % 34}`, name: `Tỉnh ${i % 34}`, kind: 'province' },
    { id: `c${i % 3321}`, name: `Xã ${i % 3321}`, kind: 'commune' },
  ],
  values: Object.fromEntries(
    DEFAULT_REPORT.elements.map((e) => [e.code, e.type === 'yesno' ? i % 3 > 0 : i % 50]),
  ),
  // One club in seven has not reported.
  submittedAt: i % 7 ? new Date('2026-11-22T10:00:00Z') : null,
  onTime: i % 7 ? i % 5 > 0 : null,
}));
const input = { definition: DEFAULT_REPORT, rows, periods: ['2026W47'], timeZone: 'Asia/Ho_Chi_Minh' };
const t0 = performance.now();
const xlsx = await reportXlsx(input, createTranslator(), 'vi');
const t1 = performance.now();
const csv = reportCsv(input);
const t2 = performance.now();
const mb = (bytes: number) => Math.round(bytes / 1e4) / 100;
const figures = {
  bench: 'report-files',
  clubs,
  xlsxS: Math.round(t1 - t0) / 1000,
  xlsxMB: mb(xlsx.length),
  csvS: Math.round(t2 - t1) / 1000,
  csvMB: mb(Buffer.byteLength(csv)),
  heapMB: Math.round(process.memoryUsage().heapUsed / 1e6),
  rssMB: Math.round(process.memoryUsage().rss / 1e6),
};
console.log(
  `XLSX of ${clubs} clubs: ${figures.xlsxS} s, ${figures.xlsxMB} MB; CSV: ${figures.csvS} s, ${figures.csvMB} MB`,
);
console.log(JSON.stringify(figures));
