/**
 * "Phân công" and "người tôi chăm sóc" with the real app (flows/assign.ts, flows/my-people.ts):
 * the chair assigns a volunteer of the club to a member by digits, the volunteer is told and
 * finds the member in her list, alerts about the member (`volunteersOf`) reach her alone, and
 * the chair can take the assignment back. Transcripts on every channel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotifyEffect } from '../src/engine/types.ts';
import { type ChannelHarness, type ChatDriver, HARNESSES } from './support/chats.ts';
import { memberWith } from './support/people.ts';
import { digitOf, vi } from './support/text.ts';

const CLUB = 'club-assign';
const CLUB_NAME = 'CLB Phân Công';

describe.each(HARNESSES)('phân công on $name', ({ start }) => {
  let h: ChannelHarness;
  let chair: ChatDriver;
  let giup: { id: string; chat: ChatDriver };
  let other: { id: string; chat: ChatDriver };
  let hoa: { id: string; chat: ChatDriver };

  beforeAll(async () => {
    h = await start();
    await h.test.app.models.Club.create({
      _id: CLUB,
      name: CLUB_NAME,
      orgUnitId: 'test',
      ancestors: ['test'],
    });
    ({ chat: chair } = await memberWith(h, 1, 'Trần Văn Chủ', [
      { role: 'member', clubId: CLUB },
      { role: 'chair', clubId: CLUB },
    ]));
    giup = await memberWith(h, 2, 'Lê Thị Giúp', [{ role: 'volunteer', clubId: CLUB }]);
    other = await memberWith(h, 3, 'Ngô Văn Khác', [{ role: 'volunteer', clubId: CLUB }]);
    hoa = await memberWith(h, 4, 'Phạm Thị Hoa', [{ role: 'member', clubId: CLUB }]);
    await h.test.app.models.Member.updateOne({ _id: hoa.id }, { $set: { phone: '84912000004' } });
  });
  afterAll(() => h.stop());

  const volunteerIds = async () => (await h.test.app.models.Member.findById(hoa.id).lean())?.volunteerIds;

  it('the chair picks the member, then the volunteer, by digits; the volunteer is told and sees her', async () => {
    const menu = await chair.say('menu');
    const members = await chair.say(digitOf(menu, vi('menu.assign')));
    expect(members.text).toContain(vi('assign.askMember'));
    expect(members.choices).toEqual([
      'Lê Thị Giúp',
      'Ngô Văn Khác',
      'Phạm Thị Hoa',
      'Trần Văn Chủ',
      vi('common.backToMenu'),
    ]);
    const action = await chair.say(digitOf(members, 'Phạm Thị Hoa'));
    expect(action.text).toContain(
      vi('assign.askAction', { name: 'Phạm Thị Hoa', names: vi('assign.nobody') }),
    );
    const volunteers = await chair.say(digitOf(action, vi('assign.add')));
    expect(volunteers.choices).toEqual(['Lê Thị Giúp', 'Ngô Văn Khác', vi('common.backToMenu')]);
    const done = await chair.say('1');
    expect(done.text).toContain(vi('assign.assigned', { name: 'Phạm Thị Hoa', helper: 'Lê Thị Giúp' }));
    // Back at the list, for the next assignment.
    expect(done.text).toContain(vi('assign.askMember'));
    expect(await volunteerIds()).toEqual([giup.id]);

    // The bot calls a volunteer born in 1950 "bác", as memberWith makes everyone.
    await giup.chat.nextWith(vi('assign.toldVolunteer', { name: 'Phạm Thị Hoa' }));
    const list = await giup.chat.say('người tôi chăm sóc');
    const age = vi('myPeople.age', { age: new Date().getUTCFullYear() - 1950 });
    expect(list.text).toContain(
      vi('myPeople.list', { count: 1, lines: `1. Phạm Thị Hoa, ${age}, 0912 000 004` }),
    );
    expect(list.choices).toEqual([vi('common.backToMenu')]);
    expect((await giup.chat.say('1')).text).toContain(vi('menu.title'));
    expect((await other.chat.say('người tôi chăm sóc')).text).toContain(vi('myPeople.none'));
  });

  it('an alert about her reaches her volunteer only', async () => {
    const alert: NotifyEffect = {
      type: 'notify',
      to: { volunteersOf: hoa.id },
      say: { key: 'approve.alreadyDecided', vars: { name: 'Cảnh báo thử' } },
      kind: 'health_alert',
      key: 'assign-test-alert',
    };
    await h.test.app.effects.apply([alert], new Date());
    await giup.chat.nextWith('Cảnh báo thử');
    // The other volunteer's next message is the answer to what she types now, not the alert.
    expect((await other.chat.say('menu')).text).not.toContain('Cảnh báo thử');
  });

  it('the chair takes the assignment back; the volunteer is told and her list is empty', async () => {
    const members = await chair.say('phân công');
    const action = await chair.say(digitOf(members, 'Phạm Thị Hoa'));
    expect(action.text).toContain(vi('assign.askAction', { name: 'Phạm Thị Hoa', names: 'Lê Thị Giúp' }));
    const remove = await chair.say(digitOf(action, vi('assign.remove')));
    expect(remove.choices).toEqual(['Lê Thị Giúp', vi('common.backToMenu')]);
    expect((await chair.say('1')).text).toContain(
      vi('assign.removed', { name: 'Phạm Thị Hoa', helper: 'Lê Thị Giúp' }),
    );
    expect(await volunteerIds()).toEqual([]);
    await giup.chat.nextWith(vi('assign.toldVolunteerRemoved', { name: 'Phạm Thị Hoa' }));
    expect((await giup.chat.say('người tôi chăm sóc')).text).toContain(vi('myPeople.none'));
  });
});
