/**
 * Applies the health check's effects (flows/health-check.ts, flows/health-alert.ts) to MongoDB:
 * a completed check is one HealthResponse, a flagged one a HealthAlert whose every step is
 * recorded on it. Each write is idempotent or guarded, so a replayed turn or a scheduled step
 * fired twice changes nothing more:
 * - a response and its alert are inserted once (`$setOnInsert` by their ids);
 * - a step up applies only to an alert still open at the stage before it (or is recognised as
 *   done by its key, on a retry), so an acknowledged alert's planned step does nothing;
 * - an acknowledgement applies only to an open alert, by someone of the member's club (or its
 *   commune's staff) as the database has them now.
 */
import { reachesClub } from '../engine/roles.ts';
import type { Effect, EscalateAlertEffect, RoleGrant } from '../engine/types.ts';
import type { Models } from '../models/index.ts';

type Of<T extends Effect['type']> = Extract<Effect, { type: T }>;

/** Runs an insert of a document with a chosen id; one already there (a replayed turn) is left as it is. */
async function insertOnce(insert: () => Promise<unknown>): Promise<void> {
  try {
    await insert();
  } catch (error) {
    if ((error as { code?: number }).code !== 11000) throw error;
  }
}

/** Statuses in which an alert still waits for someone. */
const WAITING: ('open' | 'escalated')[] = ['open', 'escalated'];

export class HealthRecords {
  readonly #models: Models;
  /** Applies the effects that follow a step that happened (Effects.apply). */
  readonly #then: (effects: Effect[], now: Date) => Promise<unknown>;

  constructor(models: Models, then: (effects: Effect[], now: Date) => Promise<unknown>) {
    this.#models = models;
    this.#then = then;
  }

  async saveResponse({ response }: Of<'saveHealthResponse'>, now: Date): Promise<void> {
    const { id, ...fields } = response;
    await insertOnce(() =>
      this.#models.HealthResponse.create([{ _id: id, ...fields, createdAt: now, updatedAt: now }], {
        timestamps: false,
      }),
    );
  }

  async raise({ alert, to }: Of<'raiseHealthAlert'>, now: Date): Promise<void> {
    const { id, ...fields } = alert;
    const steps = [{ at: now, to, action: 'told' as const }];
    await insertOnce(() =>
      this.#models.HealthAlert.create(
        [{ _id: id, ...fields, status: 'open', stage: 0, steps, createdAt: now, updatedAt: now }],
        { timestamps: false },
      ),
    );
  }

  /** One step up (see `EscalateAlertEffect`); its `whenOpen` only when the alert did go up. */
  async escalate(effect: EscalateAlertEffect, now: Date): Promise<void> {
    const { HealthAlert } = this.#models;
    const { alertId, stage, to, by, key } = effect;
    if (by && !(await this.#mayAct(by, alertId))) return;
    const steps = [
      ...(by ? [{ at: now, by, action: 'helpAsked' }] : []),
      { at: now, to, action: 'escalated' },
    ];
    const moved = await HealthAlert.updateOne(
      { _id: alertId, stage: stage - 1, status: { $in: WAITING } },
      {
        $set: { stage, status: 'escalated', lastStepKey: key, updatedAt: now },
        $push: { steps: { $each: steps } },
      },
      { timestamps: false },
    );
    // Not moved: acknowledged, already further up, or this very step done before a crash (a retry).
    if (moved.matchedCount === 0 && !(await HealthAlert.exists({ _id: alertId, lastStepKey: key }))) return;
    await this.#then(effect.whenOpen, now);
  }

  async acknowledge(effect: Of<'acknowledgeHealthAlert'>, now: Date): Promise<void> {
    const { HealthAlert } = this.#models;
    const { alertId, byMemberId } = effect;
    if (!(await this.#mayAct(byMemberId, alertId))) return;
    const done = await HealthAlert.updateOne(
      { _id: alertId, status: { $in: WAITING } },
      {
        $set: { status: 'acknowledged', acknowledgedBy: byMemberId, updatedAt: now },
        $push: { steps: { at: now, by: byMemberId, action: 'acknowledged' } },
      },
      { timestamps: false },
    );
    const retried =
      done.matchedCount === 0 &&
      (await HealthAlert.exists({ _id: alertId, status: 'acknowledged', acknowledgedBy: byMemberId }));
    if (done.matchedCount > 0 || retried) await this.#then(effect.whenAcknowledged, now);
  }

  /** Whether `memberId` may act on the alert: of the member's club, or staff above it (read now). */
  async #mayAct(memberId: string, alertId: string): Promise<boolean> {
    const models = this.#models;
    const alert = await models.HealthAlert.findById(alertId, { clubId: 1 }).lean();
    if (!alert || !/^[0-9a-f]{24}$/.test(memberId)) return false;
    const [person, club] = await Promise.all([
      models.Member.findById(memberId, { status: 1, clubIds: 1, roles: 1 }).lean(),
      models.Club.findById(alert.clubId, { orgUnitId: 1, ancestors: 1 }).lean(),
    ]);
    if (!person) return false;
    const units = club ? [club.orgUnitId, ...club.ancestors] : [];
    return reachesClub({ ...person, roles: person.roles as RoleGrant[] }, alert.clubId, units);
  }
}
