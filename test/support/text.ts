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
