/**
 * The command line (src/cli/), run as a child process the way people run it: invites against a
 * throwaway database, and the terminal chat with piped input against a real app started here.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { CODE_ALPHABET } from '../src/engine/invite-rules.ts';
import { createTranslator } from '../src/i18n.ts';
import { createModels, type Models } from '../src/models/index.ts';
import { inviteCode } from '../src/store/invites.ts';
import { vi } from './support/text.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MONGO = 'mongodb://127.0.0.1:27017';
const DAY_MS = 86_400_000;
const t = createTranslator();

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      'node_modules/.bin/node',
      ['src/cli/main.ts', ...args],
      { cwd: ROOT, env: { ...process.env, ...options.env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(options.input ?? '');
  });
}

/** One line, no stack trace. */
function expectOneLine(stderr: string): void {
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('cli arguments', () => {
  it('prints the usage without a command, in Vietnamese unless --lang en', async () => {
    const vi = await cli([]);
    expect(vi.code).toBe(0);
    expect(vi.stdout).toContain('npm run cli -- invite list --club');
    expect(vi.stdout.split('\n')[0]).toBe(t('vi', 'cli.usage').split('\n')[0]);
    const en = await cli(['help', '--lang', 'en']);
    expect(en.stdout.split('\n')[0]).toBe(t('en', 'cli.usage').split('\n')[0]);
  }, 30_000);

  it('answers bad arguments with one line and a non-zero exit code', async () => {
    const cases: [string[], string, Record<string, unknown>][] = [
      [['fly'], 'cli.errors.unknownCommand', { command: 'fly' }],
      [['invite'], 'cli.errors.missingSubcommand', {}],
      [['invite', 'create', '--club'], 'cli.errors.missingValue', { option: '--club' }],
      [['invite', 'list', '--colour', 'red'], 'cli.errors.unknownOption', { option: '--colour' }],
      [
        ['invite', 'create', '--club', 'c', '--role', 'member'],
        'cli.errors.missingOption',
        { option: '--by' },
      ],
      [['chat', '--club', 'c'], 'cli.errors.optionNotHere', { option: '--club' }],
      [['chat', '12345'], 'cli.errors.badPhone', { phone: '12345' }],
      [['help', '--lang', 'fr'], 'cli.errors.badLang', {}],
    ];
    const runs = await Promise.all(cases.map(([args]) => cli(args)));
    cases.forEach(([args, key, vars], index) => {
      const run = runs[index]!;
      expect(run.code, args.join(' ')).toBe(2);
      expectOneLine(run.stderr);
      expect(run.stderr.trim()).toBe(t('vi', key, vars));
    });
  }, 30_000);

  it('makes 6-character codes from the unambiguous alphabet, always with a digit', () => {
    for (let i = 0; i < 200; i += 1) {
      const code = inviteCode();
      expect(code).toHaveLength(6);
      expect([...code].every((char) => CODE_ALPHABET.includes(char))).toBe(true);
      expect(code).toMatch(/\d/);
    }
  });
});

describe('cli invite', () => {
  const uri = `${MONGO}/cli_test_${randomBytes(4).toString('hex')}`;
  const env = { MONGODB_URI: uri, MONGODB_POOL_SIZE: '2' };
  const clubId = 'club-cli-test';
  let connection: mongoose.Connection;
  let models: Models;
  let chairId: string;
  let adminId: string;

  beforeAll(async () => {
    connection = await mongoose.createConnection(uri, { maxPoolSize: 2 }).asPromise();
    models = createModels(connection);
    await models.Club.create({
      _id: clubId,
      name: 'CLB Thử nghiệm',
      orgUnitId: 'vn-test',
      ancestors: ['vn-test'],
    });
    const chair = await models.Member.create({
      fullName: 'Phan Thị Nhung',
      roles: [
        { role: 'member', clubId },
        { role: 'chair', clubId },
      ],
      clubIds: [clubId],
      status: 'active',
    });
    const admin = await models.Member.create({
      fullName: 'Hoàng Đức Tuấn',
      roles: [{ role: 'admin', orgUnitId: 'vn' }],
      status: 'active',
    });
    chairId = String(chair._id);
    adminId = String(admin._id);
  });

  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  const create = (...args: string[]) => cli(['invite', 'create', '--club', clubId, ...args], { env });
  const codeIn = (stdout: string) => /\/start ([A-Z0-9]{6})\b/.exec(stdout)?.[1];

  it('refuses a chair invite made by a chair', async () => {
    const run = await create('--role', 'chair', '--by', chairId);
    expect(run.code).toBe(2);
    expectOneLine(run.stderr);
    expect(run.stderr.trim()).toBe(
      t('vi', 'cli.invite.notAllowed', { name: 'Phan Thị Nhung', role: t('vi', 'roles.chair') }),
    );
    expect(await models.Invite.countDocuments({ clubId })).toBe(0);
  }, 30_000);

  it('lets an admin create a personal chair invite that expires in 30 days', async () => {
    const before = Date.now();
    const run = await create('--role', 'chair', '--name', 'Nguyễn Văn Hùng', '--by', adminId);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const code = codeIn(run.stdout)!;
    expect(code).toMatch(/^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{6}$/);
    expect(code).toMatch(/\d/);
    expect(run.stdout).toContain(t('vi', 'cli.invite.created', { code }));

    const invite = await models.Invite.findById(code).lean();
    expect(invite).toMatchObject({
      clubId,
      role: 'chair',
      kind: 'personal',
      forName: 'Nguyễn Văn Hùng',
      createdBy: adminId,
      usedBy: null,
    });
    const expires = invite!.expiresAt!.getTime();
    expect(expires).toBeGreaterThanOrEqual(before + 30 * DAY_MS);
    expect(expires).toBeLessThanOrEqual(Date.now() + 30 * DAY_MS);
  }, 30_000);

  it('lets a chair create member invites: open ones do not expire unless --days is given', async () => {
    const open = await create('--role', 'member', '--open', '--by', chairId);
    expect(open.code).toBe(0);
    const openInvite = await models.Invite.findById(codeIn(open.stdout)).lean();
    expect(openInvite).toMatchObject({ kind: 'open', role: 'member', expiresAt: null, createdBy: chairId });

    const week = await create('--role', 'volunteer', '--open', '--days', '7', '--by', chairId);
    expect(week.code).toBe(0);
    const weekInvite = await models.Invite.findById(codeIn(week.stdout)).lean();
    expect(weekInvite?.kind).toBe('open');
    expect(Math.round((weekInvite!.expiresAt!.getTime() - Date.now()) / DAY_MS)).toBe(7);
  }, 30_000);

  it('refuses an unknown club or creator, and bad days', async () => {
    const club = await cli(['invite', 'create', '--club', 'nope', '--role', 'member', '--by', adminId], {
      env,
    });
    expect(club.code).toBe(2);
    expect(club.stderr.trim()).toBe(t('vi', 'cli.invite.unknownClub', { club: 'nope' }));

    const member = await create('--role', 'member', '--by', 'somebody');
    expect(member.code).toBe(2);
    expect(member.stderr.trim()).toBe(t('vi', 'cli.invite.unknownMember', { id: 'somebody' }));

    const days = await create('--role', 'member', '--days', 'soon', '--by', adminId);
    expect(days.code).toBe(2);
    expectOneLine(days.stderr);
  }, 30_000);

  it('lists the invites of the club with their codes', async () => {
    const codes = (await models.Invite.find({ clubId }).lean()).map((invite) => invite._id);
    expect(codes.length).toBe(3);
    const run = await cli(['invite', 'list', '--club', clubId], { env });
    expect(run.code).toBe(0);
    for (const code of codes) expect(run.stdout).toContain(code);
    expect(run.stdout).toContain(t('vi', 'cli.invite.reusable'));
    expect(run.stdout).toContain(t('vi', 'cli.invite.unused'));

    const en = await cli(['invite', 'list', '--club', clubId, '--lang', 'en'], { env });
    expect(en.stdout).toContain(t('en', 'cli.invite.columns.expires'));
  }, 30_000);
});

describe('cli chat', () => {
  const suffix = randomBytes(4).toString('hex');
  const uri = `${MONGO}/cli_chat_${suffix}`;
  const prefix = `clitest${suffix}`;
  let app: App;
  let address: string;

  beforeAll(async () => {
    app = await App.create(
      loadConfig({
        ...process.env,
        MONGODB_URI: uri,
        REDIS_PREFIX: prefix,
        PORT: '0',
        HOST: '127.0.0.1',
        ROLE: 'all',
        SIMULATOR: 'true',
        DEMO_SEED: 'true',
        TELEGRAM_BOT_TOKEN: '',
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        MONGODB_POOL_SIZE: '3',
      }),
    );
    address = await app.start();
  }, 60_000);

  afterAll(async () => {
    await app?.stop();
    const connection = await mongoose.createConnection(uri, { maxPoolSize: 1 }).asPromise();
    await connection.dropDatabase();
    await connection.close();
    const redis = new Redis('redis://127.0.0.1:6379');
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    redis.disconnect();
  }, 60_000);

  it('sends piped lines and prints the bot replies with their line breaks', async () => {
    const [askCodeFirst, askCodeSecond] = vi('register.askCode').split('\n');
    const run = await cli(['chat', '0912345678', '--url', address], { input: '/start\n' });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(askCodeFirst);
    expect(run.stdout).toContain(`\n        ${askCodeSecond}`);
    expect(run.stdout).toContain(`${t('vi', 'cli.chat.bot')}: `);
  }, 30_000);

  it('lists the people when no phone is given and chats as the one picked by number', async () => {
    const run = await cli(['chat', '--url', address, '--lang', 'en'], { input: '1\nMENU\n/quit\n' });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(t('en', 'cli.chat.pickTitle'));
    expect(run.stdout).toContain(t('en', 'cli.chat.orNewPhone'));
    const [, firstPerson = '', firstPhone] = /^ {2}1\. (.*) — (.+)$/m.exec(run.stdout) ?? [];
    expect(firstPhone).toBeDefined();
    // Name · year · role (in the chosen language) · club
    const roles = ['chair', 'vice_chair', 'volunteer', 'member', 'staff', 'admin'].map((r) =>
      t('en', `roles.${r}`),
    );
    expect(
      roles.filter((role) => firstPerson.split(' · ').includes(role)),
      firstPerson,
    ).toHaveLength(1);
    expect(run.stdout).toContain(t('en', 'cli.chat.intro', { chat: firstPhone }));
    expect(run.stdout).toContain(`${t('en', 'cli.chat.you')}: MENU`);
    expect(run.stdout.split(`${t('en', 'cli.chat.you')}: MENU`)[1]).toContain(`${t('en', 'cli.chat.bot')}: `);
  }, 30_000);

  it('says to start the bot first when nothing answers', async () => {
    const run = await cli(['chat', '0912345678', '--url', 'http://127.0.0.1:1']);
    expect(run.code).toBe(1);
    expectOneLine(run.stderr);
    expect(run.stderr.trim()).toBe(t('vi', 'cli.chat.notRunning', { url: 'http://127.0.0.1:1' }));
    expect(run.stderr).toContain('npm start');
  }, 30_000);
});
