/**
 * Preloaded into the app by bench/inbound.ts (`node --import ./bench/count-app-commands.ts
 * src/main.ts`): counts the MongoDB commands of every mongoose connection the app opens
 * (src/db/mongo.ts turns command monitoring on) and serves the count on BENCH_COUNTERS_PORT.
 */
import mongoose from 'mongoose';
import { COUNTERS_PORT_VARIABLE, countCommandsOf, serveCounters } from './counters.ts';

const port = Number(process.env[COUNTERS_PORT_VARIABLE]);
if (Number.isInteger(port) && port > 0) {
  const createConnection = mongoose.createConnection.bind(mongoose);
  mongoose.createConnection = ((...args: Parameters<typeof createConnection>) => {
    const connection = createConnection(...args);
    // The driver's client exists once the connection opened; commands before that are not the hot path.
    connection.once('open', () => countCommandsOf(connection.getClient()));
    return connection;
  }) as typeof mongoose.createConnection;
  serveCounters(port);
}
