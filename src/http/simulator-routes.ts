/** The simulator's page and its small JSON API (see public/simulator.html). */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SimulatorChats, SimulatorInput } from '../channels/simulator.ts';
import { parsePhone } from '../engine/answers.ts';
import type { Lang } from '../engine/types.ts';
import type { Translate } from '../i18n.ts';
import { loadLocale } from '../i18n.ts';
import type { Models } from '../models/index.ts';
import type { Conversations } from '../runtime/conversations.ts';

export interface SimulatorRouteDeps {
  simulator: SimulatorChats;
  conversations: Conversations;
  models: Models;
  translate: Translate;
  /** When set, every simulator route asks for HTTP Basic auth with this password (any user name). */
  password?: string;
}

/** The password of an `Authorization: Basic …` header (the user name is not checked). */
function basicPassword(header: string | undefined): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

const digest = (text: string) => createHash('sha256').update(text).digest();

function requirePassword(password: string) {
  const expected = digest(password);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    // Digests have one length, so the comparison takes the same time whatever was typed.
    const given = basicPassword(request.headers.authorization);
    if (given !== undefined && timingSafeEqual(digest(given), expected)) return;
    return reply
      .code(401)
      .header('www-authenticate', 'Basic realm="ISHC simulator", charset="UTF-8"')
      .send({ error: 'password required' });
  };
}

/** A simulator chat id: a phone number in 84… form, or a short plain name. */
export function simulatorChatId(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  return parsePhone(raw) ?? (/^[A-Za-z0-9_-]{1,40}$/.test(raw) ? raw : undefined);
}

/** The page's language, sent with every call so that its error texts match the page. */
function pageLang(raw: unknown): Lang {
  return raw === 'en' ? 'en' : 'vi';
}

function simulatorInput(body: {
  text?: unknown;
  contact?: unknown;
  photo?: unknown;
}): SimulatorInput | undefined {
  if (body.contact === true) return { contact: true };
  if (body.photo === true) return { photo: true };
  return typeof body.text === 'string' ? { text: body.text } : undefined;
}

export function registerSimulatorRoutes(root: FastifyInstance, deps: SimulatorRouteDeps): void {
  // A scope of its own, so the password guards these routes and not the webhooks or health checks.
  void root.register(async (app) => simulatorRoutes(app, deps));
}

function simulatorRoutes(app: FastifyInstance, deps: SimulatorRouteDeps): void {
  const page = readFileSync(new URL('../../public/simulator.html', import.meta.url), 'utf8');
  const strings = (lang: Lang) => (loadLocale(lang) as { simulator: Record<string, string> }).simulator;
  if (deps.password) app.addHook('onRequest', requirePassword(deps.password));

  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));

  app.get<{ Querystring: { lang?: string } }>('/sim/api/strings', async (request) =>
    strings(pageLang(request.query.lang)),
  );

  app.get<{ Querystring: { lang?: string } }>('/sim/api/people', async (request) => {
    const lang = pageLang(request.query.lang);
    const identities = await deps.models.Identity.find({ channel: 'simulator' }).limit(500).lean();
    const members = await deps.models.Member.find({ _id: { $in: identities.map((i) => i.memberId) } }).lean();
    const clubs = await deps.models.Club.find({}, { name: 1 }).lean();
    const people = identities.flatMap((identity) => {
      const member = members.find((m) => String(m._id) === identity.memberId);
      if (!member) return [];
      const role = member.roles.find((grant) => grant.role !== 'member')?.role ?? 'member';
      const club = clubs.find((c) => c._id === member.clubIds[0])?.name ?? '';
      // Club names are proper names: the same in every language.
      const details = [member.birthYear, deps.translate(lang, `roles.${role}`), club]
        .filter(Boolean)
        .join(' · ');
      return [{ chatId: identity.chatId, name: member.fullName, details, order: role === 'member' ? 1 : 0 }];
    });
    people.sort((a, b) => a.order - b.order || a.name.localeCompare(b.name, 'vi'));
    return { people: people.map(({ chatId, name, details }) => ({ chatId, name, details })) };
  });

  app.post<{
    Body: { chatId?: unknown; lang?: unknown; text?: unknown; contact?: unknown; photo?: unknown };
  }>('/sim/api/send', async (request, reply) => {
    const body = request.body ?? {};
    const lang = pageLang(body.lang);
    const chatId = simulatorChatId(body.chatId);
    if (!chatId) return reply.code(400).send({ error: deps.translate(lang, 'simulator.badChatId') });
    const input = simulatorInput(body);
    if (!input) return reply.code(400).send({ error: deps.translate(lang, 'simulator.badText') });
    await deps.simulator.receive(deps.conversations, chatId, input);
    return reply.code(202).send({ ok: true, chatId });
  });

  app.get<{ Querystring: { chatId?: string; after?: string; lang?: string } }>(
    '/sim/api/messages',
    async (request, reply) => {
      const lang = pageLang(request.query.lang);
      const chatId = simulatorChatId(request.query.chatId);
      if (!chatId) return reply.code(400).send({ error: deps.translate(lang, 'simulator.badChatId') });
      const after = Number(request.query.after ?? 0) || 0;
      return { chatId, messages: await deps.simulator.messages(chatId, after) };
    },
  );
}
