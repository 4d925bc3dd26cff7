/**
 * A small hierarchy for the reports and API tests: the country, two provinces with a commune
 * each, two clubs in Nghệ An's commune and one in Hà Tĩnh's.
 */
import type { Models } from '../../src/models/index.ts';

export const ORG_UNITS = [
  { _id: 'vn', name: 'Trung ương Hội', kind: 'central', ancestors: [] },
  { _id: 'vn-na', name: 'Tỉnh Nghệ An', kind: 'province', parentId: 'vn', ancestors: ['vn'] },
  { _id: 'vn-na-dh', name: 'Xã Diễn Hồng', kind: 'commune', parentId: 'vn-na', ancestors: ['vn', 'vn-na'] },
  { _id: 'vn-ht', name: 'Tỉnh Hà Tĩnh', kind: 'province', parentId: 'vn', ancestors: ['vn'] },
  { _id: 'vn-ht-tk', name: 'Xã Thạch Kim', kind: 'commune', parentId: 'vn-ht', ancestors: ['vn', 'vn-ht'] },
];

export const CLUBS = [
  { _id: 'club-dh', name: 'CLB Đông Hồng', orgUnitId: 'vn-na-dh', ancestors: ['vn-na-dh', 'vn', 'vn-na'] },
  { _id: 'club-dh2', name: 'CLB Xóm Đông', orgUnitId: 'vn-na-dh', ancestors: ['vn-na-dh', 'vn', 'vn-na'] },
  { _id: 'club-tk', name: 'CLB Thạch Kim', orgUnitId: 'vn-ht-tk', ancestors: ['vn-ht-tk', 'vn', 'vn-ht'] },
];

/** Inserts the org units, and the clubs unless `clubs` is false. */
export async function insertPlaces(models: Models, { clubs = true } = {}): Promise<void> {
  await models.OrgUnit.insertMany(ORG_UNITS);
  if (clubs) await models.Club.insertMany(CLUBS);
}
