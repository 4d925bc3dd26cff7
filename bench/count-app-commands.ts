/**
 * Preloaded into the app by bench/inbound.ts (`node --import ./bench/count-app-commands.ts
 * src/main.ts`): counts the MongoDB commands of every mongoose connection the app opens
 * (src/db/mongo.ts turns command monitoring on) and every Redis command of its ioredis clients, and
 * serves the counts on BENCH_COUNTERS_PORT.
 */
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { COUNTERS_PORT_VARIABLE, countCommandsOf, countRedisCommand, serveCounters } from './counters.ts';

const port = Number(process.env[COUNTERS_PORT_VARIABLE]);
if (Number.isInteger(port) && port > 0) {
  const createConnection = mongoose.createConnection.bind(mongoose);
  mongoose.createConnection = ((...args: Parameters<typeof createConnection>) => {
    const connection = createConnection(...args);
    // The driver's client exists once the connection opened; commands before that are not the hot path.
    connection.once('open', () => countCommandsOf(connection.getClient()));
    return connection;
  }) as typeof mongoose.createConnection;
  // Redis commands too (BullMQ's included), each one counted once whether pipelined or not.
  const sendCommand = Redis.prototype.sendCommand;
  Redis.prototype.sendCommand = function (this: Redis, ...args: Parameters<typeof sendCommand>) {
    countRedisCommand();
    return sendCommand.apply(this, args);
  } as typeof sendCommand;
  serveCounters(port);
}
