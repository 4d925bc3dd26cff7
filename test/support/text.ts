import { createTranslator } from '../../src/i18n.ts';

const translate = createTranslator();

/** What the bot says for `key` in Vietnamese (tests compare against the locale, not copies of it). */
export const vi = (key: string, vars?: Record<string, unknown>) => translate('vi', key, vars);
export const en = (key: string, vars?: Record<string, unknown>) => translate('en', key, vars);
