/**
 * An association's small tree for broadcast tests: two provinces, communes, clubs, and people
 * with chats on the harness's channel.
 *
 *   vn (central) ── p1 Tỉnh An Bình ── c1 Xã Đông ── k1 CLB Đông Một, k2 CLB Đông Hai
 *                └─ p2 Tỉnh Bắc Hà ─── c2 Xã Tây ─── k3 CLB Tây Ba
 */
import type { Lang, Role } from '../../src/engine/types.ts';
import type { ChannelHarness, ChatDriver } from './chats.ts';
import { chatOf } from './people.ts';

export const TREE = {
  units: [
    { _id: 'vn', name: 'Trung ương', kind: 'central', parentId: null, ancestors: [] },
    { _id: 'p1', name: 'Tỉnh An Bình', kind: 'province', parentId: 'vn', ancestors: ['vn'] },
    { _id: 'c1', name: 'Xã Đông', kind: 'commune', parentId: 'p1', ancestors: ['vn', 'p1'] },
    { _id: 'p2', name: 'Tỉnh Bắc Hà', kind: 'province', parentId: 'vn', ancestors: ['vn'] },
    { _id: 'c2', name: 'Xã Tây', kind: 'commune', parentId: 'p2', ancestors: ['vn', 'p2'] },
  ],
  clubs: [
    { _id: 'k1', name: 'CLB Đông Một', orgUnitId: 'c1', ancestors: ['c1', 'vn', 'p1'] },
    { _id: 'k2', name: 'CLB Đông Hai', orgUnitId: 'c1', ancestors: ['c1', 'vn', 'p1'] },
    { _id: 'k3', name: 'CLB Tây Ba', orgUnitId: 'c2', ancestors: ['c2', 'vn', 'p2'] },
  ],
} as const;

/** Writes the tree (org units and clubs) into the test's database. */
export async function plantTree(h: ChannelHarness): Promise<void> {
  const { models } = h.test.app;
  await models.OrgUnit.insertMany(TREE.units);
  await models.Club.insertMany(TREE.clubs);
}

export interface Person {
  id: string;
  chat: ChatDriver;
}

/** A new active person with these grants and language, with chat number `n` (or none: `n` 0). */
export async function person(
  h: ChannelHarness,
  n: number,
  fullName: string,
  roles: { role: Role; clubId?: string; orgUnitId?: string }[],
  language: Lang = 'vi',
): Promise<Person> {
  const member = await h.test.app.models.Member.create({
    fullName,
    birthYear: 1950,
    gender: 'female',
    status: 'active',
    language,
    roles,
    clubIds: [...new Set(roles.flatMap((grant) => (grant.clubId ? [grant.clubId] : [])))],
  });
  const id = String(member._id);
  return { id, chat: n > 0 ? await chatOf(h, id, n) : h.chat(0) };
}
