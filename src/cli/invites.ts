/**
 * `invite create` and `invite list`: reads the options, applies the invite rules through
 * src/store/invites.ts on MongoDB directly, and prints the outcome.
 */
import { ConfigError, loadConfig } from '../config.ts';
import { connectMongo } from '../db/mongo.ts';
import { validInviteDays } from '../engine/invite-rules.ts';
import type { Lang, Role } from '../engine/types.ts';
import { createModels, type Models, ROLES } from '../models/index.ts';
import { clubInvites, createInvite } from '../store/invites.ts';
import { CliError, type Command, type Context, print } from './command.ts';

function required(ctx: Context, option: 'club' | 'role' | 'by'): string {
  const value = ctx.values[option]?.trim();
  if (!value) throw new CliError('cli.errors.missingOption', { option: `--${option}` });
  return value;
}

function noExtraArguments(ctx: Context): void {
  if (ctx.rest[0] !== undefined) throw new CliError('cli.errors.extraArgument', { argument: ctx.rest[0] });
}

function parseRole(raw: string): Role {
  const role = ROLES.find((known) => known === raw);
  if (!role) throw new CliError('cli.errors.badRole', { role: raw, roles: ROLES.join(', ') });
  return role;
}

/** `--days`, when given: a whole number of days the rules allow. */
function parseDays(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const days = /^\d{1,4}$/.test(raw.trim()) ? Number(raw) : 0;
  if (!validInviteDays(days)) throw new CliError('cli.errors.badDays');
  return days;
}

function formatDate(date: Date, lang: Lang, timeZone: string): string {
  return date.toLocaleDateString(lang === 'vi' ? 'vi-VN' : 'en-GB', {
    timeZone,
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
  });
}

/** Runs `work` with the models of the configured database, then disconnects. */
export async function withDatabase<T>(work: (models: Models, timeZone: string) => Promise<T>): Promise<T> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const details = error.message.split('\n').slice(1).join(';').trim();
    throw new CliError('cli.errors.config', { details }, 1);
  }
  const connection = await connectMongo(config.MONGODB_URI, 2).catch(() => {
    throw new CliError('cli.errors.database', {}, 1);
  });
  try {
    return await work(createModels(connection), config.APP_TIMEZONE);
  } finally {
    await connection.close();
  }
}

const clubLabel = (club: { _id: string; name: string }) => `${club.name} (${club._id})`;

async function create(ctx: Context): Promise<number> {
  noExtraArguments(ctx);
  const clubId = required(ctx, 'club');
  const role = parseRole(required(ctx, 'role'));
  const by = required(ctx, 'by');
  const kind = ctx.values.open === true ? 'open' : 'personal';
  const days = parseDays(ctx.values.days);
  const forName = ctx.values.name?.trim() || undefined;

  return withDatabase(async (models, timeZone) => {
    const created = await createInvite(models, { clubId, role, kind, forName, createdBy: by, days });
    if (!created.ok) {
      if (created.reason === 'notAllowed') {
        const vars = { name: created.creatorName, role: ctx.say(`roles.${role}`) };
        throw new CliError('cli.invite.notAllowed', vars);
      }
      if (created.reason === 'unknownClub') throw new CliError('cli.invite.unknownClub', { club: clubId });
      throw new CliError('cli.invite.unknownMember', { id: by });
    }
    const { code, club, expiresAt } = created;
    const expiry = expiresAt
      ? ctx.say('cli.invite.expires', { date: formatDate(expiresAt, ctx.lang, timeZone) })
      : ctx.say('cli.invite.noExpiry');
    print(ctx.say('cli.invite.created', { code }));
    const details = {
      club: clubLabel(club),
      kind: ctx.say(`cli.invite.kinds.${kind}`),
      role: ctx.say(`roles.${role}`),
    };
    print(`  ${ctx.say('cli.invite.details', details)}`);
    if (forName) print(`  ${ctx.say('cli.invite.forName', { name: forName })}`);
    print(`  ${expiry}`);
    print(ctx.say('cli.invite.howToUse', { code }));
    return 0;
  });
}

async function list(ctx: Context): Promise<number> {
  noExtraArguments(ctx);
  const clubId = required(ctx, 'club');
  return withDatabase(async (models, timeZone) => {
    const found = await clubInvites(models, clubId);
    if (!found) throw new CliError('cli.invite.unknownClub', { club: clubId });
    const { club, invites } = found;
    if (invites.length === 0) {
      print(ctx.say('cli.invite.none', { club: clubLabel(club) }));
      return 0;
    }
    const date = (value: Date) => formatDate(value, ctx.lang, timeZone);
    const now = new Date();
    const rows = invites.map((invite) => [
      invite._id,
      ctx.say(`cli.invite.kinds.${invite.kind}`),
      ctx.say(`roles.${invite.role ?? 'member'}`),
      invite.forName ?? '',
      invite.kind === 'open'
        ? ctx.say('cli.invite.reusable')
        : invite.usedBy
          ? ctx.say('cli.invite.usedOn', { date: invite.usedAt ? date(invite.usedAt) : '' }).trim()
          : ctx.say('cli.invite.unused'),
      !invite.expiresAt
        ? ctx.say('cli.invite.noExpiry')
        : invite.expiresAt < now
          ? ctx.say('cli.invite.expired', { date: date(invite.expiresAt) })
          : date(invite.expiresAt),
    ]);
    const header = ['code', 'kind', 'role', 'forName', 'used', 'expires'].map((key) =>
      ctx.say(`cli.invite.columns.${key}`),
    );
    print(ctx.say('cli.invite.listTitle', { club: clubLabel(club), count: invites.length }));
    print(table([header, ...rows]));
    return 0;
  });
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows
    .map((row) => `  ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ')}`.trimEnd())
    .join('\n');
}

export const inviteCommands: Record<string, Command> = {
  'invite create': { options: ['club', 'role', 'name', 'open', 'days', 'by'], run: create },
  'invite list': { options: ['club'], run: list },
};
