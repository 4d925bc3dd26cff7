/**
 * API tokens: made, listed and revoked on the command line (run as a child process, the way
 * staff run it), then checked on requests by the Fastify helper every /api/v1 route uses.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiAuth, hashToken } from '../src/http/api-tokens.ts';
import { createTranslator } from '../src/i18n.ts';
import { createModels, type Models } from '../src/models/index.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MONGO = process.env.TEST_MONGODB_URL ?? 'mongodb://127.0.0.1:27017';
const t = createTranslator();

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'node_modules/.bin/node',
      ['src/cli/main.ts', ...args],
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1)!;

const uri = `${MONGO}/api_tokens_test_${randomBytes(4).toString('hex')}`;
const env = { MONGODB_URI: uri, MONGODB_POOL_SIZE: '2', NODE_ENV: 'test', LOG_LEVEL: 'silent' };
let connection: mongoose.Connection;
let models: Models;

beforeAll(async () => {
  connection = await mongoose.createConnection(uri, { maxPoolSize: 2 }).asPromise();
  models = createModels(connection);
  await models.ApiToken.createIndexes();
  await models.OrgUnit.insertMany([
    { _id: 'vn', name: 'Trung ương Hội', kind: 'central', ancestors: [] },
    { _id: 'vn-na', name: 'Tỉnh Nghệ An', kind: 'province', parentId: 'vn', ancestors: ['vn'] },
    { _id: 'vn-na-dh', name: 'Xã Diễn Hồng', kind: 'commune', parentId: 'vn-na', ancestors: ['vn', 'vn-na'] },
    { _id: 'vn-ht', name: 'Tỉnh Hà Tĩnh', kind: 'province', parentId: 'vn', ancestors: ['vn'] },
    { _id: 'vn-ht-tk', name: 'Xã Thạch Kim', kind: 'commune', parentId: 'vn-ht', ancestors: ['vn', 'vn-ht'] },
  ]);
});

afterAll(async () => {
  await connection.dropDatabase();
  await connection.close();
});

describe('token on the command line', () => {
  let token = '';
  let keyId = '';

  it('creates a token for an org unit, printed once as the last line and stored only as a hash', async () => {
    const run = await cli(['token', 'create', '--org', 'vn-na', '--role', 'staff', '--name', 'Sở Y tế'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    token = lastLine(run.stdout);
    expect(token).toMatch(/^ishc_[0-9a-f]{10}_[A-Za-z0-9_-]{43}$/);
    keyId = token.slice(5, 15);
    // 32 random bytes: 256 bits.
    expect(Buffer.from(token.slice(16), 'base64url')).toHaveLength(32);
    expect(run.stdout).toContain(
      t('vi', 'cli.token.created', { keyId, org: 'Tỉnh Nghệ An (vn-na)', role: 'staff' }),
    );

    const stored = await models.ApiToken.find({}).lean();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      _id: hashToken(token),
      keyId,
      orgUnitId: 'vn-na',
      role: 'staff',
      label: 'Sở Y tế',
      revokedAt: null,
    });
    expect(JSON.stringify(stored)).not.toContain(token.slice(16));
  }, 30_000);

  it('makes a different token each time', async () => {
    const again = await cli(['token', 'create', '--org', 'vn-na', '--role', 'staff'], env);
    expect(again.code).toBe(0);
    expect(lastLine(again.stdout)).not.toBe(token);
    expect(await models.ApiToken.countDocuments({ orgUnitId: 'vn-na' })).toBe(2);
  }, 30_000);

  it('lists tokens without their secrets', async () => {
    const run = await cli(['token', 'list'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(keyId);
    expect(run.stdout).toContain(t('vi', 'cli.token.active'));
    expect(run.stdout).not.toContain(token.slice(16));
    expect(run.stdout).not.toContain(hashToken(token));
  }, 30_000);

  it('refuses an unknown org unit, a role that is not staff or admin, and a missing --org', async () => {
    const [unknown, role, missing, noSub] = await Promise.all([
      cli(['token', 'create', '--org', 'vn-xx', '--role', 'staff'], env),
      cli(['token', 'create', '--org', 'vn-na', '--role', 'chair'], env),
      cli(['token', 'create', '--role', 'staff'], env),
      cli(['token'], env),
    ]);
    expect([unknown.code, role.code, missing.code, noSub.code]).toEqual([2, 2, 2, 2]);
    expect(unknown.stderr.trim()).toBe(t('vi', 'cli.token.unknownOrg', { org: 'vn-xx' }));
    expect(role.stderr.trim()).toBe(t('vi', 'cli.token.badRole'));
    expect(missing.stderr.trim()).toBe(t('vi', 'cli.errors.missingOption', { option: '--org' }));
    expect(noSub.stderr.trim()).toBe(t('vi', 'cli.token.missingSubcommand'));
    expect(await models.ApiToken.countDocuments({})).toBe(2);
  }, 30_000);

  it('revokes by key id (or the token itself), and says so when it was already revoked', async () => {
    const run = await cli(['token', 'revoke', keyId], env);
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe(t('vi', 'cli.token.revoked', { keyId }));
    const doc = await models.ApiToken.findById(hashToken(token)).lean();
    expect(doc?.revokedAt).toBeInstanceOf(Date);

    const twice = await cli(['token', 'revoke', token], env);
    expect(twice.stdout.trim()).toBe(t('vi', 'cli.token.alreadyRevoked', { keyId }));
    expect(twice.stdout).not.toContain(token.slice(16));

    const unknown = await cli(['token', 'revoke', 'ffffffffff'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe(t('vi', 'cli.token.notFound', { given: 'ffffffffff' }));
  }, 30_000);
});

describe('the API helper', () => {
  let app: FastifyInstance;
  let province = '';
  let commune = '';
  let admin = '';
  let revoked = '';

  beforeAll(async () => {
    const { createApiToken, revokeApiToken } = await import('../src/http/api-tokens.ts');
    const make = async (orgUnitId: string, role: string) => {
      const created = await createApiToken(models, { orgUnitId, role });
      if (!created.ok) throw new Error(created.reason);
      return created.token;
    };
    province = await make('vn-na', 'staff');
    commune = await make('vn-na-dh', 'staff');
    admin = await make('vn', 'admin');
    revoked = await make('vn-ht', 'staff');
    await revokeApiToken(models, revoked.slice(0, 15));

    const auth = apiAuth(models);
    app = Fastify();
    app.get('/probe', { preHandler: auth.authenticate }, async (request, reply) => {
      const orgUnit = String((request.query as { orgUnit?: string }).orgUnit ?? '');
      if (!(await auth.reach(request, reply, orgUnit, 'orgUnit'))) return reply;
      return { caller: request.apiToken };
    });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
  });

  const probe = (orgUnit: string, authorization?: string) =>
    app.inject({
      method: 'GET',
      url: `/probe?orgUnit=${orgUnit}`,
      headers: authorization ? { authorization } : {},
    });

  it('answers 401 without a token, with a bad or malformed one, and with a revoked one', async () => {
    const forged = `${province.slice(0, 16)}${'A'.repeat(43)}`;
    const cases = [
      undefined,
      `Bearer ${forged}`,
      'Bearer nonsense',
      `Basic ${province}`,
      `Bearer ${revoked}`,
      `Bearer ${'x'.repeat(10_000)}`,
    ];
    for (const authorization of cases) {
      const response = await probe('vn-na', authorization);
      expect(response.statusCode, String(authorization).slice(0, 30)).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    }
    expect((await probe('vn-ht', `Bearer ${revoked}`)).json().error).toMatch(/revoked/);
  });

  it('lets a province token reach the province and its communes, and answers 403 for another province', async () => {
    const own = await probe('vn-na', `Bearer ${province}`);
    expect(own.statusCode).toBe(200);
    expect(own.json().caller).toMatchObject({ orgUnitId: 'vn-na', role: 'staff' });
    expect((await probe('vn-na-dh', `Bearer ${province}`)).statusCode).toBe(200);

    for (const other of ['vn-ht', 'vn-ht-tk', 'vn']) {
      const response = await probe(other, `Bearer ${province}`);
      expect(response.statusCode, other).toBe(403);
      expect(response.json().error).toMatch(/^orgUnit: /);
    }
  });

  it('keeps a commune token to its commune; a central admin token reaches everything', async () => {
    expect((await probe('vn-na-dh', `Bearer ${commune}`)).statusCode).toBe(200);
    expect((await probe('vn-na', `Bearer ${commune}`)).statusCode).toBe(403);
    for (const unit of ['vn', 'vn-na', 'vn-ht-tk']) {
      expect((await probe(unit, `Bearer ${admin}`)).statusCode, unit).toBe(200);
    }
  });

  it('answers 400 naming the parameter for an unknown or malformed org unit', async () => {
    const unknown = await probe('vn-zz', `Bearer ${admin}`);
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toMatch(/^orgUnit: /);
    const junk = await probe(encodeURIComponent('😀'.repeat(500)), `Bearer ${admin}`);
    expect(junk.statusCode).toBe(400);
    expect(junk.json().error.length).toBeLessThan(100);
  });
});
