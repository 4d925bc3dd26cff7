/**
 * "Dữ liệu của tôi": a member sees what the club keeps about her (her right under Decree
 * 13/2023 and the personal data protection law), a short page at a time — her profile and
 * roles; when and how she agreed to it and the apps she uses; her last health checks — and may
 * erase it all from any page ("xoá dữ liệu", flows/erase-data.ts).
 */
import type { Flow, FlowContext } from '../src/engine/flow.ts';
import { formatDay, formatPhone } from '../src/engine/format.ts';
import { clubsWithRole, REPORTERS } from '../src/engine/roles.ts';
import type { MemberView, Say } from '../src/engine/types.ts';
import { readingStep, toMenu } from './pages.ts';

const GENDER_KEYS = { female: 'gender.female', male: 'gender.male', other: 'gender.other' } as const;
/** Health checks counted on the last page. */
const RECENT_CHECKS = 5;

type MyInfoData = { pages: Say[]; page: number };

function profile(me: MemberView, ctx: FlowContext): Say {
  const roles = [...new Set(me.roles.map((grant) => ctx.label(`roles.${grant.role}`)))];
  return {
    key: 'myInfo.profile',
    vars: {
      name: me.fullName,
      year: String(me.birthYear ?? ''),
      gender: me.gender ? ctx.label(GENDER_KEYS[me.gender]) : '',
      phone: me.phone ? formatPhone(me.phone) : ctx.label('register.noPhone'),
      club: me.clubNames.join(', '),
      roles: roles.join(', '),
      status: ctx.label(`status.${me.status}`),
    },
  };
}

/** When and how she agreed (herself on an app, or someone for her), and the apps she uses. */
async function consent(me: MemberView, ctx: FlowContext): Promise<Say> {
  const settings = await ctx.lookups.memberSettings(me.id);
  const apps = [...new Set((settings?.chats ?? []).map((chat) => ctx.label(`channels.${chat.channel}`)))];
  const given = me.consent;
  const by = given?.byMemberId ? await ctx.lookups.getMember(given.byMemberId) : undefined;
  const how = by
    ? ctx.label('myInfo.consentBy', { name: by.fullName })
    : ctx.label('myInfo.consentSelf', { app: given?.channel ? ctx.label(`channels.${given.channel}`) : '' });
  return {
    key: given ? 'myInfo.consent' : 'myInfo.noConsent',
    vars: {
      date: given ? formatDay(given.givenAt, ctx.settings.timeZone, { year: true }) : '',
      how,
      app: apps.join(', ') || ctx.label('myInfo.noApp'),
    },
  };
}

async function health(me: MemberView, ctx: FlowContext): Promise<Say> {
  const results = await ctx.lookups.healthResults(me.id, RECENT_CHECKS);
  const last = results[0];
  if (!last) return { key: 'myInfo.noHealth' };
  return {
    key: 'myInfo.health',
    vars: { count: results.length, date: formatDay(last.at, ctx.settings.timeZone, { year: true }) },
  };
}

export const myInfoFlow: Flow<MyInfoData> = {
  id: 'myInfo',
  // Those who report for a club find it in the settings: their menu keeps nine lines.
  menu: {
    label: 'menu.myInfo',
    order: 40,
    visible: (who) => who !== null && clubsWithRole(who, REPORTERS).length === 0,
  },
  keywords: ['du lieu cua toi', 'du lieu', 'thong tin cua toi', 'my data'],
  async start(_args, ctx) {
    const me = ctx.who && (await ctx.lookups.getMember(ctx.who.memberId));
    if (!me) return toMenu;
    return {
      goto: 'shown',
      data: { pages: [profile(me, ctx), await consent(me, ctx), await health(me, ctx)], page: 0 },
    };
  },
  steps: {
    shown: readingStep<MyInfoData>('shown', [
      { label: 'myInfo.erase', pick: () => ({ end: true, open: { flow: 'eraseData' } }) },
    ]),
  },
};
