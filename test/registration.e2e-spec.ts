import request from 'supertest';
import { User } from '../src/users/user.entity';
import { createUser } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';

describe('POST /auth/register', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(() => t.close());

  const countUsers = () => t.db.getRepository(User).count();

  it('rejects a client that tries to set its own roles, and writes nothing', async () => {
    const before = await countUsers();
    const res = await request(t.server)
      .post('/auth/register')
      .send({ username: 'mallory', email: 'mallory@example.com', password: 'a long enough pass', roles: ['admin'] })
      .expect(400);
    expect(res.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      code: 'validation_failed',
      message: ['roles: property roles should not exist'],
    });
    expect(await countUsers()).toBe(before);
  });

  it.each([
    ['username too short', { username: 'ab' }, 'username'],
    ['username too long', { username: 'a'.repeat(33) }, 'username'],
    ['username with a space', { username: 'bad name' }, 'username'],
    ['username with @', { username: 'bad@name' }, 'username'],
    ['invalid email', { email: 'not-an-email' }, 'email'],
    ['password too short', { password: 'short' }, 'password'],
    ['password too long', { password: 'x'.repeat(129) }, 'password'],
    ['username not a string', { username: 42 }, 'username'],
  ])('rejects %s with 400 validation_failed naming the field', async (_name, override, field) => {
    const before = await countUsers();
    const body = { username: 'valid_name', email: 'valid@example.com', password: 'a long enough pass', ...override };
    const res = await request(t.server).post('/auth/register').send(body).expect(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.message.some((m: string) => m.startsWith(field))).toBe(true);
    expect(await countUsers()).toBe(before);
  });

  it('rejects a missing body field', async () => {
    const res = await request(t.server).post('/auth/register').send({ username: 'someone' }).expect(400);
    expect(res.body.message).toEqual(expect.arrayContaining([expect.stringMatching(/^email/), expect.stringMatching(/^password/)]));
  });

  it.each(['password', 'Password1', 'iloveyou', 'QWERTYUIOP'])('rejects the common password %s', async (password) => {
    const res = await request(t.server)
      .post('/auth/register')
      .send({ username: 'common_pw', email: 'common@example.com', password })
      .expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, code: 'password_too_common' });
    expect(await t.db.getRepository(User).findOneBy({ usernameNormalized: 'common_pw' })).toBeNull();
  });

  it('creates the user with roles ["user"], a lower-cased email and no password hash in the answer', async () => {
    const res = await request(t.server)
      .post('/auth/register')
      .send({ username: 'Grace.Hopper', email: 'Grace@Navy.MIL', password: 'cobol is forever 1959' })
      .expect(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      username: 'Grace.Hopper',
      email: 'grace@navy.mil',
      roles: ['user'],
      emailVerified: false,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    const row = await t.db.getRepository(User).findOneByOrFail({ id: res.body.id });
    expect(row.passwordHash).toMatch(/^\$argon2id\$v=19\$m=20480,t=2,p=1\$/);
    expect(row.passwordHash).not.toContain('cobol');
    expect(JSON.stringify(res.body)).not.toMatch(/argon2|passwordHash/);
  });

  it('refuses a duplicate username or email, case-insensitively, with 409 account_exists', async () => {
    const user = await createUser(t, { username: 'Linus_T', email: 'linus@example.com' });
    for (const body of [
      { username: 'linus_t', email: 'other@example.com' },
      { username: 'someone_else', email: 'LINUS@example.com' },
    ]) {
      const res = await request(t.server)
        .post('/auth/register')
        .send({ ...body, password: 'another long password' })
        .expect(409);
      expect(res.body).toEqual({ statusCode: 409, error: 'Conflict', code: 'account_exists', message: expect.any(String) });
    }
    expect(await t.db.getRepository(User).countBy({ email: user.email })).toBe(1);
  });

  it('lets exactly one of two simultaneous registrations of one name succeed', async () => {
    const body = { username: 'racer', email: 'racer@example.com', password: 'ready set go go go' };
    const results = await Promise.all([
      request(t.server).post('/auth/register').send(body),
      request(t.server).post('/auth/register').send({ ...body, email: 'racer2@example.com' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(await t.db.getRepository(User).countBy({ usernameNormalized: 'racer' })).toBe(1);
  });
});
