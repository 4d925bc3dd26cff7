/** Starts ISHC Chat with settings from the environment (see .env.example). */
import { App, STOP_MS } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const startedAt = performance.now();
  const app = await App.create(config);
  const address = await app.start();
  const channels = [
    config.SIMULATOR && 'simulator',
    config.TELEGRAM_BOT_TOKEN && `telegram (${config.TELEGRAM_MODE})`,
  ]
    .filter(Boolean)
    .join(', ');
  app.log.info(
    { role: config.ROLE, channels, ms: Math.round(performance.now() - startedAt) },
    `ISHC Chat ready on ${address}`,
  );
  if (config.SIMULATOR && config.ROLE !== 'worker') {
    console.log(`\n  Simulator: http://localhost:${config.PORT}/   (terminal: npm run cli -- chat)\n`);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'stopping');
    const startedAt = performance.now();
    // Whatever still hangs past the stop's own deadline (a connection that never closes) does not
    // keep the process: what matters is already in Redis.
    setTimeout(() => {
      app.log.error({ ms: Math.round(performance.now() - startedAt) }, 'stop took too long; exiting');
      process.exit(1);
    }, STOP_MS + 500).unref();
    await app.stop();
    app.log.info({ ms: Math.round(performance.now() - startedAt) }, 'stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error('ISHC Chat could not start:', error);
  }
  process.exit(1);
});
