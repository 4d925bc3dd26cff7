/**
 * Demo data: one commune of Nghệ An with two clubs of ~30 members each, a
 * commune staff user, an admin and a few invite codes. `buildDemoData` is pure
 * and deterministic (fixed-seed PRNG; only birth years and dates follow `now`),
 * `seedDemoData` inserts it once into an empty database.
 */

import type { MeetingRule } from '../engine/meetings.ts';
import type { ClubDoc, IdentityDoc, InviteDoc, MemberDoc, Models, OrgUnitDoc } from '../models/index.ts';

type Role = InviteDoc['role'];

export interface DemoOrgUnit {
  _id: string;
  name: string;
  kind: OrgUnitDoc['kind'];
  parentId: string | null;
  ancestors: string[];
  formerNames: { name: string; until: Date }[];
}
export type DemoClub = Pick<ClubDoc, '_id' | 'name' | 'orgUnitId' | 'ancestors' | 'village'> & {
  foundingDecision?: { number: string; date: Date };
  meetingRule: MeetingRule & { place: string };
};
export interface DemoRoleGrant {
  role: Role;
  clubId?: string;
  orgUnitId?: string;
}
export interface DemoMember {
  /** 24 hex characters; mongoose casts it to an ObjectId. */
  _id: string;
  fullName: string;
  birthYear: number;
  gender: NonNullable<MemberDoc['gender']>;
  phone?: string;
  language: MemberDoc['language'];
  roles: DemoRoleGrant[];
  clubIds: string[];
  status: MemberDoc['status'];
  consent: { givenAt: Date; version: string; channel: string; byMemberId?: string };
  proxyIds: string[];
  /** The volunteers the chair assigned to look after this member ("phân công"). */
  volunteerIds: string[];
}
export type DemoIdentity = Pick<IdentityDoc, '_id' | 'channel' | 'chatId' | 'memberId'>;
export type DemoInvite = Pick<InviteDoc, '_id' | 'clubId' | 'role' | 'kind' | 'expiresAt'> & {
  forName?: string;
  createdBy: string;
};
export interface DemoData {
  orgUnits: DemoOrgUnit[];
  clubs: DemoClub[];
  members: DemoMember[];
  identities: DemoIdentity[];
  invites: DemoInvite[];
}

export const DEMO_CODES = {
  openClub1: 'DH2026',
  openClub2: 'TK2026',
  personalMember: 'DHP001',
  personalMember2: 'DHP002',
  personalMemberClub2: 'TKP001',
  personalMember2Club2: 'TKP002',
  volunteerClub1: 'DHV001',
  chairClub2: 'TKC001',
} as const;

/** Fixed phones of the people a demo or a test logs in as (simulator chat id = phone). */
export const DEMO_PEOPLE = {
  chairClub1: '84912000001',
  chairClub2: '84912000002',
  volunteerClub1: '84912000003',
  memberClub1: '84912000004',
  staff: '84912000005',
  admin: '84912000006',
} as const;

const COMMUNE = 'vn-nghe-an-dien-chau';
const COMMUNE_ANCESTORS = ['vn', 'vn-nghe-an'];
const MEMBERS_PER_CLUB = 30;
const VOLUNTEERS = 5;
const DAY_MS = 86_400_000;
/** First digit of Vietnamese mobile numbers after the 84 country code. */
const PHONE_PREFIXES = ['9', '8', '3', '7', '5'];

const CLUBS = [
  {
    _id: 'club-dien-hong',
    name: 'CLB Liên thế hệ tự giúp nhau thôn Đông Hồng',
    village: 'Thôn Đông Hồng',
    meetingRule: { kind: 'monthlyDay' as const, day: 21, time: '08:00', place: 'Nhà văn hoá thôn' },
    foundingDecision: { number: '15/QĐ-UBND', date: '2019-03-01' },
    phones: {
      chair: DEMO_PEOPLE.chairClub1,
      volunteer: DEMO_PEOPLE.volunteerClub1,
      member: DEMO_PEOPLE.memberClub1,
    },
    open: DEMO_CODES.openClub1,
    personal: [DEMO_CODES.personalMember, DEMO_CODES.personalMember2],
    extra: { code: DEMO_CODES.volunteerClub1, role: 'volunteer' as Role, byAdmin: false },
  },
  {
    _id: 'club-dien-ky',
    name: 'CLB Liên thế hệ tự giúp nhau xóm Trung Kỳ',
    village: 'Xóm Trung Kỳ',
    meetingRule: { kind: 'monthlyDay' as const, day: 5, time: '14:00', place: 'Nhà văn hoá xóm' },
    foundingDecision: undefined,
    phones: { chair: DEMO_PEOPLE.chairClub2, volunteer: undefined, member: undefined },
    open: DEMO_CODES.openClub2,
    personal: [DEMO_CODES.personalMemberClub2, DEMO_CODES.personalMember2Club2],
    extra: { code: DEMO_CODES.chairClub2, role: 'chair' as Role, byAdmin: true },
  },
];

const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Phan', 'Vũ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ', 'Ngô'];
const FAMILY_WEIGHTED = [...FAMILY, 'Nguyễn', 'Nguyễn', 'Trần', 'Lê', 'Hồ'];
const MIDDLE_FEMALE_OTHER = ['Ngọc', 'Thanh', 'Kim', 'Minh'];
const MIDDLE_MALE = ['Văn', 'Văn', 'Đức', 'Hữu'];
// biome-ignore format: name list
const GIVEN_FEMALE = [
  'Lan', 'Hoa', 'Mai', 'Hương', 'Thu', 'Hạnh', 'Nga', 'Tâm', 'Bình', 'Hằng', 'Liên', 'Nhung',
  'Yến', 'Xuân', 'Loan', 'Phượng', 'Thủy', 'Oanh', 'Hiền', 'Vân', 'Dung', 'Cúc', 'Hồng', 'Đào',
];
// biome-ignore format: name list
const GIVEN_MALE = [
  'Hùng', 'Dũng', 'Minh', 'Sơn', 'Tuấn', 'Hải', 'Bình', 'Tâm', 'Thắng', 'Quang', 'Long', 'Nam',
  'Cường', 'Toàn', 'Phúc', 'Trung', 'Vinh', 'Kiên', 'Thành', 'Hòa',
];

/** Small deterministic PRNG (mulberry32). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function buildDemoData(now: Date): DemoData {
  const rng = mulberry32(20260521);
  const int = (lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rng() * list.length)]!;
  const year = now.getUTCFullYear();
  const daysAgo = (days: number) => new Date(now.getTime() - days * DAY_MS);

  const usedNames = new Set<string>();
  const newName = (female: boolean): string => {
    for (;;) {
      const middle = female ? (rng() < 0.85 ? 'Thị' : pick(MIDDLE_FEMALE_OTHER)) : pick(MIDDLE_MALE);
      const name = `${pick(FAMILY_WEIGHTED)} ${middle} ${pick(female ? GIVEN_FEMALE : GIVEN_MALE)}`;
      if (!usedNames.has(name)) {
        usedNames.add(name);
        return name;
      }
    }
  };
  const usedPhones = new Set<string>(Object.values(DEMO_PEOPLE));
  const newPhone = (): string => {
    for (;;) {
      let phone = `84${pick(PHONE_PREFIXES)}`;
      while (phone.length < 11) phone += int(0, 9);
      if (!usedPhones.has(phone)) {
        usedPhones.add(phone);
        return phone;
      }
    }
  };

  let counter = 0;
  const members: DemoMember[] = [];
  const addMember = (p: {
    female: boolean;
    age: number;
    phone: string | undefined;
    roles: DemoRoleGrant[];
    clubIds: string[];
    proxyId?: string;
    volunteerId?: string;
  }): DemoMember => {
    counter += 1;
    const member: DemoMember = {
      _id: `6a0000000000000000000${counter.toString(16).padStart(3, '0')}`,
      fullName: newName(p.female),
      birthYear: year - p.age,
      gender: p.female ? 'female' : 'male',
      ...(p.phone ? { phone: p.phone } : {}),
      language: 'vi',
      roles: p.roles,
      clubIds: p.clubIds,
      status: 'active',
      consent: {
        givenAt: daysAgo(int(20, 400)),
        version: 'v1',
        channel: 'simulator',
        ...(p.proxyId ? { byMemberId: p.proxyId } : {}),
      },
      proxyIds: p.proxyId ? [p.proxyId] : [],
      volunteerIds: p.volunteerId ? [p.volunteerId] : [],
    };
    members.push(member);
    return member;
  };

  const orgUnits: DemoOrgUnit[] = [
    {
      _id: 'vn',
      name: 'Trung ương Hội NCT Việt Nam',
      kind: 'central',
      parentId: null,
      ancestors: [],
      formerNames: [],
    },
    {
      _id: 'vn-nghe-an',
      name: 'Tỉnh Nghệ An',
      kind: 'province',
      parentId: 'vn',
      ancestors: ['vn'],
      formerNames: [],
    },
    {
      _id: COMMUNE,
      name: 'Xã Diễn Châu',
      kind: 'commune',
      parentId: 'vn-nghe-an',
      ancestors: [...COMMUNE_ANCESTORS],
      formerNames: [{ name: 'Xã Diễn Hồng, huyện Diễn Châu', until: new Date('2025-07-01T00:00:00Z') }],
    },
  ];

  const clubs: DemoClub[] = [];
  const chairs: string[] = [];
  for (const spec of CLUBS) {
    const clubId = spec._id;
    clubs.push({
      _id: clubId,
      name: spec.name,
      orgUnitId: COMMUNE,
      ancestors: [COMMUNE, ...COMMUNE_ANCESTORS],
      village: spec.village,
      meetingRule: { ...spec.meetingRule },
      ...(spec.foundingDecision
        ? {
            foundingDecision: {
              number: spec.foundingDecision.number,
              date: new Date(`${spec.foundingDecision.date}T00:00:00Z`),
            },
          }
        : {}),
    });
    const volunteerIds: string[] = [];
    // Roster: 0 chair, 1 vice chair, 2..6 volunteers, then ordinary members.
    // Two in three are women; ordinary members are elderly except every fourth,
    // and four of the elderly have no phone and are looked after by a volunteer who answers for
    // them. Every ordinary member has a volunteer assigned, in turn (the first volunteer, the
    // demo one, looks after the first member).
    for (let i = 0; i < MEMBERS_PER_CLUB; i++) {
      const j = i - 2 - VOLUNTEERS;
      const office: Role | undefined =
        i === 0 ? 'chair' : i === 1 ? 'vice_chair' : j < 0 ? 'volunteer' : undefined;
      const noPhone = j >= 0 && j % 6 === 4;
      const age =
        i === 0
          ? int(60, 63)
          : i === 1
            ? int(60, 70)
            : office
              ? int(22, 50)
              : noPhone
                ? int(78, 88)
                : j % 4 === 3
                  ? int(18, 59)
                  : int(60, 88);
      const fixedPhone =
        i === 0
          ? spec.phones.chair
          : i === 2
            ? spec.phones.volunteer
            : j === 0
              ? spec.phones.member
              : undefined;
      const proxyId = noPhone ? pick(volunteerIds) : undefined;
      const member = addMember({
        female: i % 3 !== 2,
        age,
        phone: noPhone ? undefined : (fixedPhone ?? newPhone()),
        roles: [{ role: 'member', clubId }, ...(office ? [{ role: office, clubId }] : [])],
        clubIds: [clubId],
        proxyId,
        volunteerId: j >= 0 ? (proxyId ?? volunteerIds[j % volunteerIds.length]) : undefined,
      });
      if (office === 'volunteer') volunteerIds.push(member._id);
      if (office === 'chair') chairs.push(member._id);
    }
  }
  addMember({
    female: true,
    age: 41,
    phone: DEMO_PEOPLE.staff,
    roles: [{ role: 'staff', orgUnitId: COMMUNE }],
    clubIds: [],
  });
  const admin = addMember({
    female: false,
    age: 52,
    phone: DEMO_PEOPLE.admin,
    roles: [{ role: 'admin', orgUnitId: 'vn' }],
    clubIds: [],
  });

  const identities: DemoIdentity[] = members.flatMap((m) =>
    m.phone
      ? [{ _id: `simulator:${m.phone}`, channel: 'simulator' as const, chatId: m.phone, memberId: m._id }]
      : [],
  );

  const invites: DemoInvite[] = CLUBS.flatMap((spec, k) => {
    const base = { clubId: spec._id, createdBy: chairs[k]!, expiresAt: null };
    const personal = (code: string, role: Role, createdBy = base.createdBy): DemoInvite => ({
      ...base,
      createdBy,
      _id: code,
      kind: 'personal',
      role,
      forName: newName(rng() < 0.65),
    });
    return [
      { ...base, _id: spec.open, kind: 'open' as const, role: 'member' as const },
      ...spec.personal.map((code) => personal(code, 'member')),
      personal(spec.extra.code, spec.extra.role, spec.extra.byAdmin ? admin._id : base.createdBy),
    ];
  });

  return { orgUnits, clubs, members, identities, invites };
}

/** Inserts, tolerating documents that already exist (a rerun after a partial seed). */
export async function insertAll(
  model: { insertMany: (docs: never[], options: object) => Promise<unknown> },
  docs: object[],
) {
  try {
    await model.insertMany(docs as never[], { ordered: false });
  } catch (error) {
    const writeErrors = (error as { writeErrors?: { code?: number; err?: { code?: number } }[] }).writeErrors;
    const duplicatesOnly = writeErrors?.every((e) => (e.code ?? e.err?.code) === 11000);
    if (!duplicatesOnly) throw error;
  }
}

/**
 * Seeds the demo data unless a club already exists. No transactions (FerretDB):
 * clubs are written last, so an interrupted seed is completed by the next run.
 */
export async function seedDemoData(
  models: Models,
  now = new Date(),
): Promise<{ seeded: boolean; members: number }> {
  if (await models.Club.exists({})) return { seeded: false, members: 0 };
  const data = buildDemoData(now);
  await insertAll(models.OrgUnit, data.orgUnits);
  await insertAll(models.Member, data.members);
  await insertAll(models.Identity, data.identities);
  await insertAll(models.Invite, data.invites);
  await insertAll(models.Club, data.clubs);
  return { seeded: true, members: data.members.length };
}
