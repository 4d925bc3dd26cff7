/**
 * All settings come from the environment, validated once at start.
 * A wrong value stops the process with a message naming the variable.
 * Every variable here is documented in `.env.example`.
 */
import { z } from 'zod';
import type { FlowSettings } from './engine/types.ts';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** A blood pressure "systolic/diastolic", e.g. 140/90. */
const bloodPressure = z
  .string()
  .regex(/^\d{2,3}\/\d{2,3}$/, 'systolic/diastolic, e.g. 140/90')
  .transform((text) => {
    const [systolic, diastolic] = text.split('/').map(Number) as [number, number];
    return { systolic, diastolic };
  });

/** A local time of day, "HH:MM" (24-hour). */
const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time HH:MM, e.g. 21:00');

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    ROLE: z.enum(['web', 'worker', 'all']).default('all'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().default('0.0.0.0'),
    PUBLIC_URL: optionalText.pipe(z.url().optional()),
    APP_TIMEZONE: z.string().default('Asia/Ho_Chi_Minh'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

    MONGODB_URI: z.string().startsWith('mongodb').default('mongodb://127.0.0.1:27017/ishc'),
    MONGODB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    REDIS_URL: z.string().startsWith('redis').default('redis://127.0.0.1:6379'),
    REDIS_PREFIX: z
      .string()
      .regex(/^[a-z0-9_-]+$/i)
      .default('ishc'),

    SESSION_IDLE_HOURS: z.coerce.number().positive().default(24),
    /** Messages one chat may send a minute; beyond that it gets one notice, then silence until the minute passes. */
    INBOUND_PER_CHAT_PER_MINUTE: z.coerce.number().int().min(1).default(20),
    /** Days the Message log keeps the text of notices and reminders (replies and codes are never kept). */
    MESSAGE_TEXT_RETENTION_DAYS: z.coerce.number().min(0).default(90),
    DEMO_SEED: bool.optional(),
    SIMULATOR: bool.optional(),
    /** HTTP Basic password of the simulator's page and API; required when it runs in production. */
    SIMULATOR_PASSWORD: optionalText.pipe(z.string().min(12, 'at least 12 characters').optional()),

    TELEGRAM_BOT_TOKEN: optionalText.pipe(
      z
        .string()
        .regex(/^\d+:[\w-]+$/)
        .optional(),
    ),
    TELEGRAM_API_ROOT: z.url().default('https://api.telegram.org'),
    TELEGRAM_WEBHOOK_SECRET: optionalText.pipe(
      z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,256}$/, 'only A-Z a-z 0-9 _ - (1-256 chars)')
        .optional(),
    ),
    TELEGRAM_MODE: z.enum(['webhook', 'polling']).optional(),
    TELEGRAM_RATE_PER_SECOND: z.coerce.number().positive().default(25),

    ZALO_BOT_TOKEN: optionalText.pipe(
      z
        .string()
        .regex(/^\d+:[\w-]+$/, 'digits:chars')
        .optional(),
    ),
    ZALO_BOT_API_ROOT: z.url().default('https://bot-api.zaloplatforms.com'),
    ZALO_BOT_WEBHOOK_SECRET: optionalText.pipe(z.string().min(8).max(256).optional()),
    ZALO_BOT_MODE: z.enum(['webhook', 'polling']).optional(),
    // Not published by Zalo: a cautious default, to be confirmed on a live bot.
    ZALO_BOT_RATE_PER_SECOND: z.coerce.number().positive().default(10),

    ZALO_OA_APP_ID: optionalText,
    ZALO_OA_APP_SECRET: optionalText,
    ZALO_OA_SECRET_KEY: optionalText,
    ZALO_OA_API_ROOT: z.url().default('https://openapi.zalo.me'),
    ZALO_OAUTH_API_ROOT: z.url().default('https://oauth.zaloapp.com'),
    ZALO_OA_ACCESS_TOKEN: optionalText,
    ZALO_OA_REFRESH_TOKEN: optionalText,
    ZALO_OA_RATE_PER_SECOND: z.coerce.number().positive().default(10),
    ZNS_API_ROOT: z.url().default('https://business.openapi.zalo.me'),
    /** JSON: message kind → approved ZNS template id, e.g. {"meeting_reminder":"301234"}. */
    ZNS_TEMPLATES: optionalText.pipe(
      z
        .string()
        .transform((text, ctx) => {
          try {
            return z.record(z.string(), z.string()).parse(JSON.parse(text));
          } catch {
            ctx.addIssue({ code: 'custom', message: 'a JSON object of kind → template id' });
            return z.NEVER;
          }
        })
        .optional(),
    ),

    /** Quiet hours in APP_TIMEZONE: no non-urgent message goes out from START until END (equal: none). */
    QUIET_HOURS_START: timeOfDay.default('21:00'),
    QUIET_HOURS_END: timeOfDay.default('06:00'),

    /** How long reports of people unreachable on Zalo are gathered before the chair is told. */
    UNREACHABLE_NOTICE_DELAY_MS: z.coerce.number().int().min(0).default(120_000),

    /**
     * Health-check thresholds (DESIGN.md §1; to be confirmed by a clinician): at or over HIGH is
     * high, over EMERGENCY is an emergency. The bot flags and alerts; it never diagnoses.
     */
    HEALTH_BP_HIGH: bloodPressure.default({ systolic: 140, diastolic: 90 }),
    HEALTH_BP_EMERGENCY: bloodPressure.default({ systolic: 180, diastolic: 120 }),
    /** Minutes an alert waits for "đã liên hệ" before it goes one step up (chair, then commune staff). */
    HEALTH_ALERT_ACK_MINUTES: z.coerce.number().positive().default(120),
    HEALTH_EMERGENCY_ACK_MINUTES: z.coerce.number().positive().default(15),
    /** How many weeks ahead each club's meetings are kept planned (materialised from its rule). */
    MEETING_PLAN_WEEKS: z.coerce.number().int().min(1).max(52).default(8),
    /** Each club's weekly health round: weekday (0 Sunday … 6 Saturday) and time in APP_TIMEZONE. */
    HEALTH_ROUND_WEEKDAY: z.coerce.number().int().min(0).max(6).default(1),
    HEALTH_ROUND_TIME: timeOfDay.default('08:00'),
    /** Rounds are spread over this many minutes after HEALTH_ROUND_TIME, by club. */
    HEALTH_ROUND_SPREAD_MINUTES: z.coerce.number().int().min(0).max(720).default(120),

    SIMULATOR_RATE_PER_SECOND: z.coerce.number().positive().default(200),
    OUTBOX_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
    OUTBOX_BACKOFF_MS: z.coerce.number().int().min(1).default(2000),
    OUTBOX_LOCK_MS: z.coerce.number().int().min(500).default(30000),
    OUTBOX_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(50),
    OUTBOX_BULK_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(4),
    /**
     * Several Telegram bots (e.g. one per province), comma-separated; each member is bound to the
     * bot she wrote to, and each bot sends at its own limit. TELEGRAM_BOT_TOKEN alone is a list of one.
     */
    TELEGRAM_BOT_TOKENS: optionalText.pipe(
      z
        .string()
        .regex(/^\d+:[\w-]+(,\s*\d+:[\w-]+)*$/, 'bot tokens separated by commas')
        .optional(),
    ),
    /** Bots (their ids: the number before ':' in the token) that send with allow_paid_broadcast. */
    TELEGRAM_PAID_BROADCAST_BOTS: optionalText.pipe(
      z
        .string()
        .regex(/^\d+(,\s*\d+)*$/, 'bot ids separated by commas')
        .optional(),
    ),
    /** Messages a second of a bot with paid broadcasts (Telegram allows up to 1,000, paid in Stars). */
    TELEGRAM_PAID_RATE_PER_SECOND: z.coerce.number().positive().max(1000).default(1000),

    /** Weekly reports close for edits this many days after the week's Sunday, at this time ("1 12:00": Monday noon). */
    REPORT_CUTOFF: z
      .string()
      .regex(/^[0-6] ([01]\d|2[0-3]):[0-5]\d$/, 'days (0–6), a space and HH:MM, e.g. "1 12:00"')
      .default('1 12:00'),
    /** Chairs of clubs that have not reported are nudged on this weekday (0 Sunday … 6 Saturday) at this time. */
    REPORT_NUDGE_WEEKDAY: z.coerce.number().int().min(0).max(6).default(6),
    REPORT_NUDGE_TIME: timeOfDay.default('17:00'),
    /** Commune staff get the clubs still missing last week's report on this weekday at this time. */
    REPORT_MISSING_WEEKDAY: z.coerce.number().int().min(0).max(6).default(1),
    REPORT_MISSING_TIME: timeOfDay.default('09:00'),

    /** DHIS2 (optional): the server reports are pushed to, its personal access token, and our codes → DHIS2 ids. */
    DHIS2_URL: optionalText.pipe(z.url().optional()),
    DHIS2_TOKEN: optionalText,
    DHIS2_MAPPING_FILE: optionalText,
    /** Signs report download links (at least 32 characters; the same for every web process); none: random per process. */
    REPORT_LINK_SECRET: optionalText.pipe(z.string().min(32, 'at least 32 characters').optional()),
    /** How long a report download link works. */
    REPORT_LINK_HOURS: z.coerce.number().positive().max(168).default(24),
  })
  .transform((env) => ({
    ...env,
    // The first bot of the list when only the list is given (one bot keeps working as before).
    TELEGRAM_BOT_TOKEN: env.TELEGRAM_BOT_TOKEN ?? telegramTokens(env)[0],
    /** Every Telegram bot, TELEGRAM_BOT_TOKEN first. */
    TELEGRAM_BOTS: telegramTokens(env),
    TELEGRAM_MODE: env.TELEGRAM_MODE ?? (env.PUBLIC_URL ? 'webhook' : 'polling'),
    ZALO_BOT_MODE: env.ZALO_BOT_MODE ?? (env.PUBLIC_URL ? 'webhook' : 'polling'),
    ZNS_TEMPLATES: env.ZNS_TEMPLATES ?? {},
    // With no chat app at all, the local simulator is the channel people use (never by default in production:
    // it lets anyone read and write every chat).
    SIMULATOR: env.SIMULATOR ?? (!hasChatApp(env) && env.NODE_ENV !== 'production'),
    DEMO_SEED: env.DEMO_SEED ?? (!hasChatApp(env) && env.NODE_ENV !== 'test'),
  }));

function hasChatApp(env: {
  TELEGRAM_BOT_TOKEN?: string;
  TELEGRAM_BOT_TOKENS?: string;
  ZALO_BOT_TOKEN?: string;
  ZALO_OA_APP_ID?: string;
}) {
  return Boolean(
    env.TELEGRAM_BOT_TOKEN || env.TELEGRAM_BOT_TOKENS || env.ZALO_BOT_TOKEN || env.ZALO_OA_APP_ID,
  );
}

/** TELEGRAM_BOT_TOKEN, then TELEGRAM_BOT_TOKENS, each once. */
function telegramTokens(env: { TELEGRAM_BOT_TOKEN?: string; TELEGRAM_BOT_TOKENS?: string }): string[] {
  const list = (env.TELEGRAM_BOT_TOKENS ?? '').split(',').map((token) => token.trim());
  return [...new Set([env.TELEGRAM_BOT_TOKEN ?? '', ...list])].filter(Boolean);
}

export type Config = z.output<typeof schema>;

/** What flows read of the configuration (FlowContext.settings). */
export function flowSettings(config: Config): FlowSettings {
  return {
    health: {
      bpHigh: config.HEALTH_BP_HIGH,
      bpEmergency: config.HEALTH_BP_EMERGENCY,
      ackMs: config.HEALTH_ALERT_ACK_MINUTES * 60_000,
      emergencyAckMs: config.HEALTH_EMERGENCY_ACK_MINUTES * 60_000,
    },
    timeZone: config.APP_TIMEZONE,
    reports: {
      cutoff: config.REPORT_CUTOFF,
      dhis2: Boolean(config.DHIS2_URL && config.DHIS2_TOKEN && config.DHIS2_MAPPING_FILE),
    },
  };
}

/** Thrown when the environment holds a wrong value; the message names each bad variable. */
export class ConfigError extends Error {}

/** Parses and validates settings from `env` (default `process.env`). */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const config = result.data;
  const problem = unsafeSetting(config);
  if (problem) throw new ConfigError(`Invalid configuration:\n  ${problem}`);
  return config;
}

/** Settings that are valid one by one but unsafe or unusable together: the first one found, named. */
function unsafeSetting(config: Config): string | undefined {
  const telegramWebhook = config.TELEGRAM_MODE === 'webhook' && config.TELEGRAM_BOT_TOKEN;
  const zaloBotWebhook = config.ZALO_BOT_MODE === 'webhook' && config.ZALO_BOT_TOKEN;
  if (telegramWebhook && !config.PUBLIC_URL) return 'TELEGRAM_MODE: webhook mode needs PUBLIC_URL';
  if (zaloBotWebhook && !config.PUBLIC_URL) return 'ZALO_BOT_MODE: webhook mode needs PUBLIC_URL';
  // Without its secret a webhook accepts forged updates from anyone who knows the URL.
  if (telegramWebhook && !config.TELEGRAM_WEBHOOK_SECRET)
    return 'TELEGRAM_WEBHOOK_SECRET: webhook mode needs it (e.g. openssl rand -hex 32)';
  if (zaloBotWebhook && !config.ZALO_BOT_WEBHOOK_SECRET)
    return 'ZALO_BOT_WEBHOOK_SECRET: webhook mode needs it (e.g. openssl rand -hex 32)';
  const oa = [config.ZALO_OA_APP_ID, config.ZALO_OA_APP_SECRET, config.ZALO_OA_SECRET_KEY];
  if (oa.some(Boolean) && !oa.every(Boolean))
    return 'ZALO_OA_APP_ID: the Zalo OA needs ZALO_OA_APP_ID, ZALO_OA_APP_SECRET and ZALO_OA_SECRET_KEY together';
  if (config.NODE_ENV !== 'production') return undefined;
  if (config.SIMULATOR && !config.SIMULATOR_PASSWORD)
    return 'SIMULATOR_PASSWORD: the simulator shows every chat; in production it needs a password';
  if (!config.SIMULATOR && !hasChatApp(config))
    return 'TELEGRAM_BOT_TOKEN: no chat app is configured. Set TELEGRAM_BOT_TOKEN, ZALO_BOT_TOKEN or ZALO_OA_APP_ID (with its secrets), or SIMULATOR=true with SIMULATOR_PASSWORD';
  return undefined;
}
