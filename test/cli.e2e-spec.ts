import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import request from 'supertest';
import { KEY_RELOAD_INTERVAL_MS } from '../src/auth/jwt/signing-keys.service';
import { bearer, createUser, tokenLogin } from './helpers/factories';
import { decodeJwt } from './helpers/jwt-forgery';
import { onPostgres, postgresUrlFor } from './helpers/postgres';
import { newDataDir, startTestApp, TestApp } from './helpers/test-app';

const run = promisify(execFile);

/** Runs `npm run cli -- <args>` as a user would, from the TypeScript sources. */
export function cli(t: TestApp, args: string[], extraEnv: Record<string, string> = {}) {
  return run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/cli/main.ts', ...args], {
    env: { ...process.env, ...t.env, ...extraEnv },
    cwd: `${__dirname}/..`,
  });
}

describe('CLI', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(() => t.close());

  it('rotate-keys: the running server signs with the new key, and old tokens still verify', async () => {
    const user = await createUser(t);
    const before = await tokenLogin(t, user);
    const { stdout } = await cli(t, ['rotate-keys']);
    const kid = /New signing key (\S+) is active/.exec(stdout)![1];
    // The server learns of the new key from the database (shared by every instance) within KEY_RELOAD_INTERVAL_MS.
    await new Promise((resolve) => setTimeout(resolve, KEY_RELOAD_INTERVAL_MS + 100));
    const after = await tokenLogin(t, user);
    expect(decodeJwt(after.accessToken).header.kid).toBe(kid);
    await request(t.server).get('/auth/me').set(...bearer(after.accessToken)).expect(200);
    const jwks = (await request(t.server).get('/.well-known/jwks.json').expect(200)).body;
    await request(t.server).get('/auth/me').set(...bearer(before.accessToken)).expect(200);
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toEqual(expect.arrayContaining([kid, decodeJwt(before.accessToken).header.kid]));
  });

  it('prints its usage and fails for an unknown command', async () => {
    await expect(cli(t, ['no-such-command'])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('rotate-keys') });
  });
});

describe('CLI: the first admin', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(() => t.close());

  it('create-admin makes an admin who can log in and use the admin API', async () => {
    const password = 'first admin passphrase';
    const { stdout } = await cli(t, ['create-admin', 'root_admin', 'Root@Example.com'], { AUTHKIT_ADMIN_PASSWORD: password });
    expect(stdout).toMatch(/Created admin root_admin/);
    expect(stdout).not.toContain(password);
    const tokens = (await request(t.server).post('/auth/token').send({ username: 'root@example.com', password }).expect(200)).body;
    const me = await request(t.server).get('/auth/me').set(...bearer(tokens.accessToken)).expect(200);
    expect(me.body.roles).toEqual(['user', 'admin']);
    expect(me.body.emailVerified).toBe(true); // the operator vouches for it (REQUIRE_EMAIL_VERIFICATION would lock it out otherwise)
    await request(t.server).get('/admin/users').set(...bearer(tokens.accessToken)).expect(200);
  });

  it('create-admin refuses a weak password or a taken name, and creates nothing', async () => {
    await expect(cli(t, ['create-admin', 'weak_admin', 'weak@example.com'], { AUTHKIT_ADMIN_PASSWORD: 'password1' })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('too common'),
    });
    await expect(cli(t, ['create-admin', 'root_admin', 'other@example.com'], { AUTHKIT_ADMIN_PASSWORD: 'another fine passphrase' })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('already exists'),
    });
    await request(t.server).post('/auth/token').send({ username: 'weak_admin', password: 'password1' }).expect(401);
  });

  it('set-roles promotes and demotes, but never the last admin', async () => {
    const user = await createUser(t);
    await cli(t, ['set-roles', user.username, 'user,admin']);
    const tokens = await tokenLogin(t, user);
    await request(t.server).get('/admin/users').set(...bearer(tokens.accessToken)).expect(200);
    await expect(cli(t, ['set-roles', user.username, 'user,wizard'])).rejects.toMatchObject({ stderr: expect.stringContaining('wizard') });
    await cli(t, ['set-roles', 'root_admin', 'user']);
    await expect(cli(t, ['set-roles', user.username, 'user'])).rejects.toMatchObject({ stderr: expect.stringContaining('last admin') });
  });
});

describe('production start-up', () => {
  it('refuses to start without a signing key, naming the command that makes one', async () => {
    await expect(startTestApp({ NODE_ENV: 'production', SESSION_SECRET: 'k3v9Qm2x8LrT5wYz1NcB7hJd4Fg6Sp0aUe-prod' })).rejects.toThrow(
      /rotate-keys/,
    );
  });

  it('starts once the CLI has made the first key in a fresh database', async () => {
    const dataDir = newDataDir();
    const database: Record<string, string> = onPostgres ? { DATABASE_URL: await postgresUrlFor(dataDir) } : {};
    const env = { NODE_ENV: 'production', SESSION_SECRET: 'k3v9Qm2x8LrT5wYz1NcB7hJd4Fg6Sp0aUe-prod', DATA_DIR: dataDir, ...database };
    const { stdout } = await cli({ env } as unknown as TestApp, ['rotate-keys']);
    const kid = /New signing key (\S+) is active/.exec(stdout)?.[1];
    expect(kid).toBeDefined();
    const t = await startTestApp(env, dataDir);
    try {
      const jwks = await request(t.server).get('/.well-known/jwks.json').expect(200);
      expect(jwks.body.keys).toEqual([expect.objectContaining({ kid })]);
    } finally {
      await t.close();
    }
  });
});
