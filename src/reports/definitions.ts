/**
 * Report definitions as data (like surveys, src/engine/surveys.ts): a versioned, ordered list of
 * data elements grouped by the club's activity areas. Each element has a stable `code` (short,
 * lower case letters, used in the one-message form `bc hop=1 dd=35`, in exports and in the API),
 * an i18n key (its label, Vietnamese first), a type, bounds, whether it may be left out, and
 * whether it is counted every week or once a month (in the week that closes the month, see
 * `closesMonth` in src/reports/periods.ts).
 *
 * A change to the elements is a new `version`: a stored report names the definition and version
 * it was entered with, and its values are never rewritten.
 *
 * Pure: no I/O.
 */

/** The club's general life (meeting, members, fees), then DESIGN.md §1's eight activity areas. */
export const AREAS = [
  'club',
  'income',
  'health',
  'homeCare',
  'selfHelp',
  'rights',
  'learning',
  'culture',
  'resources',
] as const;
export type Area = (typeof AREAS)[number];
/** The eight activity areas (all but 'club'): "all eight areas active" counts these. */
export const ACTIVITY_AREAS = AREAS.filter((a) => a !== 'club') as Exclude<Area, 'club'>[];

/** 'count': a whole number ≥ 0; 'vnd': money in đồng (whole); 'yesno': có / không. */
export type ElementType = 'count' | 'vnd' | 'yesno';
export type PeriodKind = 'week' | 'month';

export interface DataElement {
  /** Stable, short, lower case letters only: never reused for another meaning. */
  code: string;
  area: Area;
  /** i18n key of the label ("Số người dự họp"); `<key>Ask` is not used: the label is the question. */
  key: string;
  type: ElementType;
  /** Inclusive bounds; a yes/no has none. */
  min?: number;
  max?: number;
  /** May be left out (0 = không có still counts as a value). */
  optional?: boolean;
  /** 'month': asked once a month, in the week that closes the month. */
  period: PeriodKind;
  /** A count of people: above the club's member count it is asked back once. */
  people?: boolean;
  /** A value above zero (or yes) shows its area was active (for "all eight areas active"). */
  activity?: boolean;
}

export interface ReportDefinition {
  id: string;
  version: number;
  elements: DataElement[];
}

export type ReportValue = number | boolean;
export type ReportValues = Record<string, ReportValue>;

/** The elements asked for a week: all weekly ones, and the monthly ones when the week closes its month. */
export function elementsFor(definition: ReportDefinition, closesMonth: boolean): DataElement[] {
  return definition.elements.filter((e) => e.period === 'week' || closesMonth);
}

/** The definition a stored report was entered with (undefined: unknown id or version). */
export function findDefinition(
  definitions: ReportDefinition[],
  ref: { id: string; version: number },
): ReportDefinition | undefined {
  return definitions.find((d) => d.id === ref.id && d.version === ref.version);
}

/** The element with this code. */
export function elementByCode(definition: ReportDefinition, code: string): DataElement | undefined {
  return definition.elements.find((e) => e.code === code);
}

/** Whether a value is right for its element (type and bounds). */
export function validValue(element: DataElement, value: unknown): value is ReportValue {
  if (element.type === 'yesno') return typeof value === 'boolean';
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) return false;
  return value >= (element.min ?? 0) && value <= (element.max ?? Number.MAX_SAFE_INTEGER);
}

/** A value as a number to add up: yes 1, no 0. */
export function numeric(value: ReportValue | null | undefined): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return typeof value === 'number' ? value : 0;
}

/** Areas with some activity in these values (an activity element above zero, or yes). */
export function activeAreas(definition: ReportDefinition, values: Record<string, number>): Set<Area> {
  const active = new Set<Area>();
  for (const e of definition.elements) if (e.activity && (values[e.code] ?? 0) > 0) active.add(e.area);
  return active;
}

/** Whether all eight activity areas were active. */
export function allAreasActive(definition: ReportDefinition, values: Record<string, number>): boolean {
  const active = activeAreas(definition, values);
  return ACTIVITY_AREAS.every((a) => active.has(a));
}

/** Codes must be unique, short and typeable; bounds sane. Throws on a broken definition (tests call it). */
export function checkDefinition(definition: ReportDefinition): void {
  const seen = new Set<string>();
  for (const e of definition.elements) {
    if (!/^[a-z]{1,8}$/.test(e.code)) throw new Error(`bad code ${e.code}`);
    if (seen.has(e.code)) throw new Error(`duplicate code ${e.code}`);
    seen.add(e.code);
    if (!AREAS.includes(e.area)) throw new Error(`bad area ${e.area}`);
    if (e.type !== 'yesno' && (e.max === undefined || (e.min ?? 0) > e.max))
      throw new Error(`bad bounds ${e.code}`);
  }
}
