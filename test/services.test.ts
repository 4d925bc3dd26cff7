/**
 * `npm start` and `npm test` run scripts/services.ts first: it must say which MongoDB the bot
 * will use, so that nobody writes into another project's server unawares.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { dropTestData, isolatedEnv, PROJECT_NODE } from './support/app.ts';

const run = promisify(execFile);

describe('scripts/services.ts', () => {
  const env = isolatedEnv();
  afterAll(() => dropTestData(env));

  it('names the MongoDB server it found answering', async () => {
    const { stdout } = await run(PROJECT_NODE, ['scripts/services.ts'], { env: { ...process.env, ...env } });
    const mongo = stdout.split('\n').find((line) => line.startsWith('MongoDB:'));
    // Our own FerretDB when this checkout started it, else a server someone else started.
    expect(mongo).toMatch(
      /^MongoDB: (FerretDB 1\.24\.2 of this checkout \((PostgreSQL|SQLite) backend\)|using a MongoDB-compatible server already answering at \S+ \((FerretDB|MongoDB \S+|unknown kind), not started by this script)/,
    );
  });
});
