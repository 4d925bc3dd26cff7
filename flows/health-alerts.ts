/**
 * "Cảnh báo": a chair, vice chair or volunteer sees the health alerts of her club(s) that nobody
 * has acknowledged yet, and opens one to act on it (flows/health-alert.ts). Only her clubs: the
 * list is read for the clubs where she holds one of these roles, whatever she types. (A
 * volunteer sees her clubs' alerts: when members are assigned to volunteers, hers.)
 *
 *   start → choose ─N─→ the alert N (healthAlert) ─last─→ menu
 */

import { parseChoice } from '../src/engine/answers.ts';
import type { Flow, FlowContext, Step } from '../src/engine/flow.ts';
import { formatDay } from '../src/engine/format.ts';
import { clubsWithRole, HELPERS } from '../src/engine/roles.ts';
import type { HealthAlertView } from '../src/engine/types.ts';

/** Alerts listed at most (the newest first). */
const LISTED = 9;

type ListData = { alerts: { id: string; line: string }[] };

/** "Đỗ Thị Lan — Khẩn cấp — 29/11 10:05". */
function line(alert: HealthAlertView, ctx: FlowContext): string {
  const when = formatDay(alert.createdAt, ctx.settings.timeZone, true);
  return `${alert.memberName} — ${ctx.label(`health.level.${alert.level}`)} — ${when}`;
}

const chooseStep: Step<ListData> = {
  ask: (data, ctx) => ({
    key: 'healthAlerts.list',
    choiceTexts: [...data.alerts.map((alert) => alert.line), ctx.label('common.backToMenu')],
  }),
  answer(answer, data) {
    const count = data.alerts.length + 1;
    const picked = parseChoice(answer.text, count);
    if (picked === undefined) return { retry: { key: 'common.pickNumber', vars: { max: count } } };
    const alert = data.alerts[picked - 1];
    return alert
      ? { end: true, open: { flow: 'healthAlert', args: { alertId: alert.id } } }
      : { end: true, open: { flow: 'menu' } };
  },
};

export const healthAlertsFlow: Flow<ListData> = {
  id: 'healthAlerts',
  menu: {
    label: 'menu.healthAlerts',
    order: 21,
    visible: (who) => clubsWithRole(who, HELPERS).length > 0,
  },
  keywords: ['canh bao', 'alerts'],
  async start(_args, ctx) {
    const clubs = clubsWithRole(ctx.who, HELPERS);
    if (clubs.length === 0)
      return { end: true, say: [{ key: 'healthAlerts.notAllowed' }], open: { flow: 'menu' } };
    const alerts = await ctx.lookups.openHealthAlerts(clubs, LISTED);
    if (alerts.length === 0) return { end: true, say: [{ key: 'healthAlerts.none' }] };
    return {
      goto: 'choose',
      data: { alerts: alerts.map((alert) => ({ id: alert.id, line: line(alert, ctx) })) },
    };
  },
  steps: { choose: chooseStep },
};
