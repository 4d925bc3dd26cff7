/**
 * A health alert in the chat of someone who must act on it: a volunteer, the chair, commune
 * staff. Opened by the bot (`start`, from flows/health-check.ts or a step up), or from the
 * chair's list ("cảnh báo", flows/health-alerts.ts).
 *
 *   start → ack ─1 Đã liên hệ─→ acknowledged: its next step up is cancelled
 *               ─2 Cần hỗ trợ─→ goes one step up at once (chair, then commune staff)
 *
 * The ladder: an emergency is told to the member's volunteers and the chair at once, then
 * commune staff; any other alert to the volunteers, then the chair, then commune staff. Each
 * step waits HEALTH_ALERT_ACK_MINUTES (HEALTH_EMERGENCY_ACK_MINUTES for an emergency) for
 * "đã liên hệ"; the plan of the next step is on the scheduler under one key per alert, so a
 * restart loses nothing, and an acknowledged alert's step finds nothing to do (the runtime
 * applies a step only to an alert still open at the stage before it).
 *
 * Only people of the member's club (or its commune's staff) may act on it: checked here with the
 * chat's cached roles, and again by the runtime with the database's.
 */
import { choiceStep, type Flow, type FlowContext, type StepOutcome } from '../src/engine/flow.ts';
import { formatPhone } from '../src/engine/format.ts';
import { reachesClub } from '../src/engine/roles.ts';
import { describeAnswer, type HealthSettings, type Level } from '../src/engine/surveys.ts';
import type {
  AlertRole,
  Audience,
  Effect,
  EscalateAlertEffect,
  HealthAlertView,
  SmallAudience,
  StartEffect,
} from '../src/engine/types.ts';
import { SURVEYS } from './surveys/default.ts';

/** Who is told at each step, by level. */
const LADDER: Record<'emergency' | 'other', AlertRole[][]> = {
  emergency: [['volunteer', 'chair'], ['staff']],
  other: [['volunteer'], ['chair'], ['staff']],
};

/** What the ladder needs to know of an alert. */
export interface AlertFacts {
  id: string;
  memberId: string;
  clubId: string;
  orgUnitId?: string;
  level: Level;
}

const ladderOf = (level: Level) => LADDER[level === 'emergency' ? 'emergency' : 'other'];

/** The plan of an alert's next step (one per alert: planning again replaces it). */
export const escalationKey = (alertId: string) => `alert.${alertId}.escalate`;

function audienceOf(role: AlertRole, alert: AlertFacts): Audience | undefined {
  if (role === 'volunteer') return { volunteersOf: alert.memberId };
  if (role === 'chair') return { leadersOf: alert.clubId };
  return alert.orgUnitId ? { orgUnit: alert.orgUnitId, roles: ['staff'] } : undefined;
}

/**
 * What step `stage` of an alert does: this flow opened in the chats of its people (at once for an
 * emergency, even in quiet hours or in the middle of another question), and the next step planned
 * for `at` + the time to acknowledge.
 */
export function alertStep(alert: AlertFacts, stage: number, settings: HealthSettings, at: Date): Effect[] {
  const ladder = ladderOf(alert.level);
  const urgent = alert.level === 'emergency';
  const roles = ladder[stage]!;
  const audiences = roles.flatMap((role) => audienceOf(role, alert) ?? []);
  // Everyone of this step at once, so a chair who also volunteers is asked once.
  const audience = audiences.length === 1 ? audiences[0] : { anyOf: audiences as SmallAudience[] };
  const starts: StartEffect[] = !audience
    ? []
    : [
        {
          type: 'start',
          flow: 'healthAlert',
          args: { alertId: alert.id },
          for: audience,
          ifBusy: urgent ? 'interrupt' : 'wait',
          urgent,
          key: `alert.${alert.id}.${stage}.${roles.join('+')}`,
          kind: 'health_alert',
          // Busy with another alert: this one waits in her list ("cảnh báo"); with anything else,
          // it comes when that ends.
          busy: { otherFlow: { key: 'healthAlert.busy' }, sameFlow: { key: 'healthAlert.busyAlert' } },
          // A volunteer checking her own health is not asked to visit herself.
          except: [alert.memberId],
        },
      ];
  if (stage + 1 >= ladder.length) return starts;
  const next = new Date(at.getTime() + (urgent ? settings.emergencyAckMs : settings.ackMs));
  return [
    ...starts,
    {
      type: 'schedule',
      key: escalationKey(alert.id),
      when: { at: next.toISOString() },
      effect: escalation(alert, stage + 1, settings, next),
    },
  ];
}

/** Step `stage` of an alert as an effect: applied (at `at`) only if nobody acknowledged it before. */
export function escalation(
  alert: AlertFacts,
  stage: number,
  settings: HealthSettings,
  at: Date,
  by?: string,
): EscalateAlertEffect {
  return {
    type: 'escalateHealthAlert',
    alertId: alert.id,
    stage,
    to: ladderOf(alert.level)[stage]!,
    ...(by ? { by } : {}),
    key: `alert.${alert.id}.stage${stage}`,
    whenOpen: alertStep(alert, stage, settings, at),
  };
}

/** The people told first about an alert of `level`. */
export const firstTold = (level: Level): AlertRole[] => ladderOf(level)[0]!;

/** "Cảm thấy: Không khỏe", "Dấu hiệu: Đau ngực", "Huyết áp: 190/125", one a line: the answers in plain words. */
export function answersText(
  survey: { id: string; version: number },
  answers: HealthAlertView['answers'],
  ctx: FlowContext,
): string {
  const questions = SURVEYS[survey.id]?.questions ?? [];
  return questions
    .flatMap((question) => {
      const said = describeAnswer(question, answers[question.id], ctx.label);
      return said === undefined ? [] : [`${ctx.label(`health.short.${question.id}`)}: ${said}`];
    })
    .join('\n');
}

/** The alert on screen; `details` are the question's values, read once when it reached this chat. */
type AlertData = { alertId: string; level: Level; details: Record<string, string> };

/** Whether the person in this chat may act on `alert`. */
const mayAct = (ctx: FlowContext, alert: Pick<HealthAlertView, 'clubId' | 'orgUnitIds'>) =>
  ctx.who !== null && reachesClub(ctx.who, alert.clubId, alert.orgUnitIds);

/** The alert as it is now, if it still waits for someone; otherwise how the flow ends. */
async function stillOpen(
  alertId: string,
  ctx: FlowContext,
): Promise<{ alert: HealthAlertView } | { end: StepOutcome<AlertData> }> {
  const alert = await ctx.lookups.healthAlert(alertId);
  if (!alert || !mayAct(ctx, alert)) {
    return { end: { end: true, say: [{ key: 'healthAlert.notFound' }], open: { flow: 'menu' } } };
  }
  if (alert.status === 'acknowledged' || alert.status === 'closed') {
    const by = alert.acknowledgedBy ? await ctx.lookups.getMember(alert.acknowledgedBy) : undefined;
    return {
      end: {
        end: true,
        say: [
          { key: 'healthAlert.alreadyDone', vars: { name: alert.memberName, helper: by?.fullName ?? '' } },
        ],
      },
    };
  }
  return { alert };
}

export const healthAlertFlow: Flow<AlertData> = {
  id: 'healthAlert',
  async start(args, ctx) {
    const found = typeof args.alertId === 'string' ? await stillOpen(args.alertId, ctx) : undefined;
    if (!found) return { end: true, open: { flow: 'menu' } };
    if ('end' in found) return found.end;
    const { alert } = found;
    return {
      goto: 'ack',
      data: { alertId: alert.id, level: alert.level, details: details(alert, ctx) },
    };
  },
  steps: {
    ack: {
      ...choiceStep<AlertData>({
        question: (data) => ({
          key: data.level === 'emergency' ? 'healthAlert.askEmergency' : 'healthAlert.ask',
          vars: data.details,
        }),
        choices: ['healthAlert.contacted', 'healthAlert.needHelp'],
        async pick(choice, data, ctx) {
          const found = await stillOpen(data.alertId, ctx);
          if ('end' in found) return found.end;
          const { alert } = found;
          const by = ctx.who!.memberId;
          if (choice === 1) {
            return {
              end: true,
              say: [{ key: 'healthAlert.acknowledged', vars: { name: alert.memberName } }],
              effects: [
                {
                  type: 'acknowledgeHealthAlert',
                  alertId: alert.id,
                  byMemberId: by,
                  whenAcknowledged: [{ type: 'unschedule', key: escalationKey(alert.id) }],
                },
              ],
            };
          }
          const ladder = ladderOf(alert.level);
          if (alert.stage + 1 >= ladder.length) {
            return { end: true, say: [{ key: 'healthAlert.helpTopmost', vars: { name: alert.memberName } }] };
          }
          const club = await ctx.lookups.clubInfo(alert.clubId);
          const facts: AlertFacts = { ...alert, orgUnitId: club?.orgUnitId };
          const next = escalation(facts, alert.stage + 1, ctx.settings.health, ctx.now, by);
          return {
            end: true,
            say: [
              {
                key: 'healthAlert.helpSent',
                vars: {
                  name: alert.memberName,
                  to: next.to.map((role) => ctx.label(`healthAlert.role.${role}`)).join(', '),
                },
              },
            ],
            effects: [next],
          };
        },
      }),
      actsWithRole: true,
    },
  },
};

/** The values of the alert's question: who, how old, which club, the answers, the phone, who answered. */
function details(alert: HealthAlertView, ctx: FlowContext): Record<string, string> {
  const age = alert.birthYear ? String(ctx.now.getFullYear() - alert.birthYear) : '?';
  return {
    name: alert.memberName,
    age,
    club: alert.clubName,
    answers: answersText(alert.survey, alert.answers, ctx),
    phone: alert.phone ? formatPhone(alert.phone) : ctx.label('register.noPhone'),
    proxy: alert.proxyName ? `\n${ctx.label('health.short.answeredBy')}: ${alert.proxyName}` : '',
  };
}
