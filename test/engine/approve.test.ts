/**
 * Approval (flows/approve.ts) as engine cases: a chair decides on people waiting to join her
 * club. No database: see test/support/engine.ts. The five-channel transcripts of the same flow
 * are in test/approve.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { type CaseChat, converse, DH, type EngineWorld, PEOPLE, standardWorld } from '../support/engine.ts';

/** Two people waiting for Điền Hồng's chair, in the order they asked. */
function withTwoWaiting(): { world: EngineWorld; chair: CaseChat } {
  const world = standardWorld();
  for (const [id, fullName] of [
    ['waiting-1', 'Nguyễn Thị Mai'],
    ['waiting-2', 'Hoàng Văn Tư'],
  ] as const) {
    world.lookups.member({
      id,
      fullName,
      birthYear: 1950,
      gender: 'female',
      status: 'pending',
      clubIds: [DH],
    });
  }
  return { world, chair: world.chat(PEOPLE.chair.chat) };
}

describe('approval', () => {
  it("a request opened in the chair's chat; approving tells the person and whoever registered her", async () => {
    const { chair } = withTwoWaiting();
    const request = await chair.open('approve', { memberId: 'waiting-2' });
    expect(request.keys).toEqual(['approve.newRequest', 'approve.ask']);
    expect(request.vars[1]).toEqual({
      name: 'Hoàng Văn Tư',
      gender: 'gender.female',
      year: '1950',
      phone: 'register.noPhone',
      club: 'CLB Điền Hồng',
    });
    expect(request.choices).toEqual(['approve.yes', 'approve.no', 'approve.later']);
    // Left unanswered, the request is asked again later (Step.timeout).
    expect(request.timeouts).toEqual(['approve.decide']);

    // After a decision the next person waiting is shown.
    const [approved] = await converse(chair, [['1', ['approve.approved', 'approve.ask']]]);
    expect(approved!.vars[1]).toMatchObject({ name: 'Nguyễn Thị Mai' });
    const vars = { name: 'Hoàng Văn Tư', club: 'CLB Điền Hồng' };
    expect(approved!.effects).toEqual([
      {
        type: 'decideMember',
        memberId: 'waiting-2',
        clubId: DH,
        approve: true,
        byMemberId: PEOPLE.chair.id,
        whenDecided: [
          expect.objectContaining({
            type: 'notify',
            to: { members: ['waiting-2'] },
            say: { key: 'register.approvedNotice', vars },
            alone: true,
          }),
          expect.objectContaining({
            type: 'notify',
            to: { proxiesOf: 'waiting-2' },
            say: { key: 'register.approvedNoticeProxy', vars },
          }),
        ],
      },
    ]);
  });

  it('rejecting asks once more; "back" returns to the same person', async () => {
    const { chair } = withTwoWaiting();
    const replies = await converse(chair, [
      ['duyệt', 'approve.ask'],
      ['2', 'approve.askReject'],
      ['2', 'approve.ask'],
      ['2', 'approve.askReject'],
      ['1', ['approve.rejected', 'approve.ask']],
      ['1', ['approve.approved', 'approve.none', 'menu.title']],
    ]);
    expect(replies[0]!.vars[0]).toMatchObject({ name: 'Nguyễn Thị Mai' });
    expect(replies[2]!.vars[0]).toMatchObject({ name: 'Nguyễn Thị Mai' });
    expect(replies[4]!.effects).toEqual([
      expect.objectContaining({ type: 'decideMember', memberId: 'waiting-1', approve: false }),
    ]);
    expect(replies[5]!.effects).toEqual([
      expect.objectContaining({ type: 'decideMember', memberId: 'waiting-2', approve: true }),
    ]);
  });

  it('"later" decides nothing', async () => {
    const { chair } = withTwoWaiting();
    const replies = await converse(chair, [
      ['duyệt', 'approve.ask'],
      ['3', ['approve.postponed', 'menu.title']],
    ]);
    expect(replies.flatMap((reply) => reply.effects)).toEqual([]);
  });

  it('nobody waiting: the chair is told so', async () => {
    await converse(standardWorld().chat(PEOPLE.chair.chat), [['duyệt', ['approve.none', 'menu.title']]]);
  });

  it('a chair whose role was taken away meanwhile decides nothing', async () => {
    const { world, chair } = withTwoWaiting();
    await converse(chair, [['duyệt', 'approve.ask']]);
    const me = world.lookups.members.find((member) => member.id === PEOPLE.chair.id)!;
    me.roles = [{ role: 'member', clubId: DH }];
    const [refused] = await converse(chair, [['1', ['approve.notAllowed', 'menu.title']]]);
    expect(refused!.effects).toEqual([]);
  });

  it('a person decided by another leader meanwhile is not decided again', async () => {
    const { world, chair } = withTwoWaiting();
    await converse(chair, [['duyệt', 'approve.ask']]);
    world.lookups.apply({
      type: 'decideMember',
      memberId: 'waiting-1',
      clubId: DH,
      approve: true,
      byMemberId: 'vice-chair',
    });
    const [answer] = await converse(chair, [['1', ['approve.alreadyDecided', 'approve.ask']]]);
    expect(answer!.effects).toEqual([]);
    expect(answer!.vars[1]).toMatchObject({ name: 'Hoàng Văn Tư' });
  });

  it('a member who is no leader sees nobody to approve', async () => {
    const { world } = withTwoWaiting();
    await converse(world.chat(PEOPLE.member.chat), [['duyệt', ['approve.none', 'menu.title']]]);
  });
});
