import mongoose from 'mongoose';
import { createModels } from './src/models/index.ts';
const c = await mongoose.createConnection('mongodb://127.0.0.1:27018/bench_rollup', { maxPoolSize: 4 }).asPromise();
const m = createModels(c);
async function t(name: string, f: () => Promise<unknown>) { const s = performance.now(); const r = await f(); console.log(name, (performance.now() - s).toFixed(0), 'ms', Array.isArray(r) ? r.length : r); }
await t('missing ne', () => m.Club.find({ ancestors: 'vn', reportedPeriods: { $ne: '2026W47' } }, { name: 1 }).lean());
await t('missing nin', () => m.Club.find({ ancestors: 'vn', reportedPeriods: { $nin: ['2026W47'] } }, { name: 1 }).lean());
await t('count', () => m.Club.countDocuments({ ancestors: 'vn' }));
await t('count p1', () => m.Club.countDocuments({ ancestors: 'vn-p1' }));
await t('units all', () => m.OrgUnit.find({}).lean());
await t('units anc', () => m.OrgUnit.find({ ancestors: 'vn' }).lean());
await t('clubs p1', () => m.Club.find({ ancestors: 'vn-p1' }, { name: 1 }).lean());
await t('agg count', () => m.Club.aggregate([{ $match: { ancestors: 'vn' } }, { $count: 'n' }]));
await c.close();
