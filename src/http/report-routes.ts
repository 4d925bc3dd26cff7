/**
 * The reports API for the association's software, each call scoped by its API token
 * (src/http/api-tokens.ts) to an org unit and everything under it:
 *
 * | route | answer |
 * |---|---|
 * | `GET /api/v1/reports?orgUnit=<code>&period=<2026W47 \| 2026W40..2026W47 \| 202611>` | the roll-up (JSON) |
 * | `GET /api/v1/reports/export.xlsx?…` | the XLSX workbook (a sheet per week, missing clubs) |
 * | `GET /api/v1/reports/export.csv?…` | the CSV |
 * | `GET /api/v1/reports/dhis2?…` | the DHIS2 `dataValueSets` payload (JSON) |
 * | `POST /api/v1/reports/dhis2/push?…` | pushes it to DHIS2_URL; DHIS2's import summary |
 *
 * 401: no token, a bad or revoked one. 403: `orgUnit` outside the token's area. 400: a missing or
 * wrong parameter, named (`period: …`, `orgUnit: …`), an unknown period among them. 501: DHIS2 not
 * configured. 502: DHIS2 did not take the push (the reason in `error`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Models } from '../models/index.ts';
import { Dhis2Error } from '../reports/dhis2.ts';
import { Dhis2NotConfigured, type ReportFormat, type ReportService } from '../reports/report-service.ts';
import { apiAuth } from './api-tokens.ts';

/** The most periods one call may cover (an XLSX has a sheet per week). */
export const MAX_API_PERIODS = 60;

export interface ReportRouteDeps {
  models: Models;
  reports: ReportService;
}

interface Scope {
  orgUnitId: string;
  periods: string[];
}

const PERIOD_HELP = 'e.g. 2026W47, 2026W40..2026W47 or 202611';

export function registerReportRoutes(app: FastifyInstance, deps: ReportRouteDeps): void {
  const auth = apiAuth(deps.models);
  const { reports } = deps;

  /** Reads and checks `orgUnit` and `period`; undefined when an answer (400/403) was sent. */
  async function scope(request: FastifyRequest, reply: FastifyReply): Promise<Scope | undefined> {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const orgUnit = query.orgUnit;
    const period = query.period;
    if (typeof orgUnit !== 'string' || orgUnit === '') {
      await reply.code(400).send({ error: 'orgUnit: required (the code of an org unit)' });
      return undefined;
    }
    if (typeof period !== 'string' || period === '') {
      await reply.code(400).send({ error: `period: required (${PERIOD_HELP})` });
      return undefined;
    }
    if (!(await auth.reach(request, reply, orgUnit, 'orgUnit'))) return undefined;
    const periods = period.length <= 40 ? reports.data.parsePeriods(period) : undefined;
    if (!periods) {
      await reply.code(400).send({ error: `period: not a known period or range (${PERIOD_HELP})` });
      return undefined;
    }
    if (periods.length > MAX_API_PERIODS) {
      await reply.code(400).send({ error: `period: at most ${MAX_API_PERIODS} periods in one call` });
      return undefined;
    }
    return { orgUnitId: orgUnit, periods };
  }

  const guarded = { preHandler: auth.authenticate };

  app.get('/api/v1/reports', guarded, async (request, reply) => {
    const found = await scope(request, reply);
    if (!found) return reply;
    return reports.summary(found.orgUnitId, found.periods);
  });

  for (const format of ['xlsx', 'csv'] as const satisfies ReportFormat[]) {
    app.get(`/api/v1/reports/export.${format}`, guarded, async (request, reply) => {
      const found = await scope(request, reply);
      if (!found) return reply;
      const file = await reports.file({ ...found, format });
      return reply
        .header('content-type', file.contentType)
        .header('content-disposition', `attachment; filename="${file.filename}"`)
        .header('cache-control', 'no-store')
        .send(file.bytes);
    });
  }

  /** DHIS2 not configured → 501; DHIS2 refused or unreachable → 502; otherwise rethrown. */
  async function dhis2Failure(error: unknown, reply: FastifyReply) {
    if (error instanceof Dhis2NotConfigured) return reply.code(501).send({ error: error.message });
    if (error instanceof Dhis2Error) return reply.code(502).send({ error: error.message });
    throw error;
  }

  app.get('/api/v1/reports/dhis2', guarded, async (request, reply) => {
    const found = await scope(request, reply);
    if (!found) return reply;
    try {
      const { payload, unmappedClubs, unmappedCodes } = await reports.dhis2Payload(
        found.orgUnitId,
        found.periods,
      );
      // The body is exactly what DHIS2 takes; what could not be mapped is told in headers.
      return reply
        .header(
          'x-dhis2-unmapped-clubs',
          unmappedClubs
            .map((club) => club.clubId)
            .join(',')
            .slice(0, 4000),
        )
        .header('x-dhis2-unmapped-codes', unmappedCodes.join(','))
        .send(payload);
    } catch (error) {
      return dhis2Failure(error, reply);
    }
  });

  app.post('/api/v1/reports/dhis2/push', guarded, async (request, reply) => {
    const found = await scope(request, reply);
    if (!found) return reply;
    try {
      const result = await reports.dhis2Push(found.orgUnitId, found.periods);
      return {
        orgUnit: found.orgUnitId,
        periods: found.periods,
        sent: result.sent,
        ...result.summary,
        unmappedClubs: result.unmappedClubs.map((club) => club.clubId),
        unmappedCodes: result.unmappedCodes,
      };
    } catch (error) {
      return dhis2Failure(error, reply);
    }
  });
}
