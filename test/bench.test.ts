/**
 * The benchmark runner (bench/run.ts) without running a benchmark: a missing or unknown name
 * lists the benchmarks and exits with code 2, before any service is started.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BENCHMARKS } from '../bench/run.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function runner(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'node_modules/.bin/node',
      ['bench/run.ts', ...args],
      { cwd: ROOT, timeout: 20_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('npm run bench -- <name>', () => {
  it('has a bench/<name>.ts for every benchmark it lists', () => {
    expect(Object.keys(BENCHMARKS)).toEqual(expect.arrayContaining(['conversation', 'inbound', 'storage']));
    for (const name of Object.keys(BENCHMARKS))
      expect(existsSync(`${ROOT}bench/${name}.ts`), name).toBe(true);
  });

  it('lists the benchmarks and exits with 2 when the name is missing or unknown', async () => {
    const [missing, unknown] = await Promise.all([runner([]), runner(['stats'])]);
    for (const run of [missing, unknown]) {
      expect(run.code).toBe(2);
      expect(run.stdout).toBe(''); // nothing started
      for (const name of Object.keys(BENCHMARKS)) expect(run.stderr).toMatch(new RegExp(`^ +${name} `, 'm'));
    }
    expect(missing.stderr).not.toContain('Unknown benchmark');
    expect(unknown.stderr).toContain('Unknown benchmark: stats');
  });
});
