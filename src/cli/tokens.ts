/**
 * `token create`, `token list` and `token revoke`: API tokens (src/http/api-tokens.ts) on
 * MongoDB directly. `create` prints the token as its last line, once; nothing else ever prints
 * a token (only its public key id).
 */
import { createApiToken, listApiTokens, revokeApiToken } from '../http/api-tokens.ts';
import { CliError, type Command, type Context, print } from './command.ts';
import { formatDate, noExtraArguments, table, withDatabase } from './invites.ts';

function required(ctx: Context, option: 'org' | 'role'): string {
  const value = ctx.values[option]?.trim();
  if (!value) throw new CliError('cli.errors.missingOption', { option: `--${option}` });
  return value;
}

async function create(ctx: Context): Promise<number> {
  noExtraArguments(ctx);
  const orgUnitId = required(ctx, 'org');
  const role = required(ctx, 'role');
  if (role !== 'staff' && role !== 'admin') throw new CliError('cli.token.badRole');
  const label = ctx.values.name?.trim() ?? '';
  return withDatabase(async (models) => {
    const created = await createApiToken(models, { orgUnitId, role, label });
    if (!created.ok) throw new CliError('cli.token.unknownOrg', { org: orgUnitId });
    const unit = await models.OrgUnit.findById(orgUnitId, { name: 1 }).lean();
    const org = `${unit?.name ?? ''} (${orgUnitId})`.trim();
    print(ctx.say('cli.token.created', { keyId: created.keyId, org, role }));
    print(ctx.say('cli.token.keepSecret', { keyId: created.keyId }));
    print(created.token);
    return 0;
  });
}

async function list(ctx: Context): Promise<number> {
  noExtraArguments(ctx);
  return withDatabase(async (models, timeZone) => {
    const tokens = await listApiTokens(models);
    if (tokens.length === 0) {
      print(ctx.say('cli.token.none'));
      return 0;
    }
    const date = (value: Date) => formatDate(value, ctx.lang, timeZone);
    const rows = tokens.map((token) => [
      token.keyId,
      token.orgUnitId,
      token.role,
      token.label ?? '',
      date(token.createdAt),
      token.revokedAt
        ? ctx.say('cli.token.revokedOn', { date: date(token.revokedAt) })
        : ctx.say('cli.token.active'),
    ]);
    const header = ['keyId', 'org', 'role', 'label', 'created', 'status'].map((key) =>
      ctx.say(`cli.token.columns.${key}`),
    );
    print(ctx.say('cli.token.listTitle', { count: tokens.length }));
    print(table([header, ...rows]));
    return 0;
  });
}

async function revoke(ctx: Context): Promise<number> {
  const [given, extra] = ctx.rest;
  if (extra !== undefined) throw new CliError('cli.errors.extraArgument', { argument: extra });
  if (!given?.trim()) throw new CliError('cli.token.missingKey');
  return withDatabase(async (models) => {
    const result = await revokeApiToken(models, given);
    // Whatever was typed may be a whole token: never echo it back.
    const shown = given.length > 16 ? `${given.slice(0, 16)}…` : given;
    if (!result.ok && result.reason === 'ambiguous') {
      throw new CliError('cli.token.ambiguous', { given: shown, matches: result.matches?.join(', ') });
    }
    if (!result.ok) throw new CliError('cli.token.notFound', { given: shown });
    print(
      ctx.say(result.alreadyRevoked ? 'cli.token.alreadyRevoked' : 'cli.token.revoked', {
        keyId: result.keyId,
      }),
    );
    return 0;
  });
}

export const tokenCommands: Record<string, Command> = {
  'token create': { options: ['org', 'role', 'name'], run: create },
  'token list': { options: [], run: list },
  'token revoke': { options: [], run: revoke },
};
