import request from 'supertest';
import { AuditEvent } from '../src/audit/audit-event.entity';
import { Session } from '../src/sessions/session.entity';
import { SessionsService } from '../src/sessions/sessions.service';
import { PasswordHasher } from '../src/users/password-hasher';
import { User } from '../src/users/user.entity';
import { UsersService } from '../src/users/users.service';
import { bearer, createAdmin, createUser, flushAudit, newBrowser, sessionCookie, tokenLogin, TestUser } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';

/**
 * A password change, a reset or disabling an account ends every session that exists at that
 * moment. These tests make one land in the gap of a login, after its password check succeeded
 * and before its session row is written, and check that the login does not escape it.
 */
describe('a login whose password stops signing the account in while it runs', () => {
  let t: TestApp;
  let hasher: PasswordHasher;
  beforeAll(async () => {
    t = await startTestApp();
    hasher = t.app.get(PasswordHasher);
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  /** Runs `meanwhile` once, right after the next password check that succeeds, before that login goes on. */
  function duringNextLogin(meanwhile: () => Promise<unknown>): void {
    const verify = hasher.verify.bind(hasher);
    let done = false;
    jest.spyOn(hasher, 'verify').mockImplementation(async (hash, password) => {
      const valid = await verify(hash, password);
      if (valid && !done) {
        done = true; // the work done meanwhile checks passwords too
        await meanwhile();
      }
      return valid;
    });
  }

  const sessionsOf = (user: TestUser) => t.db.getRepository(Session).find({ where: { userId: user.id }, order: { createdAt: 'ASC' } });
  const failures = async (user: TestUser) => {
    await flushAudit(t);
    const events = await t.db.getRepository(AuditEvent).find({ where: { userId: user.id, type: 'login_failed' } });
    return events.map((event) => JSON.parse(event.detail).reason as string);
  };

  /** When the user last signed in, as stored. */
  const lastLoginAt = async (user: TestUser) => (await t.db.getRepository(User).findOneByOrFail({ id: user.id })).lastLoginAt;

  it('refuses a token login when the password changed meanwhile, and leaves no session of it', async () => {
    const user = await createUser(t);
    const phone = await tokenLogin(t, user, 'phone');
    const signedInAt = await lastLoginAt(user);
    const newPassword = 'A completely new passphrase';
    duringNextLogin(() =>
      request(t.server).post('/auth/password').set(...bearer(phone.accessToken)).send({ currentPassword: user.password, newPassword }).expect(204),
    );

    const res = await request(t.server).post('/auth/token').send({ username: user.username, password: user.password });

    expect({ status: res.status, code: res.body.code }).toEqual({ status: 401, code: 'invalid_credentials' });
    expect(res.body.accessToken).toBeUndefined();
    const [kept, late] = await sessionsOf(user);
    expect(kept).toMatchObject({ id: phone.sessionId, revokedAt: null }); // the change keeps the session that made it
    expect(late).toMatchObject({ kind: 'jwt', revokedReason: 'password_changed', revokedAt: expect.any(Date) });
    expect(await failures(user)).toEqual(['password_changed']);
    expect(await lastLoginAt(user)).toEqual(signedInAt); // a refused login is not a sign-in
    // The new password signs in as usual.
    await request(t.server).post('/auth/token').send({ username: user.username, password: newPassword }).expect(200);
  });

  it('refuses a browser login when the account was disabled meanwhile: no cookie, no session row', async () => {
    const admin = await createAdmin(t);
    const adminToken = (await tokenLogin(t, admin)).accessToken;
    const user = await createUser(t);
    const browser = await newBrowser(t);
    duringNextLogin(() => request(t.server).patch(`/admin/users/${user.id}`).set(...bearer(adminToken)).send({ disabled: true }).expect(200));

    const res = await browser.agent
      .post('/auth/login')
      .set('X-CSRF-Token', browser.csrf)
      .send({ username: user.username, password: user.password });

    expect({ status: res.status, code: res.body.code }).toEqual({ status: 401, code: 'invalid_credentials' });
    expect(sessionCookie(res.headers['set-cookie'])).toMatch(/^sid=$/); // cleared, not set
    expect(await sessionsOf(user)).toEqual([]);
    expect(await failures(user)).toEqual(['account_disabled']);
    expect(await lastLoginAt(user)).toBeNull();
    expect((await browser.agent.get('/auth/me')).status).toBe(401);
  });

  it('shows the sign-in page again (401) when the password was reset meanwhile, with no session', async () => {
    const user = await createUser(t);
    const agent = request.agent(t.server);
    const page = await agent.get('/login').expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    // What a reset does (PasswordResetService.reset): the new hash, then every session of the user ends.
    duringNextLogin(async () => {
      await t.app.get(UsersService).update(user.id, { passwordHash: await hasher.hash('Reset to something else') });
      await t.app.get(SessionsService).revokeAllForUser(user.id, 'password_reset');
    });

    const res = await agent.post('/login').type('form').send({ _csrf: csrf, username: user.username, password: user.password }).expect(401);

    expect(res.text).toContain('Invalid username or password.');
    expect(sessionCookie(res.headers['set-cookie'])).toMatch(/^sid=$/);
    expect(await sessionsOf(user)).toEqual([]);
    expect((await agent.get('/account').expect(302)).headers.location).toBe('/login?next=/account'); // signed out
  });

  it('lets the login through when the same password was only re-hashed meanwhile (an outdated hash upgraded by another login)', async () => {
    const user = await createUser(t);
    duringNextLogin(async () => t.app.get(UsersService).update(user.id, { passwordHash: await hasher.hash(user.password) }));

    const res = await request(t.server).post('/auth/token').send({ username: user.username, password: user.password }).expect(200);

    expect(await request(t.server).get('/auth/me').set(...bearer(res.body.accessToken)).expect(200)).toBeTruthy();
    expect(await sessionsOf(user)).toEqual([expect.objectContaining({ id: res.body.sessionId, revokedAt: null })]);
    expect(await failures(user)).toEqual([]);
    expect((await lastLoginAt(user))?.getTime()).toBeGreaterThan(Date.now() - 60_000); // recorded after the second look
  });
});
