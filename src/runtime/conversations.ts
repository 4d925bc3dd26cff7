/**
 * Handles one inbound message end to end: claim the delivery (so a
 * redelivered update is processed once), load the chat state, find out who
 * is writing, run the engine, apply its effects, queue the replies, save.
 *
 * Order matters for "nothing lost, nothing twice": effects are idempotent and
 * replies have deterministic job ids, and the state is saved last — so if
 * anything fails before the save, the platform's redelivery runs the same
 * step again with the same result.
 *
 * Report files and the DHIS2 push for the person writing (`followsReply`) are applied after the
 * replies are queued: the picture or the file comes after the text that announces it.
 */

import type { Clock } from '../clock.ts';
import type { Engine } from '../engine/engine.ts';
import type { Renderer } from '../engine/render.ts';
import type { ChatState, Effect, Inbound } from '../engine/types.ts';
import type { Outbox } from '../jobs/outbox.ts';
import { outboxJobId } from '../jobs/outbox.ts';
import type { Logger } from '../log.ts';
import type { ChatKey, ChatStates, Deliveries } from '../store/chat-state.ts';
import type { MongoLookups } from '../store/lookups.ts';
import type { Effects } from './effects.ts';
import type { InboundLimit } from './inbound-limit.ts';

/** How long a cached "who is this chat" is trusted before MongoDB is asked again. */
const WHO_CACHE_MS = 10 * 60_000;
/** Saves lost to a concurrent save of the same chat are retried this many times. */
const MAX_SAVE_CONFLICTS = 5;

/** Effects that send the person writing something of their own after the turn's reply. */
const followsReply = (effect: Effect) =>
  effect.type === 'sendReportFiles' || effect.type === 'pushReportsToDhis2';

/** 'ignored': the chat is over its per-minute limit; acknowledged, not processed. */
export type HandleResult = 'handled' | 'duplicate' | 'busy' | 'ignored';

export interface ConversationsDeps {
  engine: Engine;
  chatStates: ChatStates;
  deliveries: Deliveries;
  lookups: MongoLookups;
  effects: Effects;
  outbox: Outbox;
  log: Logger;
  inboundLimit: InboundLimit;
  renderer: Renderer;
  clock: Clock;
}

export class Conversations {
  readonly #deps: ConversationsDeps;
  /** Messages of one chat are handled one at a time, in arrival order, within this process. */
  readonly #chains = new Map<string, Promise<unknown>>();

  constructor(deps: ConversationsDeps) {
    this.#deps = deps;
  }

  /** `deliveryId` identifies the platform's delivery (e.g. "telegram.<update_id>"). */
  async handle(inbound: Inbound, deliveryId: string): Promise<HandleResult> {
    const { deliveries, inboundLimit, chatStates } = this.#deps;
    const chat: ChatKey = { channel: inbound.channel, chatId: inbound.chatId };
    // The claim, the chat's count this minute and its state go to Redis together (one write, one
    // round trip); the state is only a head start, used if nothing else of this chat runs first.
    const [claim, verdict, loaded] = await Promise.all([
      deliveries.claim(deliveryId),
      inboundLimit.count(chat),
      chatStates.load(chat),
    ]);
    if (claim === 'done') return 'duplicate';
    if (claim === 'processing') return 'busy';
    let result: HandleResult = 'handled';
    try {
      if (verdict === 'ok') {
        const key = `${chat.channel}:${chat.chatId}`;
        const preloaded = this.#chains.has(key) ? undefined : loaded;
        await this.#serialised(key, () => this.#turn(inbound, preloaded));
      } else {
        if (verdict === 'notice') await this.#slowDown(inbound, loaded);
        result = 'ignored';
      }
    } catch (error) {
      await deliveries.release(deliveryId).catch(() => undefined);
      throw error;
    }
    await deliveries.done(deliveryId);
    return result;
  }

  /** The first message over the chat's limit this minute is answered: slow down (once). */
  async #slowDown(inbound: Inbound, state: ChatState): Promise<void> {
    const { renderer, outbox } = this.#deps;
    const chat: ChatKey = { channel: inbound.channel, chatId: inbound.chatId };
    const lang = state.who?.lang ?? state.lang ?? 'vi';
    const notice = renderer.render(chat, lang, { key: 'common.tooFast' }, state.who?.memberId);
    await outbox.enqueue([notice], outboxJobId(chat.channel, chat.chatId, inbound.messageId));
  }

  #serialised<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#chains.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    const settled = run.catch(() => undefined);
    this.#chains.set(key, settled);
    void settled.then(() => {
      if (this.#chains.get(key) === settled) this.#chains.delete(key);
    });
    return run;
  }

  /** Runs the engine on the message; `preloaded`: the chat's state, read with the claim. */
  async #turn(inbound: Inbound, preloaded?: ChatState): Promise<void> {
    const { engine, chatStates, lookups, effects, outbox, log } = this.#deps;
    const chat: ChatKey = { channel: inbound.channel, chatId: inbound.chatId };
    for (let attempt = 0; attempt < MAX_SAVE_CONFLICTS; attempt++) {
      const now = this.#deps.clock.now();
      const state = (attempt === 0 ? preloaded : undefined) ?? (await chatStates.load(chat));
      await this.#refreshWho(state, chat, now, engine.actsWithRole(state));
      let result = await engine.handle(state, inbound, lookups, now);
      const following: Effect[] = [];
      for (;;) {
        following.push(...result.effects.filter(followsReply));
        const who = await effects.apply(
          result.effects.filter((effect) => !followsReply(effect)),
          now,
        );
        if (who) {
          result.state.who = who;
          result.state.whoCheckedAt = now.getTime();
        }
        if (!result.afterEffects) break;
        result = await result.afterEffects(who);
      }
      // Replies name the message they answer (a follow or shared form is no message).
      const answersMessage = ['text', 'unsupported', 'photo'].includes(inbound.kind);
      const replies = answersMessage
        ? result.replies.map((reply) => ({ ...reply, replyTo: inbound.messageId }))
        : result.replies;
      await outbox.enqueue(replies, outboxJobId(inbound.channel, inbound.chatId, inbound.messageId));
      await effects.apply(following, now);
      if (await chatStates.save(chat, result.state)) return;
      log.warn({ channel: chat.channel, attempt }, 'chat saved concurrently; handling the message again');
    }
    throw new Error('chat state kept changing under us');
  }

  /** Who is behind the chat, from the cache unless it is old or `fresh` (a decision with a role). */
  async #refreshWho(state: ChatState, chat: ChatKey, now: Date, fresh: boolean): Promise<void> {
    if (!fresh && state.whoCheckedAt && now.getTime() - state.whoCheckedAt < WHO_CACHE_MS) return;
    const { who, stopped } = await this.#deps.lookups.resolveWho(chat.channel, chat.chatId);
    if (stopped) {
      await this.#deps.effects.markResumed(chat);
      if (who?.status === 'stopped') who.status = 'active';
    }
    state.who = who;
    state.whoCheckedAt = now.getTime();
  }
}
