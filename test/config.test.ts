import { execFile, spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../src/app.ts';
import { ConfigError, loadConfig } from '../src/config.ts';
import { dropTestData, isolatedEnv, PROJECT_NODE } from './support/app.ts';
import { vi } from './support/text.ts';

describe('configuration', () => {
  it('has working defaults: the simulator with demo data when no chat app is configured', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      ROLE: 'all',
      APP_TIMEZONE: 'Asia/Ho_Chi_Minh',
      MONGODB_URI: 'mongodb://127.0.0.1:27017/ishc',
      REDIS_URL: 'redis://127.0.0.1:6379',
      SIMULATOR: true,
      DEMO_SEED: true,
      TELEGRAM_MODE: 'polling',
      TELEGRAM_API_ROOT: 'https://api.telegram.org',
    });
  });

  it('uses the Telegram webhook when PUBLIC_URL is set', () => {
    const config = loadConfig({
      TELEGRAM_BOT_TOKEN: '123:abc',
      PUBLIC_URL: 'https://bot.example.org',
      TELEGRAM_WEBHOOK_SECRET: 'secret',
    });
    expect(config).toMatchObject({ TELEGRAM_MODE: 'webhook', SIMULATOR: false, DEMO_SEED: false });
  });

  it.each([
    ['PORT', { PORT: 'abc' }],
    ['ROLE', { ROLE: 'everything' }],
    ['TELEGRAM_MODE', { TELEGRAM_MODE: 'push' }],
    ['TELEGRAM_BOT_TOKEN', { TELEGRAM_BOT_TOKEN: 'not a token' }],
    ['PUBLIC_URL', { PUBLIC_URL: 'bot.example.org' }],
    ['MONGODB_URI', { MONGODB_URI: 'postgres://x' }],
    ['TELEGRAM_MODE', { TELEGRAM_BOT_TOKEN: '123:abc', TELEGRAM_MODE: 'webhook' }],
    ['QUIET_HOURS_START', { QUIET_HOURS_START: '9pm' }],
    ['QUIET_HOURS_END', { QUIET_HOURS_END: '24:00' }],
  ])('names %s when its value is wrong', (name, env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });

  describe('refuses unsafe settings', () => {
    const webhook = { PUBLIC_URL: 'https://bot.example.org' };
    const production = { NODE_ENV: 'production' };
    it.each([
      ['TELEGRAM_WEBHOOK_SECRET', { ...webhook, TELEGRAM_BOT_TOKEN: '123:abc' }],
      [
        'TELEGRAM_WEBHOOK_SECRET',
        { ...webhook, TELEGRAM_BOT_TOKEN: '123:abc', TELEGRAM_WEBHOOK_SECRET: ' ' },
      ],
      ['ZALO_BOT_WEBHOOK_SECRET', { ...webhook, ZALO_BOT_TOKEN: '123:abc' }],
      ['ZALO_BOT_WEBHOOK_SECRET', { ZALO_BOT_TOKEN: '123:abc', ZALO_BOT_MODE: 'webhook', ...webhook }],
      ['SIMULATOR_PASSWORD', { ...production, SIMULATOR: 'true' }],
      ['SIMULATOR_PASSWORD', { ...production, SIMULATOR: 'true', SIMULATOR_PASSWORD: 'short' }],
      ['TELEGRAM_BOT_TOKEN', { ...production }],
      ['SIMULATOR=true', { ...production, SIMULATOR: 'false' }],
    ])('names %s', (name, env) => {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(name);
    });

    it('never turns the simulator on by itself in production, even with a password set', () => {
      const password = { SIMULATOR_PASSWORD: 'a-long-password' };
      expect(() => loadConfig({ ...production, ...password })).toThrow('SIMULATOR=true');
      expect(loadConfig({ ...production, ...password, SIMULATOR: 'true' }).SIMULATOR).toBe(true);
      expect(loadConfig({ ...production, TELEGRAM_BOT_TOKEN: '123:abc' }).SIMULATOR).toBe(false);
    });

    it('starts polling without a webhook secret', () => {
      expect(loadConfig({ TELEGRAM_BOT_TOKEN: '123:abc', ZALO_BOT_TOKEN: '1:x' }).TELEGRAM_MODE).toBe(
        'polling',
      );
    });
  });

  it('stops the process with a message naming the variable', () => {
    const run = spawnSync(PROJECT_NODE, ['src/main.ts'], {
      env: { ...process.env, PORT: 'abc' },
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('PORT');
  });
});

describe('the simulator in production', () => {
  const password = 'correct horse battery';
  const env = isolatedEnv({
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    SIMULATOR: 'true',
    SIMULATOR_PASSWORD: password,
    DEMO_SEED: 'false',
  });
  const logLines: string[] = [];
  let app: App;
  let url: string;
  const basic = (user: string, secret: string) =>
    `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    app = await App.create(loadConfig(env), { log: pino({ level: 'info' }, sink) });
    url = await app.start();
  });
  afterAll(async () => {
    await app.stop();
    await dropTestData(env);
  });

  it('says at start that it is on and password-protected', () => {
    expect(logLines.some((line) => line.includes('simulator on, password-protected'))).toBe(true);
  });

  it('asks for the password on the page and every API route', async () => {
    for (const path of ['/', '/sim/api/people', '/sim/api/messages?chatId=84912000001']) {
      const none = await fetch(`${url}${path}`);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Basic /);
      const wrong = await fetch(`${url}${path}`, { headers: { authorization: basic('x', 'guess') } });
      expect(wrong.status).toBe(401);
    }
    const send = await fetch(`${url}/sim/api/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chatId: '84912000001', text: 'menu' }),
    });
    expect(send.status).toBe(401);
  });

  it('opens with the password, and leaves health checks open', async () => {
    const page = await fetch(`${url}/`, { headers: { authorization: basic('trainer', password) } });
    expect(page.status).toBe(200);
    const people = await fetch(`${url}/sim/api/people`, { headers: { authorization: basic('', password) } });
    expect(people.status).toBe(200);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('lets the terminal chat in with SIMULATOR_PASSWORD from its environment', async () => {
    const chat = (password: string) =>
      new Promise<{ code: number; stdout: string }>((resolve) => {
        const child = execFile(
          PROJECT_NODE,
          ['src/cli/main.ts', 'chat', '0912345678', '--url', url],
          { env: { ...process.env, SIMULATOR_PASSWORD: password }, timeout: 30_000 },
          (error, stdout) => resolve({ code: error ? Number(error.code) : 0, stdout }),
        );
        child.stdin?.end('/start\n');
      });
    const [right, wrong] = await Promise.all([chat(password), chat('not the password')]);
    expect(right.code).toBe(0);
    expect(right.stdout).toContain(vi('register.askCode').split('\n')[0]!);
    expect(wrong.code).toBe(1);
  }, 30_000);
});
