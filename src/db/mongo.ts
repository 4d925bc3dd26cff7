import mongoose from 'mongoose';

/**
 * Connects mongoose with an explicit pool size. FerretDB on PostgreSQL wedges
 * when the pools of all its clients add up to more than half of its own
 * (`pool_max_conns`), so the size is a setting, never the driver's default 100.
 */
export async function connectMongo(uri: string, poolSize: number): Promise<mongoose.Connection> {
  const connection = mongoose.createConnection(uri, {
    maxPoolSize: poolSize,
    minPoolSize: 0,
    serverSelectionTimeoutMS: 5000,
    socketTimeoutMS: 30000,
    autoIndex: true,
    // Emits commandStarted events (counted by bench/ to measure round trips per message).
    monitorCommands: true,
  });
  await connection.asPromise();
  return connection;
}

/** Answers within `timeoutMs` whether the database responds. */
export async function pingMongo(connection: mongoose.Connection, timeoutMs = 1500): Promise<boolean> {
  const db = connection.db;
  if (!db || connection.readyState !== 1) return false;
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
  const ping = db
    .command({ ping: 1 })
    .then(() => true)
    .catch(() => false);
  return Promise.race([ping, timeout]);
}
