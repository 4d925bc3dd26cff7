/**
 * The broadcasts API, each call scoped by its API token (src/http/api-tokens.ts) to an org unit
 * and everything under it; the same service as the chat flow (src/runtime/broadcasts.ts):
 *
 * | route | answer |
 * |---|---|
 * | `POST /api/v1/broadcasts` | 201 `{ id, recipients, unreachable, sendAt, status }` |
 * | `GET /api/v1/broadcasts/<id>` | status, recipients, total, sent, failed, blocked, unreachable, acknowledged, by club |
 *
 * `recipients` are those who will get it, as the chat's preview counts them: not stopped, not
 * opted out of non-essential messages (unless urgent), and not outside the Zalo OA's 7-day window
 * when there is no ZNS template for announcements; `unreachable` the others of the audience (in
 * GET, before it goes out; from then on, those delivery could not reach).
 * | `DELETE /api/v1/broadcasts/<id>` | cancels what has not gone out: `{ id, status }` |
 *
 * POST body: `{ "audience": { "orgUnit": "<code>" | "club": "<club id>", "roles": ["member"] },
 * "text": { "vi": "…", "en": "…" }, "urgent": false, "ack": false, "sendAt": "<ISO time>" }`;
 * roles `["member"]` are all members, `["chair", "vice_chair"]` (or `["board"]`) the clubs'
 * boards, `["volunteer"]` the volunteers. An `Idempotency-Key` header makes a retried POST
 * answer as the first did instead of sending twice.
 *
 * 401: no token, a bad or revoked one. 403: the area (or the broadcast's area) outside the
 * token's, or urgent from a token that may not send it. 400: an invalid body, naming the field.
 * 404: no such broadcast.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import { BROADCAST_MAX_TEXT } from '../engine/broadcasts.ts';
import type { AreaRef, BroadcastWho } from '../engine/types.ts';
import type { Models } from '../models/index.ts';
import { BroadcastRefused, type Broadcasts } from '../runtime/broadcasts.ts';
import { type ApiPrincipal, apiAuth, ORG_UNIT_ID } from './api-tokens.ts';

export interface BroadcastRouteDeps {
  models: Models;
  broadcasts: Broadcasts;
  clock: Clock;
}

const text = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(BROADCAST_MAX_TEXT, `at most ${BROADCAST_MAX_TEXT} characters`);

/** Which roles mean which group (see the header). */
const GROUPS: Record<string, BroadcastWho> = {
  member: 'all',
  board: 'board',
  'chair,vice_chair': 'board',
  chair: 'board',
  volunteer: 'volunteers',
};

const bodySchema = z
  .object({
    audience: z
      .object({
        orgUnit: z.string().regex(ORG_UNIT_ID, 'not an org unit code').optional(),
        club: z.string().regex(ORG_UNIT_ID, 'not a club id').optional(),
        roles: z
          .array(z.enum(['member', 'board', 'chair', 'vice_chair', 'volunteer']))
          .min(1)
          .transform((roles) => [...new Set(roles)].sort().join(','))
          .refine((roles) => roles in GROUPS, {
            message: 'one of ["member"], ["chair", "vice_chair"] (or ["board"]), ["volunteer"]',
          })
          .transform((roles) => GROUPS[roles]!),
      })
      .refine((audience) => Boolean(audience.orgUnit) !== Boolean(audience.club), {
        message: 'give "orgUnit" or "club" (one of them)',
      }),
    text: z.object({ vi: text, en: text.optional() }),
    urgent: z.boolean().default(false),
    ack: z.boolean().default(false),
    sendAt: z.iso
      .datetime({ offset: true, message: 'an ISO time, e.g. 2026-12-01T08:00:00+07:00' })
      .optional(),
  })
  .strict();

const idSchema = z.string().regex(/^[0-9a-f]{24}$/);

export function registerBroadcastRoutes(app: FastifyInstance, deps: BroadcastRouteDeps): void {
  const auth = apiAuth(deps.models);
  const { broadcasts, models } = deps;
  const guarded = { preHandler: auth.authenticate };
  const authority = (principal: ApiPrincipal) => ({
    token: { orgUnitId: principal.orgUnitId, role: principal.role, id: principal.keyId },
  });

  /** A broadcast the token may see (its area inside the token's); undefined when 403/404 was sent. */
  async function reachable(request: FastifyRequest, reply: FastifyReply): Promise<string | undefined> {
    const id = idSchema.safeParse((request.params as { id?: unknown }).id);
    const found = id.success ? await models.Broadcast.findById(id.data, { target: 1 }).lean() : null;
    if (!id.success || !found?.target?.id) {
      await reply.code(404).send({ error: 'no such broadcast' });
      return undefined;
    }
    const area = await broadcasts.area({ kind: found.target.kind as AreaRef['kind'], id: found.target.id });
    const principal = request.apiToken!;
    if (!area || !(await broadcasts.reaches([{ role: 'staff', orgUnitId: principal.orgUnitId }], area))) {
      await reply.code(403).send({ error: "this broadcast's area is outside this token's area" });
      return undefined;
    }
    return id.data;
  }

  app.post('/api/v1/broadcasts', guarded, async (request, reply) => {
    const parsed = bodySchema.safeParse(request.body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return reply.code(400).send({ error: `${issue.path.join('.') || 'body'}: ${issue.message}` });
    }
    const body = parsed.data;
    const principal = request.apiToken!;
    let target: AreaRef;
    if (body.audience.orgUnit) {
      if (!(await auth.reach(request, reply, body.audience.orgUnit, 'audience.orgUnit'))) return reply;
      target = { kind: 'unit', id: body.audience.orgUnit };
    } else {
      target = { kind: 'club', id: body.audience.club! };
      if (!(await broadcasts.area(target)))
        return reply.code(400).send({ error: `audience.club: there is no club "${target.id}"` });
    }
    const key = request.headers['idempotency-key'];
    const id =
      typeof key === 'string' && key.length > 0 && key.length <= 200
        ? createHash('sha256').update(`${principal.keyId}|${key}`).digest('hex').slice(0, 24)
        : randomBytes(12).toString('hex');
    try {
      const created = await broadcasts.create(
        {
          id,
          senderId: `api:${principal.keyId}`,
          target,
          who: body.audience.roles,
          text: { vi: body.text.vi, ...(body.text.en ? { en: body.text.en } : {}) },
          urgent: body.urgent,
          ack: body.ack,
          ...(body.sendAt ? { sendAt: new Date(body.sendAt).toISOString() } : {}),
        },
        authority(principal),
        deps.clock.now(),
        'api',
      );
      return reply.code(201).send({
        id: created.id,
        recipients: created.recipients,
        unreachable: created.unreachable,
        sendAt: created.sendAt.toISOString(),
        movedOutOfQuietHours: created.moved,
        status: created.status,
      });
    } catch (error) {
      if (!(error instanceof BroadcastRefused)) throw error;
      if (error.reason === 'urgentNotAllowed')
        return reply
          .code(403)
          .send({ error: 'urgent: only admins and province staff may send urgent broadcasts' });
      if (error.reason === 'notFound') return reply.code(400).send({ error: 'audience: no such area' });
      return reply.code(403).send({ error: "audience: outside this token's area" });
    }
  });

  app.get('/api/v1/broadcasts/:id', guarded, async (request, reply) => {
    const id = await reachable(request, reply);
    if (!id) return reply;
    return broadcasts.status(id);
  });

  app.delete('/api/v1/broadcasts/:id', guarded, async (request, reply) => {
    const id = await reachable(request, reply);
    if (!id) return reply;
    const result = await broadcasts.cancel(id, authority(request.apiToken!));
    if (result === 'finished')
      return reply.code(409).send({ id, status: 'sent', error: 'it has already gone out' });
    return { id, status: 'cancelled' };
  });
}
