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
  return (lang, key, vars) => {
    const t = fixed.get(lang) ?? fixed.get('vi')!;
    return t(key, vars ?? {}) as string;
  };
}
