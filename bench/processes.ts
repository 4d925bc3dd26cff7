/**
 * Running a bot as its own process for a benchmark, as production runs it: started with the
 * project's Node and the Dockerfile's NODE_OPTIONS, waited for until it answers its health URL,
 * stopped with SIGTERM (timed), and its memory and CPU read from /proc.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { PROJECT_NODE } from '../test/support/app.ts';
import { settlesWithin, sleep } from './stats.ts';

/** How long a process may take to start, and to stop after SIGTERM before it is killed. */
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Node arguments of the app process: those production runs with (the Dockerfile's NODE_OPTIONS),
 * then BENCH_APP_NODE_ARGS, e.g. `--cpu-prof` to see where its time goes.
 */
export const APP_NODE_ARGS = [
  ...(/^ENV NODE_OPTIONS="([^"]*)"$/m.exec(readFileSync(`${ROOT}Dockerfile`, 'utf8'))?.[1] ?? '').split(' '),
  ...(process.env.BENCH_APP_NODE_ARGS ?? '').split(' '),
].filter(Boolean);

/** A benchmarked bot running as its own process. */
export interface Target {
  label: string;
  child: ChildProcess;
  webhookUrl: string;
  healthUrl: string;
  countersPort: number;
}

/** A port nobody listens on now (loopback). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts `args` with the project's Node; resolves once `healthUrl` answers 200. */
export async function startProcess(
  label: string,
  args: string[],
  env: Record<string, string>,
  urls: { webhookUrl: string; healthUrl: string; countersPort: number },
): Promise<Target> {
  const child = spawn(PROJECT_NODE, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const deadline = performance.now() + START_TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${label} exited with code ${child.exitCode} while starting`);
    const up = await fetch(urls.healthUrl, { signal: AbortSignal.timeout(1000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (up) return { label, child, ...urls };
    await sleep(200);
  }
  child.kill('SIGKILL');
  throw new Error(`${label} did not answer ${urls.healthUrl} within ${START_TIMEOUT_MS / 1000} s`);
}

/** SIGTERM, then how long the process took to exit (ms), or null if it had to be killed. */
export async function stopProcess(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return 0;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const startedAt = performance.now();
  child.kill('SIGTERM');
  if (await settlesWithin(exited, STOP_TIMEOUT_MS)) return performance.now() - startedAt;
  child.kill('SIGKILL');
  await settlesWithin(exited, 5000);
  return null;
}

/** Resident memory of a process in MB (VmRSS), NaN when it cannot be read. */
export function residentMB(pid: number | undefined): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kB = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kB === undefined ? Number.NaN : Number(kB) / 1024;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds (user + system) a process has used so far; NaN when it cannot be read. */
export function cpuSeconds(pid: number | undefined): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * The processes that share the machine's cores during a phase, by role. Each update's cost is the
 * CPU they all used: on two cores, what the bot saves in its own process but spends in Redis or
 * the database is no saving.
 */
export async function cpuPids(bot: ChildProcess, redis: Redis): Promise<Record<string, number[]>> {
  const redisPid = Number(/^process_id:(\d+)/m.exec(await redis.info('server'))?.[1]);
  // A MongoDB this checkout did not start (no pid file) is left out of the CPU figures.
  const ferretPid = Number(
    (() => {
      try {
        return readFileSync(`${ROOT}data/ferretdb.pid`, 'utf8').trim();
      } catch {
        return Number.NaN;
      }
    })(),
  );
  const postgres = spawnSync('pgrep', ['-x', 'postgres'], { encoding: 'utf8' }).stdout;
  return {
    bot: [bot.pid!],
    driver: [process.pid],
    redis: [redisPid],
    ferretdb: Number.isInteger(ferretPid) ? [ferretPid] : [],
    postgres: postgres.split('\n').filter(Boolean).map(Number),
  };
}

export function cpuByRole(pids: Record<string, number[]>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(pids).map(([role, list]) => [
      role,
      list.reduce((sum, pid) => sum + (cpuSeconds(pid) || 0), 0),
    ]),
  );
}
