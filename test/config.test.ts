import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { PROJECT_NODE } from './support/app.ts';

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
    const config = loadConfig({ TELEGRAM_BOT_TOKEN: '123:abc', PUBLIC_URL: 'https://bot.example.org' });
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
  ])('names %s when its value is wrong', (name, env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
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
