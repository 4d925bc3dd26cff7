import { expect } from 'vitest';
import { type AddressForm, addressVars } from '../../src/engine/address.ts';
import { createTranslator } from '../../src/i18n.ts';

const translate = createTranslator();

/**
 * What the bot says for `key` in Vietnamese (tests compare against the locale, not copies of it),
 * addressing the person as `form` ("bác" unless a test says otherwise, as the bot does).
 */
export const vi = (key: string, vars?: Record<string, unknown>, form: AddressForm = 'elder') =>
  translate('vi', key, { ...addressVars(translate, 'vi', form), ...vars });
export const en = (key: string, vars?: Record<string, unknown>) =>
  translate('en', key, { ...addressVars(translate, 'en', 'elder'), ...vars });

/** The digit that answers `label` among a question's choices (failing when it is not offered). */
export function digitOf(reply: { choices?: string[] }, label: string): string {
  const index = reply.choices?.indexOf(label) ?? -1;
  expect(index, `"${label}" among ${JSON.stringify(reply.choices)}`).toBeGreaterThanOrEqual(0);
  return String(index + 1);
}
