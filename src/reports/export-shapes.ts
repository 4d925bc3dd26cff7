/**
 * The shapes the exports read: roll-ups and club rows (src/reports/rollup.ts) and the parts of a
 * report definition (src/reports/definitions.ts) they need. Written against the agreed shapes so
 * the exports could be built at the same time; structurally the same as those modules' types.
 */

/** Where a club sits: its id and name and its org units from the root down. */
export interface ClubRef {
  clubId: string;
  clubName: string;
  path: { id: string; name: string; kind: string }[];
}

/** One club's report for one period (values null: not reported, or not asked that period). */
export interface ClubRow extends ClubRef {
  period: string;
  values: Record<string, number | boolean | null>;
  submittedAt: Date | null;
  onTime: boolean | null;
}

export interface Rollup {
  orgUnitId: string;
  periods: string[];
  definition: { id: string; version: number };
  totals: Record<string, number>;
  expected: number;
  reported: number;
  onTime: number;
  missing: ClubRef[];
  allAreasActive?: number;
  previous?: Rollup;
}

export interface ExportElement {
  code: string;
  area: string;
  key: string;
  type: 'count' | 'vnd' | 'yesno';
  /** A value above zero (or yes) shows its area was active. */
  activity?: boolean;
}

export interface ExportDefinition {
  id: string;
  version: number;
  elements: ExportElement[];
}
