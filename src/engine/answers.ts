// Parsers for free-text answers typed by elderly club members: no diacritics, typos, bare digits.
// Pure functions only; callers decide what to say when a parser returns undefined.

/** Longer input is not treated as an answer (keeps every parser fast on pasted text). */
const MAX_ANSWER_LENGTH = 200;

/** Words that add politeness or a subject but no meaning: "co a", "vang nhe", "toi co". */
const FILLERS = new Set('a nhe nha nhen oi chu luon vay toi'.split(' '));

/** Yes, as typed: words, abbreviations ("dc", "vg", "uk") and typos of "có" ("coa", "cos", "cóo"). */
const YES = new Set(
  'co coa cos coo c yes y yep yeah ok oke okay oki okie uh u uk um uhm vang vg duoc dc roi dung phai 1'.split(
    ' ',
  ),
);
/**
 * No, as typed: "không" and its abbreviations and typos ("ko", "k", "hok", "khg", "khum", "kg" —
 * here only, never next to a number), "chưa", "chẳng", "sai", "no", "2".
 */
const NO = new Set(
  'khong ko k kg kh khg khog khogn kong khoong hk hong hok hem khum chang no n nope nah chua sai 2'.split(
    ' ',
  ),
);
/** Phrases that are one yes/no word: "có mặt" is "có", "đồng ý" yes, "từ chối" no. */
const YES_NO_PHRASES: [RegExp, string][] = [
  [/\bco mat\b/g, 'co'],
  [/\b(?:dong y|chac chan|tat nhien)\b/g, 'yes'],
  [/\btu choi\b/g, 'no'],
];
/**
 * "Đâu" ("đâu có", "có đâu": not at all) turns a yes/no answer into a no. It is told from "đau"
 * (pain: "có đau" is yes, it hurts) by its diacritics only, so it is marked before they go.
 */
const NOT_AT_ALL = /(?<!\p{L})đâu(?!\p{L})/giu;
const NOT_AT_ALL_MARK = 'notatall';
/** "Dạ" (and "thưa"): politeness before an answer ("dạ không" is no), yes when alone ("dạ"). */
const POLITE = new Set(['da', 'thua']);
/** "dau" without diacritics: "đâu" or "đau". Right after a no-word either is no ("không đâu"). */
const DAU = 'dau';

/** Digit words 1-9 (after diacritic stripping "năm" is "nam", "tư" is "tu"). */
const DIGITS = new Map(
  Object.entries({ mot: 1, hai: 2, ba: 3, bon: 4, tu: 4, nam: 5, sau: 6, bay: 7, tam: 8, chin: 9 }),
);
/** Unit forms that only follow "mươi": "hai mươi mốt", "mười lăm", "hai mươi nhăm". */
const UNITS_AFTER_TENS = new Map([...DIGITS, ['lam', 5], ['nham', 5]]);
/** "Mươi", and "chục" as in "ba chục" (30). */
const TENS = new Set(['muoi', 'chuc']);
/**
 * Units that, right after a digit word, make the short form of a number 21-99 without "mươi":
 * "hai lăm" (25), "hai mốt" (21), "ba tư" (34). ("Bốn tám" is read digit by digit where that is
 * allowed, so a year stays a year.)
 */
const SHORT_TENS_UNITS = new Set(['lam', 'nham', 'mot', 'tu']);
const SCALES = new Map([
  ['nghin', 1000],
  ['ngan', 1000],
  ['tram', 100],
]);
/** "linh"/"lẻ": zero tens, as in "một trăm linh năm" = 105. */
const ZERO_TENS = new Set(['linh', 'le']);
const NUMBER_WORDS = new Set([...UNITS_AFTER_TENS.keys(), ...SCALES.keys(), ...ZERO_TENS, ...TENS, 'khong']);
/** Words that make the number after them negative: "âm 5", "trừ 5". */
const MINUS_WORDS = new Set(['am', 'tru', 'minus']);

/** "Rưỡi": and a half, after a number ("48 rưỡi" = 48.5). */
const HALF = 'ruoi';

/** Words that make a number an age: "75 tuổi", "75 years old". */
const AGE_WORDS = new Set(['tuoi', 'old']);

const DECIMAL = /\d+(?:[.,]\d+)?/g;

/**
 * Canonical form used for all matching: NFC, lower case, Vietnamese diacritics removed (đ → d),
 * full-width digits made ASCII, whitespace collapsed, punctuation trimmed from both ends
 * ('/' and '+' are kept). Example: "  Có  ạ! " → "co a".
 */
export function normalize(text: string): string {
  const s = text
    .normalize('NFC')
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .normalize('NFC')
    .replace(/[\uff10-\uff19]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0))
    .replace(/\s+/g, ' ');
  const isEdge = (ch: string | undefined) => ch === ' ' || (ch !== '/' && /^\p{P}$/u.test(ch ?? ''));
  let start = 0;
  let end = s.length;
  while (start < end && isEdge(s[start])) start++;
  while (end > start && isEdge(s[end - 1])) end--;
  return s.slice(start, end);
}

/** Normalized words of an answer; empty for blank or overly long input. */
function words(text: string): string[] {
  const s = text.length > MAX_ANSWER_LENGTH ? '' : normalize(text);
  return s === '' ? [] : s.split(' ');
}

function withoutTrailingFillers(ws: string[]): string[] {
  let end = ws.length;
  while (end > 0 && FILLERS.has(ws[end - 1] ?? '')) end--;
  return ws.slice(0, end);
}

const digitOf = (w: string | undefined) => DIGITS.get(w ?? '');

/** "mươi" followed by an optional unit word: tens(2, "mot") = 21. */
function tens(d: number, unit: string | undefined): number | undefined {
  if (unit === undefined) return d * 10;
  const u = UNITS_AFTER_TENS.get(unit);
  return u === undefined ? undefined : d * 10 + u;
}

/**
 * The part below 100 that ends a spelled number. `scale` is the last "trăm"/"nghìn" seen, which
 * allows "linh năm" (05), the short "bốn tám" (48) and colloquial "một trăm hai" (120).
 */
function belowHundred(ws: string[], scale: number | undefined): number | undefined {
  const [a, b, c, extra] = ws;
  if (extra !== undefined) return undefined;
  if (a === undefined) return scale === undefined ? undefined : 0;
  if (TENS.has(a)) return c === undefined ? tens(1, b) : undefined;
  if (ZERO_TENS.has(a)) return scale !== undefined && c === undefined ? digitOf(b) : undefined;
  const d = digitOf(a);
  if (d === undefined) return undefined;
  if (TENS.has(b ?? '')) return tens(d, c);
  if (b === undefined) return scale === undefined ? d : (d * scale) / 10;
  if (scale === undefined && c === undefined && d >= 2 && SHORT_TENS_UNITS.has(b)) return tens(d, b);
  const e = digitOf(b);
  return scale !== undefined && c === undefined && e !== undefined ? d * 10 + e : undefined;
}

/** Strictly parses a whole run of Vietnamese number words up to 9999, e.g. "mot nghin chin tram bon muoi tam". */
function spelledNumber(ws: string[]): number | undefined {
  let i = 0;
  let total = 0;
  let scale: number | undefined;
  while (i + 1 < ws.length) {
    const d = ws[i] === 'khong' ? 0 : digitOf(ws[i]);
    const next = SCALES.get(ws[i + 1] ?? '');
    if (d === undefined || next === undefined || (scale !== undefined && next >= scale)) break;
    total += d * next;
    scale = next;
    i += 2;
  }
  const rest = belowHundred(ws.slice(i), scale);
  return rest === undefined ? undefined : total + rest;
}

/** Digit-by-digit reading, as years are often said: "mot chin bon tam" = 1948, "bon tam" = 48. */
function digitSequence(ws: string[]): number | undefined {
  const ds = ws.map((w) => (w === 'khong' ? 0 : digitOf(w)));
  return ws.length > 1 && ds.every((d) => d !== undefined) ? Number(ds.join('')) : undefined;
}

/**
 * Finds the spelled number inside an answer ("toi nam nay bay muoi tuoi" → 70). A leading "năm"
 * directly before a digit word means "year", not 5. With several candidates the longest wins;
 * a tie is ambiguous.
 */
function findSpelledNumber(ws: string[], digitByDigit = false): number | undefined {
  const runs: string[][] = [];
  let run: string[] = [];
  for (const w of [...ws, '']) {
    if (NUMBER_WORDS.has(w)) run.push(w);
    else if (run.length > 0) {
      runs.push(run[0] === 'nam' && digitOf(run[1]) !== undefined ? run.slice(1) : run);
      run = [];
    }
  }
  const found = runs
    .map((r) => ({
      size: r.length,
      value: spelledNumber(r) ?? (digitByDigit ? digitSequence(r) : undefined),
    }))
    .filter((f) => f.value !== undefined)
    .sort((x, y) => y.size - x.size);
  const [best, second] = found;
  return best === undefined || best.size === second?.size ? undefined : best.value;
}

/** The only run of ASCII digits in `s`, if there is exactly one. */
function onlyDigitRun(s: string): string | undefined {
  const runs = s.match(/\d+/g) ?? [];
  return runs.length === 1 ? runs[0] : undefined;
}

const toDecimal = (s: string) => Number(s.replace(',', '.'));

/**
 * Whether the answer holds a negative number: a minus sign before a digit ("-5", "−5"; not the
 * dash in "130-80") or "âm"/"trừ" before a number ("âm 5", "âm năm"). Such answers are never
 * read as the positive number.
 */
function hasNegative(text: string, ws: string[]): boolean {
  if (/(?<![\p{L}\d])[-\u2212\u2013]\d/u.test(text)) return true;
  return ws.some((w, i) => {
    const next = ws[i + 1] ?? '';
    return MINUS_WORDS.has(w) && (/^\d/.test(next) || NUMBER_WORDS.has(next));
  });
}

function matchLabel(labels: string[], phrase: string): number | undefined {
  const names = labels.map(normalize);
  const exact = names.indexOf(phrase);
  if (exact >= 0) return exact + 1;
  if (phrase.length < 3) return undefined;
  const prefixed = names.flatMap((name, i) => (name.startsWith(phrase) ? [i + 1] : []));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

function choiceNumber(phrase: string): number | undefined {
  const rest = phrase.replace(/^(?:(?:toi|chon|so|thu)\s*)*/, '');
  const leading = /^(\d+)(?:[\s.):·-]\D*)?$/.exec(rest)?.[1];
  if (leading !== undefined) return Number(leading);
  return rest === 'nhat' ? 1 : spelledNumber(rest.split(' '));
}

/**
 * Reads which of `count` options was picked, as a 1-based number. Accepts "2", "2.", "số 2",
 * "chọn 2", "thứ hai", button text such as "2 · English", full-width "２" and number words
 * ("hai", "bốn"/"tư"). When `labels` are given, the label itself (or a unique prefix of at least
 * 3 characters) is accepted and takes precedence over number words, so "Nam" picks the label
 * "Nam" rather than option 5. Returns undefined when nothing matches or the number is out of range.
 */
export function parseChoice(text: string, count: number, labels: string[] = []): number | undefined {
  const ws = words(text);
  if (ws.length === 0) return undefined;
  const core = withoutTrailingFillers(ws).join(' ');
  const choice = matchLabel(labels, ws.join(' ')) ?? matchLabel(labels, core) ?? choiceNumber(core);
  return choice !== undefined && choice >= 1 && choice <= count ? choice : undefined;
}

/**
 * Reads a yes/no answer: "có", "co a", "coa", "có mặt", "vâng", "ừ", "ok", "đồng ý", "1", "👍" are
 * yes; "không", "ko", "k", "hok", "chưa", "không đâu", "từ chối", "2", "👎" are no.
 * - A no-word right before a yes-word negates it: "không có", "chưa có", "không đồng ý",
 *   "không được", "ko phải" are no — one answer, not two.
 * - "Đâu" makes an answer no: "đâu có", "có đâu" ("not at all"), "không đâu". Typed without
 *   diacritics ("co dau") it may be "có đau" (yes, it hurts): unclear, unless it follows a
 *   no-word ("khong dau" is no either way).
 * - "Dạ" is politeness: "dạ có" is yes, "dạ không" no, "dạ" alone yes.
 * - Both a yes and a no otherwise ("có không", "có, không", "yes no") is unclear: undefined,
 *   never no. "Rồi" after another word only stresses it ("sai rồi" is no, "đúng rồi" yes).
 * - Any other word ("không biết", "có lẽ", "co hay khong") makes the answer undefined.
 */
export function parseYesNo(text: string): boolean | undefined {
  let phrase = words(
    text
      .normalize('NFC')
      .replace(NOT_AT_ALL, ` ${NOT_AT_ALL_MARK} `)
      .replace(/[\u{1f3fb}-\u{1f3ff}\ufe0f]/gu, '')
      .replace(/👍|👌|✅/gu, ' co ')
      .replace(/👎|❌/gu, ' khong '),
  )
    .join(' ')
    .replace(/[,;.!?]+/g, ' , ');
  for (const [pattern, word] of YES_NO_PHRASES) phrase = phrase.replace(pattern, word);
  const said = new Set<boolean>();
  let notAtAll = false;
  let polite = false;
  let previous: boolean | undefined;
  for (const w of phrase.split(' ')) {
    if (w === '' || w === ',') previous = undefined;
    else if (w === NOT_AT_ALL_MARK) notAtAll = true;
    else if ((w === 'roi' && previous !== undefined) || (w === DAU && previous === false)) continue;
    else if (w === DAU) return undefined;
    else if (POLITE.has(w)) polite = true;
    else if (YES.has(w)) {
      // "không có": the yes-word is what the no-word negates.
      if (previous !== false) said.add(true);
      previous = previous !== false;
    } else if (NO.has(w)) {
      said.add(false);
      previous = false;
    } else if (!FILLERS.has(w)) return undefined;
  }
  if (said.size === 0) return polite && !notAtAll ? true : undefined;
  if (notAtAll) return false;
  return said.size === 1 ? said.has(true) : undefined;
}

/** Greetings and thank-yous, as normalized phrases. */
const SMALL_TALK: (readonly [string, 'greeting' | 'thanks'])[] = [
  ...'xin chao|chao|hello|hi|alo|a lo|good morning'.split('|').map((p) => [p, 'greeting'] as const),
  ...'cam on|cam ta|thank you|thank|thanks|tks|many thanks'.split('|').map((p) => [p, 'thanks'] as const),
];
/** Words that may follow a greeting or a thank-you: whom it is for, and warmth ("cảm ơn bác nhiều nhé"). */
const SMALL_TALK_TAIL = new Set(
  'bac ban em anh chi co chu ong ba chau con bot tro ly nhieu lam very much so you all moi nguoi ca nha buoi sang trua chieu'.split(
    ' ',
  ),
);

/**
 * Recognises a greeting ("xin chào", "chào bác", "hello") or a thank-you ("cảm ơn nhiều nhé",
 * "thank you") that is the whole message. Anything more ("chào, tôi tên Lan") is not small talk.
 */
export function parseSmallTalk(text: string): 'greeting' | 'thanks' | undefined {
  const phrase = words(text).join(' ');
  for (const [head, kind] of SMALL_TALK) {
    if (phrase !== head && !phrase.startsWith(`${head} `)) continue;
    const tail = phrase.slice(head.length).split(' ').filter(Boolean);
    if (tail.every((w) => SMALL_TALK_TAIL.has(w) || FILLERS.has(w))) return kind;
  }
  return undefined;
}

/**
 * Reads a whole number from an answer: plain digits with optional words around them ("25 tuổi")
 * or Vietnamese number words up to 9999 ("hai mươi lăm" = 25, "một trăm linh năm" = 105,
 * "một nghìn chín trăm bốn mươi tám" = 1948), including the spoken short forms "hai lăm" (25),
 * "ba tư" (34), "hai mốt" (21) and "ba chục" (30). Several separate numbers ("2 hay 3") are
 * ambiguous and give undefined, as does text without a number and a negative number ("-5",
 * "âm 5": never read as 5). "Không" alone is no number here: see {@link parseCount}.
 */
export function parseInteger(text: string): number | undefined {
  const ws = words(text);
  if (hasNegative(text, ws)) return undefined;
  const phrase = ws.join(' ');
  if (!/\d/.test(phrase)) return findSpelledNumber(ws);
  const digits = onlyDigitRun(phrase);
  const value = digits === undefined ? undefined : Number(digits);
  return value !== undefined && Number.isSafeInteger(value) ? value : undefined;
}

/** Negations that, alone or with {@link NOBODY}, answer "how many?" with none. */
const ZERO_NEGATIONS = new Set('khong ko k kh khg hok hong chang chua no'.split(' '));
/** Words of "không có ai", "chưa có người nào", "không một ai cả", "no one". */
const NOBODY = new Set('co ai nguoi nao gi mot ca het one'.split(' '));
/** Whole answers that mean zero. */
const ZERO_WORDS = new Set(['none', 'nobody', 'nothing', 'zero']);

/**
 * Reads a count where zero is a possible answer ("how many people live with you?"): everything
 * {@link parseInteger} reads, and none said in words — "không", "ko", "không có", "ko co",
 * "không có ai", "chưa có ai cả", "chẳng có người nào", "nobody" — is 0. "Không biết" and
 * other words after the negation are no count (undefined), as is a negative number.
 */
export function parseCount(text: string): number | undefined {
  const ws = withoutTrailingFillers(words(text));
  const [first] = ws;
  const none =
    (ws.length === 1 && ZERO_WORDS.has(first ?? '')) ||
    (ZERO_NEGATIONS.has(first ?? '') && ws.every((w) => ZERO_NEGATIONS.has(w) || NOBODY.has(w)));
  return none ? 0 : parseInteger(text);
}

/** Outcome of {@link parseBirthYear}: the year, or why it was rejected. */
export type BirthYearResult = { ok: true; year: number } | { ok: false; reason: 'format' | 'range' };

/**
 * Reads a birth year: "1948", "năm 1948", "sinh năm 1948", "12/5/1948" (the only 4-digit number),
 * "48" (19yy if that is in range, else 20yy), number words including digit-by-digit
 * ("một chín bốn tám"). The year must lie in minYear ..= now's year − minAge, else reason 'range';
 * no recognisable number gives reason 'format'.
 */
export function parseBirthYear(text: string, now: Date, minYear = 1920, minAge = 15): BirthYearResult {
  const ws = words(text);
  const runs = ws.join(' ').match(/\d+/g) ?? [];
  const fourDigit = runs.filter((r) => r.length === 4);
  const spelled = runs.length === 0 ? findSpelledNumber(ws, true) : undefined;
  const found = runs.length === 1 ? runs[0] : fourDigit.length === 1 ? fourDigit[0] : spelled?.toString();
  if (found === undefined) return { ok: false, reason: 'format' };
  const maxYear = now.getFullYear() - minAge;
  const inRange = (y: number) => y >= minYear && y <= maxYear;
  let year = Number(found);
  if (found.length === 2) year = inRange(1900 + year) ? 1900 + year : 2000 + year;
  return inRange(year) ? { ok: true, year } : { ok: false, reason: 'range' };
}

/** Outcome of {@link parseBirthYearOrAge}. */
export type BirthAnswer =
  /** A year: four digits, "năm 48", "bốn tám" (digit by digit), "05". */
  | { kind: 'year'; year: number }
  /** An age said with "tuổi": "75 tuổi", "bảy mươi lăm tuoi"; `year` is this year − age. */
  | { kind: 'age'; age: number; year: number }
  /** A bare number that is a plausible age ("75"): ask back. `year` is its reading as a year, if valid. */
  | { kind: 'ageOrYear'; age: number; ageYear: number; year?: number }
  | { kind: 'invalid'; reason: 'format' | 'range' };

/**
 * Reads the answer to "which year were you born?", where people also give their age.
 * - With the word "tuổi" the number is an age: "75 tuổi" → born this year − 75.
 * - A bare number alone ("75", "bảy mươi lăm") that is a plausible age (at least `minAge`, born
 *   no earlier than `minYear`) is ambiguous: "75" may be an age or 1975. The caller asks back
 *   ("75 tuổi, tức là sinh năm 1951?") and takes the year reading on "no". Bare numbers below
 *   `minAge` ("05", "12") are years as {@link parseBirthYear} reads them.
 * - Everything else is read by {@link parseBirthYear}: a year word ("năm 48", "sinh năm 48"), four
 *   digits, or digit-by-digit words ("bốn tám") make it clearly a year.
 */
export function parseBirthYearOrAge(text: string, now: Date, minYear = 1920, minAge = 15): BirthAnswer {
  const thisYear = now.getFullYear();
  const plausibleAge = (age: number) => age >= minAge && thisYear - age >= minYear;
  const ws = withoutTrailingFillers(words(text));
  if (ws.some((w) => AGE_WORDS.has(w))) {
    const age = parseInteger(text);
    if (age !== undefined && age < 1000) {
      return plausibleAge(age)
        ? { kind: 'age', age, year: thisYear - age }
        : { kind: 'invalid', reason: 'range' };
    }
  }
  const asYear = parseBirthYear(text, now, minYear, minAge);
  const phrase = ws.join(' ');
  const bare = /^\d{1,3}$/.test(phrase) ? Number(phrase) : spelledNumber(ws);
  if (bare !== undefined && plausibleAge(bare)) {
    return {
      kind: 'ageOrYear',
      age: bare,
      ageYear: thisYear - bare,
      year: asYear.ok ? asYear.year : undefined,
    };
  }
  return asYear.ok ? { kind: 'year', year: asYear.year } : { kind: 'invalid', reason: asYear.reason };
}

/**
 * Reads a Vietnamese mobile number and returns it as "84" + 9 digits. Accepts "0912345678",
 * "0912 345 678", "0912.345.678", "091-234-5678", "+84912345678", "84912345678", "(+84) 912345678",
 * optionally with words around it. Only current mobile prefixes (3, 5, 7, 8, 9) are valid;
 * landlines, wrong lengths or several numbers give undefined.
 */
export function parsePhone(text: string): string | undefined {
  const runs =
    words(text)
      .join(' ')
      .replace(/[\s.()-]/g, '')
      .match(/\+?\d+/g) ?? [];
  const national = runs.length === 1 ? /^(?:\+?84|0)([35789]\d{8})$/.exec(runs[0] ?? '')?.[1] : undefined;
  return national === undefined ? undefined : `84${national}`;
}

/**
 * Reads a blood pressure such as "130/80", "130 / 80", "130 80", "130-80", "140 trên 90",
 * "huyết áp 140/90" or in words ("một trăm bốn mươi trên chín mươi"). The Vietnamese shorthand
 * "14/9", "13.5/8.5" or "mười bốn trên chín" (both values under 30) means 140/90 and 135/85.
 * Implausible readings (systolic outside 60-300, diastolic outside 30-200, systolic not above
 * diastolic) and negative numbers give undefined.
 */
export function parseBloodPressure(text: string): { systolic: number; diastolic: number } | undefined {
  const ws = words(text);
  if (hasNegative(text, ws)) return undefined;
  const [high, low] = /\d/.test(ws.join(' ')) ? pressureDigits(ws.join(' ')) : pressureWords(ws);
  if (high === undefined || low === undefined) return undefined;
  const factor = high < 30 && low < 30 ? 10 : 1;
  const [systolic, diastolic] = [Math.round(high * factor), Math.round(low * factor)];
  const plausible = systolic >= 60 && systolic <= 300 && diastolic >= 30 && diastolic <= 200;
  return plausible && systolic > diastolic ? { systolic, diastolic } : undefined;
}

/** The two numbers of "140/90", "140 90", "140-90", "140 trên 90"; none for anything else. */
function pressureDigits(phrase: string): (number | undefined)[] {
  const [first, second, extra] = phrase.matchAll(DECIMAL);
  if (first === undefined || second === undefined || extra !== undefined) return [];
  const between = phrase.slice(first.index + first[0].length, second.index).trim();
  return ['', '/', '-', 'tren'].includes(between) ? [toDecimal(first[0]), toDecimal(second[0])] : [];
}

/** The two spelled numbers either side of "trên": "một trăm bốn mươi trên chín mươi". */
function pressureWords(ws: string[]): (number | undefined)[] {
  const at = ws.indexOf('tren');
  if (at < 0 || ws.indexOf('tren', at + 1) >= 0) return [];
  return [findSpelledNumber(ws.slice(0, at)), findSpelledNumber(ws.slice(at + 1))];
}

/**
 * Reads a body weight in kilograms: "52", "52kg", "52 kg", "52 ký", "52 cân", "52,5" or "52.5"
 * (decimal), number words ("năm mươi hai cân", the short "bốn tám" = 48), and "rưỡi" for a half:
 * "48 rưỡi", "48 cân rưỡi", "bốn tám rưỡi" = 48.5. Values outside 20-250 kg and negative numbers
 * give undefined.
 */
export function parseWeightKg(text: string): number | undefined {
  const all = words(text);
  if (hasNegative(text, all)) return undefined;
  const ws = all.filter((w) => w !== HALF);
  const halves = all.length - ws.length;
  const numbers = ws.join(' ').match(DECIMAL) ?? [];
  const [only, extra] = numbers;
  const whole =
    extra !== undefined ? undefined : only === undefined ? findSpelledNumber(ws, true) : toDecimal(only);
  const kg =
    halves === 0
      ? whole
      : halves === 1 && whole !== undefined && Number.isInteger(whole)
        ? whole + 0.5
        : undefined;
  return kg !== undefined && kg >= 20 && kg <= 250 ? kg : undefined;
}

type Feeling = 'well' | 'soSo' | 'unwell';
/** What a sentence says: a feeling, or a negated unwell word ("không mệt"). */
type FeelingSaid = Feeling | 'notUnwell';

const feelingPhrases = (list: string, feeling: Feeling) =>
  list.split('|').map((phrase): [string, Feeling] => [phrase, feeling]);
/**
 * Everyday words for each answer to "how do you feel", as normalized phrases. Unwell: tired, ill,
 * in pain, feverish, dizzy, weak, a cold, short of breath ("hơi mệt" is unwell too).
 */
const FEELING_PHRASES: [string, Feeling][] = [
  ...feelingPhrases('khoe|khoe manh|tot|rat tot|fine|well|good|great|very well', 'well'),
  ...feelingPhrases(
    'binh thuong|bt|bth|bthg|tam duoc|tam|tam tam|so so|so-so|on|ok|okay|cung duoc|thuong thuong|van vay|nhu moi ngay|khong sao|alright|normal',
    'soSo',
  ),
  ...feelingPhrases(
    'met|met moi|moi met|ue oai|om|benh|dau|nhuc|sot|chong mat|hoa mat|kho chiu|kho tho|yeu|kem|bi cam|cam cum|cum|buon non|mat ngu|tired|ill|sick|pain|unwell|bad|dizzy|weak',
    'unwell',
  ),
];
/** Longest first, so "khoe manh" is one phrase and "bi cam" is not read as "bi" + "cam". */
const FEELINGS = new Map(FEELING_PHRASES.sort(([a], [b]) => b.split(' ').length - a.split(' ').length));
/** Negations: "không khỏe", "ko khoe", "chẳng khỏe", "chưa khỏe", "hết mệt", "not well". */
const FEELING_NEGATIONS = new Set('khong ko k kg khg kh hok hong chang chua het not'.split(' '));
/** Thanks are no feeling ("khỏe, cảm ơn": the "ơn" is not "ổn"). */
const THANKS = /\b(?:cam on|cam ta|thank you|thanks)\b/g;
/**
 * Words that may stand between a negation and the feeling it negates: "không được khỏe",
 * "không thấy khỏe", "chẳng cảm thấy khỏe", "không còn khỏe", "không bị mệt", "không quá mệt".
 * Any other word ("không biết, hơi mệt") or a comma ends the negation.
 */
const NEGATION_BRIDGE = new Set('duoc thay cam con he bi co may qua feel feeling very so too'.split(' '));

/**
 * Reads the answer to "how do you feel": 1 well, 2 so-so, 3 unwell — by digit ("1", "3 · Không
 * khỏe") or by the words people use ("khỏe", "khỏe re", "bt", "tạm được", "cũng được", "mệt",
 * "hơi mệt", "đau lưng", "tired").
 * - A negation is never read as well: a negated well or so-so word ("không khỏe", "ko khoe",
 *   "chẳng khỏe", "không được khỏe", "chưa khỏe lắm", "không ổn", "not well") is 3.
 * - A negated unwell word ("không mệt", "không đau", "not bad") is 2 when nothing else is
 *   said: the person says what they are not, which is "bình thường" rather than "khỏe"
 *   ("khỏe, không mệt" is 1).
 * - Several feelings: unwell wins, then so-so ("khỏe nhưng hơi mệt" is 3): a missed "unwell"
 *   costs more than a needless call.
 * Undefined when no feeling is said ("không", "không biết").
 */
export function parseFeeling(text: string): 1 | 2 | 3 | undefined {
  const choice = parseChoice(text, 3);
  if (choice !== undefined) return choice as 1 | 2 | 3;
  // "có sao đâu" (it is nothing): "đâu" is no "đau" (pain).
  const ws = words(
    text
      .normalize('NFC')
      .replace(NOT_AT_ALL, ' ')
      .replace(/[,;.!?]+/g, ' , '),
  )
    .join(' ')
    .replace(THANKS, ' ')
    .split(' ')
    .filter(Boolean);
  const found = new Set<FeelingSaid>();
  let negated = false;
  for (let i = 0; i < ws.length; ) {
    const w = ws[i]!;
    const phrase = [...FEELINGS.keys()].find((p) => ws.slice(i, i + p.split(' ').length).join(' ') === p);
    if (phrase === undefined) {
      negated = FEELING_NEGATIONS.has(w) || (negated && NEGATION_BRIDGE.has(w));
      i += 1;
      continue;
    }
    const feeling = FEELINGS.get(phrase)!;
    found.add(negated ? (feeling === 'unwell' ? 'notUnwell' : 'unwell') : feeling);
    negated = false;
    i += phrase.split(' ').length;
  }
  if (found.has('unwell')) return 3;
  if (found.has('soSo')) return 2;
  if (found.has('well')) return 1;
  return found.has('notUnwell') ? 2 : undefined;
}

/**
 * Reads a time of day as "HH:MM": "8", "8h", "8:30", "8h30", "8 giờ 30", "14g", "2 giờ chiều"
 * (chiều / tối add 12 hours to 1–11), "8 rưỡi" (half past). Undefined for anything else.
 */
export function parseTimeOfDay(text: string): string | undefined {
  const phrase = words(text).join(' ');
  const match = /^(\d{1,2})\s*(?:h|g|gio|:|\.)?\s*(\d{2}|ruoi)?\s*(?:phut)?\s*(sang|trua|chieu|toi)?$/.exec(
    phrase,
  );
  if (!match) return undefined;
  let hours = Number(match[1]);
  const minutes = match[2] === 'ruoi' ? 30 : Number(match[2] ?? 0);
  if ((match[3] === 'chieu' || match[3] === 'toi') && hours >= 1 && hours < 12) hours += 12;
  if (hours > 23 || minutes > 59) return undefined;
  return `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
}

/**
 * Reads a day of the week the Vietnamese way: "thứ 5", "thứ năm", "t5", or a bare "5" is
 * Thursday (thứ Hai = 2 … thứ Bảy = 7); "chủ nhật", "cn" or "8" is Sunday. Returns 0 (Sunday)
 * to 6 (Saturday), as `Date.getUTCDay`.
 */
export function parseWeekday(text: string): 0 | 1 | 2 | 3 | 4 | 5 | 6 | undefined {
  const phrase = words(text).join(' ');
  if (/^(?:chu nhat|cn|8)$/.test(phrase)) return 0;
  const number = /^(?:thu|t)?\s*(.+)$/.exec(phrase)?.[1];
  const value = number === undefined ? undefined : (parseInteger(number) ?? choiceNumber(number));
  return value !== undefined && value >= 2 && value <= 7 ? ((value - 1) as 1 | 2 | 3 | 4 | 5 | 6) : undefined;
}

/**
 * Reads a date as day and month ("21/12", "21-12", "ngày 21 tháng 12", "21/12/2026") and gives
 * the local date ("YYYY-MM-DD") it means: that day this year, or next year when it has passed
 * (`today` is the local date now). Undefined for a date that does not exist (31/4).
 */
export function parseDayMonth(text: string, today: string): string | undefined {
  const phrase = words(text).join(' ');
  const match =
    /^(?:ngay\s*)?(\d{1,2})\s*(?:\/|-|\.|\s|thang)\s*(?:thang\s*)?(\d{1,2})(?:\s*(?:\/|-|\.|\s|nam)\s*(\d{4}))?$/.exec(
      phrase,
    );
  if (!match) return undefined;
  const [day, month] = [Number(match[1]), Number(match[2])];
  const thisYear = Number(today.slice(0, 4));
  const iso = (year: number) => `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  const year = match[3] ? Number(match[3]) : iso(thisYear) >= today ? thisYear : thisYear + 1;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return iso(year);
}

const UNSURE =
  /\b(?:chua (?:biet|chac|ro)|khong (?:biet|chac|ro)|co le|co the|de xem|xem da|tinh sau|chua chac chan|maybe|not sure|dont know)\b/;
const CANNOT = /\b(?:ban|ban viec|om|met|khong di|ko di|k di|khong den|vang mat|cannot|cant)\b/;

/**
 * Reads the answer to "will you come to the meeting": 1 có (yes), 2 không (no), 3 chưa chắc (not
 * sure) — by digit or words: "co", "có đi", "khong di duoc", "bận", "chua biet", "có lẽ".
 * Unsure words are read first ("chưa biết" is not a no, "có lẽ" not a yes).
 */
export function parseRsvp(text: string): 'yes' | 'no' | 'maybe' | undefined {
  const choice = parseChoice(text, 3);
  if (choice !== undefined) return (['yes', 'no', 'maybe'] as const)[choice - 1];
  const phrase = words(text).join(' ');
  if (UNSURE.test(phrase)) return 'maybe';
  if (CANNOT.test(phrase)) return 'no';
  const yes = parseYesNo(phrase.replace(/\b(?:di|den|hop|toi|se)\b/g, ' '));
  return yes === undefined ? undefined : yes ? 'yes' : 'no';
}

/** What a chair typed at roll-call (see `parseRollCall`). */
export type RollCallAnswer =
  | { kind: 'numbers'; numbers: number[] }
  | { kind: 'all' }
  | { kind: 'allExcept'; numbers: number[] }
  | { kind: 'count'; count: number };

/**
 * Reads a roll-call answer over members numbered 1…`size`: "1,3,5-12" (these are here), "tất
 * cả" (everyone), "tất cả trừ 4,7" (everyone but these), or one number alone, "35": a head count
 * (to name one person, "số 5" or "5,"). Numbers out of range, or a head count above `size`,
 * give undefined.
 */
export function parseRollCall(text: string, size: number): RollCallAnswer | undefined {
  const phrase = words(text).join(' ');
  const all = /^(?:tat ca|ca|du|du ca|all|everyone)(?:\s+(?:deu\s+)?(?:co mat|den))?$/.test(phrase);
  if (all) return { kind: 'all' };
  const except = /^(?:tat ca|all|everyone)?\s*(?:tru|vang|except|but)\s+(.+)$/.exec(phrase);
  if (except) {
    const numbers = numberList(except[1]!, size);
    return numbers ? { kind: 'allExcept', numbers } : undefined;
  }
  // A trailing comma ("5,") makes a list of one: normalize() would drop it.
  const alone = text.includes(',') ? null : /^(\d{1,4})(?:\s*(?:nguoi|people))?$/.exec(phrase);
  if (alone) {
    const count = Number(alone[1]);
    return count <= size ? { kind: 'count', count } : undefined;
  }
  const numbers = numberList(phrase.replace(/^(?:so|co mat)\s+/, ''), size);
  return numbers ? { kind: 'numbers', numbers } : undefined;
}

/** "1,3,5-12", "1 3 5 den 12", "4 va 7" → the numbers, sorted, each 1…size; undefined otherwise. */
function numberList(phrase: string, size: number): number[] | undefined {
  const parts = phrase
    .replace(/\s*(?:den|toi|to)\s*/g, '-')
    .split(/\s*(?:,|;|\bva\b|\band\b|\s)\s*/)
    .filter(Boolean);
  if (parts.length === 0) return undefined;
  const found = new Set<number>();
  for (const part of parts) {
    const range = /^(\d{1,4})(?:-(\d{1,4}))?$/.exec(part);
    if (!range) return undefined;
    const from = Number(range[1]);
    const to = Number(range[2] ?? range[1]);
    if (from < 1 || to > size || from > to) return undefined;
    for (let n = from; n <= to; n++) found.add(n);
  }
  return [...found].sort((a, b) => a - b);
}

/** Money units as typed: "tỷ", "triệu" / "tr" / "củ", "nghìn" / "ngàn" / "k". */
const MONEY_UNITS = new Map([
  ['ty', 1_000_000_000],
  ['trieu', 1_000_000],
  ['tr', 1_000_000],
  ['cu', 1_000_000],
  ['nghin', 1000],
  ['ngan', 1000],
  ['k', 1000],
]);
/** Currency words after an amount: "đồng", "đ", "VND". */
const CURRENCY = new Set(['dong', 'd', 'vnd', 'vnd.']);

/**
 * Reads an amount of money in đồng: digits with thousands separators ("1.500.000", "1,500,000",
 * "1 500 000"), plain digits ("500000"), units with whole or decimal numbers ("1,5 triệu",
 * "2 triệu", "500 nghìn", "500k", "1 tỷ 2"), the spoken short form "1tr5" (1.5 million) and
 * "2 triệu rưỡi", number words ("hai triệu", "năm trăm nghìn"), a currency word after it ("đ",
 * "đồng"), and none said in words ("không") as 0. A negative amount, a fraction of a đồng
 * ("12,5" alone) or anything else is undefined.
 */
export function parseMoney(text: string): number | undefined {
  if (text.length > MAX_ANSWER_LENGTH) return undefined;
  const ws = words(text);
  if (hasNegative(text, ws)) return undefined;
  const tokens = normalize(text)
    .replace(/(\d)(?=[a-z])/g, '$1 ')
    .replace(/([a-z])(?=\d)/g, '$1 ')
    .split(' ')
    .filter(Boolean);
  while (tokens.length > 1 && CURRENCY.has(tokens.at(-1)!)) tokens.pop();
  if (!tokens.some((t) => MONEY_UNITS.has(t))) {
    const phrase = tokens.join(' ');
    if (/^\d{1,3}(?:([.,\s])\d{3})(?:\1\d{3})*$/.test(phrase)) return Number(phrase.replace(/[.,\s]/g, ''));
    if (/^\d+$/.test(phrase)) return Number(phrase);
    if (/\d/.test(phrase)) return undefined;
    return parseCount(phrase);
  }
  let total = 0;
  let lastUnit = Number.POSITIVE_INFINITY;
  let phrase: string[] = [];
  for (const token of tokens) {
    const unit = MONEY_UNITS.get(token);
    if (unit !== undefined) {
      const value = moneyNumber(phrase);
      if (value === undefined || unit >= lastUnit) return undefined;
      total += value * unit;
      lastUnit = unit;
      phrase = [];
    } else if (token === HALF && phrase.length === 0 && Number.isFinite(lastUnit)) {
      total += lastUnit / 2;
    } else {
      phrase.push(token);
    }
  }
  if (phrase.length > 0) {
    // "1tr5", "1 tỷ 2": the digits after the last unit are its tenths (hundredths…).
    const tail = phrase.join(' ');
    const digits = /^\d+$/.test(tail) ? tail : String(spelledNumber(phrase) ?? '');
    if (!/^\d+$/.test(digits) || digits.length > 3) return undefined;
    total += (Number(digits) / 10 ** digits.length) * lastUnit;
  }
  const amount = Math.round(total);
  return Number.isSafeInteger(amount) ? amount : undefined;
}

/** The number before a money unit: "1,5" / "1.5" / "15" / "hai" / "năm trăm". */
function moneyNumber(phrase: string[]): number | undefined {
  const joined = phrase.join(' ');
  if (/^\d+(?:[.,]\d+)?$/.test(joined)) return Number(joined.replace(',', '.'));
  if (/\d/.test(joined) || phrase.length === 0) return undefined;
  return findSpelledNumber(phrase);
}
