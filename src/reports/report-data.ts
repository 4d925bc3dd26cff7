/**
 * The report data the ReportService reads, bound to the stored reports: roll-ups and club rows
 * (rollup.ts), the periods (periods.ts) and the definition in use (flows/reports/default.ts).
 */
import { DEFAULT_REPORT } from '../../flows/reports/default.ts';
import type { Models } from '../models/index.ts';
import { parsePeriod, parsePeriodRange, shiftPeriod, weeksOfMonth } from './periods.ts';
import type { ReportData } from './report-service.ts';
import { clubRows, rollup } from './rollup.ts';

export function storedReportData(models: Models): ReportData {
  return {
    definition: DEFAULT_REPORT,
    parsePeriods: parsePeriodRange,
    weeksOf: (period) => (parsePeriod(period)?.kind === 'month' ? weeksOfMonth(period) : [period]),
    shiftWeek: shiftPeriod,
    orgUnitName: async (orgUnitId) => (await models.OrgUnit.findById(orgUnitId, { name: 1 }).lean())?.name,
    rollup: (orgUnitId, periods) => rollup(models, { orgUnitId, periods }),
    clubRows: (orgUnitId, periods) => clubRows(models, { orgUnitId, periods }),
  };
}
