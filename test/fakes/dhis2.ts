/**
 * FakeDhis2 — a fake DHIS2 Web API over real HTTP on loopback, for tests of the DHIS2 push.
 *
 * It serves `POST /api/dataValueSets` the way DHIS2 2.38+ does: a personal access token in
 * `Authorization: ApiToken <token>` (else 401), JSON body `{ dataSet, period?, dataValues: [...] }`,
 * `importStrategy` from the query (CREATE_AND_UPDATE by default). Each value is checked against
 * the metadata the test gives (data set, org units, data elements with their value type, period
 * format); a value that fails is ignored and reported as a conflict `{ object, value }` with
 * DHIS2's wording, the rest are stored (imported when new, updated when they existed). The answer
 * is DHIS2's envelope `{ httpStatus, httpStatusCode, status, message, response: { responseType:
 * "ImportSummary", status, importCount: { imported, updated, ignored, deleted }, conflicts } }`,
 * with HTTP 409 and status WARNING (some imported) or ERROR (none) when there were conflicts.
 *
 * `failNext(status)` answers the next request with a bare error (e.g. 500, 503) instead.
 */
import type { IncomingMessage } from 'node:http';
import { FakeHttpServer, type Outcome, readBody } from './fake-server.ts';

export type ValueType = 'BOOLEAN' | 'INTEGER_ZERO_OR_POSITIVE' | 'NUMBER';

export interface Dhis2Metadata {
  dataSets: string[];
  orgUnits: string[];
  dataElements: Record<string, ValueType>;
  /** Category option combos allowed (besides none, the default). */
  categoryOptionCombos?: string[];
}

export interface ReceivedPush {
  query: URLSearchParams;
  authorization: string | undefined;
  body: unknown;
}

const WEEK = /^\d{4}W([1-9]|[1-4]\d|5[0-3])$/;
const MONTH = /^\d{4}(0[1-9]|1[0-2])$/;

export class FakeDhis2 {
  readonly token: string;
  readonly metadata: Dhis2Metadata;
  /** Stored values by `dataElement|period|orgUnit|categoryOptionCombo`. */
  readonly values = new Map<string, string>();
  readonly pushes: ReceivedPush[] = [];
  private readonly server: FakeHttpServer;
  private failures: number[] = [];

  constructor(metadata: Dhis2Metadata, token = 'd2pat_fakeTokenForTests0000000000000000') {
    this.metadata = metadata;
    this.token = token;
    this.server = new FakeHttpServer((req) => this.answer(req));
  }

  /** Starts listening; resolves with the base URL to use as DHIS2_URL. */
  listen(): Promise<string> {
    return this.server.listen();
  }

  close(): Promise<void> {
    return this.server.close();
  }

  failNext(status: number): void {
    this.failures.push(status);
  }

  private async answer(req: IncomingMessage): Promise<Outcome> {
    const reply = (status: number, body: unknown): Outcome => ({ reply: { status, body }, delayMs: 0 });
    const url = new URL(req.url ?? '/', 'http://fake');
    const text = await readBody(req);
    if (req.method !== 'POST' || url.pathname !== '/api/dataValueSets') {
      return reply(404, {
        httpStatus: 'Not Found',
        httpStatusCode: 404,
        status: 'ERROR',
        message: 'Not found',
      });
    }
    const failure = this.failures.shift();
    if (failure !== undefined)
      return reply(failure, {
        httpStatus: 'Error',
        httpStatusCode: failure,
        status: 'ERROR',
        message: 'Server error',
      });
    if (req.headers.authorization !== `ApiToken ${this.token}`) {
      return reply(401, {
        httpStatus: 'Unauthorized',
        httpStatusCode: 401,
        status: 'ERROR',
        message: 'Unauthorized',
      });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return reply(400, {
        httpStatus: 'Bad Request',
        httpStatusCode: 400,
        status: 'ERROR',
        message: 'Invalid JSON',
      });
    }
    this.pushes.push({ query: url.searchParams, authorization: req.headers.authorization, body });
    return this.importValues(body, url.searchParams.get('importStrategy') ?? 'CREATE_AND_UPDATE', reply);
  }

  private importValues(
    body: unknown,
    strategy: string,
    reply: (status: number, body: unknown) => Outcome,
  ): Outcome {
    const set = (body ?? {}) as { dataSet?: unknown; period?: unknown; dataValues?: unknown };
    const conflicts: { object: string; value: string }[] = [];
    const count = { imported: 0, updated: 0, ignored: 0, deleted: 0 };
    const values = Array.isArray(set.dataValues) ? set.dataValues : [];
    // An unknown data set: one conflict, every value ignored (as DHIS2 does).
    const dataSetKnown = typeof set.dataSet === 'string' && this.metadata.dataSets.includes(set.dataSet);
    if (!dataSetKnown) {
      conflicts.push({ object: String(set.dataSet), value: 'Data set not found or not accessible' });
      count.ignored = values.length;
    }
    for (const raw of dataSetKnown ? values : []) {
      const value = (raw ?? {}) as Record<string, unknown>;
      const period = typeof value.period === 'string' ? value.period : set.period;
      const problem = this.problemOf(value, period);
      if (problem) {
        conflicts.push(problem);
        count.ignored += 1;
        continue;
      }
      const key = [value.dataElement, period, value.orgUnit, value.categoryOptionCombo ?? 'default'].join(
        '|',
      );
      const exists = this.values.has(key);
      if (exists && strategy === 'CREATE') {
        count.ignored += 1;
        continue;
      }
      if (!exists && strategy === 'UPDATE') {
        count.ignored += 1;
        continue;
      }
      this.values.set(key, String(value.value));
      if (exists) count.updated += 1;
      else count.imported += 1;
    }
    const status =
      conflicts.length === 0 ? 'SUCCESS' : count.imported + count.updated > 0 ? 'WARNING' : 'ERROR';
    const summary = {
      responseType: 'ImportSummary',
      status,
      importOptions: { importStrategy: strategy },
      description: 'Import process completed successfully',
      importCount: count,
      conflicts,
      dataSetComplete: 'false',
    };
    const httpStatus = conflicts.length === 0 ? 200 : 409;
    return reply(httpStatus, {
      httpStatus: httpStatus === 200 ? 'OK' : 'Conflict',
      httpStatusCode: httpStatus,
      status: httpStatus === 200 ? 'OK' : status,
      message:
        httpStatus === 200
          ? 'Import was successful.'
          : 'One more conflicts encountered, please check import summary.',
      response: summary,
    });
  }

  /** Why DHIS2 would refuse this value, as DHIS2 words it; undefined when it is fine. */
  private problemOf(
    value: Record<string, unknown>,
    period: unknown,
  ): { object: string; value: string } | undefined {
    const { dataElement, orgUnit, categoryOptionCombo } = value;
    const type = typeof dataElement === 'string' ? this.metadata.dataElements[dataElement] : undefined;
    if (!type) return { object: String(dataElement), value: 'Data element not found or not accessible' };
    if (typeof orgUnit !== 'string' || !this.metadata.orgUnits.includes(orgUnit)) {
      return { object: String(orgUnit), value: 'Organisation unit not found or not accessible' };
    }
    if (typeof period !== 'string' || !(WEEK.test(period) || MONTH.test(period))) {
      return { object: String(period), value: 'Period not valid' };
    }
    if (
      categoryOptionCombo !== undefined &&
      !(
        typeof categoryOptionCombo === 'string' &&
        this.metadata.categoryOptionCombos?.includes(categoryOptionCombo)
      )
    ) {
      return {
        object: String(categoryOptionCombo),
        value: 'Category option combo not found or not accessible',
      };
    }
    const text = value.value;
    if (typeof text !== 'string') return { object: String(dataElement), value: 'Data value is not a string' };
    const valid =
      type === 'BOOLEAN'
        ? text === 'true' || text === 'false'
        : type === 'INTEGER_ZERO_OR_POSITIVE'
          ? /^(0|[1-9]\d*)$/.test(text)
          : /^-?\d+(\.\d+)?$/.test(text);
    if (!valid) {
      const wording =
        type === 'BOOLEAN'
          ? 'Value_not_bool'
          : type === 'INTEGER_ZERO_OR_POSITIVE'
            ? 'Value_not_zero_or_positive_integer'
            : 'Value_not_numeric';
      return { object: String(dataElement), value: `Value is not valid: ${wording}` };
    }
    return undefined;
  }
}
