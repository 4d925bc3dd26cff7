/**
 * Signed download links for report files, for the apps where the bot cannot attach a file (Zalo):
 * `GET /files/reports/<payload>.<signature>`, where the payload (base64url JSON) names the org
 * unit, the periods, the format, the language and when the link expires, and the signature is an
 * HMAC-SHA256 of the payload with REPORT_LINK_SECRET. Nothing is stored: the file is made when
 * the link is opened, so a link shows the figures as they are then. Whoever has the link may
 * download it until it expires (24 h by default): it is sent only to the staff member who asked,
 * in a private chat.
 *
 * 404: a malformed or forged link (no detail given); 410: an expired one.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import type { Lang } from '../engine/types.ts';
import type { ReportFileRef, ReportService } from '../reports/report-service.ts';

export const REPORT_LINK_PATH = '/files/reports/';

const payloadSchema = z.object({
  o: z.string().min(1).max(80),
  p: z.array(z.string().max(10)).min(1).max(60),
  f: z.enum(['xlsx', 'csv', 'png']),
  l: z.enum(['vi', 'en']),
  /** Expiry, seconds since the epoch. */
  e: z.number().int(),
});

export interface ReportLinkOptions {
  secret: string;
  /** Base URL people open (PUBLIC_URL), no trailing slash. */
  baseUrl: string;
}

const sign = (payload: string, secret: string) =>
  createHmac('sha256', secret).update(payload).digest('base64url');

/** A link to `ref` in `lang`, valid until `expiresAt`. */
export function reportLink(
  options: ReportLinkOptions,
  ref: ReportFileRef,
  lang: Lang,
  expiresAt: Date,
): string {
  const payload = Buffer.from(
    JSON.stringify({
      o: ref.orgUnitId,
      p: ref.periods,
      f: ref.format,
      l: lang,
      e: Math.floor(expiresAt.getTime() / 1000),
    }),
  ).toString('base64url');
  return `${options.baseUrl}${REPORT_LINK_PATH}${payload}.${sign(payload, options.secret)}`;
}

export type LinkCheck =
  | { ok: true; ref: ReportFileRef; lang: Lang; expiresAt: Date }
  | { ok: false; reason: 'invalid' | 'expired' };

/** Checks a link's last path segment: signature first, then content, then expiry. */
export function checkReportLink(token: string, secret: string, now: Date): LinkCheck {
  const match = /^([A-Za-z0-9_-]{1,2000})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return { ok: false, reason: 'invalid' };
  const [, payload, signature] = match as unknown as [string, string, string];
  const expected = Buffer.from(sign(payload, secret));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'invalid' };
  let parsed: z.output<typeof payloadSchema>;
  try {
    parsed = payloadSchema.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  const expiresAt = new Date(parsed.e * 1000);
  if (expiresAt <= now) return { ok: false, reason: 'expired' };
  return {
    ok: true,
    ref: { orgUnitId: parsed.o, periods: parsed.p, format: parsed.f },
    lang: parsed.l,
    expiresAt,
  };
}

export function registerReportLinkRoutes(
  app: FastifyInstance,
  deps: { reports: ReportService; secret: string; clock: Clock },
): void {
  app.get<{ Params: { token: string } }>(`${REPORT_LINK_PATH}:token`, async (request, reply) => {
    const checked = checkReportLink(request.params.token, deps.secret, deps.clock.now());
    if (!checked.ok) {
      return checked.reason === 'expired'
        ? reply.code(410).send({ error: 'this link has expired: ask the bot for the report again' })
        : reply.code(404).send({ error: 'not found' });
    }
    const file = await deps.reports.file(checked.ref, checked.lang);
    return reply
      .header('content-type', file.contentType)
      .header(
        'content-disposition',
        `${checked.ref.format === 'png' ? 'inline' : 'attachment'}; filename="${file.filename}"`,
      )
      .header('cache-control', 'private, no-store')
      .header('x-robots-tag', 'noindex')
      .send(file.bytes);
  });
}
