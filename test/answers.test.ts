import { describe, expect, it } from 'vitest';
import {
  normalize,
  parseBirthYear,
  parseBirthYearOrAge,
  parseBloodPressure,
  parseChoice,
  parseCount,
  parseFeeling,
  parseInteger,
  parseMoney,
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
    '👌',
    // typos of "có" and other everyday ways
    'coa',
    'cos',
    'cóo',
    'co a',
    'có mặt',
    'Có mặt ạ',
    'có chứ',
    'vâng ạ',
    'ừ',
    'ừ ừ',
    'uk',
    'oki',
    'yep',
    'yeah',
    'dc',
    'đc',
    'phải',
    'phải rồi',
    'chắc chắn',
    'tất nhiên',
    'Có, có',
    'Vâng, đúng rồi',
    'dạ',
    'Dạ vâng',
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
    'khg',
    'khum',
    'hông',
    'hk',
    'nope',
    'NO',
    'không đâu',
    'khong dau',
    'chưa đâu',
    'ĐÂU CÓ',
    'không có đâu',
    'đâu có',
    'có đâu',
    'ko co dau',
    'không phải',
    'ko phải',
    'chẳng',
    'chưa được',
    'không ok',
    'sai',
    'sai rồi',
    'không, không',
    'dạ không',
    'Dạ, không ạ',
    'dạ chưa',
    'thưa không',
  ];
  it.each(yes)('%j is yes', (text) => {
    expect(parseYesNo(text)).toBe(true);
  });
  it.each(no)('%j is no', (text) => {
    expect(parseYesNo(text)).toBe(false);
  });
  it.each(['khong biet', 'không biết', 'co le', 'có lẽ', 'a', '3', 'đâu', 'kg gạo'])(
    '%j is not an answer',
    (text) => {
      expect(parseYesNo(text)).toBeUndefined();
    },
  );
  // Both words without one negating the other: asked again, never taken as no (nor yes).
  it.each([
    'có không',
    'Có không?',
    'co hay khong',
    'có hoặc không',
    'co ko',
    'có k',
    'Không, có',
    'yes no',
    '1 2',
    'có không có',
    'rồi không',
  ])('%j has both answers: unclear', (text) => {
    expect(parseYesNo(text)).toBeUndefined();
  });
  // "đâu" (not at all) and "đau" (it hurts) differ only by diacritics: a yes said with pain is
  // never read as no.
  it.each(['có đau', 'Có, đau', 'co dau', 'dau co'])('%j may be "yes, it hurts": unclear', (text) => {
    expect(parseYesNo(text)).toBeUndefined();
  });
  // Every negation of a yes-word: read as yes would be the worst mistake of all.
  it.each([
    'không có',
    'chưa có',
    'không đồng ý',
    'không được',
    'không đúng',
    'ko phải',
    'chẳng có',
    'kg co',
    'hok co',
    'khg co',
    'không vâng',
    'đâu có',
    'có đâu',
    'chưa đồng ý đâu',
    'không ok',
    '👎 có',
  ])('%j is never yes', (text) => {
    expect(parseYesNo(text)).not.toBe(true);
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
    // spoken short forms
    ['hai lăm', 25],
    ['hai lam', 25],
    ['bốn lăm', 45],
    ['chín nhăm', 95],
    ['hai mốt', 21],
    ['ba tư', 34],
    ['ba tư tuổi', 34],
    ['ba chục', 30],
    ['hai chục', 20],
    ['một chục', 10],
    ['một trăm hai mươi', 120],
    ['một trăm bốn mươi', 140],
  ])('%j → %j', (text, expected) => {
    expect(parseInteger(text)).toBe(expected);
  });

  it.each(['-5', '−5', '-25 tuổi', 'âm 5', 'âm năm', 'trừ 3', 'nhiệt độ -5'])(
    'negative %j is never read as positive',
    (text) => {
      expect(parseInteger(text)).toBeUndefined();
    },
  );

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

describe('parseCount', () => {
  it.each([
    ['không', 0],
    ['Không.', 0],
    ['ko', 0],
    ['không có', 0],
    ['ko co', 0],
    ['không có ai', 0],
    ['không ai', 0],
    ['chưa có ai cả', 0],
    ['chẳng có người nào', 0],
    ['không có ai ạ', 0],
    ['không một ai', 0],
    ['nobody', 0],
    ['none', 0],
    ['0', 0],
    ['3', 3],
    ['ba', 3],
    ['hai lăm', 25],
    ['2 người', 2],
  ])('%j → %j', (text, expected) => {
    expect(parseCount(text)).toBe(expected);
  });
  it.each(['không biết', 'ko nhớ', 'có', '-1', 'âm hai', '2 hay 3'])('%j is no count', (text) => {
    expect(parseCount(text)).toBeUndefined();
  });
  it('leaves yes/no alone: "không" is still no, "không có ai" no yes/no', () => {
    expect(parseYesNo('không')).toBe(false);
    expect(parseYesNo('không có ai')).toBeUndefined();
  });
  it.each(NOISE)('%s → undefined', (_, text) => {
    expect(parseCount(text)).toBeUndefined();
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
    ['140 90', 140, 90],
    ['huyết áp 140 trên 90', 140, 90],
    ['14/9', 140, 90],
    ['14 trên 9', 140, 90],
    ['130 - 80', 130, 80],
    ['một trăm bốn mươi trên chín mươi', 140, 90],
    ['Huyết áp một trăm ba mươi trên tám mươi', 130, 80],
    ['mười bốn trên chín', 140, 90],
    ['mot tram tam muoi lam tren mot tram muoi', 185, 110],
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
    '-140/90',
    'một trăm bốn mươi',
    'chín mươi trên một trăm bốn mươi',
    'một trăm trên tám mươi trên sáu mươi',
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
    ['48 rưỡi', 48.5],
    ['48 ruoi', 48.5],
    ['48 cân rưỡi', 48.5],
    ['48 ký rưỡi', 48.5],
    ['bốn tám rưỡi', 48.5],
    ['bốn tám cân', 48],
    ['năm mươi hai cân rưỡi', 52.5],
    ['nặng bốn lăm cân', 45],
  ])('%j → %j', (text, expected) => {
    expect(parseWeightKg(text)).toBe(expected);
  });

  it.each(['19', '251', '0', '1m60 52kg', '48,5 rưỡi', 'rưỡi', '48 rưỡi rưỡi', '-50', 'âm 50'])(
    '%j is not a plausible weight',
    (text) => {
      expect(parseWeightKg(text)).toBeUndefined();
    },
  );
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
    ['1 · Khỏe', 1],
    ['3 · Không khỏe', 3],
    ['hai', 2],
    // well
    ['khỏe re', 1],
    ['khoe', 1],
    ['khỏe mạnh', 1],
    ['tôi khỏe', 1],
    ['khỏe, cảm ơn', 1],
    ['cảm thấy khỏe', 1],
    ['sức khỏe tốt', 1],
    ['tốt', 1],
    ['rất tốt', 1],
    ['fine', 1],
    ['I am fine', 1],
    ['very well', 1],
    ['good', 1],
    // so-so
    ['bt', 2],
    ['bth', 2],
    ['binh thuong', 2],
    ['tôi thấy bình thường', 2],
    ['so-so', 2],
    ['so so', 2],
    ['tạm được', 2],
    ['tạm', 2],
    ['tàm tạm', 2],
    ['cũng được', 2],
    ['ổn', 2],
    ['ok', 2],
    ['vẫn vậy', 2],
    ['như mọi ngày', 2],
    ['không sao', 2],
    ['okay', 2],
    // unwell: tired, ill, in pain
    ['mệt', 3],
    ['hơi mệt', 3],
    ['mệt mỏi', 3],
    ['uể oải', 3],
    ['ốm', 3],
    ['bị ốm', 3],
    ['bệnh', 3],
    ['đau đầu', 3],
    ['đau khớp', 3],
    ['nhức đầu', 3],
    ['sốt', 3],
    ['chóng mặt', 3],
    ['hoa mắt', 3],
    ['khó chịu', 3],
    ['khó thở', 3],
    ['yếu', 3],
    ['sức khỏe kém', 3],
    ['bị cảm', 3],
    ['cảm cúm', 3],
    ['buồn nôn', 3],
    ['mất ngủ', 3],
    ['tired', 3],
    ['sick', 3],
    ['ill', 3],
    ['in pain', 3],
    ['unwell', 3],
    ['khỏe nhưng hơi mệt', 3],
    ['bình thường nhưng đau lưng', 3],
    // negations: a negated well or so-so word is unwell; a negated unwell word is so-so
    ['không khỏe lắm', 3],
    ['chẳng khỏe', 3],
    ['không được khỏe', 3],
    ['không được khỏe lắm', 3],
    ['chưa khỏe', 3],
    ['chưa khỏe lắm', 3],
    ['k khoe', 3],
    ['hok khoe', 3],
    ['khg khoe', 3],
    ['không thấy khỏe', 3],
    ['không ổn', 3],
    ['không tốt', 3],
    ['không bình thường', 3],
    ['not well', 3],
    ['not good', 3],
    ['không mệt', 2],
    ['không mệt lắm', 2],
    ['không đau', 2],
    ['hết đau rồi', 2],
    ['not bad', 2],
    ['không bị mệt', 2],
    ['không quá mệt', 2],
    ['không bị cảm', 2],
    ['khỏe, không mệt', 1],
    ['không biết, hơi mệt', 3],
    ['khong biet hoi met', 3],
    ['không cảm thấy khỏe', 3],
    ['chẳng cảm thấy khỏe lắm', 3],
    ['not feeling well', 3],
    ['không sao đâu', 2],
    ['I do not feel well', 3],
  ])('%j → %j', (text, expected) => {
    expect(parseFeeling(text)).toBe(expected);
  });
  it.each([
    'không khỏe',
    'ko khoe',
    'chẳng khỏe',
    'không được khỏe',
    'ko khoẻ lắm',
    'không còn khỏe',
    'chưa khỏe',
    'not well',
    'không mệt',
    'không tốt',
  ])('negation %j is never 1', (text) => {
    expect(parseFeeling(text)).not.toBe(1);
  });
  it.each(['không', 'ko', 'không biết', 'có', '4', 'chín', 'có sao đâu'])('%j is no feeling', (text) => {
    expect(parseFeeling(text)).toBeUndefined();
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
      expect(parseCount(text)).toBeUndefined();
      expect(parseFeeling(text)).toBeUndefined();
    }
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('parseMoney', () => {
  it.each([
    ['1,5 triệu', 1_500_000],
    ['1.5tr', 1_500_000],
    ['1tr5', 1_500_000],
    ['1tr250', 1_250_000],
    ['1.500.000', 1_500_000],
    ['1,500,000', 1_500_000],
    ['1 500 000', 1_500_000],
    ['1500000', 1_500_000],
    ['500.000đ', 500_000],
    ['200.000 vnđ', 200_000],
    ['500 nghìn', 500_000],
    ['500k', 500_000],
    ['2 triệu rưỡi', 2_500_000],
    ['một triệu rưỡi', 1_500_000],
    ['hai triệu', 2_000_000],
    ['năm trăm nghìn', 500_000],
    ['1 tỷ 2', 1_200_000_000],
    ['1,2 tỷ', 1_200_000_000],
    ['0', 0],
    ['không', 0],
  ])('reads %s as %d đồng', (text, value) => {
    expect(parseMoney(text)).toBe(value);
  });

  it.each(['-5', '-1,5 triệu', '12,5', '12.5', '🙂', 'abc', '3 nghìn 2 triệu', 'x'.repeat(5000), ''])(
    'refuses %s',
    (text) => {
      expect(parseMoney(text)).toBeUndefined();
    },
  );
});
