/**
 * Translations: every user-facing string lives in `locales/<lang>/translation.json`.
 * Vietnamese is the default and the fallback.
 */
import { readFileSync } from 'node:fs';
import i18next, { type TFunction } from 'i18next';
import type { Lang } from './engine/types.ts';
import { LANGUAGES } from './models/index.ts';

const localesDir = new URL('../locales/', import.meta.url);

export function loadLocale(lang: Lang): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`${lang}/translation.json`, localesDir), 'utf8'));
}

export type Translate = (lang: Lang, key: string, vars?: Record<string, unknown>) => string;

/** Builds a translator over the bundled locales (synchronous; no I/O after this). */
export function createTranslator(): Translate {
  const instance = i18next.createInstance();
  void instance.init({
    initAsync: false,
    lng: 'vi',
    fallbackLng: 'vi',
    supportedLngs: [...LANGUAGES],
    // Texts go to chat apps, not HTML: nothing to escape.
    interpolation: { escapeValue: false },
    resources: Object.fromEntries(LANGUAGES.map((lang) => [lang, { translation: loadLocale(lang) }])),
  });
  const fixed = new Map<Lang, TFunction>(LANGUAGES.map((lang) => [lang, instance.getFixedT(lang)]));
  const translate: Translate = (lang, key, vars) => {
    const t = fixed.get(lang) ?? fixed.get('vi')!;
    return t(key, vars ?? {}) as string;
  };
  return remembered(translate);
}

/** Texts remembered at most; the oldest goes first. */
const REMEMBERED_TEXTS = 1000;
/** Longer keys (a broadcast's text among the values) are remembered too, up to this length. */
const REMEMBERED_KEY_CHARS = 10_000;

/**
 * The same text asked for again is given from memory: a reminder or an announcement to thousands
 * renders the same few texts for each of them, and i18next took ~0.1 ms of CPU a message (its
 * lookup and interpolation, a dozen calls a message). Only values that are plain strings,
 * numbers or booleans make a key; anything else is translated each time.
 */
function remembered(translate: Translate): Translate {
  const texts = new Map<string, string>();
  return (lang, key, vars) => {
    const values = vars ? Object.values(vars) : [];
    if (!values.every((value) => ['string', 'number', 'boolean'].includes(typeof value)))
      return translate(lang, key, vars);
    const memoKey = `${lang}\u0000${key}\u0000${vars ? JSON.stringify(vars) : ''}`;
    const known = texts.get(memoKey);
    if (known !== undefined) return known;
    const text = translate(lang, key, vars);
    if (memoKey.length <= REMEMBERED_KEY_CHARS) {
      if (texts.size >= REMEMBERED_TEXTS) texts.delete(texts.keys().next().value!);
      texts.set(memoKey, text);
    }
    return text;
  };
}
