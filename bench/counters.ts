/**
 * Counts the MongoDB commands a benchmarked process sends and serves the count as JSON on a
 * loopback port of its own, so bench/inbound.ts can read it before and after a run. Used by the
 * reference bot and, through bench/count-app-commands.ts, by the app: the app's own code is not
 * changed for the benchmark.
 */
import type { EventEmitter } from 'node:events';
import { createServer } from 'node:http';

/** The variable that names the port; nothing is counted or served without it. */
export const COUNTERS_PORT_VARIABLE = 'BENCH_COUNTERS_PORT';

const counts = { mongoCommands: 0, byCommand: {} as Record<string, number>, redisCommands: 0 };

/** Counts one Redis command (bench/count-app-commands.ts calls it for every command the process sends). */
export function countRedisCommand(): void {
  counts.redisCommands += 1;
}

/** Counts every `commandStarted` of a MongoDB client created with `monitorCommands: true`, by "command collection". */
export function countCommandsOf(client: EventEmitter): void {
  client.on('commandStarted', (event: { commandName: string; command: Record<string, unknown> }) => {
    counts.mongoCommands += 1;
    const name = `${event.commandName} ${String(event.command[event.commandName] ?? '')}`.trim();
    counts.byCommand[name] = (counts.byCommand[name] ?? 0) + 1;
  });
}

/** Serves `{"mongoCommands":n,"byCommand":{…}}` on 127.0.0.1:`port`; the server does not keep the process alive. */
export function serveCounters(port: number): void {
  const server = createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(counts));
  });
  server.listen(port, '127.0.0.1');
  server.unref();
}

/** What a process served by `serveCounters` has counted so far. */
export async function readCounters(port: number): Promise<typeof counts> {
  const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5000) });
  return (await response.json()) as typeof counts;
}
