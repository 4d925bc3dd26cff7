/**
 * Many members of one club answering at the same moment, on the real app (FerretDB, the
 * simulator): every RSVP and every check-in is kept. (FerretDB 1.24 loses some of several
 * simultaneous updates of one document, so each member's answers are documents of their own.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localClock, localDate } from '../src/engine/meetings.ts';
import type { Effect } from '../src/engine/types.ts';
import { readAnswers } from '../src/store/meeting-answers.ts';
import { type ChannelHarness, type ChatDriver, simulatorHarness } from './support/chats.ts';
import { memberWith } from './support/people.ts';
import { vi } from './support/text.ts';

const CLUB = 'club-dong-tam';
const MEMBERS = 20;
const MINUTE = 60_000;
const TZ = 'Asia/Ho_Chi_Minh';

/** The meeting's time as the bot words it. */
function when(startsAt: Date) {
  const day = localDate(startsAt, TZ);
  return {
    weekday: vi(`weekday.${new Date(`${day}T00:00:00Z`).getUTCDay()}`),
    date: `${day.slice(8)}/${day.slice(5, 7)}`,
    time: localClock(startsAt, TZ),
  };
}

describe('members answering at once', () => {
  let h: ChannelHarness;
  let chair: { id: string; chat: ChatDriver };
  let members: { id: string; chat: ChatDriver }[];

  beforeAll(async () => {
    h = await simulatorHarness();
    await h.test.app.models.Club.create({ _id: CLUB, name: 'CLB Đồng Tâm', orgUnitId: 'commune' });
    chair = await memberWith(h, 1, 'Chủ nhiệm Đồng Tâm', [{ role: 'chair', clubId: CLUB }]);
    members = await Promise.all(
      Array.from({ length: MEMBERS }, (_, i) =>
        memberWith(h, i + 2, `Hội viên ${String(i + 1).padStart(2, '0')}`, [
          { role: 'member', clubId: CLUB },
        ]),
      ),
    );
  });
  afterAll(() => h.stop());

  async function meeting(date: string, inMs: number) {
    const startsAt = new Date(Date.now() + inMs);
    await h.test.app.models.Meeting.create({
      _id: `${CLUB}|${date}`,
      clubId: CLUB,
      date,
      startsAt,
      place: 'Nhà văn hoá',
      source: 'once',
    });
    return startsAt;
  }

  it('keeps all 20 RSVPs sent at the same moment', async () => {
    const startsAt = await meeting('2030-01-01', 180 * MINUTE);
    // Each opens "lịch họp" and chooses to answer; then all say "có" at once.
    await Promise.all(
      members.map(async ({ chat }) => {
        expect((await chat.say('lịch họp')).text).toContain(vi('meetings.askMember', { You: 'Bác' }));
        expect((await chat.say('1')).text).toContain(vi('meetingRsvp.ask', { You: 'Bác' }));
      }),
    );
    const thanks = await Promise.all(members.map(({ chat }) => chat.say('có')));
    for (const reply of thanks) expect(reply.text).toContain(vi('meetingRsvp.thanksYes', { you: 'bác' }));
    const schedule = await chair.chat.say('lịch họp');
    expect(schedule.text).toContain(
      vi('meetings.tally', { yes: MEMBERS, no: 0, maybe: 0, none: 1, ...when(startsAt) }),
    );
    expect((await chair.chat.say('5')).text).toContain(vi('menu.title', { You: 'Bác' }));
  });

  it('shows all 20 check-ins made at the same moment in the roll-call', async () => {
    const startsAt = await meeting('2030-01-02', -10 * MINUTE);
    const done = await Promise.all(members.map(({ chat }) => chat.say('có mặt')));
    const checkedIn = vi('checkIn.done', { you: 'bác', ...when(startsAt), place: 'Nhà văn hoá' });
    for (const reply of done) expect(reply.text).toContain(checkedIn);
    const firstPage = await chair.chat.say('điểm danh');
    const secondPage = await chair.chat.say('0');
    const ticks = `${firstPage.text}\n${secondPage.text}`.match(/✓/g) ?? [];
    expect(ticks).toHaveLength(MEMBERS);
  });

  it("takes a member's answer from her and her proxy at the same moment, without an error", async () => {
    const [tu, volunteer] = [members[18]!, members[19]!];
    await h.test.app.models.Member.updateOne({ _id: tu.id }, { $set: { proxyIds: [volunteer.id] } });
    const meetingId = `${CLUB}|2030-01-03`;
    await meeting('2030-01-03', 240 * MINUTE);
    // Eight at once on one new answer: the upserts race to create it.
    const answers = Array.from(
      { length: 8 },
      (_, i): Effect => ({
        type: 'setRsvp',
        meetingId,
        memberId: tu.id,
        rsvp: i % 2 ? 'yes' : 'maybe',
        byMemberId: i % 2 ? tu.id : volunteer.id,
      }),
    );
    await Promise.all(answers.map((answer) => h.test.app.effects.apply([answer], new Date())));
    expect(Object.entries((await readAnswers(h.test.app.models, meetingId)).rsvps)).toEqual([
      [tu.id, expect.stringMatching(/^(yes|maybe)$/)],
    ]);
  });
});
