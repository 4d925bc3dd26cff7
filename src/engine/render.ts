/**
 * Turns what a flow says (an i18n key and values) into a message for one chat.
 * Kept apart from the Engine so that code sending notices outside a turn needs
 * only this, not the engine.
 */
import type { Translate } from '../i18n.ts';
import { type AddressForm, addressVars } from './address.ts';
import type { Inbound, Lang, Outbound, Say } from './types.ts';

export class Renderer {
  readonly #translate: Translate;

  constructor(translate: Translate) {
    this.#translate = translate;
  }

  /**
   * Translates one `Say` into an `Outbound` for this chat, addressing the person as `form`
   * ("bác" unless known otherwise: notices rendered outside a turn keep the respectful default).
   */
  render(
    target: Pick<Inbound, 'channel' | 'chatId'>,
    lang: Lang,
    say: Say,
    memberId?: string,
    form: AddressForm = 'elder',
  ): Outbound {
    const t = this.#translate;
    const address = addressVars(t, lang, form);
    const outbound: Outbound = {
      channel: target.channel,
      chatId: target.chatId,
      lang,
      text: t(lang, say.key, { ...address, ...say.vars }),
    };
    const choices = say.choices?.map((key) => t(lang, key, address)) ?? say.choiceTexts;
    if (choices) {
      // Numbered lines in the text itself: every app shows them, and a digit always answers.
      outbound.choices = choices;
      const lines = choices.map((label, index) => t(lang, 'common.choiceLine', { n: index + 1, label }));
      outbound.text = `${outbound.text}\n\n${lines.join('\n')}`;
    }
    if (say.requestContact) outbound.contactButton = t(lang, 'common.shareContact');
    if (memberId) outbound.memberId = memberId;
    return outbound;
  }
}
