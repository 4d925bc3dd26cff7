/**
 * A job run every hour on a BullMQ job scheduler: one scheduler per deployment, whatever the
 * number of workers (upserting it again changes nothing), and the worker that runs it.
 */
import { type ConnectionOptions, Queue, Worker } from 'bullmq';
import type { Logger } from '../log.ts';

const EVERY_MS = 3600_000;

export interface HourlyOptions {
  connection: ConnectionOptions;
  prefix: string;
  log: Logger;
}

/** The job's queue; `label` names it in error logs. */
export function hourlyQueue(name: string, { connection, prefix, log }: HourlyOptions, label: string): Queue {
  const queue = new Queue(name, { connection, prefix });
  queue.on('error', (error) => log.error({ err: error }, `${label} queue error`));
  return queue;
}

/** Registers the hourly run of `jobName` under `schedulerId` and starts the worker that calls `run`. */
export async function startHourly(
  queue: Queue,
  ids: { schedulerId: string; jobName: string; label: string },
  run: () => Promise<unknown>,
  { connection, prefix, log }: HourlyOptions,
): Promise<Worker> {
  await queue.upsertJobScheduler(
    ids.schedulerId,
    { every: EVERY_MS },
    { name: ids.jobName, opts: { removeOnComplete: { count: 24 }, removeOnFail: { count: 24 } } },
  );
  const worker = new Worker(queue.name, run, { connection, prefix });
  worker.on('error', (error) => log.error({ err: error }, `${ids.label} worker error`));
  return worker;
}
