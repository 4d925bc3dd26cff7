/**
 * DHIS2: our reports as a `dataValueSets` payload, and pushing one to a DHIS2 server.
 *
 * Our codes become DHIS2 ids through a mapping file (DHIS2_MAPPING_FILE, JSON; an example is
 * `config/dhis2-mapping.example.json`):
 *
 * ```json
 * { "dataSet": "IshcWeekly1",
 *   "orgUnits": { "club-dien-hong": "DiszpKrYNg8", "vn-nghe-an": "qhqAxPSTUXp" },
 *   "dataElements": { "dd": "FTRrcoaog83", "hop": { "dataElement": "eY5ehpbEsB7", "categoryOptionCombo": "HllvX50cXC0" } } }
 * ```
 *
 * A club's values go to the nearest unit on its way up that the mapping names: the club itself
 * when DHIS2 has the clubs, else its commune or province (then the clubs under one DHIS2 unit are
 * added up, and a yes/no becomes the number of clubs that said yes). Clubs and codes the mapping
 * does not name are left out and listed, never dropped silently. Periods are DHIS2's own: an ISO
 * week `2026W47` or a month `202611`.
 *
 * Pushing: `POST <DHIS2_URL>/api/dataValueSets?importStrategy=CREATE_AND_UPDATE` with a personal
 * access token (`Authorization: ApiToken <DHIS2_TOKEN>`); the answer is DHIS2's import summary
 * (imported / updated / ignored / deleted and the conflicts), read from both the 2.38+ envelope
 * (`{ httpStatus, status, response: { importCount, conflicts } }`, HTTP 409 when there are
 * conflicts) and the older bare ImportSummary.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { ClubRef, ClubRow, ExportDefinition } from './export-shapes.ts';

/** A DHIS2 uid: a letter then 10 letters or digits. */
const UID = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9]{10}$/, 'a DHIS2 uid (11 letters or digits, a letter first)');

const mappingSchema = z.object({
  dataSet: UID,
  /** Optional attribute option combo for every value (DHIS2's default when absent). */
  attributeOptionCombo: UID.optional(),
  /** Our org unit or club id → DHIS2 org unit uid. */
  orgUnits: z.record(z.string(), UID),
  /** Our data element code → DHIS2 data element uid (and category option combo). */
  dataElements: z.record(
    z.string(),
    z.union([UID, z.object({ dataElement: UID, categoryOptionCombo: UID.optional() })]),
  ),
});
export type Dhis2Mapping = z.output<typeof mappingSchema>;

/** Reads and checks a mapping; the error names the file and the wrong field. */
export function parseDhis2Mapping(text: string, source = 'DHIS2 mapping'): Dhis2Mapping {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${source}: not JSON`);
  }
  const parsed = mappingSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${source}: ${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  return parsed.data;
}

export function loadDhis2Mapping(path: string): Dhis2Mapping {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`DHIS2_MAPPING_FILE: cannot read ${path}`);
  }
  return parseDhis2Mapping(text, `DHIS2_MAPPING_FILE ${path}`);
}

export interface DataValue {
  dataElement: string;
  period: string;
  orgUnit: string;
  categoryOptionCombo?: string;
  attributeOptionCombo?: string;
  value: string;
}

export interface DataValueSet {
  dataSet: string;
  /** Set when every value is of one period. */
  period?: string;
  dataValues: DataValue[];
}

export interface Dhis2Payload {
  payload: DataValueSet;
  /** Clubs that reported but have no mapped unit on their way up (their values are not sent). */
  unmappedClubs: ClubRef[];
  /** Our codes with values that the mapping does not name (not sent). */
  unmappedCodes: string[];
}

/** The DHIS2 unit a club's values go to: the nearest mapped id, the club first. */
function dhis2UnitOf(row: ClubRef, mapping: Dhis2Mapping): { uid: string; club: boolean } | undefined {
  const clubUid = mapping.orgUnits[row.clubId];
  if (clubUid) return { uid: clubUid, club: true };
  for (const unit of [...row.path].reverse()) {
    const uid = mapping.orgUnits[unit.id];
    if (uid) return { uid, club: false };
  }
  return undefined;
}

/** The `dataValueSets` payload of these club rows (only the rows of clubs that reported). */
export function dataValueSet(
  rows: ClubRow[],
  definition: ExportDefinition,
  mapping: Dhis2Mapping,
  periods: string[],
  /** The DHIS2 period a row's period goes to (a month asked for: the month of each of its weeks). */
  periodOf: (rowPeriod: string) => string | undefined = (period) => period,
): Dhis2Payload {
  const unmappedClubs: ClubRef[] = [];
  const unmappedCodes = new Set<string>();
  const sums = new Map<string, { value: DataValue; sum: number; type: string; club: boolean }>();
  const wanted = new Set(periods);
  for (const row of rows) {
    const period = periodOf(row.period);
    if (row.submittedAt === null || period === undefined || !wanted.has(period)) continue;
    const unit = dhis2UnitOf(row, mapping);
    if (!unit) {
      if (unmappedClubs.some((club) => club.clubId === row.clubId)) continue;
      unmappedClubs.push({ clubId: row.clubId, clubName: row.clubName, path: row.path });
      continue;
    }
    for (const element of definition.elements) {
      const value = row.values[element.code];
      if (value === null || value === undefined) continue;
      const target = mapping.dataElements[element.code];
      if (!target) {
        unmappedCodes.add(element.code);
        continue;
      }
      const dataElement = typeof target === 'string' ? target : target.dataElement;
      const categoryOptionCombo = typeof target === 'string' ? undefined : target.categoryOptionCombo;
      const key = [dataElement, categoryOptionCombo, period, unit.uid].join('|');
      const entry = sums.get(key) ?? {
        value: {
          dataElement,
          period,
          orgUnit: unit.uid,
          ...(categoryOptionCombo ? { categoryOptionCombo } : {}),
          ...(mapping.attributeOptionCombo ? { attributeOptionCombo: mapping.attributeOptionCombo } : {}),
          value: '',
        },
        sum: 0,
        type: element.type,
        club: unit.club,
      };
      entry.sum += typeof value === 'boolean' ? Number(value) : value;
      sums.set(key, entry);
    }
  }
  const dataValues = [...sums.values()].map(({ value, sum, type, club }) => ({
    ...value,
    // A club's own yes/no stays a DHIS2 boolean; added up over clubs it is a count of "yes".
    value: type === 'yesno' && club ? String(sum > 0) : String(sum),
  }));
  return {
    payload: {
      dataSet: mapping.dataSet,
      ...(periods.length === 1 ? { period: periods[0] } : {}),
      dataValues,
    },
    unmappedClubs,
    unmappedCodes: [...unmappedCodes].sort(),
  };
}

export interface ImportSummary {
  /** DHIS2's status: SUCCESS, WARNING or ERROR (OK from some versions = SUCCESS). */
  status: string;
  imported: number;
  updated: number;
  ignored: number;
  deleted: number;
  conflicts: { object: string; value: string }[];
}

/** A push that DHIS2 did not answer with an import summary. */
export class Dhis2Error extends Error {
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super(message);
    this.name = 'Dhis2Error';
    this.status = status;
  }
}

const countSchema = z.object({
  imported: z.number().default(0),
  updated: z.number().default(0),
  ignored: z.number().default(0),
  deleted: z.number().default(0),
});
const summarySchema = z.object({
  status: z.string().default('SUCCESS'),
  importCount: countSchema,
  conflicts: z.array(z.object({ object: z.string().default(''), value: z.string().default('') })).default([]),
});

/** Reads an import summary from a 2.38+ envelope or a bare ImportSummary. */
export function readImportSummary(body: unknown): ImportSummary | undefined {
  const inner =
    body && typeof body === 'object' && 'response' in body && (body as { response: unknown }).response
      ? (body as { response: unknown }).response
      : body;
  const parsed = summarySchema.safeParse(inner);
  if (!parsed.success) return undefined;
  const { status, importCount, conflicts } = parsed.data;
  return { status, ...importCount, conflicts };
}

export interface Dhis2Server {
  /** DHIS2_URL, e.g. https://dhis2.example.org (with or without a context path, no /api). */
  url: string;
  /** DHIS2_TOKEN: a personal access token (d2pat_…). */
  token: string;
  timeoutMs?: number;
}

/** Sends the payload; resolves with DHIS2's import summary, or throws a Dhis2Error saying why not. */
export async function pushDataValueSet(server: Dhis2Server, payload: DataValueSet): Promise<ImportSummary> {
  const url = `${server.url.replace(/\/+$/, '')}/api/dataValueSets?importStrategy=CREATE_AND_UPDATE`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `ApiToken ${server.token}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(server.timeoutMs ?? 60_000),
    });
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    throw new Dhis2Error(`DHIS2 at DHIS2_URL did not answer: ${cause}`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  // DHIS2 2.38+ answers 409 Conflict with a full summary when some values were refused.
  const summary = readImportSummary(body);
  if (summary && (response.ok || response.status === 409)) return summary;
  if (response.status === 401 || response.status === 403) {
    throw new Dhis2Error(
      `DHIS2 refused DHIS2_TOKEN (HTTP ${response.status}): check the token and its rights`,
      response.status,
    );
  }
  const message =
    body && typeof body === 'object' && 'message' in body
      ? String((body as { message: unknown }).message)
      : '';
  throw new Dhis2Error(
    `DHIS2 answered HTTP ${response.status} without an import summary${message ? `: ${message.slice(0, 200)}` : ''}`,
    response.status,
  );
}
