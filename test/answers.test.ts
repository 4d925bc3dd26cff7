import { describe, expect, it } from 'vitest';
import {
  normalize,
  parseBirthYear,
  parseBirthYearOrAge,
  parseBloodPressure,
  parseChoice,
  parseFeeling,
  parseInteger,
  parsePhone,
  parseSmallTalk,
  parseWeightKg,
  parseYesNo,
} from '../src/engine/answers.ts';

const HUGE = 'co '.repeat(3334).slice(0, 10_000);
const HUGE_DIGITS = '1'.repeat(10_000);
/** Input that is no answer to any question; named so long strings stay out of test titles. */
const NOISE = Object.entries({
  empty: '',
  blank: '   ',
  greeting: 'xin chao',
  'greeting with diacritics': 'Xin chào!',
  punctuation: '???',
  '10,000 characters of "co"': HUGE,
  '10,000 digits': HUGE_DIGITS,
});

describe('normalize', () => {
  it.each([
    ['  Có  ạ! ', 'co a'],
    ['KHÔNG', 'khong'],
    ['Đồng ý.', 'dong y'],
    ['đúng rồi!!!', 'dung roi'],
    ['Tiếng   Việt', 'tieng viet'],
    ['１９４８', '1948'],
    ['130/80.', '130/80'],
    ['+84 912 345 678', '+84 912 345 678'],
    ['"Nam"', 'nam'],
    ['👍', '👍'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(normalize(input)).toBe(expected);
  });

  it('treats decomposed (NFD) input like composed input', () => {
    expect(normalize('Có'.normalize('NFD'))).toBe('co');
  });
});

describe('parseChoice', () => {
  it.each([
    ['2', 2],
    [' 2 ', 2],
    ['2.', 2],
    ['số 2', 2],
    ['so 2', 2],
    ['chon 2', 2],
    ['Chọn số 3', 3],
    ['2 · English', 2],
    ['2. English', 2],
    ['２', 2],
    ['mot', 1],
    ['Một', 1],
    ['hai', 2],
    ['ba', 3],
    ['bốn', 4],
    ['tư', 4],
    ['năm', 5],
    ['sau', 6],
    ['bay', 7],
    ['tam', 8],
    ['chín', 9],
    ['thứ hai', 2],
    ['thu nhat', 1],
    ['3 ạ', 3],
  ])('%j → %j (9 options)', (text, expected) => {
    expect(parseChoice(text, 9)).toBe(expected);
  });

  it.each([
    ['0', 3],
    ['4', 3],
    ['10', 9],
    ['2 3', 3],
    ['2.5', 3],
    ['xin chao', 3],
    ['', 3],
  ])('%j is not an option of %d', (text, count) => {
    expect(parseChoice(text, count)).toBeUndefined();
  });

  const languages = ['Tiếng Việt', 'English'];
  it.each([
    ['tieng viet', 1],
    ['Tiếng Việt', 1],
    ['TIENG VIET.', 1],
    ['tieng', 1],
    ['eng', 2],
    ['english', 2],
    ['2 · English', 2],
    ['1', 1],
  ])('language %j → %j', (text, expected) => {
    expect(parseChoice(text, 2, languages)).toBe(expected);
  });

  it('needs at least 3 characters for a label prefix', () => {
    expect(parseChoice('en', 2, languages)).toBeUndefined();
  });

  it('rejects a prefix shared by several labels', () => {
    expect(parseChoice('tie', 2, ['Tiếng Việt', 'Tiếng Anh'])).toBeUndefined();
  });

  const genders = ['Nữ', 'Nam', 'Khác'];
  it.each([
    ['nam', 2],
    ['Nam ạ', 2],
    ['nu', 1],
    ['nữ', 1],
    ['khac', 3],
    ['3', 3],
    ['ba', 3],
  ])('gender %j → %j (labels beat number words)', (text, expected) => {
    expect(parseChoice(text, 3, genders)).toBe(expected);
  });

  it.each(NOISE)('%s → undefined', (_, text) => {
    expect(parseChoice(text, 9, genders)).toBeUndefined();
  });
});

describe('parseYesNo', () => {
  const yes = [
    'co',
    'có',
    'Có ạ!',
    'c',
    'yes',
    'Y',
    'ok',
    'OK',
    'oke',
    'uh',
    'u',
    'um',
    'vang',
    'vâng',
    'Vâng ạ',
    'dong y',
    'đồng ý',
    'duoc',
    'được',
    'roi',
    'rồi',
    'dung',
    'đúng',
    'đúng rồi',
    'Đúng vậy',
    'co a',
    'vang a',
    'dạ có',
    'tôi có',
    '1',
    '👍',
    '👍🏻',
    '👍👍',
  ];
  const no = [
    'khong',
    'không',
    'Không.',
    'ko',
    'k',
    'kg',
    'hong',
    'hok',
    'no',
    'n',
    'chua',
    'chưa',
    'khong co',
    'không có',
    'ko co',
    'chua co',
    'chưa có',
    'khong dong y',
    'không đồng ý',
    'tu choi',
    'từ chối',
    'khong duoc',
    'không ạ',
    '2',
    '👎',
  ];
  it.each(yes)('%j is yes', (text) => {
    expect(parseYesNo(text)).toBe(true);
  });
  it.each(no)('%j is no', (text) => {
    expect(parseYesNo(text)).toBe(false);
  });
  it.each(['khong biet', 'không biết', 'co le', 'có lẽ', 'a', '3'])('%j is not an answer', (text) => {
    expect(parseYesNo(text)).toBeUndefined();
  });
  it.each(NOISE)('%s → undefined', (_, text) => {
    expect(parseYesNo(text)).toBeUndefined();
  });
});

describe('parseSmallTalk', () => {
  it.each(['xin chao', 'Xin chào!', 'chào', 'Chào bác ạ', 'hello', 'Hi', 'alo', 'chào buổi sáng'])(
    '%j is a greeting',
    (text) => expect(parseSmallTalk(text)).toBe('greeting'),
  );
  it.each(['cam on', 'Cảm ơn bác nhiều nhé', 'cám ơn', 'thank you', 'Thanks!', 'cảm ơn ạ'])(
    '%j is a thank-you',
    (text) => expect(parseSmallTalk(text)).toBe('thanks'),
  );
  it.each(['chào, tôi tên Lan', 'chaoxyz', 'cam on 1', 'co', '1', 'Nguyễn Thị Lan', ''])(
    '%j is not small talk',
    (text) => expect(parseSmallTalk(text)).toBeUndefined(),
  );
});

describe('parseInteger', () => {
  it.each([
    ['25', 25],
    ['25 tuổi', 25],
    ['tôi 70 tuổi', 70],
    ['２５', 25],
    ['hai muoi lam', 25],
    ['hai mươi lăm', 25],
    ['muoi', 10],
    ['mười', 10],
    ['muoi mot', 11],
    ['mười lăm', 15],
    ['hai muoi', 20],
    ['hai muoi mot', 21],
    ['hai mươi mốt', 21],
    ['hai mươi tư', 24],
    ['ba', 3],
    ['mot tram', 100],
    ['mot tram linh nam', 105],
    ['một trăm lẻ năm', 105],
    ['mot tram hai muoi', 120],
    ['một trăm hai', 120],
    ['mot nghin chin tram bon muoi tam', 1948],
    ['một nghìn chín trăm bốn mươi tám', 1948],
    ['mot ngan', 1000],
    ['hai nghin khong tram linh mot', 2001],
    ['chín nghìn chín trăm chín mươi chín', 9999],
    ['năm nay tôi bảy mươi tuổi', 70],
    ['nhà có ba người', 3],
  ])('%j → %j', (text, expected) => {
    expect(parseInteger(text)).toBe(expected);
  });

  it.each(['khong', 'không biết', '2 hay 3', 'hai hay ba', 'muoi muoi', 'tram'])(
    '%j has no single number',
    (text) => {
      expect(parseInteger(text)).toBeUndefined();
    },
  );
  it.each(NOISE)('%s → undefined', (_, text) => {
    expect(parseInteger(text)).toBeUndefined();
  });
});

describe('parseBirthYear', () => {
  const now = new Date('2025-06-01T00:00:00Z');
  it.each([
    ['1948', 1948],
    ['1948.', 1948],
    ['năm 1948', 1948],
    ['nam 1948', 1948],
    ['sinh năm 1948', 1948],
    ['１９４８', 1948],
    ['48', 1948],
    ['05', 2005],
    ['ngay 12/5/1948', 1948],
    ['mot nghin chin tram bon muoi tam', 1948],
    ['năm một nghìn chín trăm bốn mươi tám', 1948],
    ['một chín bốn tám', 1948],
    ['bốn tám', 1948],
    ['sinh nam bon tam', 1948],
    ['1920', 1920],
    ['2010', 2010],
  ])('%j → %j', (text, year) => {
    expect(parseBirthYear(text, now)).toEqual({ ok: true, year });
  });

  it.each(['1919', '2011', '2030', '15', '5', '12345'])('%j is out of range', (text) => {
    expect(parseBirthYear(text, now)).toEqual({ ok: false, reason: 'range' });
  });

  it.each(['khong nho', '12/5', '1.948'])('%j is not a year', (text) => {
    expect(parseBirthYear(text, now)).toEqual({ ok: false, reason: 'format' });
  });
  it.each(NOISE)('%s is not a year', (_, text) => {
    expect(parseBirthYear(text, now)).toEqual({ ok: false, reason: 'format' });
  });

  it('honours custom minYear and minAge', () => {
    expect(parseBirthYear('1930', now, 1940)).toEqual({ ok: false, reason: 'range' });
    expect(parseBirthYear('1970', now, 1920, 60)).toEqual({ ok: false, reason: 'range' });
    expect(parseBirthYear('1960', now, 1920, 60)).toEqual({ ok: true, year: 1960 });
  });
});

describe('parseBirthYearOrAge', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  it.each([
    ['75 tuoi', 75],
    ['75 tuổi', 75],
    ['75 tuổi ạ', 75],
    ['năm nay 75 tuổi', 75],
    ['bảy mươi lăm tuổi', 75],
    ['78 years old', 78],
  ])('%j is an age', (text, age) => {
    expect(parseBirthYearOrAge(text, now)).toEqual({ kind: 'age', age, year: 2026 - age });
  });

  it.each([
    ['75', 75, 1975],
    ['48', 48, 1948],
    ['75 ạ', 75, 1975],
    ['bảy mươi lăm', 75, 1975],
    ['20', 20, 1920],
    ['100', 100, undefined],
  ])('%j alone may be an age or a year: ask', (text, age, year) => {
    expect(parseBirthYearOrAge(text, now)).toEqual({ kind: 'ageOrYear', age, ageYear: 2026 - age, year });
  });

  it.each([
    ['1948', 1948],
    ['năm 48', 1948],
    ['sinh năm 75', 1975],
    ['bốn tám', 1948],
    ['05', 2005],
    ['sinh 1950, 76 tuổi', 1950],
  ])('%j is clearly a year', (text, year) => {
    expect(parseBirthYearOrAge(text, now)).toEqual({ kind: 'year', year });
  });

  it.each(['5 tuổi', '120 tuổi', '1890', '12'])('%j is out of range', (text) => {
    expect(parseBirthYearOrAge(text, now)).toEqual({ kind: 'invalid', reason: 'range' });
  });

  it.each(['khong nho', 'tuổi'])('%j is neither', (text) => {
    expect(parseBirthYearOrAge(text, now)).toEqual({ kind: 'invalid', reason: 'format' });
  });
});

describe('parsePhone', () => {
  it.each([
    '0912345678',
    '0912 345 678',
    '0912.345.678',
    '091-234-5678',
    '+84912345678',
    '84912345678',
    '+84 912 345 678',
    '(+84) 912345678',
    'sdt cua toi: 0912 345 678 nhe',
    '０９１２３４５６７８',
  ])('%j → 84912345678', (text) => {
    expect(parsePhone(text)).toBe('84912345678');
  });

  it.each([
    ['0387654321', '84387654321'],
    ['0562222333', '84562222333'],
    ['0701234567', '84701234567'],
    ['0831234567', '84831234567'],
  ])('mobile prefix %j → %j', (text, expected) => {
    expect(parsePhone(text)).toBe(expected);
  });

  it.each([
    '02438123456', // Hà Nội landline
    '0212345678', // old landline-style prefix
    '091234567', // too short
    '09123456789', // too long
    '912345678', // missing leading 0
    '+1 912 345 6789',
    '0912345678 hoac 0987654321',
  ])('%j is not a mobile number', (text) => {
    expect(parsePhone(text)).toBeUndefined();
  });
  it.each(NOISE)('%s → undefined', (_, text) => {
    expect(parsePhone(text)).toBeUndefined();
  });
});

describe('parseBloodPressure', () => {
  it.each([
    ['130/80', 130, 80],
    ['130 / 80', 130, 80],
    ['130 80', 130, 80],
    ['130-80', 130, 80],
    ['13/8', 130, 80],
    ['13.5/8.5', 135, 85],
    ['13,5/8,5', 135, 85],
    ['huyet ap 140/90', 140, 90],
    ['Huyết áp 140/90 mmHg.', 140, 90],
    ['140 trên 90', 140, 90],
  ])('%j → %d/%d', (text, systolic, diastolic) => {
    expect(parseBloodPressure(text)).toEqual({ systolic, diastolic });
  });

  it.each([
    '80/130', // diastolic above systolic
    '130/130',
    '400/80',
    '130/20',
    '50/40',
    '130',
    '130/80/70',
    '130 va 80',
  ])('%j is not a plausible reading', (text) => {
    expect(parseBloodPressure(text)).toBeUndefined();
  });
  it.each(NOISE)('%s → undefined', (_, text) => {
    expect(parseBloodPressure(text)).toBeUndefined();
  });
});

describe('parseWeightKg', () => {
  it.each([
    ['52', 52],
    ['52kg', 52],
    ['52 kg', 52],
    ['52,5', 52.5],
    ['52.5', 52.5],
    ['52 ky', 52],
    ['52 ki', 52],
    ['52 cân', 52],
    ['nặng 52 ký', 52],
    ['năm mươi hai cân', 52],
  ])('%j → %j', (text, expected) => {
    expect(parseWeightKg(text)).toBe(expected);
  });

  it.each(['19', '251', '0', '1m60 52kg'])('%j is not a plausible weight', (text) => {
    expect(parseWeightKg(text)).toBeUndefined();
  });
  it.each(NOISE)('%s → undefined', (_, text) => {
    expect(parseWeightKg(text)).toBeUndefined();
  });
});

describe('parseFeeling', () => {
  it.each([
    ['1', 1],
    ['khỏe', 1],
    ['Khoẻ lắm', 1],
    ['2', 2],
    ['bình thường', 2],
    ['bt', 2],
    ['3', 3],
    ['không khỏe', 3],
    ['ko khoe', 3],
    ['mệt lắm', 3],
    ['đau lưng', 3],
  ])('%j → %j', (text, expected) => {
    expect(parseFeeling(text)).toBe(expected);
  });
  it.each(NOISE)('%s → undefined', (_, text) => {
    expect(parseFeeling(text)).toBeUndefined();
  });
});

describe('long input', () => {
  it('returns quickly for a 10,000-character answer', () => {
    const started = performance.now();
    for (const text of [HUGE, HUGE_DIGITS, '!'.repeat(10_000), ` ${'a'.repeat(9_998)} `]) {
      expect(normalize(text).length).toBeLessThanOrEqual(10_000);
      expect(parseChoice(text, 9)).toBeUndefined();
      expect(parseYesNo(text)).toBeUndefined();
      expect(parseInteger(text)).toBeUndefined();
      expect(parseBirthYear(text, new Date())).toEqual({ ok: false, reason: 'format' });
      expect(parsePhone(text)).toBeUndefined();
      expect(parseBloodPressure(text)).toBeUndefined();
      expect(parseWeightKg(text)).toBeUndefined();
    }
    expect(performance.now() - started).toBeLessThan(500);
  });
});
