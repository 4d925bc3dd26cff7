/**
 * Who may see and do what, with the real app: every action checks the person's role and its
 * scope. A member sees only her own data; a volunteer only the members assigned to her; a chair
 * only her club; a proxy only the members linked to her; an alert about a member goes only to
 * people of her club. Each rule is tried the way someone would try to get round it: typing
 * another club's keywords and names, digits past the list, an effect naming another club.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Effect, NotifyEffect } from '../src/engine/types.ts';
import { type ChannelHarness, type ChatDriver, simulatorHarness } from './support/chats.ts';
import { memberWith } from './support/people.ts';
import { digitOf, vi } from './support/text.ts';

const A = 'club-auth-a';
const B = 'club-auth-b';

describe('authorization', () => {
  let h: ChannelHarness;
  let chairA: { id: string; chat: ChatDriver };
  let volA1: { id: string; chat: ChatDriver };
  let volA2: { id: string; chat: ChatDriver };
  let hoa: { id: string; chat: ChatDriver };
  let chairB: { id: string; chat: ChatDriver };
  let volB: { id: string; chat: ChatDriver };
  let binh: { id: string; chat: ChatDriver };
  let proxy: { id: string; chat: ChatDriver };
  /** A member of A with no chat: Hoa answers for her; Lan's volunteer is A2. */
  let lan: string;
  let n = 1;

  const person = (name: string, roles: { role: 'member' | 'volunteer' | 'chair'; clubId: string }[]) =>
    memberWith(h, n++, name, roles);
  const apply = (...effects: Effect[]) => h.test.app.effects.apply(effects, new Date());
  const volunteerIds = async (id: string) =>
    (await h.test.app.models.Member.findById(id).lean())?.volunteerIds;
  /** Whether any text of `names` appears in `text`. */
  const names = (text: string, ...which: string[]) => which.filter((name) => text.includes(name));

  beforeAll(async () => {
    h = await simulatorHarness();
    const { models } = h.test.app;
    await models.Club.create([
      { _id: A, name: 'CLB Điền Hồng', orgUnitId: 'test', ancestors: ['test'] },
      { _id: B, name: 'CLB Tân Kỳ', orgUnitId: 'test', ancestors: ['test'] },
    ]);
    chairA = await person('Chủ Nhiệm A', [{ role: 'chair', clubId: A }]);
    volA1 = await person('Giúp Một A', [{ role: 'volunteer', clubId: A }]);
    volA2 = await person('Giúp Hai A', [{ role: 'volunteer', clubId: A }]);
    hoa = await person('Hoa Thành Viên A', [{ role: 'member', clubId: A }]);
    chairB = await person('Chủ Nhiệm B', [{ role: 'chair', clubId: B }]);
    volB = await person('Giúp Ba B', [{ role: 'volunteer', clubId: B }]);
    binh = await person('Bình Thành Viên B', [{ role: 'member', clubId: B }]);
    proxy = await person('Con Gái Của Lan', [{ role: 'member', clubId: A }]);
    const created = await models.Member.create([
      {
        fullName: 'Lan Không Điện Thoại A',
        status: 'active',
        clubIds: [A],
        roles: [{ role: 'member', clubId: A }],
        proxyIds: [proxy.id],
        volunteerIds: [volA2.id],
      },
      {
        fullName: 'Người Chờ Duyệt A',
        status: 'pending',
        clubIds: [A],
        roles: [{ role: 'member', clubId: A }],
      },
    ]);
    lan = String(created[0]!._id);
    await models.Member.updateOne({ _id: hoa.id }, { $set: { volunteerIds: [volA1.id] } });
  });
  afterAll(() => h.stop());

  it('a member sees only her own data', async () => {
    const page = await hoa.chat.say('dữ liệu của tôi');
    expect(page.text).toContain('Hoa Thành Viên A');
    expect(names(page.text, 'Lan Không Điện Thoại A', 'Bình Thành Viên B', 'Giúp Một A')).toEqual([]);
    expect((await hoa.chat.say('3')).text).toContain(vi('menu.title'));
  });

  it('a member typing a leader’s or a volunteer’s words gets a plain refusal or the menu, never their data', async () => {
    const other = ['Người Chờ Duyệt A', 'Lan Không Điện Thoại A', 'Bình Thành Viên B', 'Hoa Thành Viên A'];
    const tries: [string, string][] = [
      ['duyệt', vi('approve.none')],
      ['phân công', vi('assign.notAllowed')],
      ['người tôi chăm sóc', vi('myPeople.notVolunteer')],
      // No such word for her: what she may do instead.
      ['cảnh báo', vi('menu.title')],
    ];
    for (const [word, answer] of tries) {
      const reply = await binh.chat.say(word);
      expect(reply.text, word).toContain(answer);
      expect(names(reply.text, ...other), word).toEqual([]);
      expect(reply.choices, word).not.toContain(vi('menu.assign'));
    }
  });

  it('a volunteer sees only the members assigned to her', async () => {
    const mine = await volA1.chat.say('người tôi chăm sóc');
    expect(names(mine.text, 'Hoa Thành Viên A', 'Lan Không Điện Thoại A')).toEqual(['Hoa Thành Viên A']);
    await volA1.chat.say('menu');
    const theirs = await volA2.chat.say('người tôi chăm sóc');
    expect(names(theirs.text, 'Hoa Thành Viên A', 'Lan Không Điện Thoại A')).toEqual([
      'Lan Không Điện Thoại A',
    ]);
    await volA2.chat.say('menu');
    // An assignment written into a member of another club (no chair of B made it) shows nothing.
    await h.test.app.models.Member.updateOne({ _id: binh.id }, { $set: { volunteerIds: [volA1.id] } });
    const again = await volA1.chat.say('người tôi chăm sóc');
    expect(names(again.text, 'Bình Thành Viên B')).toEqual([]);
    await volA1.chat.say('menu');
    // Nor does the volunteer of B see anyone of A.
    expect((await volB.chat.say('người tôi chăm sóc')).text).toContain(vi('myPeople.none'));
    await h.test.app.models.Member.updateOne({ _id: binh.id }, { $set: { volunteerIds: [] } });
  });

  it("a chair's phân công lists only her club; another club's member cannot be reached by name or digit", async () => {
    const listA = await chairA.chat.say('phân công');
    expect(listA.choices).toContain('Hoa Thành Viên A');
    expect(names(listA.choices.join('\n'), 'Bình Thành Viên B', 'Giúp Ba B', 'Chủ Nhiệm B')).toEqual([]);
    // The pending newcomer is not a member yet: nobody to assign.
    expect(listA.choices).not.toContain('Người Chờ Duyệt A');
    for (const typed of ['Bình Thành Viên B', String(listA.choices.length + 1)]) {
      const reply = await chairA.chat.say(typed);
      expect(reply.text, typed).toContain(vi('common.pickNumber', { max: listA.choices.length }));
      expect(names(reply.text, 'Bình Thành Viên B'), typed).toEqual([]);
    }
    const action = await chairA.chat.say(digitOf(listA, 'Hoa Thành Viên A'));
    const volunteers = await chairA.chat.say(digitOf(action, vi('assign.add')));
    // Only A's volunteers (A1 already looks after her).
    expect(volunteers.choices).toEqual(['Giúp Hai A', vi('common.backToMenu')]);
    await chairA.chat.say('menu');

    const listB = await chairB.chat.say('phân công');
    expect(listB.choices).toEqual(['Bình Thành Viên B', 'Chủ Nhiệm B', 'Giúp Ba B', vi('common.backToMenu')]);
    await chairB.chat.say('menu');
  });

  it('an assignment naming another club is refused when applied, whoever asks', async () => {
    const assign = (fields: Partial<Extract<Effect, { type: 'assignVolunteer' }>>): Effect => ({
      type: 'assignVolunteer',
      memberId: hoa.id,
      volunteerId: volA2.id,
      clubId: A,
      byMemberId: chairA.id,
      assign: true,
      ...fields,
    });
    // The chair of B, for a member of A; a volunteer of B for a member of A; a member of B in A's name.
    await apply(assign({ byMemberId: chairB.id }));
    await apply(assign({ byMemberId: chairB.id, clubId: B }));
    await apply(assign({ volunteerId: volB.id }));
    await apply(assign({ memberId: binh.id }));
    // A volunteer is no chair.
    await apply(assign({ byMemberId: volA1.id }));
    expect(await volunteerIds(hoa.id)).toEqual([volA1.id]);
    expect(await volunteerIds(binh.id)).toEqual([]);
    // The chair of A, in her club: it is applied.
    await apply(assign({}));
    expect(await volunteerIds(hoa.id)).toEqual([volA1.id, volA2.id]);
    await apply(assign({ assign: false }));
  });

  it('a proxy sees her own data, not that of the member she answers for, and is no volunteer', async () => {
    const page = await proxy.chat.say('dữ liệu của tôi');
    expect(page.text).toContain('Con Gái Của Lan');
    expect(names(page.text, 'Lan Không Điện Thoại A')).toEqual([]);
    await proxy.chat.say('menu');
    expect((await proxy.chat.say('người tôi chăm sóc')).text).toContain(vi('myPeople.notVolunteer'));
  });

  it("an alert about a member reaches only people of her club: her volunteers, or her club's", async () => {
    const alert = (about: string, text: string): NotifyEffect => ({
      type: 'notify',
      to: { volunteersOf: about },
      say: { key: 'approve.alreadyDecided', vars: { name: text } },
      kind: 'health_alert',
      key: `auth-alert-${text}`,
    });
    // Lan's assigned volunteer is A2; her proxy hears as her proxy only.
    await apply(alert(lan, 'Cảnh báo Lan'));
    await volA2.chat.nextWith('Cảnh báo Lan');
    // An assignment pointing at B's volunteer (written by hand) does not carry an alert out of A.
    await h.test.app.models.Member.updateOne({ _id: lan }, { $set: { volunteerIds: [volB.id] } });
    await apply(alert(lan, 'Cảnh báo Lan lần hai'));
    await volA1.chat.nextWith('Cảnh báo Lan lần hai');
    await volA2.chat.nextWith('Cảnh báo Lan lần hai');
    await new Promise((resolve) => setTimeout(resolve, 400));
    const response = await fetch(`${h.test.url}/sim/api/messages?chatId=${volB.chat.chatId}&after=0`);
    const { messages } = (await response.json()) as { messages: { from: string; text: string }[] };
    expect(messages.filter((message) => message.text.includes('Cảnh báo Lan'))).toEqual([]);
  });
});
