/**
 * `seed --synthetic --clubs N --members-per-club M --weeks W`: writes a synthetic country for
 * benchmarks and staff demos (src/reports/synthetic.ts) — provinces, communes, clubs, members
 * with chat identities (simulator chats), and W weeks of reports up to last week with their
 * running totals — in bulk, into the configured database.
 */
import { shiftPeriod, weekOf } from '../reports/periods.ts';
import { writeSynthetic } from '../reports/synthetic.ts';
import { CliError, type Command, type Context, print } from './command.ts';
import { withDatabase } from './invites.ts';

function count(
  ctx: Context,
  option: 'clubs' | 'members-per-club' | 'weeks',
  max: number,
  fallback?: number,
): number {
  const raw = ctx.values[option]?.trim();
  if (raw === undefined && fallback !== undefined) return fallback;
  const value = raw !== undefined && /^\d{1,7}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 0 && value <= max)) throw new CliError('cli.seed.badNumber', { option: `--${option}`, max });
  return value;
}

export const seedCommands: Record<string, Command> = {
  seed: {
    options: ['synthetic', 'clubs', 'members-per-club', 'weeks'],
    async run(ctx) {
      if (!ctx.values.synthetic) throw new CliError('cli.seed.syntheticOnly');
      if (ctx.rest[0] !== undefined)
        throw new CliError('cli.errors.extraArgument', { argument: ctx.rest[0] });
      const clubs = count(ctx, 'clubs', 100_000);
      const membersPerClub = count(ctx, 'members-per-club', 200, 0);
      const weeks = count(ctx, 'weeks', 520, 4);
      if (clubs < 1) throw new CliError('cli.seed.badNumber', { option: '--clubs', max: 100_000 });
      return withDatabase(async (models, timeZone) => {
        const lastWeek = shiftPeriod(weekOf(new Date(), timeZone), -1);
        const started = Date.now();
        const result = await writeSynthetic(
          models,
          { clubs, membersPerClub, weeks, lastWeek, timeZone, prefix: 'syn' },
          (week, reports) => print(ctx.say('cli.seed.week', { week, reports })),
        );
        print(ctx.say('cli.seed.done', { ...result, seconds: Math.round((Date.now() - started) / 1000) }));
        return 0;
      });
    },
  },
};
