/** `npm run cli -- seed --synthetic …`: a synthetic country in the database, that rolls up. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import mongoose from 'mongoose';
import { afterAll, describe, expect, it } from 'vitest';
import { createModels } from '../src/models/index.ts';
import { rollup } from '../src/reports/rollup.ts';
import { dropTestData, isolatedEnv, PROJECT_NODE } from './support/app.ts';

const run = promisify(execFile);
const env = isolatedEnv();

afterAll(() => dropTestData(env));

describe('seed --synthetic', () => {
  it('writes provinces, communes, clubs, members with chats and reports with their totals', async () => {
    const { stdout } = await run(
      PROJECT_NODE,
      ['src/cli/main.ts', 'seed', '--synthetic', '--clubs', '24', '--members-per-club', '3', '--weeks', '3'],
      { env: { ...process.env, ...env } },
    );
    expect(stdout).toContain('24 CLB, 72 thành viên');
    const connection = await mongoose.createConnection(env.MONGODB_URI!, { maxPoolSize: 2 }).asPromise();
    try {
      const models = createModels(connection);
      expect(await models.OrgUnit.countDocuments({ kind: 'commune' })).toBe(3);
      expect(await models.Identity.countDocuments({ channel: 'simulator' })).toBe(72);
      expect(await models.Member.countDocuments({ 'roles.role': 'chair' })).toBe(24);
      const reports = await models.WeeklyReport.find({}, { period: 1 }).lean();
      const lastWeek = reports
        .map((r) => r.period)
        .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))
        .at(-1)!;
      const r = await rollup(models, { orgUnitId: 'syn', periods: [lastWeek] });
      expect(r.clubs).toBe(24);
      expect(r.reported).toBe(reports.filter((x) => x.period === lastWeek).length);
    } finally {
      await connection.close();
    }
  });

  it('refuses what it cannot do, with a clear line and exit code 2', async () => {
    const failure = await run(PROJECT_NODE, ['src/cli/main.ts', 'seed', '--synthetic', '--clubs', '-4'], {
      env: { ...process.env, ...env },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toContain('--clubs');
  });
});
