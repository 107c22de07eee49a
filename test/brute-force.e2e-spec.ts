import request from 'supertest';
import { bearer, createUser, flushAudit, newBrowser, tokenLogin, TestUser } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';

describe('brute-force limits', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ LOGIN_IP_MAX_FAILURES: '1000' })));
  afterAll(() => t.close());

  const token = (username: string, password: string, ip?: string) => {
    const req = request(t.server).post('/auth/token');
    if (ip) req.set('X-Forwarded-For', ip);
    return req.send({ username, password });
  };
  const fail = async (user: TestUser, times: number) => {
    for (let i = 0; i < times; i++) expect((await token(user.username, 'not the password')).status).toBe(401);
  };

  it('locks an account after 5 failures: even the right password gets 429 with Retry-After', async () => {
    const user = await createUser(t);
    await fail(user, 5);
    const res = await token(user.username, user.password).expect(429);
    expect(res.body).toEqual({ statusCode: 429, error: 'Too Many Requests', message: expect.any(String), code: 'too_many_attempts' });
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);

    // the browser login is locked too, and so is the email address of the same account
    const browser = await newBrowser(t);
    const viaForm = await browser.agent.post('/auth/login').set('X-CSRF-Token', browser.csrf).send({ username: user.email, password: user.password });
    expect(viaForm.status).toBe(429);
    await flushAudit(t);
  });

  it('counts guesses made in parallel: a burst of 12 gets at most 5 password checks', async () => {
    const user = await createUser(t);
    const statuses = (await Promise.all(Array.from({ length: 12 }, () => token(user.username, 'not the password')))).map((res) => res.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(7);
    await token(user.username, user.password).expect(429);
  });

  it('lets one account sign in on several devices at once', async () => {
    const user = await createUser(t);
    const statuses = (await Promise.all(Array.from({ length: 8 }, () => token(user.username, user.password)))).map((res) => res.status);
    expect(statuses).toEqual(Array(8).fill(200));
  });

  it('leaves other accounts alone', async () => {
    const victim = await createUser(t);
    const bystander = await createUser(t);
    await fail(victim, 5);
    await token(bystander.username, bystander.password).expect(200);
  });

  it('resets the count after a success', async () => {
    const user = await createUser(t);
    await fail(user, 4);
    await token(user.username, user.password).expect(200);
    await fail(user, 4);
    await token(user.username, user.password).expect(200);
  });

  it('counts the username and the email of one account together', async () => {
    const user = await createUser(t);
    for (let i = 0; i < 5; i++) await token(i % 2 ? user.email : user.username, 'not the password').expect(401);
    await token(user.username, user.password).expect(429);
  });

  it('locks unknown names the same way, so a 429 tells nothing about who exists', async () => {
    for (let i = 0; i < 5; i++) await token('no_such_person', 'not the password').expect(401);
    await token('no_such_person', 'whatever password').expect(429);
  });

  it('records a locked_out event', async () => {
    const user = await createUser(t);
    await fail(user, 5);
    await flushAudit(t);
    const { AuditService } = await import('../src/audit/audit.service');
    const { items } = await t.app.get(AuditService).find({ userId: user.id, type: 'locked_out', page: 1, limit: 10 });
    expect(items).toHaveLength(1);
  });
});

describe('brute-force window', () => {
  it('lets the account in again once LOGIN_FAILURE_WINDOW has passed', async () => {
    // 2 s, not 1: on a loaded machine the window must not pass during the three attempts that fill it.
    const t = await startTestApp({ LOGIN_FAILURE_WINDOW: '2s', LOGIN_MAX_FAILURES: '2' });
    try {
      const user = await createUser(t);
      for (let i = 0; i < 2; i++) await request(t.server).post('/auth/token').send({ username: user.username, password: 'nope nope' }).expect(401);
      await request(t.server).post('/auth/token').send({ username: user.username, password: user.password }).expect(429);
      await new Promise((resolve) => setTimeout(resolve, 2100));
      await request(t.server).post('/auth/token').send({ username: user.username, password: user.password }).expect(200);
    } finally {
      await t.close();
    }
  });
});

describe('per-IP limit and X-Forwarded-For', () => {
  async function failFrom(t: TestApp, forwardedFor: string, count: number) {
    for (let i = 0; i < count; i++) {
      const user = await createUser(t); // a different account each time: only the IP count grows
      await request(t.server).post('/auth/token').set('X-Forwarded-For', forwardedFor).send({ username: user.username, password: 'wrong wrong' }).expect(401);
    }
  }

  it('ignores a spoofed X-Forwarded-For without TRUST_PROXY: the socket address is counted', async () => {
    const t = await startTestApp({ LOGIN_IP_MAX_FAILURES: '3' });
    try {
      await failFrom(t, '203.0.113.1', 3);
      const user = await createUser(t);
      const res = await request(t.server).post('/auth/token').set('X-Forwarded-For', '198.51.100.7').send({ username: user.username, password: user.password });
      expect(res.status).toBe(429);
      expect(res.body.code).toBe('too_many_attempts');
    } finally {
      await t.close();
    }
  });

  it('honours X-Forwarded-For from a proxy that TRUST_PROXY trusts', async () => {
    const t = await startTestApp({ LOGIN_IP_MAX_FAILURES: '3', TRUST_PROXY: 'loopback' });
    try {
      await failFrom(t, '203.0.113.1', 3);
      const user = await createUser(t);
      await request(t.server).post('/auth/token').set('X-Forwarded-For', '203.0.113.1').send({ username: user.username, password: user.password }).expect(429);
      const other = await request(t.server).post('/auth/token').set('X-Forwarded-For', '198.51.100.7').send({ username: user.username, password: user.password });
      expect(other.status).toBe(200);
      const { Session } = await import('../src/sessions/session.entity');
      const row = await t.db.getRepository(Session).findOneByOrFail({ id: other.body.sessionId });
      expect(row.ip).toBe('198.51.100.7');
    } finally {
      await t.close();
    }
  });
});

describe('brute-force limits on the current password of POST /auth/password', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ LOGIN_IP_MAX_FAILURES: '1000' })));
  afterAll(() => t.close());

  it('after 5 wrong current passwords the next change is 429, even with the right one; logins are not locked', async () => {
    const user = await createUser(t);
    const { accessToken } = await tokenLogin(t, user);
    const change = (currentPassword: string) =>
      request(t.server).post('/auth/password').set(...bearer(accessToken)).send({ currentPassword, newPassword: 'A brand new passphrase' });
    for (let i = 0; i < 5; i++) expect((await change(`wrong guess ${i}`).expect(401)).body.code).toBe('invalid_credentials');
    const locked = await change(user.password).expect(429);
    expect(locked.body.code).toBe('too_many_attempts');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(14 * 60);
    await tokenLogin(t, user); // the password is unchanged, and its owner still signs in
  });

  it('a right current password resets the count', async () => {
    const user = await createUser(t);
    const { accessToken } = await tokenLogin(t, user);
    const change = (currentPassword: string, newPassword: string) =>
      request(t.server).post('/auth/password').set(...bearer(accessToken)).send({ currentPassword, newPassword });
    for (let i = 0; i < 4; i++) await change(`wrong guess ${i}`, 'A brand new passphrase').expect(401);
    await change(user.password, 'A brand new passphrase').expect(204);
    for (let i = 0; i < 4; i++) await change(`wrong guess ${i}`, 'Another new passphrase').expect(401);
    await change('A brand new passphrase', 'Another new passphrase').expect(204);
  });
});
