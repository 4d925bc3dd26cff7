/**
 * The reference bot of bench/inbound.ts: a plain grammY bot, the way the grammY documentation
 * builds one — @grammyjs/conversations keeps each chat's conversation in MongoDB through
 * @grammyjs/storage-mongodb, updates come by webhook. Typing "health" starts a check of three
 * questions, each answered with one digit. Kept in bench/ only; the app never loads it.
 *
 * Settings (environment): REF_BOT_TOKEN, REF_API_ROOT, REF_PORT, REF_WEBHOOK_SECRET,
 * REF_MONGODB_URI, REF_MONGODB_POOL_SIZE, and BENCH_COUNTERS_PORT (bench/counters.ts).
 */
import { createServer } from 'node:http';
import {
  type Conversation,
  type ConversationData,
  type ConversationFlavor,
  conversations,
  createConversation,
  type VersionedState,
} from '@grammyjs/conversations';
import { type ISession, MongoDBAdapter } from '@grammyjs/storage-mongodb';
import { Bot, type Context, webhookCallback } from 'grammy';
import { MongoClient } from 'mongodb';
import { COUNTERS_PORT_VARIABLE, countCommandsOf, serveCounters } from './counters.ts';

/** What starts the check, the questions in order, and the closing line (the driver expects them). */
export const REFERENCE = {
  start: 'health',
  questions: [
    'How do you feel today? 1 = well, 2 = so-so, 3 = unwell',
    'Did you sleep well? 1 = yes, 2 = no',
    'Any pain today? 1 = no, 2 = some, 3 = a lot',
  ],
  done: 'Thank you, see you tomorrow.',
} as const;

/** Where the webhook is served. */
export const REFERENCE_WEBHOOK_PATH = '/webhook';

type BotContext = ConversationFlavor<Context>;

async function healthCheck(conversation: Conversation<BotContext, Context>, ctx: Context): Promise<void> {
  let current = ctx;
  for (const question of REFERENCE.questions) {
    await current.reply(question);
    current = await conversation.waitFor('message:text');
  }
  await current.reply(REFERENCE.done);
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

async function main(): Promise<void> {
  const mongo = new MongoClient(required('REF_MONGODB_URI'), {
    maxPoolSize: Number(process.env.REF_MONGODB_POOL_SIZE ?? 10),
    monitorCommands: true,
  });
  await mongo.connect();
  const sessions = mongo.db().collection<ISession>('sessions');
  await sessions.createIndex({ key: 1 }, { unique: true });
  const countersPort = Number(process.env[COUNTERS_PORT_VARIABLE]);
  if (countersPort > 0) {
    countCommandsOf(mongo);
    serveCounters(countersPort);
  }

  const bot = new Bot<BotContext>(required('REF_BOT_TOKEN'), {
    client: { apiRoot: required('REF_API_ROOT') },
  });
  // The adapter declares its own copy of the driver's Collection type; the object is the same.
  const storage = new MongoDBAdapter<VersionedState<ConversationData>>({ collection: sessions as never });
  bot.use(conversations({ storage }));
  bot.use(createConversation(healthCheck, 'health'));
  bot.hears(REFERENCE.start, (ctx) => ctx.conversation.enter('health'));
  bot.catch(() => undefined);
  await bot.init();

  const handleUpdate = webhookCallback(bot, 'http', { secretToken: required('REF_WEBHOOK_SECRET') });
  const server = createServer((request, response) => {
    if (request.method === 'POST' && request.url === REFERENCE_WEBHOOK_PATH) {
      // A failed update (e.g. a dropped connection to the API) answers 500, as grammY's users see it;
      // it must not end the process in the middle of a measurement.
      handleUpdate(request, response).catch(() => {
        if (!response.headersSent) response.statusCode = 500;
        response.end();
      });
      return;
    }
    response.statusCode = request.url === '/healthz' ? 200 : 404;
    response.end();
  });
  server.listen(Number(required('REF_PORT')), '127.0.0.1');
  const stop = () => {
    server.close();
    void mongo.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (import.meta.main) await main();
