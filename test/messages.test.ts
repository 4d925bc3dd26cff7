/**
 * Every message a member reads fits on a phone screen: at most 300 characters once filled in
 * with long but plausible values (a long club name, a four-word name).
 */
import { describe, expect, it } from 'vitest';
import { LINES_PER_PAGE_CHARS, PEOPLE_PER_PAGE } from '../flows/pages.ts';
import { Renderer } from '../src/engine/render.ts';
import { createTranslator, loadLocale } from '../src/i18n.ts';
import { LANGUAGES } from '../src/models/index.ts';

const MAX_LENGTH = 300;

/**
 * Texts no member reads in a chat: the operators' terminal tool and the simulator page's labels.
 * Lists a member asked for (the menu) are built from short lines, each checked here.
 */
// reportFiles.chat.link: for staff, and a signed download link (about 200 characters) is as long as it is.
const EXCEPTIONS = ['cli.', 'simulator.', 'reportFiles.chat.link'];

/** Long but plausible values for every {{variable}} the locales use. */
const VALUES: Record<string, string | number> = {
  name: 'Nguyễn Thị Phương Thảo',
  names: 'Nguyễn Thị Phương Thảo, Trần Văn Hùng, Lê Thị Hoa',
  club: 'CLB Liên thế hệ tự giúp nhau thôn Đông Hồng',
  phone: '0912 345 678',
  code: '483920',
  year: 1948,
  age: 78,
  min: 1920,
  max: 2011,
  count: 3,
  n: 9,
  label: 'Đăng ký hộ người khác',
  gender: 'Nữ',
  status: 'đang chờ duyệt',
  you: 'bác',
  You: 'Bác',
  clubs: 'CLB Liên thế hệ tự giúp nhau thôn Đông Hồng, CLB Liên thế hệ tự giúp nhau xóm Trung Kỳ',
  helper: 'Nguyễn Thị Phương Thảo',
  left: 4,
  tries: 5,
  app: 'trang thử nghiệm',
  link: 'https://t.me/ishc_clb_lien_the_he_bot?start=',
  summary: 'Khẩn cấp, không khỏe, có dấu hiệu nguy hiểm, huyết áp rất cao, bị ngã, muốn được thăm',
  answers:
    'Cảm thấy: Không khỏe\nDấu hiệu: Đau ngực, Khó thở\nHuyết áp: 190/125\nBị ngã: Có\nMuốn được thăm: Có',
  proxy: '\nNgười trả lời hộ: Nguyễn Văn Hùng',
  to: 'cán bộ Hội xã',
  results:
    '29/11: Khỏe — Bình thường\n22/11: Không khỏe — Cần theo dõi, không khỏe\n15/11: Bình thường — Bình thường',
  roles: 'Thành viên, Tình nguyện viên, Phó chủ nhiệm',
  date: '02/03/2026',
  how: 'do Nguyễn Thị Phương Thảo đồng ý thay',
  // A page of a list is at most LINES_PER_PAGE_CHARS (flows/pages.ts).
  lines: 'x'.repeat(LINES_PER_PAGE_CHARS),
  weekday: 'Chủ nhật',
  time: '14:30',
  day: 21,
  week: 4,
  place: 'Nhà văn hoá thôn Đông Hồng, cạnh trạm y tế xã Diễn Hồng, đường liên thôn số 3',
  from: 'Thứ Năm 12/12',
  meeting: 'Thứ Năm 12/12, 14:30',
  answer: 'Chưa chắc',
  total: 68,
  yes: 42,
  no: 12,
  maybe: 9,
  none: 5,
  // Report files and DHIS2 by chat (src/runtime/report-files.ts).
  at: '29/11/2026 08:00',
  periods: 'tuần 40/2026 – tuần 47/2026',
  month: 11,
  imported: 25_000,
  updated: 12_345,
  ignored: 678,
  object: 'IshcAttend1',
  value: 'Organisation unit not found or not accessible',
  area: 'Xã Diễn Châu',
  length: '2.345',
  who: 'Tất cả hội viên',
  recipients: '1.234',
  channels: 'Zalo OA: 1.000\nZalo Bot: 134\nTelegram: 100',
  stopped: 12,
  optedOut: 30,
  outsideWindow: 8,
  minutes: 2,
  ack: '\nNgười nhận được nhờ trả lời 1.',
  photo: '\nKèm ảnh (Zalo OA: chỉ có chữ).',
  apps: 'Zalo OA, Simulator',
  text: 'Mời bác đi khám mắt miễn phí sáng thứ Bảy tại trạm y tế xã.',
  done: '5.230',
  sent: '1.180',
  failed: 4,
  blocked: 6,
  unreachable: 44,
  acknowledged: 950,
  notSent: 12,
  withdrawn: 54,
  // Weekly reports (flows/weekly-report.ts, flows/report-view.ts).
  span: '23/11–29/11',
  period: '23/11–29/11',
  hint: '\n(tuần trước: 1.500.000 đ)',
  members: 62,
  usual: 12,
  expected: 20,
  got: 3,
  order: 'hop dd moi roi phi vay tienvay tientra quy davay ha can bhyt tham cs tg ql tt vh hd',
  unit: 'Xã Diễn Hồng',
  rate: 80,
  onTime: 70,
  reported: 8,
  until: '01/12 10:00',
};

type Tree = { [key: string]: string | Tree };
const keysOf = (tree: Tree, prefix = ''): string[] =>
  Object.entries(tree).flatMap(([key, value]) =>
    typeof value === 'string' ? [`${prefix}${key}`] : keysOf(value, `${prefix}${key}.`),
  );

const translate = createTranslator();

describe.each(LANGUAGES)('messages in %s', (lang) => {
  const locale = loadLocale(lang) as Tree;
  const memberFacing = keysOf(locale).filter((key) => !EXCEPTIONS.some((prefix) => key.startsWith(prefix)));

  it('have a plausible value here for every variable they use', () => {
    const missing = memberFacing.flatMap((key) =>
      [...String(translate(lang, key, {})).matchAll(/{{\s*(\w+)\s*}}/g)]
        .map((m) => m[1]!)
        .filter((name) => !(name in VALUES))
        .map((name) => `${key}: ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it(`are at most ${MAX_LENGTH} characters`, () => {
    const tooLong = memberFacing
      .map((key) => ({ key, length: translate(lang, key, VALUES).length }))
      .filter(({ length }) => length > MAX_LENGTH);
    expect(tooLong).toEqual([]);
  });

  it('a page of people to choose from fits, with its answers, however long their names', () => {
    const renderer = new Renderer(translate);
    const names = Array.from({ length: PEOPLE_PER_PAGE }, () => String(VALUES.name));
    const tooLong = ['assign.askMember', 'assign.askVolunteer', 'assign.askRemove', 'assign.askClub']
      .map((key) => {
        const choiceTexts = [
          ...names,
          translate(lang, 'common.nextPage'),
          translate(lang, 'common.backToMenu'),
        ];
        const { text } = renderer.render({ channel: 'simulator', chatId: '1' }, lang, {
          key,
          vars: VALUES,
          choiceTexts,
        });
        return { key, length: text.length };
      })
      .filter(({ length }) => length > MAX_LENGTH);
    expect(tooLong).toEqual([]);
  });

  it('use plain words: no abbreviations or jargon members tripped over', () => {
    const jargon = /\bNCT\b|Mã nối|link code|Zalo\/Telegram khác|tài khoản chat|chat account/i;
    const found = memberFacing.filter((key) => jargon.test(translate(lang, key, VALUES)));
    expect(found).toEqual([]);
  });
});
