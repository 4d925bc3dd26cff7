/**
 * The default weekly report of a club, as data (see src/reports/definitions.ts). Codes are what
 * experienced chairs type in one message (`bc hop=1 dd=35 …`) and what exports and DHIS2 mappings
 * use: never change one's meaning; a change of elements is a new `version`.
 *
 * Order = the order of questions and of the short form `bc 1 35 …`:
 *   club       hop (meeting held, yes/no), dd (attendance), moi (new members), roi (members who left), phi (fees, VND)
 *   income     vay (loans issued), tienvay (VND lent), tientra (VND repaid), quy (fund balance, monthly),
 *              davay (members who have ever borrowed, monthly)
 *   health     ha (blood pressure measured), can (weight measured), bhyt (members with health insurance, monthly)
 *   homeCare   tham (home-care visits), cs (people cared for)
 *   selfHelp   tg (self-help cases)
 *   rights     ql (rights and entitlement cases supported)
 *   learning   tt (awareness sessions)
 *   culture    vh (cultural or sports events, visits)
 *   resources  hd (resources mobilised, VND)
 */
import type { ReportDefinition } from '../../src/reports/definitions.ts';

/** A club has 50–70 members; 500 leaves room for a large one and stops a typo like 3500. */
const PEOPLE = 500;
/** 10 billion đồng: far above any club fund, below the safe integer range. */
const MONEY = 10_000_000_000;

export const DEFAULT_REPORT: ReportDefinition = {
  id: 'weekly',
  version: 1,
  elements: [
    { code: 'hop', area: 'club', key: 'report.el.hop', type: 'yesno', period: 'week' },
    {
      code: 'dd',
      area: 'club',
      key: 'report.el.dd',
      type: 'count',
      min: 0,
      max: PEOPLE,
      period: 'week',
      people: true,
    },
    { code: 'moi', area: 'club', key: 'report.el.moi', type: 'count', min: 0, max: 100, period: 'week' },
    { code: 'roi', area: 'club', key: 'report.el.roi', type: 'count', min: 0, max: 100, period: 'week' },
    {
      code: 'phi',
      area: 'club',
      key: 'report.el.phi',
      type: 'vnd',
      min: 0,
      max: MONEY,
      period: 'week',
      optional: true,
    },
    {
      code: 'vay',
      area: 'income',
      key: 'report.el.vay',
      type: 'count',
      min: 0,
      max: PEOPLE,
      period: 'week',
      activity: true,
    },
    {
      code: 'tienvay',
      area: 'income',
      key: 'report.el.tienvay',
      type: 'vnd',
      min: 0,
      max: MONEY,
      period: 'week',
      activity: true,
    },
    {
      code: 'tientra',
      area: 'income',
      key: 'report.el.tientra',
      type: 'vnd',
      min: 0,
      max: MONEY,
      period: 'week',
      activity: true,
    },
    {
      code: 'quy',
      area: 'income',
      key: 'report.el.quy',
      type: 'vnd',
      min: 0,
      max: MONEY,
      period: 'month',
      optional: true,
    },
    {
      code: 'davay',
      area: 'income',
      key: 'report.el.davay',
      type: 'count',
      min: 0,
      max: PEOPLE,
      period: 'month',
      people: true,
      optional: true,
    },
    {
      code: 'ha',
      area: 'health',
      key: 'report.el.ha',
      type: 'count',
      min: 0,
      max: PEOPLE,
      period: 'week',
      people: true,
      activity: true,
    },
    {
      code: 'can',
      area: 'health',
      key: 'report.el.can',
      type: 'count',
      min: 0,
      max: PEOPLE,
      period: 'week',
      people: true,
      activity: true,
    },
    {
      code: 'bhyt',
      area: 'health',
      key: 'report.el.bhyt',
      type: 'count',
      min: 0,
      max: PEOPLE,
      period: 'month',
      people: true,
      optional: true,
    },
    {
      code: 'tham',
      area: 'homeCare',
      key: 'report.el.tham',
      type: 'count',
      min: 0,
      max: 2000,
      period: 'week',
      activity: true,
    },
    {
      code: 'cs',
      area: 'homeCare',
      key: 'report.el.cs',
      type: 'count',
      min: 0,
      max: PEOPLE,
      period: 'week',
      people: true,
      activity: true,
    },
    {
      code: 'tg',
      area: 'selfHelp',
      key: 'report.el.tg',
      type: 'count',
      min: 0,
      max: 200,
      period: 'week',
      activity: true,
    },
    {
      code: 'ql',
      area: 'rights',
      key: 'report.el.ql',
      type: 'count',
      min: 0,
      max: 200,
      period: 'week',
      activity: true,
    },
    {
      code: 'tt',
      area: 'learning',
      key: 'report.el.tt',
      type: 'count',
      min: 0,
      max: 50,
      period: 'week',
      activity: true,
    },
    {
      code: 'vh',
      area: 'culture',
      key: 'report.el.vh',
      type: 'count',
      min: 0,
      max: 50,
      period: 'week',
      activity: true,
    },
    {
      code: 'hd',
      area: 'resources',
      key: 'report.el.hd',
      type: 'vnd',
      min: 0,
      max: MONEY,
      period: 'week',
      activity: true,
    },
  ],
};

/** Every version ever used, newest last (a stored report names its definition and version). */
export const REPORT_DEFINITIONS: ReportDefinition[] = [DEFAULT_REPORT];
