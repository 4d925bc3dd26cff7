/**
 * "Quay lại" / "back" (src/engine/engine.ts): the previous question of the open flow, with the
 * data as it was before it was answered; at a flow's first question, the menu. Played on the
 * registration flow, whose questions come in a fixed order. A transcript on real channels is
 * in test/conversation.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { MAX_HISTORY } from '../../src/engine/engine.ts';
import { CODES, converse, PEOPLE, standardWorld } from '../support/engine.ts';

/** A newcomer with the open code, answered up to the birth-year question. */
const upToYear: [string, string][] = [
  [`/start ${CODES.open}`, 'register.askLanguage'],
  ['1', 'register.consent'],
  ['1', 'register.askName'],
  ['nguyen thi mai', 'register.askYear'],
];

describe('"quay lại" in a flow', () => {
  it('from the year question returns to the name question, and the new name is the one kept', async () => {
    const chat = standardWorld().chat('500');
    const replies = await converse(chat, [
      ...upToYear,
      ['quay lại', 'register.askName'],
      ['tran thi hoa', 'register.askYear'],
      ['1950', 'register.askGender'],
      ['1', 'register.askPhone'],
      ['0981 000 001', 'register.summary'],
    ]);
    expect(replies.at(-1)!.vars[0]).toMatchObject({ name: 'Tran Thi Hoa', year: 1950 });
  });

  it('goes back one question at a time, in every way people say it', async () => {
    const chat = standardWorld().chat('501');
    await converse(chat, [
      ...upToYear,
      ['quay lai', 'register.askName'],
      ['Trở lại', 'register.consent'],
      ['BACK', 'register.askLanguage'],
      ['2', 'register.consent'],
      ['1', 'register.askName'],
    ]);
    // The language picked again is the one in force: English this time.
    expect(chat.state.lang).toBe('en');
  });

  it('gives back the data as it was before the answer it undoes', async () => {
    const chat = standardWorld().chat('502');
    await converse(chat, [...upToYear, ['1950', 'register.askGender'], ['lùi', 'register.askYear']]);
    expect(chat.state.session).toMatchObject({ step: 'birthYear', data: { fullName: 'Nguyen Thi Mai' } });
    expect(chat.state.session!.data).not.toHaveProperty('birthYear');
  });

  it('at the first question says there is none before it and shows the menu', async () => {
    const chat = standardWorld().chat('503');
    const replies = await converse(chat, [
      [`/start ${CODES.open}`, 'register.askLanguage'],
      ['quay lại', ['common.nothingToGoBack', 'menu.titleGuest']],
    ]);
    expect(replies.flatMap((reply) => reply.effects)).toEqual([]);
    expect(chat.state.session?.flow).toBe('menu');
  });

  it('back to the first question and once more: the menu', async () => {
    const chat = standardWorld().chat('504');
    await converse(chat, [
      ...upToYear.slice(0, 2),
      ['back', 'register.askLanguage'],
      ['back', ['common.nothingToGoBack', 'menu.titleGuest']],
    ]);
  });

  it('outside a question is the menu', async () => {
    const chat = standardWorld().chat(PEOPLE.member.chat);
    await converse(chat, [
      ['quay lại', 'menu.title'],
      ['quay lại', 'menu.title'],
    ]);
  });

  it('does not undo what an answer did: the code sent stays sent, the phone is asked again', async () => {
    const chat = standardWorld().chat('505');
    await converse(chat, [...upToYear, ['1950', 'register.askGender'], ['1', 'register.askPhone']]);
    const sent = await chat.say(PEOPLE.member.phone);
    expect(sent.keys).toEqual(['register.askConfirmCode']);
    const back = await chat.say('quay lại');
    expect(back.keys).toEqual(['register.askPhone']);
    expect(back.effects).toEqual([]);
    // The code's hash went with the answer that made it: an old code is no answer now.
    expect(chat.state.session!.data).not.toHaveProperty('confirmHash');
    await converse(chat, [['0981 000 002', 'register.summary']]);
  });

  it('after a failed try asks the previous question afresh', async () => {
    const chat = standardWorld().chat('506');
    await converse(chat, [
      ...upToYear,
      ['khong nho', ['register.yearHint', 'register.askYear']],
      ['quay lại', 'register.askName'],
    ]);
    expect(chat.state.session!.tries).toBe(0);
  });

  it('from "try again / back to the menu" after three failed tries returns to the question before', async () => {
    const chat = standardWorld().chat('508');
    await converse(chat, [
      ...upToYear,
      ['khong nho', ['register.yearHint', 'register.askYear']],
      ['khong nho', ['register.yearHint', 'register.askYear']],
      ['khong nho', 'common.stuck'],
      ['quay lại', 'register.askName'],
      ['nguyen thi mai', 'register.askYear'],
    ]);
    expect(chat.state.session!.data).not.toHaveProperty('__resume');
  });

  it('keeps the last MAX_HISTORY questions', async () => {
    const chat = standardWorld().chat('507');
    await converse(chat, upToYear);
    // The summary's "change something" loop adds a question per round without an end.
    await converse(chat, [
      ['1950', 'register.askGender'],
      ['1', 'register.askPhone'],
      ['0981 000 003', 'register.summary'],
    ]);
    for (let round = 0; round < MAX_HISTORY; round++) {
      await converse(chat, [
        ['2', 'register.whichField'],
        ['3', 'register.askGender'],
        ['1', 'register.summary'],
      ]);
    }
    expect(chat.state.session!.history).toHaveLength(MAX_HISTORY);
    expect(chat.state.session!.history!.at(-1)).toMatchObject({ step: 'gender' });
  });
});

describe('the other commands in the middle of a flow, after going back', () => {
  it('help asks the same question again', async () => {
    const chat = standardWorld().chat('510');
    const replies = await converse(chat, [...upToYear, ['quay lại', 'register.askName']]);
    const help = await chat.say('help');
    expect(help.keys[0]).toBe('common.help');
    expect(help.keys.at(-1)).toBe('register.askName');
    expect(replies.flatMap((reply) => reply.effects)).toEqual([]);
  });

  it('menu leaves the flow; nothing is saved, and the person is told', async () => {
    const chat = standardWorld().chat('511');
    await converse(chat, [
      ...upToYear,
      ['quay lại', 'register.askName'],
      ['menu', ['common.notSaved', 'menu.titleGuest']],
      ['quay lại', 'menu.titleGuest'],
    ]);
  });

  it('huỷ stops the flow', async () => {
    const chat = standardWorld().chat('512');
    await converse(chat, [
      ...upToYear,
      ['quay lại', 'register.askName'],
      ['huỷ', ['common.cancelled', 'common.notSaved', 'menu.titleGuest']],
    ]);
    expect(chat.state.session?.flow).toBe('menu');
  });
});
