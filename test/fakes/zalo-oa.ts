/**
 * FakeZaloOA — a fake of Zalo's Official Account platform served over real HTTP on loopback, for tests.
 *
 * One server answers for Zalo's three hosts, each under its own path prefix:
 *
 * | real host                              | fake root          | paths served                   |
 * | -------------------------------------- | ------------------ | ------------------------------ |
 * | `https://openapi.zalo.me`              | `fake.apiRoot`     | `POST /v3.0/oa/message/cs`     |
 * | `https://oauth.zaloapp.com`            | `fake.oauthRoot`   | `POST /v4/oa/access_token`     |
 * | `https://business.openapi.zalo.me`     | `fake.znsRoot`     | `POST /message/template`       |
 *
 * Configure the bot with `ZALO_OA_API_ROOT = fake.apiRoot`, `ZALO_OAUTH_API_ROOT = fake.oauthRoot`,
 * `ZNS_API_ROOT = fake.znsRoot`, and seed it with `fake.initialTokens`.
 *
 * Answers follow Zalo: HTTP 200 with `{"error": 0, "message": "Success", "data": {...}}`, or HTTP 200 with
 * `{"error": <negative>, "message": "..."}`. Only injected failures (`failHttp`), unknown paths (404) and
 * non-POST requests (405) use another HTTP status. The error codes the fake produces on its own:
 *
 * - OA API and ZNS (header `access_token`):
 *   - `-216` "Access token is invalid": header missing, or a token the fake never issued.
 *   - `-220` "Access token has expired": `expireAccessToken()` was called, the token's 25 h lifetime is
 *     over, or it was superseded by a refresh more than `accessTokenGraceMs` (default 60 s) ago.
 *   - `-201` "Parameters are invalid: …": body not JSON, no recipient, `message_id` unknown to the fake (or
 *     not from `recipient.user_id`), text missing/empty or longer than 2000 characters.
 *   - `-213` "User has not followed the OA": the user's last follow/unfollow event was `unfollow`.
 *   - `-230` "User has not interacted with the OA in the last 7 days": no interaction (see below) within
 *     7 days of the fake clock.
 *   - ZNS `-108` "Phone number is invalid": `phone` not `/^84\d{9}$/`.
 *   - ZNS `-1124` "Template does not exist": `template_id` not registered with `addTemplate`.
 *   - ZNS `-133` "ZNS messages are not allowed at night (22:00-06:00)": fake clock between 22:00 and 06:00
 *     in Asia/Ho_Chi_Minh (UTC+7). The consultation API (`cs`) has no night ban.
 *   Checks run in this order — cs: token, injected failure (`failNext`), parameters (-201), follow state
 *   (-213), window (-230); ZNS: token, injected failure, body not a JSON object (-201), phone (-108),
 *   template (-1124), night (-133). `tracking_id` and `template_data` are optional and not checked.
 * - OAuth (`POST /v4/oa/access_token`, form body, header `secret_key`): errors are HTTP 200 with
 *   `{"error": N, "error_name": "...", "error_description": "...", "message": "..."}`:
 *   - `-14003` "Invalid parameter": `secret_key` header missing or wrong, or `grant_type` is not
 *     `refresh_token`.
 *   - `-14002` "Invalid app_id": `app_id` missing or not this app's.
 *   - `-14014` "Invalid refresh token": missing, unknown, or already used (refresh tokens are single-use).
 *   A failed refresh spends nothing: the refresh token stays valid.
 *
 * Interactions (the 7-day window): delivering (`deliverWebhook`, not forged) a `user_send_*`,
 * `user_submit_info` or `follow` event records one at the event's `timestamp`; so does `interact()`.
 *
 * Time: the window, the night ban, event timestamps and the free-reply rule use the fake clock (`now`
 * option, `setNow`, `advance`). Token lifetimes and the refresh grace period use the real clock, so moving
 * the fake clock (say, to 23:00 for the night ban) never expires tokens by surprise.
 */
import { createHash, randomBytes } from 'node:crypto';
import { type IncomingMessage, STATUS_CODES } from 'node:http';
import {
  Delays,
  FakeHttpServer,
  isObject,
  type Outcome,
  postWebhook,
  type Reply,
  RuleQueue,
  readBody,
  SentLog,
} from './fake-server.ts';

export type Endpoint = 'cs' | 'zns' | 'oauth';

export interface ZaloOaOptions {
  appId?: string;
  appSecret?: string;
  /** The OA secret key that signs webhook deliveries. */
  oaSecretKey?: string;
  oaId?: string;
  /** The fake clock (ms since the epoch); `Date.now` by default. */
  now?: () => number;
  /** How long an access token stays valid after a refresh replaced it (real clock). Default 60 s. */
  accessTokenGraceMs?: number;
}

export interface ApiCall {
  endpoint: Endpoint | 'unknown';
  /** The request path, e.g. `/openapi/v3.0/oa/message/cs`. */
  path: string;
  /** The `access_token` header (OA and ZNS calls). */
  accessToken?: string;
  /** The parsed JSON body (cs, zns) or form fields (oauth); the raw text when it did not parse. */
  body: unknown;
  /** Fake-clock time when the request was received. */
  at: number;
}

export interface SentMessage {
  userId: string;
  text: string;
  /** The `message_id` the fake answered with. */
  messageId: string;
  /** `recipient.message_id` when the call named the user's message it answers. */
  replyTo?: string;
  /**
   * Informational: whether Zalo would bill this as a proactive message. Free only when it names the
   * user's message (`replyTo`), within 48 h of the user's last message, and is one of the first 8
   * messages to that user since it.
   */
  paid: boolean;
}

export interface ZnsMessage {
  phone: string;
  templateId: string;
  data: unknown;
  trackingId: string;
  msgId: string;
}

export interface Tokens {
  accessToken: string;
  refreshToken: string;
}

export interface DeliverOptions {
  /** Send a wrong mac (as an attacker would). The fake records no interaction then. */
  forge?: boolean;
  /** Sign with this key instead of the fake's `oaSecretKey`. */
  secretKey?: string;
  /** Send no `X-ZEvent-Signature` header at all. */
  unsigned?: boolean;
}

/** A webhook event as Zalo sends it (all ids strings, `timestamp` in ms as a string). */
export interface ZaloEvent {
  app_id: string;
  oa_id: string;
  event_name: string;
  timestamp: string;
  [field: string]: unknown;
}

export interface ZaloAttachment {
  type: 'image' | 'sticker';
  payload: { url: string; thumbnail?: string; id?: string };
}

/** `user_send_text` / `user_send_image` / `user_send_sticker`. */
export interface UserMessageEvent extends ZaloEvent {
  sender: { id: string };
  recipient: { id: string };
  message: { msg_id: string; text?: string; attachments?: ZaloAttachment[] };
  user_id_by_app: string;
}

/** `follow` / `unfollow`. */
export interface FollowEvent extends ZaloEvent {
  follower: { id: string };
  source: string;
  user_id_by_app: string;
}

/** `user_submit_info`. */
export interface SubmitInfoEvent extends ZaloEvent {
  sender: { id: string };
  recipient: { id: string };
  info: { name: string; phone: string; address: string; city: string; district: string; ward: string };
  user_id_by_app: string;
}

/** `user_received_message` (a ZNS delivery receipt). */
export interface ReceiptEvent extends ZaloEvent {
  sender: { id: string };
  recipient?: { id: string };
  message: { msg_id: string; tracking_id: string; delivery_time: string };
}

const DEFAULTS = {
  appId: '1111222233334444',
  appSecret: 'app-secret',
  oaSecretKey: 'oa-secret-key',
  oaId: '9999',
};
const MAX_TEXT_LENGTH = 2000;
const ACCESS_TOKEN_LIFETIME_S = 90_000;
const WINDOW_MS = 7 * 24 * 3600_000;
const FREE_REPLY_MS = 48 * 3600_000;
const FREE_REPLIES = 8;
const VIETNAM_OFFSET_MS = 7 * 3600_000;

/** Messages for the error codes the fake knows (injected ones with other codes say "Error <code>"). */
export const ZALO_ERRORS: Record<number, string> = {
  [-32]: 'Exceeded the rate limit',
  [-108]: 'Phone number is invalid',
  [-133]: 'ZNS messages are not allowed at night (22:00-06:00)',
  [-201]: 'Parameters are invalid',
  [-211]: 'Out of quota',
  [-213]: 'User has not followed the OA',
  [-216]: 'Access token is invalid',
  [-220]: 'Access token has expired',
  [-227]: 'User is banned or has been inactive for more than 45 days',
  [-230]: 'User has not interacted with the OA in the last 7 days',
  [-232]: 'User has not interacted with the OA recently',
  [-234]: 'Sending messages is not allowed at night',
  [-1124]: 'Template does not exist',
  [-14002]: 'Invalid app_id',
  [-14003]: 'Invalid parameter',
  [-14014]: 'Invalid refresh token',
};

/** `hex` of `X-ZEvent-Signature: mac=<hex>`: SHA-256 of `appId + rawBody + timestamp + secretKey`. */
export function zaloSignature(
  appId: string,
  rawBody: string | Buffer,
  timestamp: string,
  secretKey: string,
): string {
  return createHash('sha256').update(appId).update(rawBody).update(timestamp).update(secretKey).digest('hex');
}

/** An error answered with HTTP 200 and `{error: code, message}`. */
class ZaloError extends Error {
  readonly code: number;

  constructor(code: number, detail?: string) {
    const base = ZALO_ERRORS[code] ?? `Error ${code}`;
    super(detail === undefined ? base : `${base}: ${detail}`);
    this.code = code;
  }
}

interface AccessTokenState {
  /** Real-clock ms after which the token answers -220. */
  expiresAt: number;
}

interface UserState {
  /** Fake-clock ms of the last interaction (7-day window). */
  lastInteraction?: number;
  /** Fake-clock ms of the last message from the user (48 h free replies). */
  lastMessage?: number;
  /** Messages sent to the user since `lastMessage`. */
  sentSinceMessage: number;
  unfollowed: boolean;
}

interface FailureRule {
  endpoint: Endpoint;
  remaining: number;
  error?: number;
  status?: number;
}

export class FakeZaloOA {
  readonly appId: string;
  readonly appSecret: string;
  readonly oaSecretKey: string;
  readonly oaId: string;
  /** Base URL of the server (`http://127.0.0.1:<port>`). */
  baseUrl = '';
  /** Stands for `https://openapi.zalo.me`. */
  apiRoot = '';
  /** Stands for `https://oauth.zaloapp.com`. */
  oauthRoot = '';
  /** Stands for `https://business.openapi.zalo.me`. */
  znsRoot = '';
  /** The pair valid when the fake started: seed the bot with it. */
  readonly initialTokens: Tokens;
  /** Every request to a path the fake serves (or not), in arrival order, including failed ones. */
  readonly calls: ApiCall[] = [];

  private readonly http = new FakeHttpServer((req) => this.answer(req));
  private clock: () => number;
  private readonly graceMs: number;

  private readonly accessTokens = new Map<string, AccessTokenState>();
  private currentAccess: string;
  private currentRefresh: string;
  private tokenCounter = 0;
  private refreshCallCount = 0;

  private readonly users = new Map<string, UserState>();
  /** msg_id of every user message built by the fake → its sender. */
  private readonly messageSenders = new Map<string, string>();
  /** Phone (84…) → user id, from `userSubmitInfo`. */
  private readonly phoneUsers = new Map<string, string>();
  private readonly templates = new Set<string>();
  private readonly sentLog = new SentLog<SentMessage>('FakeZaloOA', () => this.describeSent());
  private readonly znsMessages: ZnsMessage[] = [];

  private readonly failures = new RuleQueue<FailureRule>();
  private readonly delays = new Delays<Endpoint>();

  private constructor(opts: ZaloOaOptions) {
    this.appId = opts.appId ?? DEFAULTS.appId;
    this.appSecret = opts.appSecret ?? DEFAULTS.appSecret;
    this.oaSecretKey = opts.oaSecretKey ?? DEFAULTS.oaSecretKey;
    this.oaId = opts.oaId ?? DEFAULTS.oaId;
    this.clock = opts.now ?? Date.now;
    this.graceMs = opts.accessTokenGraceMs ?? 60_000;
    this.currentAccess = this.issueAccessToken();
    this.currentRefresh = this.newToken('refresh');
    this.initialTokens = { accessToken: this.currentAccess, refreshToken: this.currentRefresh };
  }

  static async start(opts: ZaloOaOptions = {}): Promise<FakeZaloOA> {
    const fake = new FakeZaloOA(opts);
    fake.baseUrl = await fake.http.listen();
    fake.apiRoot = `${fake.baseUrl}/openapi`;
    fake.oauthRoot = `${fake.baseUrl}/oauth`;
    fake.znsRoot = `${fake.baseUrl}/zns`;
    return fake;
  }

  /** Stops the server: delayed responses are abandoned (not delivered) and all sockets are closed. */
  close(): Promise<void> {
    return this.http.close();
  }

  // ---------------------------------------------------------------------------------------------------
  // Clock

  /** The fake clock. */
  now(): number {
    return this.clock();
  }

  /** Freezes the fake clock at `ms`. */
  setNow(ms: number): void {
    this.clock = () => ms;
  }

  /** Runs the fake clock on real time again (after `setNow` or `advance`). */
  useRealClock(): void {
    this.clock = Date.now;
  }

  /** Moves the fake clock forward by `ms` (it keeps running if it was running). */
  advance(ms: number): void {
    const previous = this.clock;
    this.clock = () => previous() + ms;
  }

  // ---------------------------------------------------------------------------------------------------
  // Inspection

  /** Consultation messages delivered to the bot's caller, optionally only those to one user. */
  sent(userId?: string): SentMessage[] {
    if (userId === undefined) return [...this.sentLog.items];
    return this.sentLog.items.filter((m) => m.userId === userId);
  }

  /** ZNS template messages delivered. */
  znsSent(): ZnsMessage[] {
    return [...this.znsMessages];
  }

  /** Calls to `POST {oauthRoot}/v4/oa/access_token`, successful or not. */
  get refreshCalls(): number {
    return this.refreshCallCount;
  }

  /** The current valid pair (after any refreshes). */
  get tokens(): Tokens {
    return { accessToken: this.currentAccess, refreshToken: this.currentRefresh };
  }

  /** Resolves with the first delivered message matching `predicate` (already sent or sent later). */
  waitForSent(predicate: (m: SentMessage) => boolean, timeoutMs = 5000): Promise<SentMessage> {
    return this.sentLog.waitForMatch(predicate, timeoutMs);
  }

  /** Resolves with the delivered messages (to `userId`, if given) once there are at least `n` of them. */
  waitForSentCount(n: number, userId?: string, timeoutMs = 5000): Promise<SentMessage[]> {
    const target = userId === undefined ? '' : ` to user ${userId}`;
    return this.sentLog.waitForCount(n, () => this.sent(userId), target, timeoutMs);
  }

  // ---------------------------------------------------------------------------------------------------
  // Behaviour control

  /** Registers an approved ZNS template id. */
  addTemplate(templateId: string): void {
    this.templates.add(templateId);
  }

  /**
   * Sets `userId`'s last interaction with the OA to `atMs` (fake clock; default now), replacing any
   * later one — so `interact(id, fake.now() - 8 * DAY)` puts a user outside the 7-day window.
   */
  interact(userId: string, atMs: number = this.now()): void {
    this.user(userId).lastInteraction = atMs;
  }

  /** Every access token issued so far answers -220 from now on (refresh tokens stay valid). */
  expireAccessToken(): void {
    const past = Date.now() - 1;
    for (const state of this.accessTokens.values()) state.expiresAt = Math.min(state.expiresAt, past);
  }

  /**
   * The next `times` calls to `endpoint` (after the token check, for cs/zns) answer HTTP 200
   * `{error, message}`. An injected oauth failure spends no refresh token.
   */
  failNext(endpoint: Endpoint, error: number, times = 1): void {
    this.failures.add({ endpoint, error, remaining: times });
  }

  /** The next `times` calls to `endpoint` answer HTTP `status` with a plain-text body (before any check). */
  failHttp(endpoint: Endpoint, status: number, times = 1): void {
    this.failures.add({ endpoint, status, remaining: times });
  }

  clearFailures(): void {
    this.failures.clear();
  }

  /**
   * Holds every response of `endpoint` for `ms` (0 removes the delay). The work is done when the request
   * arrives: a refresh rotates the tokens at once, even if its response is never delivered. A cs or ZNS
   * message is recorded only once its response has been written.
   */
  delayResponses(endpoint: Endpoint, ms: number): void {
    this.delays.set(endpoint, ms);
  }

  /** `delayResponses('oauth', ms)`: holds token refresh responses (to test concurrent refreshers). */
  delayRefresh(ms: number): void {
    this.delayResponses('oauth', ms);
  }

  // ---------------------------------------------------------------------------------------------------
  // Webhook events (what the OA sends to the bot)

  /** `user_send_text`: the user wrote to the OA. */
  userSendText(userId: string, text: string): UserMessageEvent {
    return this.userMessageEvent('user_send_text', userId, { text });
  }

  /** `user_send_image`, with an optional caption. */
  userSendImage(userId: string, caption?: string): UserMessageEvent {
    const id = randomHex(8);
    const url = `https://photo-stal.zadn.vn/fake/${id}.jpg`;
    return this.userMessageEvent('user_send_image', userId, {
      ...(caption === undefined ? {} : { text: caption }),
      attachments: [{ type: 'image', payload: { thumbnail: url, url } }],
    });
  }

  /** `user_send_sticker`. */
  userSendSticker(userId: string): UserMessageEvent {
    const id = randomHex(4);
    return this.userMessageEvent('user_send_sticker', userId, {
      attachments: [
        { type: 'sticker', payload: { id, url: `https://zalo-api.zadn.vn/api/emoticon/sticker/${id}` } },
      ],
    });
  }

  /** `follow`: `{app_id, oa_id, event_name, follower: {id}, source, timestamp, user_id_by_app}` (no sender). */
  follow(userId: string): FollowEvent {
    return this.followEvent('follow', userId);
  }

  /** `unfollow`: like `follow`. After its delivery, cs messages to the user answer -213. */
  unfollow(userId: string): FollowEvent {
    return this.followEvent('unfollow', userId);
  }

  /**
   * `user_submit_info`: the user shared their details through a `request_user_info` form.
   * Shape: `{app_id, oa_id, event_name, sender: {id}, recipient: {id: oa_id}, timestamp, user_id_by_app,
   * info: {name, phone, address, city, district, ward}}` — `phone` exactly as given, other fields ''.
   */
  userSubmitInfo(userId: string, phone: string, name = 'Test'): SubmitInfoEvent {
    this.phoneUsers.set(toZaloPhone(phone), userId);
    return {
      app_id: this.appId,
      oa_id: this.oaId,
      event_name: 'user_submit_info',
      sender: { id: userId },
      recipient: { id: this.oaId },
      info: { name, phone, address: '', city: '', district: '', ward: '' },
      timestamp: String(this.now()),
      user_id_by_app: this.userIdByApp(userId),
    };
  }

  /**
   * `user_received_message` for a ZNS message: `{app_id, oa_id, event_name, sender: {id: oa_id},
   * recipient?: {id: user}, message: {msg_id, tracking_id, delivery_time}, timestamp}`. `msg_id` is the
   * latest ZNS message's with this tracking id (a new id when none was sent); `recipient` appears when the
   * phone's user is known from `userSubmitInfo`.
   */
  receiptEvent(trackingId: string): ReceiptEvent {
    const zns = this.znsMessages.findLast((m) => m.trackingId === trackingId);
    const userId = zns === undefined ? undefined : this.phoneUsers.get(zns.phone);
    const at = String(this.now());
    return {
      app_id: this.appId,
      oa_id: this.oaId,
      event_name: 'user_received_message',
      sender: { id: this.oaId },
      ...(userId === undefined ? {} : { recipient: { id: userId } }),
      message: { msg_id: zns?.msgId ?? randomHex(16), tracking_id: trackingId, delivery_time: at },
      timestamp: at,
    };
  }

  /**
   * POSTs an event to the bot's webhook as Zalo does: JSON body (`JSON.stringify(event)`, so the same
   * event object always gives the same bytes; a string is sent as is) and
   * `X-ZEvent-Signature: mac=<zaloSignature(app_id, body, timestamp, oaSecretKey)>`.
   * Unless forged, a user event records an interaction for its user at its timestamp.
   */
  async deliverWebhook(
    url: string,
    event: object | string,
    opts: DeliverOptions = {},
  ): Promise<{ status: number; body: string }> {
    const rawBody = typeof event === 'string' ? event : JSON.stringify(event);
    const parsed = (typeof event === 'string' ? safeJson(event) : event) as
      | Record<string, unknown>
      | undefined;
    const appId = str(parsed?.app_id) || this.appId;
    const timestamp = str(parsed?.timestamp);
    const key = opts.forge
      ? `${opts.secretKey ?? this.oaSecretKey}-forged`
      : (opts.secretKey ?? this.oaSecretKey);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (!opts.unsigned)
      headers['x-zevent-signature'] = `mac=${zaloSignature(appId, rawBody, timestamp, key)}`;
    if (!opts.forge && parsed) this.noteDelivered(parsed);
    return postWebhook(url, rawBody, headers);
  }

  // ---------------------------------------------------------------------------------------------------
  // Endpoints

  private handleOauth(form: Record<string, string>, secretKey: string | undefined): Record<string, unknown> {
    if (secretKey !== this.appSecret) throw new ZaloError(-14003, 'secret_key is invalid');
    if (form.app_id !== this.appId) throw new ZaloError(-14002);
    if (form.grant_type !== 'refresh_token') throw new ZaloError(-14003, 'grant_type is invalid');
    const presented = form.refresh_token ?? '';
    if (presented === '' || presented !== this.currentRefresh) throw new ZaloError(-14014);
    // Rotate: the old refresh token is spent, the old access token lives on for the grace period.
    const old = this.accessTokens.get(this.currentAccess);
    if (old) old.expiresAt = Math.min(old.expiresAt, Date.now() + this.graceMs);
    this.currentAccess = this.issueAccessToken();
    this.currentRefresh = this.newToken('refresh');
    return {
      access_token: this.currentAccess,
      refresh_token: this.currentRefresh,
      expires_in: String(ACCESS_TOKEN_LIFETIME_S),
    };
  }

  private handleCs(body: unknown, onDelivered: Array<() => void>): Record<string, unknown> {
    if (!isObject(body)) throw new ZaloError(-201, 'body must be a JSON object');
    const recipient = body.recipient;
    if (!isObject(recipient)) throw new ZaloError(-201, 'recipient is missing');
    const replyTo = str(recipient.message_id);
    let userId = str(recipient.user_id);
    if (replyTo !== '') {
      const sender = this.messageSenders.get(replyTo);
      if (sender === undefined) throw new ZaloError(-201, 'message_id is invalid');
      if (userId !== '' && userId !== sender) throw new ZaloError(-201, 'message_id is not from user_id');
      userId = sender;
    }
    if (userId === '') throw new ZaloError(-201, 'recipient.user_id is missing');
    const message = body.message;
    const text = isObject(message) ? message.text : undefined;
    if (typeof text !== 'string' || text === '') throw new ZaloError(-201, 'message.text is missing');
    if (text.length > MAX_TEXT_LENGTH) {
      throw new ZaloError(-201, `message.text is longer than ${MAX_TEXT_LENGTH} characters`);
    }
    const user = this.user(userId);
    if (user.unfollowed) throw new ZaloError(-213);
    const now = this.now();
    if (user.lastInteraction === undefined || now - user.lastInteraction > WINDOW_MS)
      throw new ZaloError(-230);

    const messageId = randomHex(16);
    onDelivered.push(() => {
      user.sentSinceMessage += 1;
      const free =
        replyTo !== '' &&
        user.lastMessage !== undefined &&
        now - user.lastMessage <= FREE_REPLY_MS &&
        user.sentSinceMessage <= FREE_REPLIES;
      this.sentLog.record({ userId, text, messageId, ...(replyTo === '' ? {} : { replyTo }), paid: !free });
    });
    return { error: 0, message: 'Success', data: { message_id: messageId, user_id: userId } };
  }

  private handleZns(body: unknown, onDelivered: Array<() => void>): Record<string, unknown> {
    if (!isObject(body)) throw new ZaloError(-201, 'body must be a JSON object');
    const phone = str(body.phone);
    if (!/^84\d{9}$/.test(phone)) throw new ZaloError(-108);
    const templateId = str(body.template_id);
    if (!this.templates.has(templateId)) throw new ZaloError(-1124);
    const now = this.now();
    const hour = new Date(now + VIETNAM_OFFSET_MS).getUTCHours();
    if (hour >= 22 || hour < 6) throw new ZaloError(-133);
    const msgId = randomHex(16);
    const trackingId = str(body.tracking_id);
    onDelivered.push(() => {
      this.znsMessages.push({ phone, templateId, data: body.template_data, trackingId, msgId });
      this.sentLog.changed.notify();
    });
    return {
      error: 0,
      message: 'Success',
      data: {
        msg_id: msgId,
        sent_time: String(now),
        sending_mode: '1',
        quota: { dailyQuota: '500', remainingQuota: '499' },
      },
    };
  }

  // ---------------------------------------------------------------------------------------------------
  // HTTP plumbing

  /** Records and dispatches one request; delays are looked up by endpoint. */
  private async answer(req: IncomingMessage): Promise<Outcome> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const endpoint = endpointOf(url.pathname);
    const raw = await readBody(req);
    const headerToken = req.headers.access_token;
    const accessToken = Array.isArray(headerToken) ? headerToken[0] : headerToken;
    const form =
      endpoint === 'oauth' ? { ...Object.fromEntries(url.searchParams), ...parseForm(req, raw) } : {};
    const body = endpoint === 'oauth' ? form : (safeJson(raw) ?? raw);
    this.calls.push({
      endpoint: endpoint ?? 'unknown',
      path: url.pathname,
      ...(accessToken === undefined ? {} : { accessToken }),
      body,
      at: this.now(),
    });
    const outcome = (reply: Reply): Outcome => ({ reply, delayMs: this.delays.get(endpoint) });
    if (endpoint === undefined) return outcome(json(404, { error: 404, message: 'Not Found' }));
    if (endpoint === 'oauth') this.refreshCallCount += 1;
    if (req.method !== 'POST') {
      return outcome(json(405, { error: 405, message: 'Method Not Allowed' }));
    }

    const httpFailure = this.takeFailure(endpoint, 'http');
    if (httpFailure?.status !== undefined) {
      const text = `${httpFailure.status} ${STATUS_CODES[httpFailure.status] ?? 'Error'}`;
      return outcome({ status: httpFailure.status, body: text, contentType: 'text/plain' });
    }

    const onDelivered: Array<() => void> = [];
    try {
      if (endpoint === 'oauth') {
        const injected = this.takeFailure(endpoint, 'error');
        if (injected?.error !== undefined) throw new ZaloError(injected.error);
        const secretHeader = req.headers.secret_key;
        return outcome(
          json(200, this.handleOauth(form, Array.isArray(secretHeader) ? secretHeader[0] : secretHeader)),
        );
      }
      this.checkAccessToken(accessToken);
      const injected = this.takeFailure(endpoint, 'error');
      if (injected?.error !== undefined) throw new ZaloError(injected.error);
      const parsed = safeJson(raw);
      const result =
        endpoint === 'cs' ? this.handleCs(parsed, onDelivered) : this.handleZns(parsed, onDelivered);
      return outcome({ ...json(200, result), onDelivered });
    } catch (error) {
      if (!(error instanceof ZaloError)) throw error;
      const body: Record<string, unknown> = { error: error.code, message: error.message };
      if (endpoint === 'oauth') {
        body.error_name = ZALO_ERRORS[error.code] ?? 'Error';
        body.error_description = error.message;
      }
      return outcome(json(200, body));
    }
  }

  private checkAccessToken(token: string | undefined): void {
    const state = token === undefined ? undefined : this.accessTokens.get(token);
    if (!state) throw new ZaloError(-216);
    if (Date.now() >= state.expiresAt) throw new ZaloError(-220);
  }

  private takeFailure(endpoint: Endpoint, kind: 'http' | 'error'): FailureRule | undefined {
    return this.failures.take(
      (r) => r.endpoint === endpoint && (kind === 'http' ? r.status !== undefined : r.error !== undefined),
    );
  }

  // ---------------------------------------------------------------------------------------------------
  // State helpers

  private newToken(kind: 'access' | 'refresh'): string {
    this.tokenCounter += 1;
    return `${kind}-${this.tokenCounter}-${randomBytes(12).toString('base64url')}`;
  }

  private issueAccessToken(): string {
    const token = this.newToken('access');
    this.accessTokens.set(token, { expiresAt: Date.now() + ACCESS_TOKEN_LIFETIME_S * 1000 });
    return token;
  }

  private user(userId: string): UserState {
    let user = this.users.get(userId);
    if (!user) {
      user = { sentSinceMessage: 0, unfollowed: false };
      this.users.set(userId, user);
    }
    return user;
  }

  /** What Zalo knows once an event has happened: interactions, follow state, the free-reply counter. */
  private noteDelivered(event: Record<string, unknown>): void {
    const name = str(event.event_name);
    const at = Number(event.timestamp) || this.now();
    const sender = isObject(event.sender) ? str(event.sender.id) : '';
    const follower = isObject(event.follower) ? str(event.follower.id) : '';
    if (name === 'follow' || name === 'unfollow') {
      if (follower === '') return;
      this.user(follower).unfollowed = name === 'unfollow';
      if (name === 'follow') this.noteInteraction(follower, at);
      return;
    }
    if ((name.startsWith('user_send_') || name === 'user_submit_info') && sender !== '') {
      this.noteInteraction(sender, at);
      const user = this.user(sender);
      if (user.lastMessage === undefined || at >= user.lastMessage) {
        user.lastMessage = at;
        user.sentSinceMessage = 0;
      }
    }
  }

  /** A delivered event: the latest interaction wins (redeliveries and late events change nothing). */
  private noteInteraction(userId: string, at: number): void {
    const user = this.user(userId);
    user.lastInteraction = Math.max(user.lastInteraction ?? at, at);
  }

  private userMessageEvent(
    eventName: string,
    userId: string,
    message: Omit<UserMessageEvent['message'], 'msg_id'>,
  ): UserMessageEvent {
    const msgId = randomHex(16);
    this.messageSenders.set(msgId, userId);
    return {
      app_id: this.appId,
      oa_id: this.oaId,
      event_name: eventName,
      sender: { id: userId },
      recipient: { id: this.oaId },
      message: { msg_id: msgId, ...message },
      timestamp: String(this.now()),
      user_id_by_app: this.userIdByApp(userId),
    };
  }

  private followEvent(eventName: 'follow' | 'unfollow', userId: string): FollowEvent {
    return {
      app_id: this.appId,
      oa_id: this.oaId,
      event_name: eventName,
      follower: { id: userId },
      source: 'oa_profile',
      timestamp: String(this.now()),
      user_id_by_app: this.userIdByApp(userId),
    };
  }

  /** A stable numeric id for the user as this app sees them (Zalo's `user_id_by_app`). */
  private userIdByApp(userId: string): string {
    const hash = createHash('sha256').update(`${this.appId}:${userId}`).digest('hex').slice(0, 15);
    return BigInt(`0x${hash}`).toString();
  }

  private describeSent(): string {
    const lines = this.sentLog.items.map((m) => `  [user ${m.userId}] ${JSON.stringify(m.text)}`);
    return `Sent ${lines.length} message(s)${lines.length === 0 ? '.' : `:\n${lines.join('\n')}`}`;
  }
}

// -----------------------------------------------------------------------------------------------------
// Free helpers

function endpointOf(pathname: string): Endpoint | undefined {
  const path = pathname.replace(/\/+$/, '');
  if (path === '/openapi/v3.0/oa/message/cs') return 'cs';
  if (path === '/oauth/v4/oa/access_token') return 'oauth';
  if (path === '/zns/message/template') return 'zns';
  return undefined;
}

/** Form fields of an `application/x-www-form-urlencoded` body (nothing for other content types). */
function parseForm(req: IncomingMessage, raw: string): Record<string, string> {
  const type = req.headers['content-type'] ?? '';
  if (!type.includes('application/x-www-form-urlencoded')) return {};
  return Object.fromEntries(new URLSearchParams(raw));
}

function json(status: number, body: unknown): Reply {
  return { status, body };
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** A Vietnamese phone number in Zalo's form: leading 0 → 84, digits only. */
function toZaloPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return digits.startsWith('0') ? `84${digits.slice(1)}` : digits;
}

function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

function str(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}
