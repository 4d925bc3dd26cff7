/**
 * Tokens for the HTTP API (`/api/v1/…`: reports, broadcasts), each scoped to one org unit and
 * everything under it.
 *
 * A token reads `ishc_<keyId>_<secret>`: `keyId` (10 hex digits) is its public name, shown by
 * `token list` and usable in logs; `secret` is 32 random bytes (256 bits, base64url). Only the
 * SHA-256 of the whole token is stored, as the document's `_id`, so checking a request is one
 * read by `_id` and a stolen database gives no usable token. Tokens are made, listed and revoked
 * on the command line (`npm run cli -- token create --org <orgUnitId> --role staff`, src/cli/tokens.ts).
 *
 * Routes use {@link apiAuth}:
 *
 * ```ts
 * const auth = apiAuth(models);
 * app.get('/api/v1/things', { preHandler: auth.authenticate }, async (request, reply) => {
 *   const orgUnitId = ...; // from the query or body
 *   if (!(await auth.reach(request, reply, orgUnitId, 'orgUnit'))) return reply; // 400/403 sent
 *   ...request.apiToken!.orgUnitId...
 * });
 * ```
 *
 * 401: no `Authorization: Bearer` header, a token we never issued, or a revoked one.
 * 403: the org unit asked for is outside the token's subtree. 400: no such org unit.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { API_TOKEN_ROLES, type ApiTokenDoc, type Models } from '../models/index.ts';

export type ApiTokenRole = (typeof API_TOKEN_ROLES)[number];
export { API_TOKEN_ROLES };

/** Who is calling: what a valid token grants. */
export interface ApiPrincipal {
  keyId: string;
  orgUnitId: string;
  role: ApiTokenRole;
}

/** What an org unit's code may look like (anything else is answered 400 without a read). */
export const ORG_UNIT_ID = /^[A-Za-z0-9_.:-]{1,80}$/;

const TOKEN_PATTERN = /^ishc_([0-9a-f]{10})_([A-Za-z0-9_-]{43})$/;

/** The stored form of a token: its SHA-256, hex. */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** A new random token (256-bit secret) and its public key id. */
export function newToken(): { token: string; keyId: string } {
  const keyId = randomBytes(5).toString('hex');
  return { token: `ishc_${keyId}_${randomBytes(32).toString('base64url')}`, keyId };
}

export type CreateTokenResult =
  | { ok: true; token: string; keyId: string }
  | { ok: false; reason: 'unknownOrgUnit' | 'badRole' };

/** Issues a token for `orgUnitId` (which must exist). The token is returned once and never stored. */
export async function createApiToken(
  models: Models,
  input: { orgUnitId: string; role: string; label?: string; now?: Date },
): Promise<CreateTokenResult> {
  const role = API_TOKEN_ROLES.find((known) => known === input.role);
  if (!role) return { ok: false, reason: 'badRole' };
  const unit = await models.OrgUnit.findById(input.orgUnitId, { _id: 1 }).lean();
  if (!unit) return { ok: false, reason: 'unknownOrgUnit' };
  for (let attempt = 0; ; attempt += 1) {
    const { token, keyId } = newToken();
    try {
      await models.ApiToken.create({
        _id: hashToken(token),
        keyId,
        orgUnitId: input.orgUnitId,
        role,
        label: input.label ?? '',
        createdAt: input.now ?? new Date(),
        revokedAt: null,
      });
      return { ok: true, token, keyId };
    } catch (error) {
      // Two tokens drew the same 40-bit key id: draw again.
      if ((error as { code?: number }).code !== 11000 || attempt >= 3) throw error;
    }
  }
}

/** Every token, oldest first, without its hash. */
export async function listApiTokens(models: Models): Promise<Omit<ApiTokenDoc, '_id'>[]> {
  return models.ApiToken.find({}, { _id: 0 }).sort({ createdAt: 1 }).lean();
}

/**
 * The key id named by what someone typed to revoke a token: the key id or its first digits
 * (4 at least), `ishc_<keyId>`, or the token itself (or any longer part of it).
 */
function keyIdPrefix(given: string): string | undefined {
  return /^(?:ishc_)?([0-9a-f]{4,10})(?:_[A-Za-z0-9_-]*)?$/.exec(given.trim())?.[1];
}

export type RevokeResult =
  | { ok: true; keyId: string; alreadyRevoked: boolean }
  | { ok: false; reason: 'notFound' | 'ambiguous'; matches?: string[] };

/** Revokes one token (named as {@link keyIdPrefix} says); revoking twice keeps the first date. */
export async function revokeApiToken(models: Models, given: string, now = new Date()): Promise<RevokeResult> {
  const prefix = keyIdPrefix(given);
  if (!prefix) return { ok: false, reason: 'notFound' };
  const found = await models.ApiToken.find({ keyId: { $regex: `^${prefix}` } }, { keyId: 1, revokedAt: 1 })
    .limit(5)
    .lean();
  if (found.length === 0) return { ok: false, reason: 'notFound' };
  if (found.length > 1) return { ok: false, reason: 'ambiguous', matches: found.map((token) => token.keyId) };
  const token = found[0]!;
  if (token.revokedAt) return { ok: true, keyId: token.keyId, alreadyRevoked: true };
  await models.ApiToken.updateOne({ _id: token._id, revokedAt: null }, { $set: { revokedAt: now } });
  return { ok: true, keyId: token.keyId, alreadyRevoked: false };
}

export type AuthResult =
  | { ok: true; principal: ApiPrincipal }
  | { ok: false; reason: 'missing' | 'invalid' | 'revoked' };

/** Reads `Authorization: Bearer <token>` and checks the token (one read by `_id`). */
export async function authenticateHeader(models: Models, header: string | undefined): Promise<AuthResult> {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  if (!match) return { ok: false, reason: 'missing' };
  const token = match[1]!;
  if (!TOKEN_PATTERN.test(token)) return { ok: false, reason: 'invalid' };
  const found = await models.ApiToken.findById(hashToken(token)).lean();
  if (!found) return { ok: false, reason: 'invalid' };
  if (found.revokedAt) return { ok: false, reason: 'revoked' };
  return {
    ok: true,
    principal: { keyId: found.keyId, orgUnitId: found.orgUnitId, role: found.role as ApiTokenRole },
  };
}

/**
 * Whether a token scoped to `principal.orgUnitId` may see `orgUnitId`: the unit itself or one
 * below it (its `ancestors` hold the token's unit). 'unknown': there is no such org unit.
 */
export async function tokenReaches(
  models: Models,
  principal: Pick<ApiPrincipal, 'orgUnitId'>,
  orgUnitId: string,
): Promise<'inside' | 'outside' | 'unknown'> {
  const unit = await models.OrgUnit.findById(orgUnitId, { ancestors: 1 }).lean();
  if (!unit) return 'unknown';
  return unit._id === principal.orgUnitId || unit.ancestors.includes(principal.orgUnitId)
    ? 'inside'
    : 'outside';
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `apiAuth(...).authenticate` on API routes: the caller's token. */
    apiToken?: ApiPrincipal;
  }
}

const UNAUTHORIZED: Record<'missing' | 'invalid' | 'revoked', string> = {
  missing: 'an API token is required: Authorization: Bearer <token>',
  invalid: 'this API token is not valid',
  revoked: 'this API token has been revoked',
};

/** The Fastify side: a preHandler that answers 401, and the subtree check that answers 400/403. */
export function apiAuth(models: Models) {
  return {
    async authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      const result = await authenticateHeader(models, request.headers.authorization);
      if (result.ok) {
        request.apiToken = result.principal;
        return;
      }
      await reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="ISHC API"')
        .send({ error: UNAUTHORIZED[result.reason] });
    },

    /**
     * True when the caller's token reaches `orgUnitId`; otherwise sends 400 (no such unit,
     * naming `parameter`) or 403 and returns false. Call after `authenticate`.
     */
    async reach(
      request: FastifyRequest,
      reply: FastifyReply,
      orgUnitId: string,
      parameter: string,
    ): Promise<boolean> {
      const principal = request.apiToken;
      if (!principal) {
        await reply.code(401).send({ error: UNAUTHORIZED.missing });
        return false;
      }
      if (!ORG_UNIT_ID.test(orgUnitId)) {
        await reply
          .code(400)
          .send({ error: `${parameter}: not an org unit code (letters, digits, - _ . :)` });
        return false;
      }
      const reach = await tokenReaches(models, principal, orgUnitId);
      if (reach === 'inside') return true;
      if (reach === 'unknown')
        await reply.code(400).send({ error: `${parameter}: there is no org unit "${orgUnitId}"` });
      else await reply.code(403).send({ error: `${parameter}: "${orgUnitId}" is outside this token's area` });
      return false;
    },
  };
}

export type ApiAuth = ReturnType<typeof apiAuth>;
