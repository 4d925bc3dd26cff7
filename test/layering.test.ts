/**
 * The engine and the flows stay pure: `npm run lint` (Biome's noRestrictedImports, see
 * biome.json) fails on an engine or flow file that imports the store, the runtime, Redis,
 * mongoose, BullMQ or HTTP — and passes the same imports elsewhere.
 */
import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIOME = 'node_modules/.bin/biome';

/** Lints one file with `imports` at `path` (written for the test, removed after). */
async function lint(path: string, imports: string): Promise<{ ok: boolean; output: string }> {
  await writeFile(path, `${imports}\nexport const probe = [store, io];\n`);
  try {
    await run(BIOME, ['lint', path]);
    return { ok: true, output: '' };
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    return { ok: false, output: stdout + stderr };
  } finally {
    await rm(path, { force: true });
  }
}

describe('layering', () => {
  it.each([
    ['a flow', 'flows/zz-layering-probe.ts', '../src'],
    ['an engine file', 'src/engine/zz-layering-probe.ts', '..'],
  ])('%s may not import the store or an I/O library', async (_what, path, root) => {
    const result = await lint(
      path,
      `import * as store from '${root}/store/lookups.ts';\nimport * as io from 'ioredis';`,
    );
    expect(result.ok).toBe(false);
    expect(result.output).toContain('noRestrictedImports');
  });

  it('the runtime may', async () => {
    const result = await lint(
      'src/runtime/zz-layering-probe.ts',
      `import * as store from '../store/lookups.ts';\nimport * as io from 'ioredis';`,
    );
    expect(result).toEqual({ ok: true, output: '' });
  });
});
