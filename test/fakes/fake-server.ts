/**
 * The plumbing the fake platform APIs (FakeTelegram, FakeZaloBot, FakeZaloOA) share: a loopback HTTP
 * server with a delivery model, a log of sent messages that tests can wait on, failure-rule queues, and
 * small helpers. Nothing here knows a platform's paths or envelopes; each fake builds its answers itself.
 *
 * Delivery model: a fake computes its answer when the request arrives, may hold it for a delay, and only
 * then writes it. Callbacks in `Reply.onDelivered` run once the response is written; if the client went
 * away first (or the fake closed during the delay), `Reply.onUndelivered` runs instead, so a fake never
 * records a message whose request never completed.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An HTTP response a fake has decided on. */
export interface Reply {
  status: number;
  /** Serialised as JSON when the response is written, or sent as is when `contentType` is given. */
  body: unknown;
  /** Defaults to `application/json`. */
  contentType?: string;
  /** Run once the response has actually been written to the client. */
  onDelivered?: Array<() => void>;
  /** Run if the response is never written (the client went away, or the fake closed during a delay). */
  onUndelivered?: Array<() => void>;
}

/** What a fake answers to one request: a reply, or `'drop'` (destroy the socket without answering). */
export interface Outcome {
  reply: Reply | 'drop';
  /** How long to hold the reply before writing it (0: write at once). */
  delayMs: number;
}

/**
 * Computes the outcome of one request. `signal` aborts when the client disconnects or the fake is closing
 * (long polls use it to answer early).
 */
export type Answerer = (req: IncomingMessage, signal: AbortSignal) => Promise<Outcome>;

/** A loopback HTTP server that serves `Answerer` outcomes and tracks the requests still in flight. */
export class FakeHttpServer {
  private readonly server: Server;
  private readonly closing = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly answer: Answerer;

  constructor(answer: Answerer) {
    this.answer = answer;
    this.server = createServer((req, res) => {
      // A bug in the fake must not crash the test run: the client just sees a network error.
      const handled = this.serve(req, res)
        .catch(() => void res.destroy())
        .finally(() => this.inFlight.delete(handled));
      this.inFlight.add(handled);
    });
  }

  /** Listens on 127.0.0.1 on a free port; resolves with the base URL (`http://127.0.0.1:<port>`). */
  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /**
   * Stops the server: aborts every request's signal (pending long polls answer, delayed responses are
   * abandoned), waits up to 1 s for in-flight responses, then closes all sockets, idle keep-alive ones
   * included. Calling it again does nothing.
   */
  async close(): Promise<void> {
    if (this.closing.signal.aborted) return;
    this.closing.abort();
    const settle = Promise.allSettled([...this.inFlight]);
    await Promise.race([settle, sleep(1000)]);
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const clientGone = new AbortController();
    res.on('close', () => {
      if (!res.writableEnded) clientGone.abort();
    });
    const signal = AbortSignal.any([clientGone.signal, this.closing.signal]);

    const { reply, delayMs } = await this.answer(req, signal);
    const undelivered = () => {
      if (reply !== 'drop') for (const fn of reply.onUndelivered ?? []) fn();
    };
    if (delayMs > 0 && !(await sleep(delayMs, signal))) {
      res.destroy();
      undelivered();
      return;
    }
    // The client went away: the request never completed, so nothing is delivered.
    if (clientGone.signal.aborted || req.socket.destroyed) {
      undelivered();
      return;
    }
    if (reply === 'drop') {
      res.destroy();
      return;
    }
    const body =
      reply.contentType === undefined
        ? JSON.stringify(reply.body)
        : Buffer.isBuffer(reply.body)
          ? reply.body
          : String(reply.body);
    await new Promise<void>((resolve) => {
      res.once('finish', resolve).once('close', resolve);
      res.writeHead(reply.status, {
        'content-type': reply.contentType ?? 'application/json',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
      for (const fn of reply.onDelivered ?? []) fn();
    });
  }
}

/** Listeners notified synchronously when something changes (a message was sent, an update was queued). */
export class Listeners {
  private readonly listeners = new Set<() => void>();

  add(fn: () => void): void {
    this.listeners.add(fn);
  }

  delete(fn: () => void): void {
    this.listeners.delete(fn);
  }

  notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** Resolves on the next `notify()`, after `ms`, or when `signal` aborts — whichever comes first. */
  next(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.listeners.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      if (signal.aborted) return done();
      signal.addEventListener('abort', done);
      this.listeners.add(done);
    });
  }
}

/** The messages a fake delivered, in delivery order, with waiters that resolve as messages arrive. */
export class SentLog<T> {
  readonly items: T[] = [];
  /** Notified on every `record` (a fake may also notify it for other deliveries). */
  readonly changed = new Listeners();
  private readonly fakeName: string;
  private readonly describe: () => string;

  /** `describe` summarises what was sent, for the error of a waiter that timed out. */
  constructor(fakeName: string, describe: () => string) {
    this.fakeName = fakeName;
    this.describe = describe;
  }

  record(item: T): void {
    this.items.push(item);
    this.changed.notify();
  }

  /** Resolves with the first message matching `predicate` (already sent or sent later). */
  waitForMatch(predicate: (item: T) => boolean, timeoutMs: number): Promise<T> {
    return this.waitFor(() => this.items.find(predicate), timeoutMs, 'no sent message matched the predicate');
  }

  /**
   * Resolves with `select()` (the messages, or some of them) once it holds at least `n` messages. `target`
   * completes the error message (e.g. `' to chat 42'`).
   */
  waitForCount(n: number, select: () => T[], target: string, timeoutMs: number): Promise<T[]> {
    return this.waitFor(
      () => {
        const items = select();
        return items.length >= n ? items : undefined;
      },
      timeoutMs,
      `expected at least ${n} sent message(s)${target}`,
    );
  }

  /**
   * Resolves with `check()`'s first defined value, checked now and after every change; after `timeoutMs`
   * rejects with `<fake>: <expectation> within <timeoutMs> ms. <what was sent>`.
   */
  waitFor<R>(check: () => R | undefined, timeoutMs: number, expectation: string): Promise<R> {
    const error = new Error(expectation); // created here so the stack points at the waiting test
    return new Promise((resolve, reject) => {
      const listener = () => {
        const value = check();
        if (value === undefined) return;
        cleanup();
        resolve(value);
      };
      const timer = setTimeout(() => {
        cleanup();
        error.message = `${this.fakeName}: ${expectation} within ${timeoutMs} ms. ${this.describe()}`;
        reject(error);
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.changed.delete(listener);
      };
      this.changed.add(listener);
      listener();
    });
  }
}

/** Failure rules that each apply to the next `remaining` matching calls, consumed in the order added. */
export class RuleQueue<R extends { remaining: number }> {
  private rules: R[] = [];

  add(rule: R): void {
    this.rules.push(rule);
  }

  /** The first rule matching `match`, with one use spent (it is removed once used up). */
  take(match: (rule: R) => boolean): R | undefined {
    const rule = this.rules.find(match);
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
    return rule;
  }

  clear(): void {
    this.rules = [];
  }
}

/**
 * The failure rules of a Bot-API-style fake: one-shot rules per method (`failNext`) and standing rules per
 * `chat_id` (`failForChat`), which win over one-shot ones.
 */
export class BotApiFailures<F> {
  private readonly oneShot = new RuleQueue<{ method: string; failure: F; remaining: number }>();
  private chatRules: Array<{ chatId: string; failure: F }> = [];

  /** The next `times` calls of `method` (compared case-insensitively) fail with `failure`. */
  failNext(method: string, failure: F, times: number): void {
    this.oneShot.add({ method: method.toLowerCase(), failure, remaining: times });
  }

  /** Every call carrying this `chat_id` (compared as a string) fails with `failure` until `clear()`. */
  failForChat(chatId: string | number, failure: F): void {
    this.chatRules.push({ chatId: String(chatId), failure });
  }

  clear(): void {
    this.oneShot.clear();
    this.chatRules = [];
  }

  /** The failure for a call of `method` (lower-cased) with `params`, spending a one-shot rule's use. */
  take(method: string, params: Record<string, unknown>): F | undefined {
    const chatId = params.chat_id === undefined ? undefined : String(params.chat_id);
    const chatRule = this.chatRules.find((r) => r.chatId === chatId);
    if (chatRule) return chatRule.failure;
    return this.oneShot.take((r) => r.method === method)?.failure;
  }
}

/** A Bot API error; answered as `{ ok: false, error_code, description, parameters? }` with HTTP `code`. */
export class ApiError extends Error {
  readonly code: number;
  readonly parameters: Record<string, unknown> | undefined;

  constructor(code: number, description: string, parameters?: Record<string, unknown>) {
    super(description);
    this.code = code;
    this.parameters = parameters;
  }
}

/** What a Bot API method handler gets: the request parameters and hooks into the request's lifecycle. */
export interface BotApiCallContext {
  params: Record<string, unknown>;
  /** The bot token the request was made with (one of those the fake serves). */
  token: string;
  /** Aborted when the client disconnects or the fake is closing. */
  signal: AbortSignal;
  /** Runs `fn` only once the response has actually been written to the client. */
  onDelivered(fn: () => void): void;
  /** Runs `fn` if the response is never written (the client went away, or the fake closed). */
  onUndelivered(fn: () => void): void;
}

/** A message a Bot-API-style fake delivered for a sendMessage call. */
export interface BotApiSentMessage {
  chatId: string;
  text: string;
  messageId: number | string;
}

/** The bytes of every picture a person "sends" to a fake: a JPEG's first bytes, enough for an image check. */
export const FAKE_JPEG = Buffer.from([
  0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0xff, 0xd9,
]);

/**
 * What FakeTelegram and FakeZaloBot share: the server, requests as `/bot<TOKEN>/<method>` answered in the
 * `{ok, result}` / `{ok: false, error_code, description}` envelope, the record of calls and delivered
 * messages with their waiters, `failNext` / `failForChat` rules and per-method delays. A subclass provides
 * the method handlers and the platform's quirks through the hooks below, and sets `apiRoot` from
 * `http.listen()` in its `start`.
 */
export abstract class BotApiFake<M extends BotApiSentMessage, F extends { kind: string }> {
  /** Base URL of the fake API (`http://127.0.0.1:<port>`), set by `start`. */
  apiRoot = '';
  /** Every recorded API call, in arrival order (including ones that failed). */
  readonly calls: Array<{ method: string; params: Record<string, unknown>; at: number; token: string }> = [];

  protected readonly http = new FakeHttpServer((req, signal) => this.answer(req, signal));
  protected readonly sentLog: SentLog<M>;
  protected readonly failures = new BotApiFailures<F>();
  /** Response delays by lower-cased method name. */
  protected readonly delays = new Delays<string>();
  /** How `describeSent` prefixes message ids (`'#'` for numeric ids). */
  private readonly idPrefix: string;

  constructor(fakeName: string, idPrefix: string) {
    this.sentLog = new SentLog<M>(fakeName, () => this.describeSent());
    this.idPrefix = idPrefix;
  }

  abstract readonly token: string;
  /** Method handlers by name; each returns the `result` or throws an ApiError. */
  protected abstract readonly handlers: Record<string, (ctx: BotApiCallContext) => unknown>;

  /** The request's parameters: query string and body, as the platform accepts them. */
  protected abstract readParams(req: IncomingMessage, url: URL): Promise<Record<string, unknown>>;
  /** The handler name serving `requested`, if any (method names may be case-insensitive). */
  protected abstract findMethod(requested: string): string | undefined;
  /** The error an injected failure answers with. */
  protected abstract failureError(failure: Exclude<F, { kind: 'drop' }>): ApiError;

  /** Whether requests made with `token` are served (a fake may serve several bots). */
  protected servesToken(token: string): boolean {
    return token === this.token;
  }

  /** A file the fake serves at `pathname` (a picture a person sent), outside the Bot API's methods. */
  protected serveFile(_pathname: string): { bytes: Buffer; contentType: string } | undefined {
    return undefined;
  }

  /** Runs after the call is recorded, before the method is looked up; throws to reject the call. */
  protected checkCall(): void {}

  /** The body of a successful answer. */
  protected resultBody(result: unknown): Record<string, unknown> {
    return { ok: true, result };
  }

  /** Authenticates, records and dispatches one request; delays are looked up by lower-cased method. */
  private async answer(req: IncomingMessage, signal: AbortSignal): Promise<Outcome> {
    const onDelivered: Array<() => void> = [];
    const onUndelivered: Array<() => void> = [];
    const url = new URL(req.url ?? '/', 'http://fake');
    const match = /^\/bot([^/]+)\/([^/]+)$/.exec(url.pathname);
    const requested = match?.[2] ?? '';
    const method = requested.toLowerCase();
    const outcome = (reply: Reply | 'drop'): Outcome => ({ reply, delayMs: this.delays.get(method) });
    const reply = (status: number, body: Record<string, unknown>): Outcome =>
      outcome({ status, body, onDelivered, onUndelivered });
    const file = this.serveFile(url.pathname);
    if (file)
      return outcome({
        status: 200,
        body: file.bytes,
        contentType: file.contentType,
        onDelivered,
        onUndelivered,
      });
    try {
      if (!match) throw new ApiError(404, 'Not Found');
      const token = decodeURIComponent(match[1]!);
      if (!this.servesToken(token)) throw new ApiError(401, 'Unauthorized');
      const params = await this.readParams(req, url);
      const name = this.findMethod(requested);
      this.calls.push({ method: name ?? requested, params, at: Date.now(), token });
      this.checkCall();
      const handler = name === undefined ? undefined : this.handlers[name];
      if (!handler) throw new ApiError(404, 'Not Found: method not found');

      const failure = this.failures.take(method, params);
      if (failure?.kind === 'drop') return outcome('drop');
      if (failure) throw this.failureError(failure as Exclude<F, { kind: 'drop' }>);

      const result = await handler({
        params,
        token,
        signal,
        onDelivered: (fn) => onDelivered.push(fn),
        onUndelivered: (fn) => onUndelivered.push(fn),
      });
      return reply(200, this.resultBody(result));
    } catch (error) {
      const apiError =
        error instanceof ApiError ? error : new ApiError(500, `Internal Server Error: ${String(error)}`);
      const body: Record<string, unknown> = {
        ok: false,
        error_code: apiError.code,
        description: apiError.message,
      };
      if (apiError.parameters) body.parameters = apiError.parameters;
      return reply(apiError.code, body);
    }
  }

  /**
   * Stops the server: pending long polls are answered (with whatever is queued), delayed responses are
   * abandoned (not delivered), and all sockets — including idle keep-alive ones — are closed.
   */
  close(): Promise<void> {
    return this.http.close();
  }

  /** Successfully delivered sendMessage calls, optionally only those to one chat (compared as strings). */
  sent(chatId?: number | string): M[] {
    if (chatId === undefined) return [...this.sentLog.items];
    return this.sentLog.items.filter((m) => m.chatId === String(chatId));
  }

  /** Resolves with the first delivered message matching `predicate` (already sent or sent later). */
  waitForSent(predicate: (m: M) => boolean, timeoutMs = 5000): Promise<M> {
    return this.sentLog.waitForMatch(predicate, timeoutMs);
  }

  /** Resolves with the delivered messages (to `chatId`, if given) once there are at least `n` of them. */
  waitForSentCount(n: number, chatId?: number | string, timeoutMs = 5000): Promise<M[]> {
    const target = chatId === undefined ? '' : ` to chat ${chatId}`;
    return this.sentLog.waitForCount(n, () => this.sent(chatId), target, timeoutMs);
  }

  /** The next `times` calls of `method` fail with `failure` (rules are consumed in the order added). */
  failNext(method: string, failure: F, times = 1): void {
    this.failures.failNext(method, failure, times);
  }

  /** Every call carrying this `chat_id` fails with `failure` (e.g. the user blocked the bot) until cleared. */
  failForChat(chatId: number | string, failure: F): void {
    this.failures.failForChat(chatId, failure);
  }

  /** Removes the `failNext` and `failForChat` rules. */
  clearFailures(): void {
    this.failures.clear();
  }

  /**
   * Holds every response of `method` for `ms` milliseconds before writing it (0 removes the delay).
   *
   * Delivery model: a sendMessage is recorded in `sent()` only at the moment its response is written.
   * If the client's socket closed before that (it timed out or aborted), the message is NOT recorded —
   * the fake treats it as a request that never completed, so tests can check that the bot neither lost
   * nor duplicated a message when it retries. The call still appears in `calls`.
   */
  delayResponses(method: string, ms: number): void {
    this.delays.set(method.toLowerCase(), ms);
  }

  /** For a waiter that timed out: the delivered messages and how many sendMessage calls arrived. */
  private describeSent(): string {
    const attempts = this.calls.filter((c) => c.method === 'sendMessage').length;
    const lines = this.sentLog.items.map(
      (m) => `  [chat ${m.chatId}] ${this.idPrefix}${m.messageId} ${JSON.stringify(m.text)}`,
    );
    const header = `Sent ${lines.length} message(s) (${attempts} sendMessage call(s) received)`;
    return lines.length === 0 ? `${header}.` : `${header}:\n${lines.join('\n')}`;
  }
}

/** Per-key response delays (`delayResponses`): a positive `ms` sets one, 0 removes it. */
export class Delays<K> {
  private readonly delays = new Map<K, number>();

  set(key: K, ms: number): void {
    if (ms > 0) this.delays.set(key, ms);
    else this.delays.delete(key);
  }

  get(key: K | undefined): number {
    return key === undefined ? 0 : (this.delays.get(key) ?? 0);
  }
}

/** The whole request body as UTF-8 text. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Parses a JSON request body that must hold an object; other bodies throw `fail(description)`. */
export function parseJsonObject(body: string, fail: (description: string) => Error): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw fail("Bad Request: can't parse JSON");
  }
  if (!isObject(parsed)) throw fail('Bad Request: parameters must be a JSON object');
  return parsed;
}

/** POSTs a webhook delivery as the platforms do (10 s timeout); resolves with the status and response text. */
export async function postWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.text() };
}
