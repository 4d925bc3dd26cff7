/**
 * HTTP: webhooks, health checks and the simulator. Request logging is off on
 * purpose: URLs and bodies carry phone numbers and messages.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  LogController,
} from 'fastify';
import type { Logger } from '../log.ts';

export type WebhookResult = 'handled' | 'duplicate' | 'busy' | 'ignored';

/** One chat app's webhook. */
export interface WebhookRoute {
  path: string;
  /** False: the request did not come from the platform (401, nothing processed). */
  authorize(headers: IncomingHttpHeaders, rawBody: Buffer, body: unknown): boolean;
  /** 'invalid' when the body is not one of the platform's updates (400). */
  handle(body: unknown): Promise<WebhookResult | 'invalid'>;
}

export interface HttpDeps {
  log: Logger;
  /** Which backing services answer (for /readyz). */
  checkReady(): Promise<Record<string, boolean>>;
  webhooks: WebhookRoute[];
}

/** Constant-time comparison, so a secret cannot be guessed byte by byte from response times. */
export function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Set when the process is stopping: webhooks answer 503 so the platform delivers again later. */
    stopping: boolean;
  }
  interface FastifyRequest {
    /** The body's bytes as received (signatures are computed over them). */
    rawBody?: Buffer;
  }
}

export function createHttpServer(deps: HttpDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
  });

  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    request.rawBody = body;
    try {
      done(null, body.length ? JSON.parse(body.toString('utf8')) : undefined);
    } catch {
      done(Object.assign(new Error('body is not JSON'), { statusCode: 400 }), undefined);
    }
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

  app.decorate('stopping', false);
  for (const route of deps.webhooks) {
    app.post(route.path, async (request, reply) => {
      if (app.stopping) return reply.code(503).header('retry-after', '5').send({ error: 'stopping' });
      if (!route.authorize(request.headers, request.rawBody ?? Buffer.alloc(0), request.body)) {
        return reply.code(401).send({ error: 'unauthorized' });
      }
      try {
        const result = await route.handle(request.body);
        if (result === 'invalid') return reply.code(400).send({ error: 'not an update of this platform' });
        // Still being handled elsewhere: ask the platform to deliver it again later.
        if (result === 'busy') return reply.code(503).header('retry-after', '5').send({ error: 'busy' });
        return reply.send({ ok: true });
      } catch (error) {
        deps.log.error({ err: error, route: route.path }, 'update not stored; the platform will redeliver');
        return reply.code(503).send({ error: 'storage unavailable' });
      }
    });
  }
  return app;
}
