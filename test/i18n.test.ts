/**
 * Every user-facing string lives in locales/, in Vietnamese and English alike.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTranslator, loadLocale } from '../src/i18n.ts';
import { CHANNELS, MEMBER_STATUSES, ROLES } from '../src/models/index.ts';

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}

const vi = flatten(loadLocale('vi') as Tree);
const en = flatten(loadLocale('en') as Tree);
/** How to address the person ({{you}}, {{You}}) comes with every message; a language may not need it. */
const ADDRESS_VARIABLES = ['you', 'You'];
const variables = (text: string) =>
  [...text.matchAll(/{{\s*(\w+)\s*}}/g)]
    .map((m) => m[1])
    .filter((name) => !ADDRESS_VARIABLES.includes(name!))
    .sort();

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Files whose Vietnamese words are data, not messages: the answer vocabulary and the demo (and synthetic) people. */
const VOCABULARY_FILES = ['src/engine/answers.ts', 'src/demo/seed.ts', 'src/reports/synthetic.ts'];
/** Comments may be in any language; only code counts. */
const withoutComments = (text: string) =>
  text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
const code = [...sourceFiles('src'), ...sourceFiles('flows')].map((path) => ({
  path,
  text: withoutComments(readFileSync(path, 'utf8')),
}));

describe('locales', () => {
  it('have the same keys in Vietnamese and English', () => {
    expect([...en.keys()].filter((key) => !vi.has(key))).toEqual([]);
    expect([...vi.keys()].filter((key) => !en.has(key))).toEqual([]);
  });

  it('use the same {{variables}} in both languages, and no empty text', () => {
    for (const [key, text] of vi) {
      expect(variables(en.get(key) ?? ''), key).toEqual(variables(text));
      expect(text.trim(), key).not.toBe('');
    }
  });

  it('hold every key the code asks for', () => {
    const namespaces = new Set([...vi.keys()].map((key) => key.split('.')[0]));
    const used = code.flatMap(({ text }) =>
      // A quoted dotted name not followed by ':' (that would be a MongoDB path such as 'roles.role': …).
      [...text.matchAll(/'([a-z][A-Za-z]*\.[A-Za-z.]+)'(?!\s*:)/g)]
        .map((m) => m[1]!)
        .filter((key) => namespaces.has(key.split('.')[0]!) && !key.endsWith('.')),
    );
    expect(used.length).toBeGreaterThan(50);
    expect([...new Set(used)].filter((key) => !vi.has(key))).toEqual([]);
    for (const status of MEMBER_STATUSES) expect(vi.has(`status.${status}`), status).toBe(true);
    for (const role of ROLES) expect(vi.has(`roles.${role}`), role).toBe(true);
    for (const channel of CHANNELS) expect(vi.has(`channels.${channel}`), channel).toBe(true);
  });

  it('are the only place with Vietnamese text (nothing user-facing hard-coded)', () => {
    const vietnamese = /[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]/i;
    const offenders = code
      .filter(({ path }) => !VOCABULARY_FILES.includes(path))
      .flatMap(({ path, text }) =>
        text
          .split('\n')
          .map((line, index) => ({ line, where: `${path}:${index + 1}` }))
          .filter(({ line }) => vietnamese.test(line))
          .map(({ where, line }) => `${where}: ${line.trim()}`),
      );
    expect(offenders).toEqual([]);
    // The page folds accents for its search box (đ → d); apart from that it holds no Vietnamese.
    const page = withoutComments(readFileSync('public/simulator.html', 'utf8')).replace('[đĐ]', '');
    expect(vietnamese.test(page)).toBe(false);
  });
});

describe('translator', () => {
  it('gives each text its own values, in its own language, also when asked again and again', () => {
    const t = createTranslator();
    for (let round = 0; round < 3; round++) {
      // More texts than it remembers, so the first ones are forgotten and rendered anew.
      for (let n = 1; n <= 1200; n++) {
        expect(t('vi', 'common.choiceLine', { n, label: 'Có' })).toBe(`Gõ ${n} = Có`);
        expect(t('en', 'common.choiceLine', { n, label: 'Yes' })).toBe(`Type ${n} = Yes`);
      }
    }
    expect(t('vi', 'common.choiceLine', { n: 1, label: 'Không' })).toBe('Gõ 1 = Không');
  });
});
