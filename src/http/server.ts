/**
 * HTTP: webhooks, health checks and the simulator. Request logging is off on
 * purpose: URLs and bodies carry phone numbers and messages.
 */
import { timingSafeEqual } from 'node:crypto';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  LogController,
} from 'fastify';
import type { Update } from 'grammy/types';
import type { Logger } from '../log.ts';

export interface HttpDeps {
  log: Logger;
  /** Which backing services answer (for /readyz). */
  checkReady(): Promise<Record<string, boolean>>;
  /** Present when Telegram updates arrive by webhook. */
  telegram?: {
    secret?: string;
    handle(update: Update): Promise<'handled' | 'duplicate' | 'busy' | 'ignored'>;
  };
}

/** Constant-time comparison, so the secret cannot be guessed byte by byte from response times. */
export function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function createHttpServer(deps: HttpDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
  });

  // Request logging is off, so failures are logged here: the route and the error, never the body.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    if (status >= 500) deps.log.error({ err: error, route: request.routeOptions.url }, 'request failed');
    return reply.code(status).send({ error: status >= 500 ? 'internal error' : error.message });
  });

  app.get('/healthz', async () => ({ ok: true }));

  app.get('/readyz', async (_request, reply) => {
    const services = await deps.checkReady();
    const down = Object.entries(services)
      .filter(([, up]) => !up)
      .map(([name]) => name);
    return reply.code(down.length ? 503 : 200).send({ ok: down.length === 0, down, services });
  });

  const telegram = deps.telegram;
  if (telegram) {
    app.post('/webhooks/telegram', async (request, reply) => {
      if (
        telegram.secret &&
        !sameSecret(request.headers['x-telegram-bot-api-secret-token'], telegram.secret)
      ) {
        return reply.code(401).send({ error: 'unauthorized' });
      }
      const update = request.body as Update | undefined;
      if (!update || typeof update !== 'object' || !Number.isSafeInteger(update.update_id)) {
        return reply.code(400).send({ error: 'not a Telegram update' });
      }
      try {
        const result = await telegram.handle(update);
        // Still being handled elsewhere: ask Telegram to deliver it again later.
        if (result === 'busy') return reply.code(503).header('retry-after', '5').send({ error: 'busy' });
        return reply.send({ ok: true });
      } catch (error) {
        deps.log.error(
          { err: error, update: update.update_id },
          'telegram update not stored; Telegram will redeliver',
        );
        return reply.code(503).send({ error: 'storage unavailable' });
      }
    });
  }
  return app;
}
