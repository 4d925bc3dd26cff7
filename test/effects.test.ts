/**
 * The flow platform's effects, applied as a flow's turn applies them: `notify` and `start`
 * addressed to audiences, a person busy in another flow, an area's audience told in pages by
 * the fan-out job, and `schedule` / `unschedule` on the scheduler. Real MongoDB/FerretDB, Redis
 * and outbox; the people read their messages in the simulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PEOPLE, seedDemoData } from '../src/demo/seed.ts';
import type { Effect, NotifyEffect } from '../src/engine/types.ts';
import { AUDIENCE_PAGE } from '../src/runtime/audiences.ts';
import { eventually } from './support/app.ts';
import { type ChannelHarness, type ChatDriver, simulatorChat, simulatorHarness } from './support/chats.ts';
import { fillIn, memberWith } from './support/people.ts';
import { vi } from './support/text.ts';

const HONG = 'club-dien-hong';
const KY = 'club-dien-ky';

describe('effects addressed to audiences', () => {
  let h: ChannelHarness;
  /** The demo chair of club 1, her vice chair, club 2's chair, and a member of club 1, in the simulator. */
  let chair1: ChatDriver;
  let chair2: ChatDriver;
  let key = 0;
  const apply = (...effects: Effect[]) => h.test.app.effects.apply(effects, new Date());
  const notice = (to: NotifyEffect['to'], text: string): NotifyEffect => ({
    type: 'notify',
    to,
    // A key whose text holds only {{name}}: the test can tell its notices apart.
    say: { key: 'approve.alreadyDecided', vars: { name: text } },
    kind: 'notice',
    key: `test-notice-${key++}`,
  });
  /** Texts the bot has sent to a chat, as the person reads them in the simulator. */
  const received = async (chatId: string) => {
    const response = await fetch(`${h.test.url}/sim/api/messages?chatId=${chatId}&after=0`);
    const { messages } = (await response.json()) as { messages: { from: string; text: string }[] };
    return messages.filter((m) => m.from === 'bot').map((m) => m.text);
  };
  const settle = () => new Promise((resolve) => setTimeout(resolve, 400));

  beforeAll(async () => {
    h = await simulatorHarness();
    await seedDemoData(h.test.app.models);
    chair1 = simulatorChat(h.test.url, DEMO_PEOPLE.chairClub1);
    chair2 = simulatorChat(h.test.url, DEMO_PEOPLE.chairClub2);
  });
  afterAll(() => h.stop());

  it("a club's leaders are told once, however often the effect is applied; others are not", async () => {
    const effect = notice({ leadersOf: HONG }, 'Leaders of Đông Hồng');
    await apply(effect);
    await apply(effect);
    await chair1.nextWith('Leaders of Đông Hồng');
    await settle();
    expect((await received(DEMO_PEOPLE.chairClub1)).filter((t) => t.includes('Leaders of'))).toHaveLength(1);
    expect(await received(DEMO_PEOPLE.chairClub2)).not.toContainEqual(expect.stringContaining('Leaders of'));
    expect(await received(DEMO_PEOPLE.memberClub1)).not.toContainEqual(expect.stringContaining('Leaders of'));
  });

  it("a member's volunteers (those assigned to her, else her club's) and proxies are found; `except` leaves someone out", async () => {
    const { id: helperId, chat: helper } = await memberWith(h, 1, 'Người Giúp', [
      { role: 'volunteer', clubId: HONG },
    ]);
    const { id: otherId, chat: other } = await memberWith(h, 2, 'Người Giúp Khác', [
      { role: 'volunteer', clubId: HONG },
    ]);
    const elder = await h.test.app.models.Member.create({
      fullName: 'Cụ Không Điện Thoại',
      status: 'active',
      clubIds: [HONG],
      roles: [{ role: 'member', clubId: HONG }],
      proxyIds: [helperId],
    });
    // Nobody assigned to her yet: every volunteer of her club.
    await apply(notice({ volunteersOf: String(elder._id) }, 'For the volunteers'));
    await helper.nextWith('For the volunteers');
    await other.nextWith('For the volunteers');
    // Once the chair assigned one ("phân công"), only her.
    await h.test.app.models.Member.updateOne({ _id: elder._id }, { $set: { volunteerIds: [otherId] } });
    await apply(notice({ volunteersOf: String(elder._id) }, 'For her own volunteer'));
    await other.nextWith('For her own volunteer');
    // An assigned volunteer who no longer volunteers there: the club's volunteers again.
    await h.test.app.models.Member.updateOne(
      { _id: otherId },
      { $set: { roles: [{ role: 'member', clubId: HONG }] } },
    );
    await apply(notice({ volunteersOf: String(elder._id) }, 'For the volunteers again'));
    await helper.nextWith('For the volunteers again');
    await apply({ ...notice({ proxiesOf: String(elder._id) }, 'For her proxy'), except: [otherId] });
    await helper.nextWith('For her proxy');
    await settle();
    expect(await received(other.chatId)).not.toContainEqual(expect.stringContaining('For her proxy'));
    expect(await received(helper.chatId)).not.toContainEqual(
      expect.stringContaining('For her own volunteer'),
    );
    expect(await received(other.chatId)).not.toContainEqual(
      expect.stringContaining('For the volunteers again'),
    );
    // Her proxy is also one of her volunteers: told once by an audience of both.
    await apply(
      notice({ anyOf: [{ volunteersOf: String(elder._id) }, { proxiesOf: String(elder._id) }] }, 'For both'),
    );
    await helper.nextWith('For both');
    await settle();
    expect((await received(helper.chatId)).filter((text) => text.includes('For both'))).toHaveLength(1);
  });

  it(`an area's role holders are told in pages by the fan-out job (${AUDIENCE_PAGE} a page), each once`, async () => {
    const { OrgUnit, Club, Member, Identity, Message } = h.test.app.models;
    await OrgUnit.create({ _id: 'test-area', name: 'Xã Thử', kind: 'commune', ancestors: ['vn'] });
    await Club.create({
      _id: 'club-test',
      name: 'CLB Thử',
      orgUnitId: 'test-area',
      ancestors: ['vn', 'test-area'],
    });
    const count = AUDIENCE_PAGE * 2 + 50;
    const members = await Member.insertMany(
      Array.from({ length: count }, (_, i) => ({
        fullName: `Hội Viên ${i}`,
        status: 'active',
        clubIds: ['club-test'],
        roles: [{ role: 'member', clubId: 'club-test' }],
      })),
    );
    await Identity.insertMany(
      members.map((member, i) => ({
        _id: `simulator:area${i}`,
        channel: 'simulator',
        chatId: `area${i}`,
        memberId: String(member._id),
      })),
    );
    const effect = notice({ orgUnit: 'test-area', roles: ['member'] }, 'For the whole area');
    await apply(effect);
    await apply(effect);
    const told = () => Message.countDocuments({ _id: { $regex: `^${effect.key}\\.simulator\\.` } });
    await eventually(async () => (await told()) === count, `${count} messages in the log`, 30_000);
    await eventually(
      async () => (await received(`area${count - 1}`)).length === 1,
      'the last page delivered',
      15_000,
    );
    await settle();
    expect(await told()).toBe(count);
    expect(await received('area0')).toHaveLength(1);
    // Nobody outside the area (club 1's members, for one).
    expect(await received(DEMO_PEOPLE.memberClub1)).not.toContainEqual(expect.stringContaining('whole area'));
    // As long as its own waits above (450 people through the fan-out job and the outbox).
  }, 60_000);

  it('a flow opened for someone busy in another flow waits (a note), is skipped, or interrupts', async () => {
    const { id, chat } = await memberWith(h, 3, 'Đang Bận', [{ role: 'chair', clubId: KY }]);
    // Busy: half-way through registering someone on her behalf.
    await chat.say('đăng ký hộ');
    const open = (ifBusy: 'wait' | 'skip' | 'interrupt') =>
      apply({
        type: 'start',
        flow: 'language',
        args: {},
        for: { members: [id] },
        ifBusy,
        busy: { otherFlow: { key: 'approve.newRequestBusy' } },
        key: `test-start-${ifBusy}`,
        kind: 'notice',
      });
    await open('skip');
    await settle();
    await open('wait');
    const note = await chat.next();
    expect(note.text).toContain(vi('approve.newRequestBusy'));
    // The note is followed by the question she was answering, which stays open.
    expect(note.text).toContain(
      vi('register.consentProxy', { club: 'CLB Liên thế hệ tự giúp nhau xóm Trung Kỳ' }),
    );
    // What she was doing ends (here: she stops it): the waiting flow comes, in place of the menu.
    const next = await chat.say('huỷ');
    expect(next.text).toContain(vi('language.ask'));
    expect(next.text).not.toContain(vi('menu.title'));
    await chat.say('1');

    await chat.say('đăng ký hộ');
    await open('interrupt');
    expect((await chat.next()).text).toContain(vi('language.ask'));
  });

  it('a flow opened for someone free opens in their chat', async () => {
    await apply({
      type: 'start',
      flow: 'language',
      args: {},
      for: { leadersOf: KY },
      ifBusy: 'wait',
      key: 'test-start-free',
      kind: 'notice',
    });
    expect((await chair2.nextWith(vi('language.ask'))).choices).toEqual([
      vi('language.vi'),
      vi('language.en'),
    ]);
  });

  it('a scheduled notice fires once at its time; an unscheduled one never', async () => {
    const { chat } = await memberWith(h, 4, 'Người Được Nhắc', [{ role: 'member', clubId: HONG }]);
    const member = await h.test.app.models.Identity.findById(`simulator:${chat.chatId}`).lean();
    const at = new Date(Date.now() + 500).toISOString();
    await apply(
      {
        type: 'schedule',
        key: 'test-plan-kept',
        when: { at },
        effect: notice({ members: [member!.memberId] }, 'Kept plan'),
      },
      {
        type: 'schedule',
        key: 'test-plan-dropped',
        when: { at },
        effect: notice({ members: [member!.memberId] }, 'Dropped plan'),
      },
    );
    await apply({ type: 'unschedule', key: 'test-plan-dropped' });
    await chat.nextWith('Kept plan');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const texts = await received(chat.chatId);
    expect(texts.filter((t) => t.includes('Kept plan'))).toHaveLength(1);
    expect(texts).not.toContainEqual(expect.stringContaining('Dropped plan'));
  });
});

describe('a question left unanswered (Step.timeout)', () => {
  let h: ChannelHarness;
  let chair: ChatDriver;
  beforeAll(async () => {
    h = await simulatorHarness();
    await seedDemoData(h.test.app.models);
    chair = simulatorChat(h.test.url, DEMO_PEOPLE.chairClub1);
  });
  afterAll(() => h.stop());

  /** The plan made for the chair's open question; promoting it is what BullMQ's timer does at that time. */
  const plan = async () => {
    const key = `timeout.simulator.${DEMO_PEOPLE.chairClub1}`;
    const delayed = await h.test.app.scheduler.queue.getDelayed();
    return delayed.find((job) => job.data.key === key);
  };
  const asksToJoin = async (n: number, name: string) => {
    const chat = h.chat(n);
    await fillIn(chat, 'DH2026', `0983 000 00${n}`, name);
    await chat.say('1');
  };

  it('an approval request left two hours unanswered is asked again once, naming the person', async () => {
    await asksToJoin(1, 'dao thi nhan');
    await chair.nextWith('Dao Thi Nhan');
    const job = await eventually(plan, 'the plan for the unanswered request');
    expect(job.delay).toBeGreaterThan(2 * 3600_000 - 60_000);
    await job.promote();
    const reminder = await chair.nextWith(vi('approve.unanswered'));
    expect(reminder.text).toContain('Dao Thi Nhan');
    // Once: no new plan is made by the reminder itself.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await plan()).toBeUndefined();
    await chair.say('1');
  });

  it('an answer in the meantime leaves the plan nothing to do', async () => {
    await asksToJoin(2, 'ma thi tuoi');
    await chair.nextWith('Ma Thi Tuoi');
    const job = await eventually(plan, 'the plan for the unanswered request');
    await chair.say('1');
    await job.promote();
    await new Promise((resolve) => setTimeout(resolve, 800));
    const response = await fetch(`${h.test.url}/sim/api/messages?chatId=${DEMO_PEOPLE.chairClub1}&after=0`);
    const { messages } = (await response.json()) as { messages: { text: string }[] };
    expect(messages.filter((m) => m.text.includes(vi('approve.unanswered')))).toHaveLength(1);
  });
});
