import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each file starts its own bot on real FerretDB/MongoDB and Redis, isolated by database
    // name and key prefix. Two at a time: this keeps the sum of connection pools well under
    // FerretDB's limit (see shared/STORAGE.md) on a 2-core machine.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
