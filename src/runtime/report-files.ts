/**
 * Report files and the DHIS2 push for staff, by chat: applies the `sendReportFiles` and
 * `pushReportsToDhis2` effects (src/engine/types.ts).
 *
 * Who: the member's roles are read from MongoDB when the effect is applied (not from the chat's
 * cache): staff or admin of the unit or one above it (`reachesOrgUnit`); anyone else is told
 * they cannot see that unit's reports, and nothing is sent.
 *
 * What goes out, by app:
 *
 * | app | xlsx | chart |
 * |---|---|---|
 * | Telegram | the file (sendDocument) | the picture (sendPhoto) |
 * | Zalo Bot | a signed link (text) | the picture by its signed link (sendPhoto) |
 * | Zalo OA, simulator | a signed link (text) | a signed link (text) |
 *
 * Files are made when the message goes out (the outbox worker asks the ReportService through the
 * channel), never stored; a link is signed for REPORT_LINK_HOURS and makes the file when opened.
 * The messages are replies (kind 'reply'): their text, which holds the link, is not kept in the
 * Message log.
 */
import type { Clock } from '../clock.ts';
import { formatDay } from '../engine/format.ts';
import { reachesOrgUnit } from '../engine/roles.ts';
import type { ChatRef, Lang, Outbound, PushReportsEffect, SendReportFilesEffect } from '../engine/types.ts';
import { reportLink } from '../http/report-links.ts';
import type { Translate } from '../i18n.ts';
import type { Outbox } from '../jobs/outbox.ts';
import type { Logger } from '../log.ts';
import type { Models } from '../models/index.ts';
import { Dhis2Error } from '../reports/dhis2.ts';
import { Dhis2NotConfigured, type ReportFileRef, type ReportService } from '../reports/report-service.ts';

export interface ReportFilesDeps {
  models: Models;
  reports: ReportService;
  outbox: Outbox;
  translate: Translate;
  clock: Clock;
  log: Logger;
  timeZone: string;
  links: { secret: string; baseUrl: string; hours: number };
}

/** "tuần 47/2026", "tuần 40–47/2026", "tháng 11/2026" (for captions). */
function periodWords(
  periods: string[],
  say: (key: string, vars?: Record<string, unknown>) => string,
): string {
  const words = (period: string) => {
    const week = /^(\d{4})W(\d{1,2})$/.exec(period);
    if (week) return say('reportFiles.chat.week', { week: week[2], year: week[1] });
    return say('reportFiles.chat.month', { month: Number(period.slice(4)), year: period.slice(0, 4) });
  };
  return periods.length === 1 ? words(periods[0]!) : `${words(periods[0]!)} – ${words(periods.at(-1)!)}`;
}

export class ReportFiles {
  readonly #deps: ReportFilesDeps;

  constructor(deps: ReportFilesDeps) {
    this.#deps = deps;
  }

  /** The unit's name when `memberId` may see its reports; undefined (and `to` told) otherwise. */
  async #allowed(effect: { to: ChatRef; memberId: string; orgUnitId: string; lang: Lang; key: string }) {
    const { models } = this.#deps;
    const [member, unit] = await Promise.all([
      models.Member.findById(effect.memberId, { status: 1, roles: 1 }).lean(),
      models.OrgUnit.findById(effect.orgUnitId, { name: 1, ancestors: 1 }).lean(),
    ]);
    if (member && unit && reachesOrgUnit({ status: member.status, roles: member.roles as never }, unit)) {
      return unit.name;
    }
    const say = (key: string, vars?: Record<string, unknown>) => this.#deps.translate(effect.lang, key, vars);
    await this.#send(effect, {
      text: say('reportFiles.chat.notAllowed', { name: unit?.name ?? effect.orgUnitId }),
    });
    return undefined;
  }

  async #send(
    effect: { to: ChatRef; lang: Lang; key: string; memberId: string },
    fields: Partial<Outbound> & { text: string },
  ) {
    const message: Outbound = {
      channel: effect.to.channel,
      chatId: effect.to.chatId,
      lang: effect.lang,
      memberId: effect.memberId,
      kind: 'reply',
      ...fields,
    };
    await this.#deps.outbox.enqueue([message], `report.${effect.key}`);
  }

  /** Applies `sendReportFiles`. */
  async sendFiles(effect: SendReportFilesEffect): Promise<void> {
    const name = await this.#allowed(effect);
    if (name === undefined) return;
    const { translate, clock, links, timeZone } = this.#deps;
    const say = (key: string, vars?: Record<string, unknown>) => translate(effect.lang, key, vars);
    const format = effect.kind === 'chart' ? 'png' : 'xlsx';
    const ref: ReportFileRef = { orgUnitId: effect.orgUnitId, periods: effect.periods, format };
    const words = { name, periods: periodWords(effect.periods, say) };
    const caption = say(
      effect.kind === 'chart' ? 'reportFiles.chat.chartCaption' : 'reportFiles.chat.xlsxCaption',
      words,
    );
    const channel = effect.to.channel;
    if (channel === 'telegram') {
      await this.#send(effect, {
        text: caption,
        attachment: {
          type: effect.kind === 'chart' ? 'photo' : 'document',
          report: { ...ref, lang: effect.lang },
        },
      });
      return;
    }
    const until = new Date(clock.now().getTime() + links.hours * 3600_000);
    const url = reportLink(links, ref, effect.lang, until);
    if (channel === 'zalo-bot' && effect.kind === 'chart') {
      await this.#send(effect, { text: caption, attachment: { type: 'photo', url } });
      return;
    }
    await this.#send(effect, {
      text: say('reportFiles.chat.link', {
        caption,
        url,
        until: formatDay(until, timeZone, { time: true }),
      }),
    });
  }

  /** Pushes without making the caller wait; a failure of ours is logged (the person may ask again). */
  pushInBackground(effect: PushReportsEffect): void {
    void this.pushToDhis2(effect).catch((error) =>
      this.#deps.log.error({ err: error, orgUnitId: effect.orgUnitId }, 'DHIS2 push by chat failed'),
    );
  }

  /** Applies `pushReportsToDhis2`: pushes, then tells the staff member DHIS2's summary. */
  async pushToDhis2(effect: PushReportsEffect): Promise<void> {
    const name = await this.#allowed(effect);
    if (name === undefined) return;
    const say = (key: string, vars?: Record<string, unknown>) => this.#deps.translate(effect.lang, key, vars);
    const words = { name, periods: periodWords(effect.periods, say) };
    let text: string;
    try {
      const { summary, unmappedClubs } = await this.#deps.reports.dhis2Push(effect.orgUnitId, effect.periods);
      const first = summary.conflicts[0];
      text = [
        say('reportFiles.chat.dhis2Done', { ...words, ...summary }),
        ...(first
          ? [
              say('reportFiles.chat.dhis2Conflicts', {
                count: summary.conflicts.length,
                object: first.object,
                value: first.value,
              }),
            ]
          : []),
        ...(unmappedClubs.length > 0
          ? [say('reportFiles.chat.dhis2Unmapped', { count: unmappedClubs.length })]
          : []),
      ].join('\n');
    } catch (error) {
      if (error instanceof Dhis2NotConfigured) text = say('reportFiles.chat.dhis2NotConfigured');
      else if (error instanceof Dhis2Error) {
        this.#deps.log.warn({ err: error, orgUnitId: effect.orgUnitId }, 'DHIS2 push failed');
        text = say('reportFiles.chat.dhis2Failed', words);
      } else throw error;
    }
    await this.#send(effect, { text });
  }
}
