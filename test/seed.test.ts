import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildDemoData, DEMO_CODES, DEMO_PEOPLE } from '../src/demo/seed.ts';

const NOW = new Date('2026-05-21T03:00:00Z');
const data = buildDemoData(NOW);
const byPhone = (phone: string) => data.members.find((m) => m.phone === phone)!;
const inClub = (clubId: string) => data.members.filter((m) => m.clubIds.includes(clubId));
const hasRole = (role: string, clubId: string) => (m: (typeof data.members)[number]) =>
  m.roles.some((g) => g.role === role && g.clubId === clubId);

describe('buildDemoData', () => {
  it('is deterministic', () => {
    expect(buildDemoData(NOW)).toEqual(data);
  });

  it('builds the org tree and two clubs under the commune', () => {
    expect(data.orgUnits.map((u) => u._id)).toEqual(['vn', 'vn-nghe-an', 'vn-nghe-an-dien-chau']);
    expect(data.clubs.map((c) => c._id)).toEqual(['club-dien-hong', 'club-dien-ky']);
    for (const club of data.clubs) {
      expect(club.ancestors).toEqual(['vn-nghe-an-dien-chau', 'vn', 'vn-nghe-an']);
    }
  });

  it('has about 60 members with 24-hex ids', () => {
    expect(Math.abs(data.members.length - 60)).toBeLessThanOrEqual(2);
    for (const m of data.members) expect(m._id).toMatch(/^[0-9a-f]{24}$/);
    expect(new Set(data.members.map((m) => m._id)).size).toBe(data.members.length);
  });

  it('has as many members, and members with a phone (the simulator lists those), as the README says', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const [, members, withPhone] = /with (\d+) members, (\d+) of them with a phone/.exec(readme) ?? [];
    expect(Number(members)).toBe(data.members.length);
    expect(Number(withPhone)).toBe(data.identities.length);
  });

  it('gives unique, well-formed phones, including the demo people', () => {
    const phones = data.members.flatMap((m) => (m.phone ? [m.phone] : []));
    expect(new Set(phones).size).toBe(phones.length);
    for (const phone of phones) expect(phone).toMatch(/^84[35789]\d{8}$/);
    for (const phone of Object.values(DEMO_PEOPLE)) expect(phones).toContain(phone);
  });

  it('gives every club one chair, a vice chair and at least five volunteers', () => {
    for (const club of data.clubs) {
      const members = inClub(club._id);
      expect(members.every(hasRole('member', club._id))).toBe(true);
      expect(members.filter(hasRole('chair', club._id))).toHaveLength(1);
      expect(members.filter(hasRole('vice_chair', club._id))).toHaveLength(1);
      expect(members.filter(hasRole('volunteer', club._id)).length).toBeGreaterThanOrEqual(5);
    }
  });

  it('puts the demo people in the right roles', () => {
    expect(byPhone(DEMO_PEOPLE.chairClub1).roles).toContainEqual({ role: 'chair', clubId: 'club-dien-hong' });
    expect(byPhone(DEMO_PEOPLE.chairClub2).roles).toContainEqual({ role: 'chair', clubId: 'club-dien-ky' });
    expect(byPhone(DEMO_PEOPLE.volunteerClub1).roles).toContainEqual({
      role: 'volunteer',
      clubId: 'club-dien-hong',
    });
    expect(byPhone(DEMO_PEOPLE.memberClub1).roles).toEqual([{ role: 'member', clubId: 'club-dien-hong' }]);
    expect(byPhone(DEMO_PEOPLE.staff).roles).toEqual([{ role: 'staff', orgUnitId: 'vn-nghe-an-dien-chau' }]);
    expect(byPhone(DEMO_PEOPLE.admin).roles).toEqual([{ role: 'admin', orgUnitId: 'vn' }]);
  });

  it('gives every member without a phone a proxy volunteer of the same club', () => {
    const noPhone = data.members.filter((m) => !m.phone);
    expect(noPhone.length).toBeGreaterThanOrEqual(4);
    for (const m of noPhone) {
      const clubId = m.clubIds[0]!;
      expect(m.proxyIds).toHaveLength(1);
      const proxy = data.members.find((p) => p._id === m.proxyIds[0]);
      expect(proxy && hasRole('volunteer', clubId)(proxy)).toBe(true);
      expect(proxy?.phone).toBeDefined();
    }
  });

  it('assigns every ordinary member a volunteer of her club; the demo volunteer looks after the demo member', () => {
    const ordinary = data.members.filter((m) => m.clubIds.length > 0 && m.roles.length === 1);
    expect(ordinary.length).toBeGreaterThan(40);
    for (const m of ordinary) {
      expect(m.volunteerIds).toHaveLength(1);
      const volunteer = data.members.find((v) => v._id === m.volunteerIds[0]);
      expect(volunteer && hasRole('volunteer', m.clubIds[0]!)(volunteer)).toBe(true);
      // One who cannot answer herself is looked after by the volunteer who answers for her.
      if (!m.phone) expect(m.volunteerIds).toEqual(m.proxyIds);
    }
    expect(byPhone(DEMO_PEOPLE.memberClub1).volunteerIds).toEqual([byPhone(DEMO_PEOPLE.volunteerClub1)._id]);
  });

  it('has unique invite codes of the expected shape', () => {
    const codes = data.invites.map((i) => i._id);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) {
      expect(code).toMatch(/^[A-Z0-9]{4,12}$/);
      expect(code).toMatch(/\d/);
    }
    expect([...codes].sort()).toEqual([...Object.values(DEMO_CODES)].sort());
    const admin = data.members.find((m) => m.phone === DEMO_PEOPLE.admin)!;
    expect(data.invites.find((i) => i._id === DEMO_CODES.chairClub2)).toMatchObject({
      kind: 'personal',
      role: 'chair',
      clubId: 'club-dien-ky',
      createdBy: admin._id,
    });
    expect(data.invites.find((i) => i._id === DEMO_CODES.openClub1)).toMatchObject({
      kind: 'open',
      role: 'member',
      expiresAt: null,
    });
  });

  it('keys simulator identities by chat id and covers every phone', () => {
    for (const identity of data.identities) {
      expect(identity._id).toBe(`simulator:${identity.chatId}`);
      expect(identity.channel).toBe('simulator');
      expect(data.members.find((m) => m._id === identity.memberId)?.phone).toBe(identity.chatId);
    }
    expect(data.identities).toHaveLength(data.members.filter((m) => m.phone).length);
  });

  it('is mostly women and mostly elderly', () => {
    const women = data.members.filter((m) => m.gender === 'female').length;
    expect(women / data.members.length).toBeGreaterThanOrEqual(0.6);
    const elderly = data.members.filter((m) => NOW.getUTCFullYear() - m.birthYear >= 60).length;
    expect(elderly / data.members.length).toBeGreaterThanOrEqual(0.6);
  });
});
