/**
 * How the bot addresses a person, chosen here and nowhere else. Vietnamese has no neutral
 * "you": people are addressed as kin by age and gender. Older people are "bác" (a parent's elder
 * sibling: respectful), younger adults "anh" (man) or "chị" (woman), and a younger adult of
 * another gender the neutral "bạn". While age or gender is unknown the bot says "bác", which
 * never offends. The words live in the locales (`address.<form>.you` / `.You`, capitalised to
 * start a sentence) and reach every message as the {{you}} / {{You}} variables.
 */
import type { Translate } from '../i18n.ts';
import type { Gender, Lang } from './types.ts';

/** From this age on, everyone is addressed as an elder. */
export const ELDER_AGE = 55;

export type AddressForm = 'elder' | 'man' | 'woman' | 'peer';

/** What the choice rests on; either may be unknown. */
export interface AddressFacts {
  birthYear?: number;
  gender?: Gender;
}

export function addressForm(facts: AddressFacts | undefined, now: Date): AddressForm {
  if (!facts?.birthYear || !facts.gender) return 'elder';
  if (now.getFullYear() - facts.birthYear >= ELDER_AGE) return 'elder';
  return facts.gender === 'male' ? 'man' : facts.gender === 'female' ? 'woman' : 'peer';
}

/** The {{you}} and {{You}} values for one message. */
export function addressVars(
  translate: Translate,
  lang: Lang,
  form: AddressForm,
): { you: string; You: string } {
  return { you: translate(lang, `address.${form}.you`), You: translate(lang, `address.${form}.You`) };
}
