import { sign } from 'cookie-signature';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { LessThan } from 'typeorm';
import { Session } from '../src/sessions/session.entity';
import { SessionsService, SWEEP_BATCH } from '../src/sessions/sessions.service';
import { TypeormSessionStore } from '../src/sessions/typeorm-session-store';
import { User } from '../src/users/user.entity';
import { UsersService } from '../src/users/users.service';
import { createUser, newBrowser, sessionCookie, setCookieLine, signIn, TestUser } from './helpers/factories';
import { onPostgres } from './helpers/postgres';
import { newDataDir, startTestApp, TestApp } from './helpers/test-app';

describe('cookie sessions', () => {
  let t: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    t = await startTestApp();
    user = await createUser(t);
  });
  afterAll(() => t.close());

  const sessions = () => t.db.getRepository(Session);
  /** Changes a row behind the app's back (as time passing would), then drops the app's cached copy. */
  const changeSession = async (id: string, changes: Partial<Session>) => {
    await sessions().update({ id }, changes);
    t.app.get(SessionsService).evictFromCache(id);
  };
  const me = (cookie: string) => request(t.server).get('/auth/me').set('Cookie', cookie);

  describe('GET /auth/csrf', () => {
    it('replaces a stale or tampered CSRF cookie with a working one instead of failing', async () => {
      for (const stale of ['authkit.csrf=garbage', 'authkit.csrf=0123456789abcdef%7Cdeadbeef']) {
        const res = await request(t.server).get('/auth/csrf').set('Cookie', stale).expect(200);
        const fresh = setCookieLine(res.headers['set-cookie'], 'authkit.csrf')!.split(';')[0];
        expect(fresh).not.toBe(stale);
        await request(t.server)
          .post('/auth/login')
          .set('Cookie', fresh)
          .set('X-CSRF-Token', res.body.csrfToken)
          .send({ username: user.username, password: user.password })
          .expect(200);
        await request(t.server).get('/login').set('Cookie', stale).expect(200);
      }
    });
  });

  describe('POST /auth/login', () => {
    it('answers a wrong password and an unknown user with the same 401 invalid_credentials', async () => {
      const browser = await newBrowser(t);
      const wrong = await browser.agent
        .post('/auth/login')
        .set('X-CSRF-Token', browser.csrf)
        .send({ username: user.username, password: 'not the password' })
        .expect(401);
      const unknown = await browser.agent
        .post('/auth/login')
        .set('X-CSRF-Token', browser.csrf)
        .send({ username: 'nobody_here', password: 'not the password' })
        .expect(401);
      expect(wrong.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'Invalid username or password',
        code: 'invalid_credentials',
      });
      expect(unknown.body).toEqual(wrong.body);
      expect(sessionCookie(wrong.headers['set-cookie'])).toBeUndefined();
    });

    it('refuses a disabled account like a wrong password', async () => {
      const disabled = await createUser(t);
      await t.db.getRepository(User).update({ id: disabled.id }, { disabled: true });
      const browser = await newBrowser(t);
      const res = await browser.agent
        .post('/auth/login')
        .set('X-CSRF-Token', browser.csrf)
        .send({ username: disabled.username, password: disabled.password })
        .expect(401);
      expect(res.body.code).toBe('invalid_credentials');
    });

    it('rejects a login body with a missing password or unknown fields (400, no session)', async () => {
      const browser = await newBrowser(t);
      for (const body of [{ username: user.username }, { username: user.username, password: user.password, admin: true }]) {
        const res = await browser.agent.post('/auth/login').set('X-CSRF-Token', browser.csrf).send(body).expect(400);
        expect(res.body.code).toBe('validation_failed');
        expect(sessionCookie(res.headers['set-cookie'])).toBeUndefined();
      }
    });

    it('accepts the email address, in any case, instead of the username', async () => {
      const browser = await newBrowser(t);
      const res = await browser.agent
        .post('/auth/login')
        .set('X-CSRF-Token', browser.csrf)
        .send({ username: user.email.toUpperCase(), password: user.password })
        .expect(200);
      expect(res.body.user).toMatchObject({ id: user.id, username: user.username, roles: ['user'] });
    });

    it('accepts an HTML form post with the _csrf field and the "on" checkbox', async () => {
      const browser = await newBrowser(t);
      const res = await browser.agent
        .post('/auth/login')
        .type('form')
        .send({ username: user.username, password: user.password, rememberMe: 'on', _csrf: browser.csrf })
        .expect(200);
      expect(setCookieLine(res.headers['set-cookie'], 'sid')).toMatch(/Max-Age=1209600/);
    });

    it('sets a browser-session sid cookie (HttpOnly, SameSite=Lax, Path=/, no Max-Age/Expires) without remember me', async () => {
      const { res } = await signIn(t, user);
      const line = setCookieLine(res.headers['set-cookie'], 'sid')!;
      expect(line).toMatch(/; HttpOnly/);
      expect(line).toMatch(/; SameSite=Lax/);
      expect(line).toMatch(/; Path=\//);
      expect(line).not.toMatch(/Max-Age|Expires/i);
      expect(line).not.toMatch(/; Secure/);
      const row = await sessions().findOneByOrFail({ userId: user.id, persistent: false, kind: 'cookie' });
      expect(row.expiresAt.getTime() - row.createdAt.getTime()).toBe(3600 * 1000);
    });

    it('sets a persistent cookie with Max-Age = REMEMBER_ME_TTL with remember me', async () => {
      const { res } = await signIn(t, user, { rememberMe: true });
      const line = setCookieLine(res.headers['set-cookie'], 'sid')!;
      expect(line).toMatch(/; Max-Age=1209600;/);
      expect(line).toMatch(/; Expires=/);
      expect(line).toMatch(/; HttpOnly/);
      expect(line).toMatch(/; SameSite=Lax/);
      const me = await request(t.server).get('/auth/me').set('Cookie', sessionCookie(res.headers['set-cookie'])!).expect(200);
      expect(me.body.auth).toMatchObject({ method: 'session', persistent: true });
      expect(Date.parse(me.body.auth.expiresAt) - Date.now()).toBeGreaterThan(13 * 86400 * 1000);
    });

    it('never stores the raw session id, only its SHA-256', async () => {
      const { sid } = await signIn(t, user);
      const raw = decodeURIComponent(sid.slice('sid='.length)).slice(2).split('.')[0];
      const rows = await sessions().findBy({ userId: user.id });
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        expect(row.secretHash).toMatch(/^[0-9a-f]{64}$/);
        expect(JSON.stringify(row)).not.toContain(raw);
      }
    });

    it('issues a new session id at login: an id from before the login does not stay valid', async () => {
      const first = await signIn(t, user);
      const again = await first.agent
        .post('/auth/login')
        .set('X-CSRF-Token', first.csrf)
        .send({ username: user.username, password: user.password })
        .expect(200);
      const second = sessionCookie(again.headers['set-cookie'])!;
      expect(second).not.toBe(first.sid);
      await me(second).expect(200);
      const old = await me(first.sid).expect(401);
      expect(old.body.code).toBe('unauthenticated');
    });

    it('does not adopt a session id chosen by an attacker', async () => {
      const browser = await newBrowser(t);
      const planted = 'sid=s%3Aattacker-chosen-id.invalidsignature';
      const res = await browser.agent
        .post('/auth/login')
        .set('Cookie', planted)
        .set('X-CSRF-Token', browser.csrf)
        .send({ username: user.username, password: user.password })
        .expect(200);
      expect(sessionCookie(res.headers['set-cookie'])).not.toBe(planted);
      await me(planted).expect(401);
    });
  });

  describe('GET /auth/me', () => {
    it('answers 401 unauthenticated without credentials', async () => {
      const res = await request(t.server).get('/auth/me').expect(401);
      expect(res.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: expect.any(String), code: 'unauthenticated' });
    });

    it('answers 401 to a tampered cookie, also once the genuine one has been seen (and remembered)', async () => {
      const { sid } = await signIn(t, user);
      await me(sid).expect(200);
      await me(sid).expect(200);
      const value = decodeURIComponent(sid.slice(4));
      const [id, signature] = value.slice(2).split('.');
      const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
      for (const tampered of [`s:${flip(id)}.${signature}`, `s:${id}.${flip(signature)}`, id]) {
        const res = await me(`sid=${encodeURIComponent(tampered)}`).expect(401);
        expect(res.body.code).toBe('unauthenticated');
      }
      await me(sid).expect(200);
    });

    it('serves a browser behind a password-protected proxy (Authorization: Basic) by its cookie, CSRF included', async () => {
      const { agent, csrf, sid } = await signIn(t, user);
      const basic = `Basic ${Buffer.from('staging:proxy-password').toString('base64')}`;
      const res = await me(sid).set('Authorization', basic).expect(200);
      expect(res.body.auth.method).toBe('session');
      // Judged as a cookie request: an unsafe one needs the CSRF token.
      const unsafe = await request(t.server).delete('/auth/sessions').set('Cookie', sid).set('Authorization', basic).expect(403);
      expect(unsafe.body.code).toBe('csrf_invalid');
      await agent.post('/auth/logout').set('Authorization', basic).set('X-CSRF-Token', csrf).expect(204);
      expect((await me(sid).set('Authorization', basic).expect(401)).body.code).toBe('unauthenticated');
    });

    it('judges a request with a Bearer header by its token alone, even beside a valid cookie', async () => {
      const { sid } = await signIn(t, user);
      for (const value of ['Bearer not-a-token', 'bearer not-a-token', 'Bearer']) {
        const res = await me(sid).set('Authorization', value).expect(401);
        expect(res.body.code).toBe('token_invalid');
      }
    });

    it('reports the user and how the caller authenticated', async () => {
      const { sid } = await signIn(t, user);
      const res = await me(sid).expect(200);
      const row = await sessions().findOneByOrFail({ id: res.body.auth.sessionId });
      expect(res.body).toEqual({
        id: user.id,
        username: user.username,
        email: user.email,
        roles: ['user'],
        emailVerified: false,
        createdAt: expect.any(String),
        auth: { method: 'session', sessionId: row.id, persistent: false, expiresAt: row.expiresAt.toISOString() },
      });
      expect(row).toMatchObject({ userId: user.id, kind: 'cookie', revokedAt: null });
    });

    it('ends the session when the account is disabled (the user is loaded on every request)', async () => {
      const victim = await createUser(t);
      const { sid } = await signIn(t, victim);
      await me(sid).expect(200);
      await t.app.get(UsersService).update(victim.id, { disabled: true });
      await me(sid).expect(401);
      expect(await sessions().countBy({ userId: victim.id })).toBe(0);
    });
  });

  describe('read-only requests, answered from memory', () => {
    let storeGet: jest.SpyInstance;
    beforeEach(() => {
      storeGet = jest.spyOn(TypeormSessionStore.prototype, 'get'); // observes; the real store still answers
    });
    afterEach(() => storeGet.mockRestore());

    it('answers GET and HEAD of a signed-in session without loading it through express-session', async () => {
      const { sid } = await signIn(t, user, { rememberMe: true });
      const first = await me(sid).expect(200);
      storeGet.mockClear();
      const again = await me(sid).expect(200);
      await request(t.server).head('/auth/me').set('Cookie', sid).expect(200);
      expect(storeGet).not.toHaveBeenCalled();
      expect(again.body).toEqual(first.body);
      expect(again.headers['set-cookie']).toBeUndefined(); // nothing changed, so no cookie, as express-session would do
    });

    it('still loads the session through express-session for unsafe methods', async () => {
      const { agent, csrf, sid } = await signIn(t, user);
      const sessionId = (await me(sid).expect(200)).body.auth.sessionId as string;
      storeGet.mockClear();
      await agent.post('/auth/logout').set('X-CSRF-Token', csrf).expect(204);
      expect(storeGet).toHaveBeenCalledTimes(1);
      expect(await sessions().findOneBy({ id: sessionId })).toBeNull();
    });

    it('refuses a real session id signed with another secret (401 unauthenticated)', async () => {
      const { sid } = await signIn(t, user);
      await me(sid).expect(200);
      const id = decodeURIComponent(sid.slice('sid='.length)).slice(2).split('.')[0];
      const forged = `sid=${encodeURIComponent(`s:${sign(id, 'not the server secret')}`)}`;
      const res = await me(forged).expect(401);
      expect(res.body.code).toBe('unauthenticated');
    });

    it('sees a revocation at once: the next read of the ended session is 401 session_revoked', async () => {
      const other = await signIn(t, user);
      const { sid } = await signIn(t, user);
      const sessionId = (await me(sid).expect(200)).body.auth.sessionId as string;
      await me(sid).expect(200); // answered from memory
      await other.agent.delete(`/auth/sessions/${sessionId}`).set('X-CSRF-Token', other.csrf).expect(204);
      const res = await me(sid).expect(401);
      expect(res.body.code).toBe('session_revoked');
    });
  });

  describe('POST /auth/logout', () => {
    it('needs a CSRF token for a cookie session (403 csrf_invalid) and keeps the session', async () => {
      const { agent, sid } = await signIn(t, user);
      const missing = await agent.post('/auth/logout').expect(403);
      expect(missing.body).toEqual({ statusCode: 403, error: 'Forbidden', message: expect.any(String), code: 'csrf_invalid' });
      const wrong = await agent.post('/auth/logout').set('X-CSRF-Token', 'forged.token').expect(403);
      expect(wrong.body.code).toBe('csrf_invalid');
      await me(sid).expect(200);
    });

    it('needs authentication', async () => {
      const browser = await newBrowser(t);
      const res = await browser.agent.post('/auth/logout').set('X-CSRF-Token', browser.csrf).expect(401);
      expect(res.body.code).toBe('unauthenticated');
    });

    it('deletes the session row, clears the cookie, and the old cookie then gets 401', async () => {
      const { agent, csrf, sid } = await signIn(t, user);
      const sessionId = (await me(sid).expect(200)).body.auth.sessionId as string;
      const res = await agent.post('/auth/logout').set('X-CSRF-Token', csrf).expect(204);
      expect(setCookieLine(res.headers['set-cookie'], 'sid')).toMatch(/^sid=; .*Expires=Thu, 01 Jan 1970/);
      expect(await sessions().findOneBy({ id: sessionId })).toBeNull();
      const replay = await me(sid).expect(401);
      expect(replay.body.code).toBe('unauthenticated');
    });
  });

  describe('expiry', () => {
    it('answers 401 session_expired once the idle expiry has passed', async () => {
      const { sid } = await signIn(t, user);
      const { sessionId } = (await me(sid).expect(200)).body.auth;
      await changeSession(sessionId, { expiresAt: new Date(Date.now() - 1000) });
      const res = await me(sid).expect(401);
      expect(res.body.code).toBe('session_expired');
    });

    it('ends even an active remember-me session at the absolute lifetime', async () => {
      const { sid } = await signIn(t, user, { rememberMe: true });
      const { sessionId } = (await me(sid).expect(200)).body.auth;
      await changeSession(sessionId, { absoluteExpiresAt: new Date(Date.now() - 1000), lastSeenAt: new Date(0) });
      const res = await me(sid).expect(401);
      expect(res.body.code).toBe('session_expired');
      const row = await sessions().findOneByOrFail({ id: sessionId });
      expect(row.lastSeenAt.getTime()).toBe(0); // an expired session is not slid back to life
    });

    it('deletes expired sessions when sweeping', async () => {
      const { sid } = await signIn(t, user);
      const { sessionId } = (await me(sid).expect(200)).body.auth;
      await changeSession(sessionId, { expiresAt: new Date(Date.now() - 1000) });
      expect(await t.app.get(SessionsService).sweepExpired()).toBeGreaterThanOrEqual(1);
      expect(await sessions().findOneBy({ id: sessionId })).toBeNull();
    });

    it('sweeps a backlog of expired sessions larger than one batch, and only those', async () => {
      const { sid } = await signIn(t, user);
      const { sessionId } = (await me(sid).expect(200)).body.auth;
      const template = await sessions().findOneByOrFail({ id: sessionId });
      const past = new Date(Date.now() - 60_000);
      const backlog = Array.from({ length: SWEEP_BATCH * 2 + 7 }, (_, i) => ({
        ...template,
        id: randomUUID(),
        secretHash: `expired-${i}-${randomUUID()}`.padEnd(64, '0').slice(0, 64),
        expiresAt: past,
      }));
      for (let i = 0; i < backlog.length; i += 100) await sessions().insert(backlog.slice(i, i + 100));
      expect(await t.app.get(SessionsService).sweepExpired()).toBeGreaterThanOrEqual(backlog.length);
      expect(await sessions().countBy({ expiresAt: LessThan(new Date()) })).toBe(0);
      await me(sid).expect(200); // the live session is untouched
    });

    (onPostgres ? it.skip : it)('finds expired sessions through the expiresAt index, not by reading the whole table', async () => {
      const logged = jest.spyOn(t.db.logger, 'logQuery'); // observes every statement the driver runs
      let statements: typeof logged.mock.calls;
      try {
        await t.app.get(SessionsService).sweepExpired();
      } finally {
        statements = [...logged.mock.calls];
        logged.mockRestore();
      }
      const reads = statements.filter(([sql]) => /^SELECT .* FROM "sessions"/.test(sql));
      expect(reads).not.toHaveLength(0);
      for (const [sql, parameters] of reads) {
        const plan = (await t.db.query(`EXPLAIN QUERY PLAN ${sql}`, parameters)) as Array<{ detail: string }>;
        expect(plan.map((step) => step.detail).join('; ')).toMatch(/USING (COVERING )?INDEX IDX_sessions_expiresAt/);
      }
    });
  });

  describe('sliding expiry', () => {
    it('writes activity at most once a minute per session', async () => {
      const { sid } = await signIn(t, user, { rememberMe: true });
      const { sessionId } = (await me(sid).expect(200)).body.auth;
      const initial = await sessions().findOneByOrFail({ id: sessionId });
      const quick = await me(sid).expect(200);
      await me(sid).expect(200);
      const unchanged = await sessions().findOneByOrFail({ id: sessionId });
      expect(unchanged.lastSeenAt).toEqual(initial.lastSeenAt);
      expect(unchanged.expiresAt).toEqual(initial.expiresAt);
      expect(setCookieLine(quick.headers['set-cookie'], 'sid')).toBeUndefined();

      // A minute later (moved back in the table rather than waited for), the next request slides it.
      const minuteAgo = new Date(Date.now() - 61_000);
      await changeSession(sessionId, { lastSeenAt: minuteAgo, expiresAt: new Date(Date.now() + 1000) });
      const slid = await me(sid).expect(200);
      const after = await sessions().findOneByOrFail({ id: sessionId });
      expect(after.lastSeenAt.getTime()).toBeGreaterThan(minuteAgo.getTime() + 60_000);
      expect(after.expiresAt.getTime() - after.lastSeenAt.getTime()).toBe(14 * 86400 * 1000);
      // /auth/me shows the new expiry from then on (its answer is reused only while nothing in it changed)
      expect((await me(sid).expect(200)).body.auth.expiresAt).toBe(after.expiresAt.toISOString());
      // and the persistent cookie is sent again with a fresh Max-Age
      expect(setCookieLine(slid.headers['set-cookie'], 'sid')).toMatch(/Max-Age=1209[56]\d\d;/);
    });
  });
});

describe('cookie sessions with short lifetimes', () => {
  it('expires an idle session after SESSION_TTL', async () => {
    // 2 s, not 1: a loaded CI machine must not let the session idle out between sign-in and the first request.
    const t = await startTestApp({ SESSION_TTL: '2s' });
    try {
      const user = await createUser(t);
      const { sid } = await signIn(t, user);
      await request(t.server).get('/auth/me').set('Cookie', sid).expect(200);
      await new Promise((resolve) => setTimeout(resolve, 2300));
      const res = await request(t.server).get('/auth/me').set('Cookie', sid).expect(401);
      expect(res.body.code).toBe('session_expired');
    } finally {
      await t.close();
    }
  });

  it('keeps a session that is in use alive past SESSION_TTL, even one shorter than SESSION_TOUCH_INTERVAL', async () => {
    // Activity is written at most once per touch interval (60 s by default) but at least ten
    // times per lifetime: with a 2 s lifetime, a request every 0.9 s must keep the session.
    const t = await startTestApp({ SESSION_TTL: '2s' });
    try {
      const user = await createUser(t);
      const { sid } = await signIn(t, user);
      const started = Date.now();
      while (Date.now() - started < 3500) {
        await new Promise((resolve) => setTimeout(resolve, 900));
        await request(t.server).get('/auth/me').set('Cookie', sid).expect(200);
      }
      const row = await t.db.getRepository(Session).findOneByOrFail({ userId: user.id });
      expect(row.expiresAt.getTime()).toBeGreaterThan(started + 3500);
    } finally {
      await t.close();
    }
  });

  it('caps a remember-me session at SESSION_ABSOLUTE_TTL', async () => {
    const t = await startTestApp({ SESSION_ABSOLUTE_TTL: '1s' });
    try {
      const user = await createUser(t);
      const { sid } = await signIn(t, user, { rememberMe: true });
      await new Promise((resolve) => setTimeout(resolve, 1200));
      const res = await request(t.server).get('/auth/me').set('Cookie', sid).expect(401);
      expect(res.body.code).toBe('session_expired');
    } finally {
      await t.close();
    }
  });
});

describe('cookie sessions across a restart', () => {
  it('keeps a persistent session valid when the app restarts on the same data', async () => {
    const dataDir = newDataDir();
    // No SESSION_SECRET: development generates one into the data folder and reads it back.
    const first = await startTestApp({ SESSION_SECRET: '' }, dataDir);
    const user = await createUser(first);
    const { sid } = await signIn(first, user, { rememberMe: true });
    await first.close();

    const second = await startTestApp({ SESSION_SECRET: '' }, dataDir);
    try {
      const res = await request(second.server).get('/auth/me').set('Cookie', sid).expect(200);
      expect(res.body).toMatchObject({ id: user.id, auth: { method: 'session', persistent: true } });
    } finally {
      await second.close();
    }
  });
});

describe('secure cookies', () => {
  it('marks the sid cookie Secure when COOKIE_SECURE=true (behind a trusted HTTPS proxy)', async () => {
    const t = await startTestApp({ COOKIE_SECURE: 'true', TRUST_PROXY: 'loopback' });
    try {
      const user = await createUser(t);
      // supertest keeps Secure cookies to itself over plain HTTP, so send the CSRF cookie by hand.
      const csrf = await request(t.server).get('/auth/csrf').set('X-Forwarded-Proto', 'https').expect(200);
      const csrfCookie = setCookieLine(csrf.headers['set-cookie'], '__Host-authkit.csrf')!;
      expect(csrfCookie).toMatch(/; Secure/);
      const res = await request(t.server)
        .post('/auth/login')
        .set('X-Forwarded-Proto', 'https')
        .set('Cookie', csrfCookie.split(';')[0])
        .set('X-CSRF-Token', csrf.body.csrfToken)
        .send({ username: user.username, password: user.password })
        .expect(200);
      expect(setCookieLine(res.headers['set-cookie'], 'sid')).toMatch(/; Secure/);
    } finally {
      await t.close();
    }
  });

  it('sets the sid cookie, Secure, when COOKIE_SECURE=true and nothing says the request came over HTTPS', async () => {
    // The setting decides the attribute (as Django's SESSION_COOKIE_SECURE does); express-session
    // alone would have set no cookie at all here, leaving a 200 sign-in signed out.
    const t = await startTestApp({ COOKIE_SECURE: 'true' });
    try {
      const user = await createUser(t);
      const csrf = await request(t.server).get('/auth/csrf').expect(200);
      const csrfCookie = setCookieLine(csrf.headers['set-cookie'], '__Host-authkit.csrf')!;
      const res = await request(t.server)
        .post('/auth/login')
        .set('Cookie', csrfCookie.split(';')[0])
        .set('X-CSRF-Token', csrf.body.csrfToken)
        .send({ username: user.username, password: user.password, rememberMe: true })
        .expect(200);
      const sid = setCookieLine(res.headers['set-cookie'], 'sid');
      expect(sid).toMatch(/; Max-Age=\d+;/);
      expect(sid).toMatch(/; HttpOnly/);
      expect(sid!.match(/; Secure/g)).toHaveLength(1);
      // A client that returns it (a browser would, over HTTPS) is signed in.
      const me = await request(t.server).get('/auth/me').set('Cookie', sid!.split(';')[0]).expect(200);
      expect(me.body).toMatchObject({ id: user.id, auth: { method: 'session', persistent: true } });
    } finally {
      await t.close();
    }
  });

  it('does not mark the sid cookie Secure when COOKIE_SECURE is off', async () => {
    const t = await startTestApp({ COOKIE_SECURE: 'false' });
    try {
      const user = await createUser(t);
      const { res } = await signIn(t, user);
      expect(setCookieLine(res.headers['set-cookie'], 'sid')).not.toMatch(/secure/i);
    } finally {
      await t.close();
    }
  });
});
