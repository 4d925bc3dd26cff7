/**
 * A commune's staff member sends an announcement by chat, on every channel (simulator, Telegram
 * webhook and polling, Zalo Bot, Zalo OA): she walks the numbered area lists, chooses who, types
 * the text and its English version, reads the preview, sends; every member of her commune gets it
 * once in her own language (none outside the commune), answers "1", and the staff member hears
 * the progress and the final report.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PHOTO_APPS } from '../src/engine/broadcasts.ts';
import { eventually } from './support/app.ts';
import { type Person, person, plantTree } from './support/broadcasts.ts';
import { type ChannelHarness, HARNESSES } from './support/chats.ts';
import { digitOf, en, vi } from './support/text.ts';

describe.each(HARNESSES)('a broadcast by chat on $name', ({ start }) => {
  let h: ChannelHarness;
  let staff: Person;
  let lan: Person;
  let mary: Person;
  let chair: Person;
  let hoa: Person;
  let outside: Person;

  beforeAll(async () => {
    h = await start();
    await plantTree(h);
    staff = await person(h, 1, 'Cán Bộ Xã', [{ role: 'staff', orgUnitId: 'c1' }]);
    lan = await person(h, 2, 'Nguyễn Thị Lan', [{ role: 'member', clubId: 'k1' }]);
    mary = await person(h, 3, 'Mary Smith', [{ role: 'member', clubId: 'k1' }], 'en');
    chair = await person(h, 4, 'Trần Văn Chủ', [
      { role: 'member', clubId: 'k2' },
      { role: 'chair', clubId: 'k2' },
    ]);
    hoa = await person(h, 5, 'Lê Thị Hoa', [{ role: 'member', clubId: 'k3' }]);
    outside = hoa;
  });
  afterAll(() => h.stop());

  it('navigates, previews, sends in each language, counts the answers and reports', async () => {
    const areas = await staff.chat.say('gửi thông báo');
    expect(areas.text).toContain(vi('broadcast.askArea', { area: 'Xã Đông' }));
    expect(areas.choices).toEqual([
      vi('broadcast.allOf', { area: 'Xã Đông' }),
      'CLB Đông Hai',
      'CLB Đông Một',
      vi('common.backToMenu'),
    ]);
    expect((await staff.chat.say('1')).text).toContain(vi('broadcast.askWho', { area: 'Xã Đông' }));
    expect((await staff.chat.say('1')).text).toContain(vi('broadcast.askText', { max: '2.000' }));
    const tooLong = await staff.chat.say('x'.repeat(2345));
    expect(tooLong.text).toContain(vi('broadcast.tooLong', { length: '2.345', max: '2.000' }));
    expect((await staff.chat.say('Họp mặt ngày 1/12 tại nhà văn hoá xã.')).text).toContain(
      vi('broadcast.askEnglish'),
    );
    expect((await staff.chat.say('có')).text).toContain(vi('broadcast.askEnglishText', { max: '2.000' }));
    // Commune staff may not send urgently: the next question is the acknowledgement.
    expect((await staff.chat.say('Meeting on 1 December at the commune hall.')).text).toContain(
      vi('broadcast.askAck'),
    );
    const preview = await staff.chat.say('1');
    // Lan, Mary and the chair of the second club: three, on this app; Hoa is in another province.
    expect(preview.text).toContain(vi('broadcast.who.all'));
    expect(preview.text).toContain(
      vi('broadcast.previewChannel', { app: vi(`channels.${h.channel}`), count: '3' }),
    );
    expect(preview.text).toMatch(/3 người/);
    expect(preview.choices).toEqual([
      vi('broadcast.sendNow'),
      vi('broadcast.schedule'),
      vi('broadcast.drop'),
    ]);
    expect((await staff.chat.say(digitOf(preview, vi('broadcast.sendNow')))).text).toContain(
      vi('broadcast.sending', { area: 'Xã Đông', recipients: 3 }),
    );

    const toLan = await lan.chat.nextWith('Họp mặt');
    expect(toLan.text).toContain(
      vi('broadcast.deliverAck', { text: 'Họp mặt ngày 1/12 tại nhà văn hoá xã.' }),
    );
    const toMary = await mary.chat.nextWith('Meeting on');
    expect(toMary.text).toContain(
      en('broadcast.deliverAck', { text: 'Meeting on 1 December at the commune hall.' }),
    );
    await chair.chat.nextWith('Họp mặt');
    expect((await lan.chat.say('1')).text).toContain(vi('broadcast.ackThanks'));
    expect((await mary.chat.say('1')).text).toContain(en('broadcast.ackThanks'));

    const report = await staff.chat.nextWith('Đã gửi xong');
    expect(report.text).toContain('CLB Đông Một: 2 đã gửi');
    expect(report.text).toContain('CLB Đông Hai: 1 đã gửi');
    const broadcast = await h.test.app.models.Broadcast.findOne({ senderId: staff.id }).lean();
    const status = await eventually(async () => {
      const now = await h.test.app.broadcasts.status(String(broadcast!._id));
      return now?.acknowledged === 2 ? now : undefined;
    }, 'two acknowledgements');
    expect(status).toMatchObject({
      status: 'sent',
      total: 3,
      sent: 3,
      failed: 0,
      blocked: 0,
      unreachable: 0,
    });
    // Nobody outside the commune heard of it; each recipient got one copy.
    await h.test.app.messageLog.flush({ everything: true });
    expect(
      await h.test.app.models.Message.countDocuments({ memberId: outside.id, kind: 'announcement' }),
    ).toBe(0);
    for (const who of [lan, mary, chair])
      expect(await h.test.app.models.Message.countDocuments({ memberId: who.id, kind: 'announcement' })).toBe(
        1,
      );
  });

  it('a photo goes with its caption on the apps that show photos; elsewhere the bot asks for text', async () => {
    await staff.chat.say('gửi thông báo');
    await staff.chat.say('3'); // CLB Đông Một: Lan and Mary
    const ask = await staff.chat.say('1');
    if (!PHOTO_APPS.includes(h.channel)) {
      expect(ask.text).toContain(vi('broadcast.askText', { max: '2.000' }));
      expect((await staff.chat.sendPhoto()).text).toContain(vi('common.typePlease'));
      await staff.chat.say('menu');
      return;
    }
    expect(ask.text).toContain(vi('broadcast.askTextOrPhoto', { max: '2.000' }));
    // Sent without a caption: the text is asked for next.
    expect((await staff.chat.sendPhoto()).text).toContain(vi('broadcast.askCaption', { max: '2.000' }));
    await staff.chat.say('Ảnh buổi họp mặt tháng 12.');
    await staff.chat.say('2'); // no English version
    const preview = await staff.chat.say('2'); // no acknowledgement
    expect(preview.text).toContain(vi('broadcast.previewPhoto'));
    await staff.chat.say('1');
    for (const who of [lan, mary]) {
      const got = await who.chat.nextWith('Ảnh buổi họp mặt');
      expect(got).toMatchObject({ text: '📢 Ảnh buổi họp mặt tháng 12.', photo: true });
    }
  });
});
