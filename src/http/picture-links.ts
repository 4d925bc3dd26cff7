/**
 * Links to broadcasts' photos, for the app that fetches a picture by its URL (the Zalo Bot's
 * sendPhoto): `GET /files/broadcast-photos/<broadcast id>.jpg?s=<signature>`, the signature an
 * HMAC-SHA256 of the id with REPORT_LINK_SECRET, so only the bot makes links and no id can be
 * guessed. A broadcast's photo goes to a whole area, so its link does not expire.
 *
 * 404: a forged link, or no such photo (no detail given).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Models } from '../models/index.ts';

export const PICTURE_LINK_PATH = '/files/broadcast-photos/';

const sign = (id: string, secret: string) =>
  createHmac('sha256', secret).update(`broadcast-photo:${id}`).digest('base64url');

/** The link to a broadcast's photo; `baseUrl` is PUBLIC_URL, no trailing slash. */
export function pictureLink(options: { secret: string; baseUrl: string }, broadcastId: string): string {
  return `${options.baseUrl}${PICTURE_LINK_PATH}${broadcastId}.jpg?s=${sign(broadcastId, options.secret)}`;
}

/** A kept photo's bytes: the driver reads a Buffer field back as BSON Binary (its bytes in `buffer`). */
export function photoBytes(stored: unknown): Buffer {
  if (Buffer.isBuffer(stored)) return stored;
  return Buffer.from((stored as { buffer: Uint8Array }).buffer);
}

export function registerPictureLinkRoutes(
  app: FastifyInstance,
  deps: { models: Models; secret: string },
): void {
  app.get<{ Params: { name: string }; Querystring: { s?: unknown } }>(
    `${PICTURE_LINK_PATH}:name`,
    async (request, reply) => {
      const id = /^([0-9a-f]{24})\.jpg$/.exec(request.params.name)?.[1];
      const given = Buffer.from(typeof request.query.s === 'string' ? request.query.s : '');
      const expected = Buffer.from(id ? sign(id, deps.secret) : '');
      const photo =
        id && given.length === expected.length && timingSafeEqual(given, expected)
          ? await deps.models.BroadcastPhoto.findById(id).lean()
          : null;
      if (!photo) return reply.code(404).send({ error: 'not found' });
      return reply
        .header('content-type', photo.contentType)
        .header('cache-control', 'public, max-age=86400')
        .send(photoBytes(photo.bytes));
    },
  );
}
