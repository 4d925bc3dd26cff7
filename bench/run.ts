/**
 * Runs one benchmark by name: `npm run bench -- <name> [args]`. Without a name, or with an
 * unknown one, it lists the benchmarks and exits with code 2. Otherwise it makes sure the local
 * services answer (scripts/services.ts), then runs bench/<name>.ts with the remaining arguments
 * and the same environment (e.g. BENCH_SECONDS=5 npm run bench -- storage).
 *
 * Every benchmark prints its human tables, then as its last line one JSON object of its
 * figures ({"bench":"<name>",…}), so a script can keep or compare runs: `… | tail -n 1`.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Name → what it measures. A new benchmark is a bench/<name>.ts listed here. */
export const BENCHMARKS: Record<string, string> = {
  conversation:
    'people registering at once through the Telegram webhook: updates/s, reply latency, round trips',
  inbound:
    'the app as its own process (production settings, webhook) against a grammY reference bot, same people, same run',
  storage: 'FerretDB on PostgreSQL and on SQLite under the same load: steps/s and latency',
  reminders:
    'meeting reminders of 10,000 members in 150 clubs due at once, to a fake Telegram at L msg/s: lateness, duplicates, lost',
  outbox:
    "the outbox's ceiling: 20,000 queued messages sent by a worker process to a fake Telegram (unlimited or L msg/s): messages/s, worker RSS",
  rollup:
    'weekly-report roll-ups of a commune, a province and the country over a synthetic 25,000 clubs × 52 weeks (or fewer, extrapolated)',
  'report-files': 'the XLSX and CSV of one week for 25,000 clubs (or N), in memory: seconds, size, heap',
  broadcast:
    "a province's announcement to 3,000 / 20,000 members through the delivery job and outbox, to a fake Telegram at L msg/s",
};

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function usage(): string {
  const width = Math.max(...Object.keys(BENCHMARKS).map((name) => name.length));
  const lines = Object.entries(BENCHMARKS).map(([name, about]) => `  ${name.padEnd(width)}  ${about}`);
  return ['Usage: npm run bench -- <name> [args]', 'Benchmarks:', ...lines].join('\n');
}

/** Runs `script` with this Node, its output shown as it comes; returns its exit code. */
function runNode(script: string, args: string[]): number {
  const result = spawnSync(process.execPath, [script, ...args], { cwd: ROOT, stdio: 'inherit' });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function main([name, ...args]: string[]): number {
  if (name === undefined || !Object.hasOwn(BENCHMARKS, name)) {
    if (name !== undefined) process.stderr.write(`Unknown benchmark: ${name}\n`);
    process.stderr.write(`${usage()}\n`);
    return 2;
  }
  const services = runNode('scripts/services.ts', []);
  if (services !== 0) return services;
  return runNode(`bench/${name}.ts`, args);
}

if (import.meta.main) process.exitCode = main(process.argv.slice(2));
