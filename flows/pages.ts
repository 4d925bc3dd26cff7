/**
 * Lists longer than one short message, shown a page at a time: every page fits a phone
 * screen (≤ 300 characters, test/messages.test.ts) and every answer is one digit.
 *
 * - `readingStep`: pages to read ("dữ liệu của tôi", "người tôi chăm sóc"), with "Xem tiếp",
 *   the flow's own choices, and "Về danh mục".
 * - `pickPersonStep`: people to choose from ("phân công"), up to PEOPLE_PER_PAGE a page, then
 *   "Xem tiếp" and "Về danh mục" — seven answers at most, each one digit.
 */
import { parseChoice } from '../src/engine/answers.ts';
import type { FlowContext, Step, StepOutcome } from '../src/engine/flow.ts';
import type { Say } from '../src/engine/types.ts';

/**
 * People on one page of a choice: with "Xem tiếp" and "Về danh mục", seven one-digit answers,
 * whose lines ("Gõ 1 = Nguyễn Thị Phương Thảo") leave the message under 300 characters.
 */
export const PEOPLE_PER_PAGE = 5;
/** Characters of list lines on one page (the message around them stays under 300). */
export const LINES_PER_PAGE_CHARS = 200;

export const toMenu = { end: true, open: { flow: 'menu' } } as const satisfies StepOutcome;

/** Someone to choose, as the session keeps them. */
export type Person = { id: string; name: string };

/** Lines grouped into pages of at most `max` characters (a longer line gets a page of its own). */
export function pageLines(lines: string[], max = LINES_PER_PAGE_CHARS): string[] {
  const pages: string[] = [];
  for (const line of lines) {
    const last = pages.at(-1);
    if (last !== undefined && last.length + 1 + line.length <= max)
      pages[pages.length - 1] = `${last}\n${line}`;
    else pages.push(line);
  }
  return pages;
}

/** A flow's extra answer on a page: its label and what it does. */
export interface PageChoice<D> {
  label: string;
  pick(data: D, ctx: FlowContext): StepOutcome<D> | Promise<StepOutcome<D>>;
}

/** The answers of a page (i18n keys): "Xem tiếp" while pages are left, the flow's own, "Về danh mục". */
function readingLabels<D extends { pages: Say[]; page: number }>(data: D, extra: PageChoice<D>[]): string[] {
  return [
    ...(data.page < data.pages.length - 1 ? ['common.nextPage'] : []),
    ...extra.map((choice) => choice.label),
    'common.backToMenu',
  ];
}

/**
 * Shows `data.pages[data.page]` (each page a message of its own) with its answers; "Xem tiếp"
 * goes to the next page at this same step (`name`).
 */
export function readingStep<D extends { pages: Say[]; page: number }>(
  name: string,
  extra: PageChoice<D>[] = [],
): Step<D> {
  return {
    ask: (data) => ({ ...data.pages[data.page]!, choices: readingLabels(data, extra) }),
    answer(answer, data, ctx) {
      const keys = readingLabels(data, extra);
      const picked = parseChoice(
        answer.text,
        keys.length,
        keys.map((key) => ctx.label(key)),
      );
      if (picked === undefined) return { retry: { key: 'common.pickNumber', vars: { max: keys.length } } };
      const key = keys[picked - 1];
      if (key === 'common.nextPage') return { goto: name, data: { page: data.page + 1 } as Partial<D> };
      const choice = extra.find((option) => option.label === key);
      return choice ? choice.pick(data, ctx) : toMenu;
    },
  };
}

/**
 * A choice of one person among `people(data)`, a page at a time (`data.page`): names as the
 * answers, then "Xem tiếp" (back to the first page after the last) and "Về danh mục".
 */
export function pickPersonStep<D extends { page: number }>(options: {
  name: string;
  question(data: D): Say;
  people(data: D): Person[];
  pick(person: Person, data: D, ctx: FlowContext): StepOutcome<D> | Promise<StepOutcome<D>>;
}): Step<D> {
  const shown = (data: D) => {
    const people = options.people(data);
    const onPage = people.slice(data.page * PEOPLE_PER_PAGE, (data.page + 1) * PEOPLE_PER_PAGE);
    return {
      onPage,
      paged: people.length > PEOPLE_PER_PAGE,
      pages: Math.ceil(people.length / PEOPLE_PER_PAGE),
    };
  };
  const labels = (data: D, ctx: FlowContext) => {
    const { onPage, paged } = shown(data);
    return [
      ...onPage.map((person) => person.name),
      ...(paged ? [ctx.label('common.nextPage')] : []),
      ctx.label('common.backToMenu'),
    ];
  };
  return {
    ask: (data, ctx) => ({ ...options.question(data), choiceTexts: labels(data, ctx) }),
    answer(answer, data, ctx) {
      const texts = labels(data, ctx);
      const picked = parseChoice(answer.text, texts.length, texts);
      if (picked === undefined) return { retry: { key: 'common.pickNumber', vars: { max: texts.length } } };
      const { onPage, paged, pages } = shown(data);
      if (picked === texts.length) return toMenu;
      if (paged && picked === texts.length - 1) {
        return { goto: options.name, data: { page: (data.page + 1) % pages } as Partial<D> };
      }
      return options.pick(onPage[picked - 1]!, data, ctx);
    },
  };
}
