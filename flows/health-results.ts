/**
 * "Kết quả của tôi": a member reads her last five health checks — the date, how she felt, and
 * what was flagged, in plain words. Only her own: the lookup is by the member behind this chat.
 *
 *   start → shown (1 = back to the menu)
 */
import { choiceStep, type Flow, type FlowContext } from '../src/engine/flow.ts';
import { formatDay } from '../src/engine/format.ts';
import { isActiveMember } from '../src/engine/roles.ts';
import { describeAnswer } from '../src/engine/surveys.ts';
import type { HealthResultView } from '../src/engine/types.ts';
import { SURVEYS } from './surveys/default.ts';

/** Results shown. */
const LAST = 5;

type ResultsData = { lines: string };

/** "29/11: Khỏe — Bình thường" or "22/11: Không khỏe — Cần theo dõi: bị ngã". */
function line(result: HealthResultView, ctx: FlowContext): string {
  const date = formatDay(result.at, ctx.settings.timeZone);
  const feeling = SURVEYS[result.survey.id]?.questions.find((question) => question.id === 'feeling');
  const felt = feeling && describeAnswer(feeling, result.answers.feeling, ctx.label);
  const flagged = [
    ctx.label(`health.level.${result.level}`),
    ...result.flags.map((flag) => ctx.label(flag.reason)),
  ];
  return `${date}: ${felt ? `${felt} — ` : ''}${flagged.join(', ')}`;
}

export const healthResultsFlow: Flow<ResultsData> = {
  id: 'healthResults',
  menu: { label: 'menu.healthResults', order: 6, visible: isActiveMember },
  keywords: ['ket qua cua toi', 'ket qua', 'ket qua suc khoe', 'my results'],
  async start(_args, ctx) {
    if (!isActiveMember(ctx.who)) return { end: true, open: { flow: 'menu' } };
    const results = await ctx.lookups.healthResults(ctx.who.memberId, LAST);
    if (results.length === 0) return { end: true, say: [{ key: 'healthResults.none' }] };
    return { goto: 'shown', data: { lines: results.map((result) => line(result, ctx)).join('\n') } };
  },
  steps: {
    shown: choiceStep<ResultsData>({
      question: (data) => ({ key: 'healthResults.show', vars: { results: data.lines } }),
      choices: ['common.backToMenu'],
      pick: () => ({ end: true, open: { flow: 'menu' } }),
    }),
  },
};
