/**
 * Assembles the bot from its parts for one process. ROLE decides what runs:
 * `web` receives messages (webhooks, polling, the simulator), `worker` sends
 * the outbox, `all` does both. Every role serves /healthz and /readyz.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { Worker } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import { flows } from '../flows/index.ts';
import { SimulatorChats } from './channels/simulator.ts';
import { telegramChannel } from './channels/telegram.ts';
import { TelegramBindings, type TelegramBot, telegramBots } from './channels/telegram-bots.ts';
import type { Channel, ChannelContext, FetchedPhoto } from './channels/types.ts';
import { zaloBotChannel } from './channels/zalo-bot.ts';
import { zaloOaChannel } from './channels/zalo-oa.ts';
import { type Clock, systemClock } from './clock.ts';
import { type Config, flowSettings } from './config.ts';
import { connectMongo, pingMongo } from './db/mongo.ts';
import { connectRedis, connectRedisFailFast } from './db/redis.ts';
import { seedDemoData } from './demo/seed.ts';
import { randomSource } from './engine/codes.ts';
import { Engine } from './engine/engine.ts';
import { Renderer } from './engine/render.ts';
import type { ChatRef, Outbound, ScheduledEffect } from './engine/types.ts';
import { registerBroadcastRoutes } from './http/broadcast-routes.ts';
import { photoBytes, pictureLink, registerPictureLinkRoutes } from './http/picture-links.ts';
import { registerReportLinkRoutes } from './http/report-links.ts';
import { registerReportRoutes } from './http/report-routes.ts';
import { createHttpServer } from './http/server.ts';
import { registerSimulatorRoutes } from './http/simulator-routes.ts';
import { createTranslator } from './i18n.ts';
import { startBroadcastDelivery } from './jobs/broadcast-delivery.ts';
import { FanOut } from './jobs/fan-out.ts';
import { HealthRoundPlanner } from './jobs/health-rounds.ts';
import { MeetingPlanner } from './jobs/meeting-planner.ts';
import { MessageLog } from './jobs/message-log.ts';
import { MessageRetention } from './jobs/message-retention.ts';
import { Outbox } from './jobs/outbox.ts';
import { startBulkOutboxWorker } from './jobs/outbox-bulk-worker.ts';
import { startOutboxWorker } from './jobs/outbox-worker.ts';
import { type QuietHours, quietHours } from './jobs/quiet-hours.ts';
import { Scheduler } from './jobs/scheduler.ts';
import { UnreachableNotices } from './jobs/unreachable-notices.ts';
import { createLogger, type Logger } from './log.ts';
import { createModels, type Models, syncIndexes } from './models/index.ts';
import { loadDhis2Mapping } from './reports/dhis2.ts';
import { storedReportData } from './reports/report-data.ts';
import { ReportService } from './reports/report-service.ts';
import { Audiences } from './runtime/audiences.ts';
import { Broadcasts } from './runtime/broadcasts.ts';
import { Conversations } from './runtime/conversations.ts';
import { Effects } from './runtime/effects.ts';
import { InboundLimit } from './runtime/inbound-limit.ts';
import { ReportFiles } from './runtime/report-files.ts';
import { weeklyPattern } from './runtime/report-nudges.ts';
import { ChatStates, Deliveries } from './store/chat-state.ts';
import { LinkCodes } from './store/link-codes.ts';
import { MongoLookups } from './store/lookups.ts';

export interface AppOverrides {
  log?: Logger;
  /** What the app takes as "now" (tests pass a `TestClock` to move time). */
  clock?: Clock;
}

export class App {
  readonly config: Config;
  readonly log: Logger;
  readonly clock: Clock;
  readonly http: FastifyInstance;
  readonly models: Models;
  readonly conversations: Conversations;
  readonly outbox: Outbox;
  readonly effects: Effects;
  readonly simulator: SimulatorChats | undefined;
  readonly retention: MessageRetention;
  readonly meetingPlanner: MeetingPlanner;
  readonly healthRounds: HealthRoundPlanner;
  /** Plans effects for later (its worker is started with the code that applies them). */
  readonly scheduler: Scheduler<ScheduledEffect>;
  readonly #quietHours: QuietHours;
  readonly #mongo: Connection;
  readonly #redis: Redis;
  readonly #bullRedis: Redis;
  readonly messageLog: MessageLog;
  readonly #channels: Channel[] = [];
  readonly #unreachable: UnreachableNotices;
  readonly #audiences: Audiences;
  readonly #fanOut: FanOut;
  readonly #telegramBots: TelegramBot[];
  #bindings: TelegramBindings | undefined;
  /** Roll-ups, files and DHIS2 for staff (API, download links, chat). */
  readonly reports: ReportService;
  /** Signs report download links (REPORT_LINK_SECRET, or random for this process). */
  readonly reportLinkSecret: string;
  /** Staff's announcements to an area (chat flow and API). */
  readonly broadcasts: Broadcasts;
  #workers: Worker[] = [];

  private constructor(config: Config, mongo: Connection, overrides: AppOverrides) {
    this.config = config;
    this.log = overrides.log ?? createLogger(config.LOG_LEVEL);
    this.clock = overrides.clock ?? systemClock;
    this.#quietHours = quietHours(config.QUIET_HOURS_START, config.QUIET_HOURS_END, config.APP_TIMEZONE);
    this.#mongo = mongo;
    this.models = createModels(mongo);
    this.#redis = connectRedisFailFast(config.REDIS_URL, `${config.REDIS_PREFIX}-state`, this.log);
    this.#bullRedis = connectRedis(config.REDIS_URL, `${config.REDIS_PREFIX}-bullmq`, this.log);
    const prefix = config.REDIS_PREFIX;

    const translate = createTranslator();
    const engine = new Engine({
      flows,
      translate,
      sessionIdleMs: config.SESSION_IDLE_HOURS * 3600_000,
      random: randomSource(randomInt),
      settings: flowSettings(config),
    });
    const renderer = new Renderer(translate);
    const chatStates = new ChatStates(this.#redis, prefix);
    const linkCodes = new LinkCodes(this.#redis, prefix);
    const lookups = new MongoLookups(this.models, linkCodes);
    this.messageLog = new MessageLog(this.models, this.log, this.#redis, prefix);
    this.#telegramBots = telegramBots(config.TELEGRAM_BOTS, {
      webhookSecret: config.TELEGRAM_WEBHOOK_SECRET,
      paidBots: config.TELEGRAM_PAID_BROADCAST_BOTS,
      ratePerSecond: config.TELEGRAM_RATE_PER_SECOND,
      paidRatePerSecond: config.TELEGRAM_PAID_RATE_PER_SECOND,
    });
    const telegramQueues = this.#telegramBots.length > 1 ? this.#telegramBindings() : undefined;
    this.outbox = new Outbox(
      {
        connection: this.#bullRedis,
        redis: this.#redis,
        prefix: `${prefix}:bull`,
        maxAttempts: config.OUTBOX_MAX_ATTEMPTS,
        backoffMs: config.OUTBOX_BACKOFF_MS,
        clock: this.clock,
        quietHours: this.#quietHours,
        onError: (error) => this.log.error({ err: error }, 'outbox queue error'),
        queuesOf: async (channel, messages) =>
          channel === 'telegram' ? telegramQueues?.queuesOf(messages.map((m) => m.chatId)) : undefined,
      },
      this.messageLog,
    );
    this.scheduler = new Scheduler({
      connection: this.#bullRedis,
      prefix: `${prefix}:bull`,
      redis: this.#redis,
      clock: this.clock,
      timeZone: config.APP_TIMEZONE,
      log: this.log,
    });
    this.#audiences = new Audiences(this.models);
    this.#fanOut = new FanOut({ connection: this.#bullRedis, prefix: `${prefix}:bull`, log: this.log });
    this.meetingPlanner = new MeetingPlanner({
      connection: this.#bullRedis,
      prefix: `${prefix}:bull`,
      models: this.models,
      clock: this.clock,
      timeZone: config.APP_TIMEZONE,
      weeksAhead: config.MEETING_PLAN_WEEKS,
      scheduler: this.scheduler,
      log: this.log,
    });
    this.healthRounds = new HealthRoundPlanner({
      connection: this.#bullRedis,
      prefix: `${prefix}:bull`,
      models: this.models,
      clock: this.clock,
      schedule: {
        weekday: config.HEALTH_ROUND_WEEKDAY,
        time: config.HEALTH_ROUND_TIME,
        spreadMinutes: config.HEALTH_ROUND_SPREAD_MINUTES,
        timeZone: config.APP_TIMEZONE,
      },
      scheduler: this.scheduler,
      log: this.log,
    });
    this.reports = new ReportService({
      data: storedReportData(this.models),
      translate,
      timeZone: config.APP_TIMEZONE,
      clock: this.clock,
      dhis2: {
        url: config.DHIS2_URL,
        token: config.DHIS2_TOKEN,
        mapping: config.DHIS2_MAPPING_FILE ? loadDhis2Mapping(config.DHIS2_MAPPING_FILE) : undefined,
      },
    });
    this.reportLinkSecret = config.REPORT_LINK_SECRET ?? randomBytes(32).toString('base64url');
    const reportFiles = new ReportFiles({
      models: this.models,
      reports: this.reports,
      outbox: this.outbox,
      translate,
      clock: this.clock,
      log: this.log,
      timeZone: config.APP_TIMEZONE,
      links: {
        secret: this.reportLinkSecret,
        baseUrl: config.PUBLIC_URL?.replace(/\/$/, '') ?? `http://localhost:${config.PORT}`,
        hours: config.REPORT_LINK_HOURS,
      },
    });
    this.effects = new Effects({
      audiences: this.#audiences,
      fanOut: this.#fanOut,
      scheduler: this.scheduler,
      meetingPlanner: this.meetingPlanner,
      quietHours: this.#quietHours,
      clock: this.clock,
      models: this.models,
      lookups,
      chatStates,
      engine,
      renderer,
      outbox: this.outbox,
      linkCodes,
      translate,
      messageLog: this.messageLog,
      reports: { timeZone: config.APP_TIMEZONE, cutoff: config.REPORT_CUTOFF },
      reportFiles,
    });
    this.broadcasts = new Broadcasts({
      models: this.models,
      redis: this.#redis,
      prefix,
      connection: this.#bullRedis,
      bullPrefix: `${prefix}:bull`,
      effects: this.effects,
      outbox: this.outbox,
      messageLog: this.messageLog,
      chatStates,
      engine,
      lookups,
      renderer,
      translate,
      scheduler: this.scheduler,
      quietHours: this.#quietHours,
      clock: this.clock,
      log: this.log,
      rates: {
        telegram: config.TELEGRAM_RATE_PER_SECOND,
        'zalo-bot': config.ZALO_BOT_RATE_PER_SECOND,
        'zalo-oa': config.ZALO_OA_RATE_PER_SECOND,
        simulator: config.SIMULATOR_RATE_PER_SECOND,
      },
      znsTemplate: Boolean(config.ZNS_TEMPLATES.announcement),
      timeZone: config.APP_TIMEZONE,
      fetchPhoto: (photo) => this.#fetchPhoto(photo),
      pictureUrl: (id) =>
        pictureLink(
          {
            secret: this.reportLinkSecret,
            baseUrl: config.PUBLIC_URL?.replace(/\/$/, '') ?? `http://localhost:${config.PORT}`,
          },
          id,
        ),
    });
    this.effects.broadcasts = this.broadcasts;
    lookups.broadcasts = this.broadcasts;
    this.conversations = new Conversations({
      engine,
      renderer,
      clock: this.clock,
      chatStates,
      deliveries: new Deliveries(this.#redis, prefix),
      lookups,
      effects: this.effects,
      outbox: this.outbox,
      log: this.log,
      inboundLimit: new InboundLimit(this.#redis, prefix, config.INBOUND_PER_CHAT_PER_MINUTE),
    });

    const context: ChannelContext = {
      conversations: this.conversations,
      effects: this.effects,
      outbox: this.outbox,
      redis: this.#redis,
      prefix,
      translate,
      log: this.log,
      publicUrl: config.PUBLIC_URL?.replace(/\/$/, ''),
      reportFile: (ref) => this.reports.file(ref, ref.lang),
      picture: async (id) => {
        const photo = await this.models.BroadcastPhoto.findById(id).lean();
        if (!photo) throw new Error('no such broadcast photo');
        return { bytes: photoBytes(photo.bytes), filename: `${id}.jpg` };
      },
    };
    if (config.SIMULATOR) {
      this.simulator = new SimulatorChats(this.#redis, prefix, config.SIMULATOR_RATE_PER_SECOND);
      this.#channels.push({ sender: this.simulator });
    }
    // One channel per Telegram bot (telegram-bots.ts); chats are bound to bots only when there are several.
    const bindings = this.#telegramBots.length > 1 ? this.#telegramBindings() : undefined;
    this.#telegramBots.forEach((bot, index) => {
      this.#channels.push(
        telegramChannel(
          {
            token: bot.token,
            apiRoot: config.TELEGRAM_API_ROOT,
            ratePerSecond: bot.ratePerSecond,
            mode: config.TELEGRAM_MODE,
            webhookSecret: bot.webhookSecret,
            several: { bot, bindings, first: index === 0 },
          },
          context,
        ),
      );
    });

    if (config.ZALO_BOT_TOKEN) {
      this.#channels.push(
        zaloBotChannel(
          {
            token: config.ZALO_BOT_TOKEN,
            apiRoot: config.ZALO_BOT_API_ROOT,
            ratePerSecond: config.ZALO_BOT_RATE_PER_SECOND,
            mode: config.ZALO_BOT_MODE,
            webhookSecret: config.ZALO_BOT_WEBHOOK_SECRET,
          },
          context,
        ),
      );
    }

    this.retention = new MessageRetention({
      connection: this.#bullRedis,
      prefix: `${prefix}:bull`,
      models: this.models,
      log: this.log,
      retentionDays: config.MESSAGE_TEXT_RETENTION_DAYS,
    });
    this.#unreachable = new UnreachableNotices({
      connection: this.#bullRedis,
      prefix: `${prefix}:bull`,
      redis: this.#redis,
      models: this.models,
      effects: this.effects,
      log: this.log,
      gatherMs: config.UNREACHABLE_NOTICE_DELAY_MS,
    });
    if (config.ZALO_OA_APP_ID && config.ZALO_OA_APP_SECRET && config.ZALO_OA_SECRET_KEY) {
      this.#channels.push(
        zaloOaChannel(
          {
            appId: config.ZALO_OA_APP_ID,
            appSecret: config.ZALO_OA_APP_SECRET,
            secretKey: config.ZALO_OA_SECRET_KEY,
            apiRoot: config.ZALO_OA_API_ROOT,
            oauthRoot: config.ZALO_OAUTH_API_ROOT,
            znsRoot: config.ZNS_API_ROOT,
            accessToken: config.ZALO_OA_ACCESS_TOKEN,
            refreshToken: config.ZALO_OA_REFRESH_TOKEN,
            ratePerSecond: config.ZALO_OA_RATE_PER_SECOND,
            znsTemplates: config.ZNS_TEMPLATES,
            timeZone: config.APP_TIMEZONE,
          },
          context,
          {
            models: this.models,
            redis: this.#redis,
            prefix,
            reportUnreachable: (message) => this.#unreachable.report(message),
          },
        ),
      );
    }

    const receives = config.ROLE !== 'worker';
    this.http = createHttpServer({
      log: this.log,
      checkReady: async () => ({
        mongodb: await pingMongo(this.#mongo),
        redis: await this.#redis
          .ping()
          .then(() => true)
          .catch(() => false),
      }),
      // Routes exist whenever an app is configured, whatever its mode: switching to webhooks needs no restart.
      webhooks: receives
        ? this.#channels.flatMap((channel) => (channel.webhook ? [channel.webhook] : []))
        : [],
    });
    if (receives) {
      registerReportRoutes(this.http, { models: this.models, reports: this.reports });
      registerReportLinkRoutes(this.http, {
        reports: this.reports,
        secret: this.reportLinkSecret,
        clock: this.clock,
      });
    }
    if (receives)
      registerPictureLinkRoutes(this.http, { models: this.models, secret: this.reportLinkSecret });
    if (receives)
      registerBroadcastRoutes(this.http, {
        models: this.models,
        broadcasts: this.broadcasts,
        clock: this.clock,
      });
    if (receives && this.simulator) {
      registerSimulatorRoutes(this.http, {
        simulator: this.simulator,
        conversations: this.conversations,
        models: this.models,
        translate,
        password: config.SIMULATOR_PASSWORD,
      });
    }
  }

  /** A photo someone sent, from the app she sent it on (each of several Telegram bots tried: a file_id is one bot's). */
  async #fetchPhoto(photo: ChatRef & { ref: string }): Promise<FetchedPhoto> {
    const channels = this.#channels.filter(
      (channel) => channel.sender.channel === photo.channel && channel.fetchPhoto,
    );
    let failure: unknown = new Error(`no app to fetch a photo from on ${photo.channel}`);
    for (const channel of channels) {
      try {
        return await channel.fetchPhoto!(photo.ref);
      } catch (error) {
        failure = error;
      }
    }
    throw failure;
  }

  /** Which Telegram bot each chat belongs to (one instance, for several bots only). */
  #telegramBindings(): TelegramBindings {
    this.#bindings ??= new TelegramBindings(
      this.#redis,
      this.config.REDIS_PREFIX,
      this.models,
      this.#telegramBots,
    );
    return this.#bindings;
  }

  /** Connects to MongoDB and builds the app (nothing is listening yet). */
  static async create(config: Config, overrides: AppOverrides = {}): Promise<App> {
    const mongo = await connectMongo(config.MONGODB_URI, config.MONGODB_POOL_SIZE);
    return new App(config, mongo, overrides);
  }

  /** Starts what this role runs; resolves with the HTTP server's address once it listens. */
  async start(): Promise<string> {
    const { config } = this;
    await syncIndexes(this.models);
    if (config.DEMO_SEED && this.simulator) {
      const seeded = await seedDemoData(this.models);
      if (seeded.seeded) this.log.info({ members: seeded.members }, 'demo data seeded');
    }
    // Writes a process that stopped left in Redis go on to MongoDB.
    void this.messageLog.flush();
    if (config.ROLE !== 'web') {
      this.#workers = this.#channels.flatMap(({ sender }) => {
        const options = {
          connection: this.#bullRedis,
          prefix: `${config.REDIS_PREFIX}:bull`,
          redis: this.#redis,
          sender,
          messageLog: this.messageLog,
          log: this.log,
          clock: this.clock,
          quietHours: this.#quietHours,
          lockMs: config.OUTBOX_LOCK_MS,
          concurrency: config.OUTBOX_CONCURRENCY,
          onRecipientGone: (message: Outbound) =>
            this.effects.markStopped({ channel: message.channel, chatId: message.chatId }, this.clock.now()),
          onOutcome: (jobId: string, outcome: Parameters<Broadcasts['onOutcome']>[1]) =>
            this.broadcasts.onOutcome(jobId, outcome),
        };
        return [
          startOutboxWorker(options),
          startBulkOutboxWorker({
            ...options,
            concurrency: config.OUTBOX_BULK_CONCURRENCY,
            maxAttempts: config.OUTBOX_MAX_ATTEMPTS,
            backoffMs: config.OUTBOX_BACKOFF_MS,
          }),
        ];
      });
      this.#workers.push(
        this.#unreachable.startWorker(),
        await this.retention.start(),
        await this.meetingPlanner.start(),
        await this.healthRounds.start(),
        this.#fanOut.startWorker(
          this.#audiences,
          (effect, memberIds) => this.effects.notifyPage(effect, memberIds, this.clock.now()),
          (effect) => this.effects.start(effect, this.clock.now()),
        ),
        this.scheduler.startWorker((firing) => this.effects.fire(firing, this.clock.now())),
        startBroadcastDelivery({
          connection: this.#bullRedis,
          prefix: `${config.REDIS_PREFIX}:bull`,
          log: this.log,
          models: this.models,
          broadcasts: this.broadcasts,
          lockMs: config.OUTBOX_LOCK_MS,
        }),
      );
      // Weekly reports: chairs nudged, staff told the clubs missing (upserting again changes nothing).
      for (const [who, weekday, time] of [
        ['chairs', config.REPORT_NUDGE_WEEKDAY, config.REPORT_NUDGE_TIME],
        ['staff', config.REPORT_MISSING_WEEKDAY, config.REPORT_MISSING_TIME],
      ] as const) {
        const key = `report-nudges.${who}`;
        await this.scheduler.schedule(
          key,
          { every: { pattern: weeklyPattern(weekday, time) } },
          { type: 'reportNudges', who, key },
        );
      }
    }
    if (config.ROLE !== 'worker') {
      for (const channel of this.#channels) await channel.startInbound?.();
      if (this.simulator) {
        const passwordProtected = Boolean(config.SIMULATOR_PASSWORD);
        this.log[passwordProtected ? 'info' : 'warn'](
          { simulator: true, passwordProtected },
          passwordProtected
            ? 'simulator on, password-protected'
            : 'simulator on WITHOUT a password: anyone who reaches this port can read and write every chat',
        );
      }
    }
    return this.http.listen({ port: config.PORT, host: config.HOST });
  }

  /**
   * Stops within STOP_MS, losing nothing: webhooks answer 503 from now on (the platform delivers
   * again later), the turns in progress finish, workers finish their jobs (a job still running at
   * the deadline is left to the lock: another worker takes it over, and its "sent" marker keeps it
   * from going twice), and the message log's writes wait in Redis for the next process.
   */
  async stop(): Promise<void> {
    const deadline = Date.now() + STOP_MS;
    const remaining = () => Math.max(0, deadline - Date.now());
    this.http.stopping = true;
    for (const channel of this.#channels) await channel.stop?.();
    await this.http.close();
    await Promise.all(
      this.#workers.map(async (worker) => {
        if ((await within(worker.close(), remaining() - STOP_RESERVE_MS)) === 'late')
          await worker.close(true);
      }),
    );
    await this.outbox.close();
    await this.scheduler.close();
    await this.#unreachable.close();
    await this.#fanOut.close();
    await this.retention.close();
    await this.meetingPlanner.close();
    await this.healthRounds.close();
    await this.broadcasts.close();
    // A last drain if there is time; what is left stays in Redis.
    await within(this.messageLog.flush({ everything: true }), remaining() - STOP_RESERVE_MS);
    await this.messageLog.close().catch(() => undefined);
    await this.#mongo.close();
    this.#redis.disconnect();
    this.#bullRedis.disconnect();
  }
}

/** A stop finishes within this time (a container is killed soon after SIGTERM). */
export const STOP_MS = 9000;
/** Kept for closing connections after the waits. */
const STOP_RESERVE_MS = 1000;

/** Waits for `task` at most `ms`; 'late' when it did not settle in time. */
async function within(task: Promise<unknown>, ms: number): Promise<'done' | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), Math.max(0, ms));
  });
  const result = await Promise.race([task.then(() => 'done' as const), late]);
  clearTimeout(timer);
  return result;
}
