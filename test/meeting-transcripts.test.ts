/**
 * The member's RSVP and the chair's roll-call as they read on every channel (simulator, Telegram
 * webhook and polling, Zalo Bot, Zalo OA). A reminder is fired as the scheduler's worker fires it
 * (its timing is shown with a moved clock in test/meeting-reminders.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localClock, localDate } from '../src/engine/meetings.ts';
import { reminderKey } from '../src/jobs/meeting-planner.ts';
import { readAnswers } from '../src/store/meeting-answers.ts';
import { type ChannelHarness, type ChatDriver, HARNESSES } from './support/chats.ts';
import { memberWith } from './support/people.ts';
import { vi } from './support/text.ts';

const CLUB = 'club-hoa-binh';
const HOUR = 3600_000;
const TZ = 'Asia/Ho_Chi_Minh';

describe.each(HARNESSES)('meetings on $name', ({ start }) => {
  let h: ChannelHarness;
  let chair: { id: string; chat: ChatDriver };
  let lan: { id: string; chat: ChatDriver };

  beforeAll(async () => {
    h = await start();
    await h.test.app.models.Club.create({ _id: CLUB, name: 'CLB Hoà Bình', orgUnitId: 'commune' });
    chair = await memberWith(h, 1, 'Trần Thị Chủ', [{ role: 'chair', clubId: CLUB }]);
    lan = await memberWith(h, 2, 'Nguyễn Thị Lan', [{ role: 'member', clubId: CLUB }]);
  });
  afterAll(() => h.stop());

  /** A meeting of the club starting `inMs` from now. */
  async function meeting(date: string, inMs: number) {
    const id = `${CLUB}|${date}`;
    const startsAt = new Date(Date.now() + inMs);
    await h.test.app.models.Meeting.create({
      _id: id,
      clubId: CLUB,
      date,
      startsAt,
      place: 'Nhà văn hoá',
      source: 'once',
    });
    return { id, startsAt };
  }

  it('a member answers the reminder with one digit, and changes her mind by words', async () => {
    const { id, startsAt } = await meeting('2030-01-01', 3 * HOUR);
    const remind = async (occurrence: Date) => {
      const key = reminderKey(id, '-2h');
      const payload = {
        type: 'meetingReminder' as const,
        meetingId: id,
        offset: '-2h',
        startsAt: startsAt.toISOString(),
        key,
      };
      await h.test.app.effects.fire({ key, payload, occurrence }, new Date());
    };
    await remind(new Date(startsAt.getTime() - 2 * HOUR));
    const asked = await lan.chat.nextWith(vi('meetingRsvp.ask', { You: 'Bác' }));
    expect(asked.text).toContain('Nhà văn hoá');
    if (asked.choices.length > 0) {
      expect(asked.choices).toEqual([vi('meetingRsvp.yes'), vi('meetingRsvp.no'), vi('meetingRsvp.maybe')]);
    }
    expect((await lan.chat.say('1')).text).toContain(vi('meetingRsvp.thanksYes', { you: 'bác' }));
    // The chair is a member too: she is asked as well, then told the answers so far.
    await chair.chat.nextWith(vi('meetingRsvp.ask', { You: 'Bác' }));
    await chair.chat.nextWith(vi('meetings.tallyNotice', { yes: 0, no: 0, maybe: 0, none: 2 }));
    await chair.chat.say('có');

    // The next reminder: she says she cannot come after all.
    await remind(new Date(startsAt.getTime() - HOUR));
    const again = await lan.chat.nextWith(vi('meetingRsvp.ask', { You: 'Bác' }));
    expect(again.text).toContain(
      vi('meetingRsvp.answeredBefore', { you: 'bác', answer: vi('meetingRsvp.yes') }),
    );
    expect((await lan.chat.say('khong di duoc')).text).toContain(vi('meetingRsvp.thanksNo'));
    await chair.chat.nextWith(vi('meetingRsvp.ask', { You: 'Bác' }));
    await chair.chat.nextWith(vi('meetings.tallyNotice', { yes: 2, no: 0, maybe: 0, none: 0 }));
    await chair.chat.say('1');
    expect((await readAnswers(h.test.app.models, id)).rsvps).toMatchObject({ [lan.id]: 'no' });
    const schedule = await lan.chat.say('lịch họp');
    expect(schedule.text).toContain(`${vi('meetingRsvp.no')})`);
    expect(schedule.text).toContain(vi('meetings.askMember', { You: 'Bác' }));
    expect((await lan.chat.say('2')).text).toContain(vi('menu.title', { You: 'Bác' }));
  });

  it('the chair takes roll-call by numbers and closes the meeting', async () => {
    const { id, startsAt } = await meeting('2020-01-01', -HOUR / 2);
    // Lan checked in herself.
    const day = localDate(startsAt, TZ);
    const when = {
      weekday: vi(`weekday.${new Date(`${day}T00:00:00Z`).getUTCDay()}`),
      date: `${day.slice(8)}/${day.slice(5, 7)}`,
      time: localClock(startsAt, TZ),
    };
    expect((await lan.chat.say('có mặt')).text).toContain(
      vi('checkIn.done', { you: 'bác', ...when, place: 'Nhà văn hoá' }),
    );
    const list = await chair.chat.say('điểm danh');
    expect(list.text).toContain('1. Nguyễn Thị Lan ✓');
    expect(list.text).toContain('2. Trần Thị Chủ');
    const summary = await chair.chat.say('tất cả');
    expect(summary.text).toContain(vi('rollCall.summaryAll', { count: 2, total: 2 }));
    expect((await chair.chat.say('1')).text).toContain(vi('rollCall.askClose'));
    expect((await chair.chat.say('1')).text).toContain(vi('rollCall.closed', { you: 'bác' }));
    const held = await h.test.app.models.Meeting.findById(id).lean();
    expect(held?.status).toBe('held');
    expect((await readAnswers(h.test.app.models, id)).present.sort()).toEqual([chair.id, lan.id].sort());
  });
});
