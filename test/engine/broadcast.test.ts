/**
 * Broadcasts (flows/broadcast.ts, broadcast-cancel.ts, broadcast-ack.ts) as engine cases: the
 * area lists, who, the text and its English version, urgent only for province staff, the
 * preview, send now or at a time, cancelling, acknowledging. No database: see
 * test/support/engine.ts. The transcripts on every channel are in test/broadcast.test.ts, the
 * delivery in test/broadcast-delivery.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { AreaView } from '../../src/engine/types.ts';
import { type CaseChat, converse, DH, type EngineWorld, PEOPLE, standardWorld } from '../support/engine.ts';

const PROVINCE = 'nghe-an';
const COMMUNE = 'xa-dien-hong';
const AREAS: AreaView[] = [
  {
    kind: 'unit',
    id: PROVINCE,
    name: 'Tỉnh Nghệ An',
    level: 'province',
    ancestors: ['vn'],
    children: [{ kind: 'unit', id: COMMUNE, name: 'Xã Điền Hồng' }],
  },
  {
    kind: 'unit',
    id: COMMUNE,
    name: 'Xã Điền Hồng',
    level: 'commune',
    ancestors: ['vn', PROVINCE],
    children: [{ kind: 'club', id: DH, name: 'CLB Điền Hồng' }],
  },
  {
    kind: 'club',
    id: DH,
    name: 'CLB Điền Hồng',
    level: 'club',
    ancestors: ['vn', PROVINCE, COMMUNE],
    children: [],
  },
];

/** The standard world with the area tree, a commune's staff member and a province's. */
function world(): { world: EngineWorld; commune: CaseChat; province: CaseChat } {
  const w = standardWorld();
  for (const area of AREAS) w.lookups.area_(area);
  w.lookups.preview = {
    recipients: 3,
    byChannel: { telegram: 2, 'zalo-oa': 1 },
    unreachable: { stopped: 1, optedOut: 1, outsideWindow: 0 },
    estimatedSeconds: 1,
  };
  w.lookups.member({
    id: 'staff-commune',
    fullName: 'Cán Bộ Xã',
    roles: [{ role: 'staff', orgUnitId: COMMUNE }],
    chats: [{ channel: 'telegram', chatId: '9101' }],
  });
  w.lookups.member({
    id: 'staff-province',
    fullName: 'Cán Bộ Tỉnh',
    roles: [{ role: 'staff', orgUnitId: PROVINCE }],
    chats: [{ channel: 'telegram', chatId: '9102' }],
  });
  return { world: w, commune: w.chat('9101'), province: w.chat('9102') };
}

describe('broadcast', () => {
  it('a photo at the text step: its caption is the text, and it goes with the broadcast', async () => {
    const { commune } = world();
    await converse(commune, [
      ['gửi thông báo', 'broadcast.askArea'],
      ['1', 'broadcast.askWho'],
    ]);
    // A photo answers only the text step: at another question it is something the bot cannot read.
    expect((await commune.sendPhoto('file-1')).keys).toEqual(['common.typePlease', 'broadcast.askWho']);
    await converse(commune, [['1', 'broadcast.askTextOrPhoto']]);
    expect((await commune.sendPhoto('file-2', 'Ảnh lịch khám mắt.')).keys).toEqual(['broadcast.askEnglish']);
    const turns = await converse(commune, [
      ['không', 'broadcast.askAck'],
      ['không', 'broadcast.preview'],
      ['1', []],
    ]);
    // One of the recipients is on the Zalo OA, which shows no photos: she gets the text alone.
    expect(turns[1]!.vars[0]).toMatchObject({
      photo: 'broadcast.previewPhotoTextOnly {"apps":"channels.zalo-oa"}',
    });
    expect(turns[2]!.effects).toMatchObject([
      {
        type: 'createBroadcast',
        broadcast: {
          text: { vi: 'Ảnh lịch khám mắt.' },
          photo: { channel: 'telegram', chatId: '9101', ref: 'file-2' },
        },
      },
    ]);
  });

  it('a commune: whole commune, everyone, Vietnamese and English, previewed, sent now', async () => {
    const { commune } = world();
    const [areas] = await converse(commune, [['gửi thông báo', 'broadcast.askArea']]);
    expect(areas!.choices).toEqual([
      'broadcast.allOf {"area":"Xã Điền Hồng"}',
      'CLB Điền Hồng',
      'common.backToMenu',
    ]);
    const turns = await converse(commune, [
      ['1', 'broadcast.askWho'],
      ['1', 'broadcast.askTextOrPhoto'],
      ['x'.repeat(2001), ['broadcast.tooLong', 'broadcast.askTextOrPhoto']],
      ['Khám mắt miễn phí thứ Bảy.', 'broadcast.askEnglish'],
      ['có', 'broadcast.askEnglishText'],
      // A commune's staff is not asked about urgency.
      ['Free eye checks on Saturday.', 'broadcast.askAck'],
      ['không', 'broadcast.preview'],
      ['1', []],
    ]);
    expect(turns[2]!.vars[0]).toEqual({ length: '2.001', max: '2.000' });
    expect(turns[6]!.vars[0]).toMatchObject({
      area: 'Xã Điền Hồng',
      recipients: '3',
      stopped: '1',
      optedOut: '1',
      outsideWindow: '0',
      minutes: '1',
    });
    expect(turns[6]!.choices).toEqual(['broadcast.sendNow', 'broadcast.schedule', 'broadcast.drop']);
    expect(turns[7]!.effects).toEqual([
      {
        type: 'createBroadcast',
        broadcast: {
          id: expect.stringMatching(/^[0-9a-f]{24}$/),
          senderId: 'staff-commune',
          senderChat: { channel: 'telegram', chatId: '9101' },
          target: { kind: 'unit', id: COMMUNE },
          who: 'all',
          text: { vi: 'Khám mắt miễn phí thứ Bảy.', en: 'Free eye checks on Saturday.' },
          urgent: false,
          ack: false,
        },
      },
    ]);
  });

  it('a province: down to a club, chairs and board, urgent, acknowledged, scheduled at a local time', async () => {
    const { province, world: w } = world();
    const [areas] = await converse(province, [['gửi thông báo', 'broadcast.askArea']]);
    expect(areas!.choices).toEqual([
      'broadcast.allOf {"area":"Tỉnh Nghệ An"}',
      'Xã Điền Hồng',
      'common.backToMenu',
    ]);
    const turns = await converse(province, [
      ['2', 'broadcast.askArea'],
      ['2', 'broadcast.askWho'],
      ['2', 'broadcast.askTextOrPhoto'],
      ['Bão số 9.', 'broadcast.askEnglish'],
      ['2', 'broadcast.askUrgent'],
      ['2', 'broadcast.askAck'],
      ['1', 'broadcast.previewUrgent'],
      ['2', 'broadcast.askDate'],
      ['3/3', 'broadcast.askTime'],
      ['7 giờ', []],
    ]);
    expect(turns[1]!.vars[0]).toEqual({ area: 'CLB Điền Hồng' });
    expect(turns[9]!.effects).toEqual([
      {
        type: 'createBroadcast',
        broadcast: expect.objectContaining({
          senderId: 'staff-province',
          target: { kind: 'club', id: DH },
          who: 'board',
          text: { vi: 'Bão số 9.' },
          urgent: true,
          ack: true,
          // 07:00 in Vietnam.
          sendAt: '2026-03-03T00:00:00.000Z',
        }),
      },
    ]);
    expect(w.now.toISOString()).toBe('2026-03-02T03:00:00.000Z');
  });

  it('a time already past is asked again; "3" drops it', async () => {
    const { commune } = world();
    await converse(commune, [
      ['gửi thông báo', 'broadcast.askArea'],
      ['1', 'broadcast.askWho'],
      ['3', 'broadcast.askTextOrPhoto'],
      ['Họp.', 'broadcast.askEnglish'],
      ['2', 'broadcast.askAck'],
      ['2', 'broadcast.preview'],
      ['2', 'broadcast.askDate'],
      ['2/3', 'broadcast.askTime'],
      ['8:00', ['meetingMove.past', 'broadcast.askTime']],
    ]);
    const { commune: other } = world();
    const turns = await converse(other, [
      ['gửi thông báo', 'broadcast.askArea'],
      ['1', 'broadcast.askWho'],
      ['1', 'broadcast.askTextOrPhoto'],
      ['Họp.', 'broadcast.askEnglish'],
      ['2', 'broadcast.askAck'],
      ['2', 'broadcast.preview'],
      ['3', ['broadcast.dropped', 'menu.title']],
    ]);
    expect(turns.at(-1)!.effects).toEqual([]);
  });

  it('chairs, volunteers and members may not broadcast, and do not see the line', async () => {
    const { world: w } = world();
    for (const who of [PEOPLE.chair, PEOPLE.volunteer, PEOPLE.member]) {
      const chat = w.chat(who.chat);
      await converse(chat, [['gửi thông báo', ['broadcast.notAllowed', 'menu.title']]]);
      const [menu] = await converse(chat, [['menu', 'menu.title']]);
      expect(menu!.choices).not.toContain('menu.broadcast');
    }
    const [staffMenu] = await converse(w.chat('9101'), [['menu', 'menu.title']]);
    expect(staffMenu!.choices).toContain('menu.broadcast');
  });

  it('"huỷ thông báo" lists what has not gone out; confirming cancels it', async () => {
    const { world: w, commune } = world();
    w.lookups.openBroadcastsOf.set('staff-commune', [
      { id: 'b1', area: 'Xã Điền Hồng', sendAt: new Date('2026-03-03T00:00:00Z'), status: 'scheduled' },
    ]);
    const turns = await converse(commune, [
      ['huỷ thông báo', 'broadcast.askWhichToCancel'],
      ['1', 'broadcast.askCancelSure'],
      ['1', []],
    ]);
    expect(turns[0]!.choices![0]).toContain('Xã Điền Hồng');
    expect(turns[2]!.effects).toEqual([
      { type: 'cancelBroadcast', broadcastId: 'b1', byMemberId: 'staff-commune' },
    ]);
    const { world: none } = world();
    await converse(none.chat('9101'), [['huỷ thông báo', ['broadcast.noneToCancel', 'menu.title']]]);
  });

  it('a recipient answers "1": counted on the broadcast', async () => {
    const { world: w } = world();
    const member = w.chat(PEOPLE.member.chat);
    const opened = await member.open('broadcastAck', { broadcastId: 'b1', text: 'Họp.' });
    expect(opened.keys).toEqual(['broadcast.deliverAck']);
    expect(opened.choices).toEqual(['broadcast.ackYes']);
    const [thanks] = await converse(member, [['1', 'broadcast.ackThanks']]);
    expect(thanks!.effects).toEqual([
      { type: 'acknowledgeBroadcast', broadcastId: 'b1', memberId: PEOPLE.member.id },
    ]);
  });
});
