import request from 'supertest';
import { Session } from '../src/sessions/session.entity';
import { User } from '../src/users/user.entity';
import { bearer, Browser, createAdmin, createUser, signIn, tokenLogin, TestUser } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';

type Caller = { name: string; send: (method: 'get' | 'patch' | 'delete', path: string, body?: object) => request.Test };

describe('admin API', () => {
  let t: TestApp;
  let admin: TestUser;
  let adminToken: string;
  beforeAll(async () => {
    t = await startTestApp();
    admin = await createAdmin(t);
    adminToken = (await tokenLogin(t, admin)).accessToken;
  });
  afterAll(() => t.close());

  const asAdmin = (method: 'get' | 'patch' | 'delete', path: string) => request(t.server)[method](path).set(...bearer(adminToken));
  const expectCode = (res: request.Response, status: number, code: string) =>
    expect({ status: res.status, code: res.body.code }).toEqual({ status, code });

  function viaToken(name: string, token: string): Caller {
    return { name, send: (method, path, body) => request(t.server)[method](path).set(...bearer(token)).send(body) };
  }
  function viaCookie(name: string, browser: Browser): Caller {
    return { name, send: (method, path, body) => browser.agent[method](path).set('X-CSRF-Token', browser.csrf).send(body) };
  }

  describe('access to every admin route', () => {
    it('is 401 anonymous, 403 forbidden for a user, allowed for an admin: by cookie and by bearer', async () => {
      const target = await createUser(t);
      const user = await createUser(t);
      const admin2 = await createAdmin(t);
      const routes: Array<[method: 'get' | 'patch' | 'delete', path: string, body: object | undefined, ok: number]> = [
        ['get', '/admin/users', undefined, 200],
        ['get', `/admin/users/${target.id}`, undefined, 200],
        ['patch', `/admin/users/${target.id}`, { roles: ['user'] }, 200],
        ['delete', `/admin/users/${target.id}/sessions`, undefined, 204],
        ['get', '/admin/audit', undefined, 200],
      ];
      const users = [viaToken('user by bearer', (await tokenLogin(t, user)).accessToken), viaCookie('user by cookie', await signIn(t, user))];
      const admins = [viaToken('admin by bearer', (await tokenLogin(t, admin2)).accessToken), viaCookie('admin by cookie', await signIn(t, admin2))];
      for (const [method, path, body, ok] of routes) {
        const anonymous = await request(t.server)[method](path).send(body);
        expect({ path, status: anonymous.status, code: anonymous.body.code }).toEqual({ path, status: 401, code: 'unauthenticated' });
        for (const caller of users) {
          const res = await caller.send(method, path, body);
          expect({ who: caller.name, path, status: res.status, code: res.body.code }).toEqual({ who: caller.name, path, status: 403, code: 'forbidden' });
        }
        for (const caller of admins) {
          const res = await caller.send(method, path, body);
          expect({ who: caller.name, path, status: res.status }).toEqual({ who: caller.name, path, status: ok });
        }
      }
    });

    it('still needs a CSRF token for an admin on a cookie session', async () => {
      const browser = await signIn(t, await createAdmin(t));
      const target = await createUser(t);
      expectCode(await browser.agent.patch(`/admin/users/${target.id}`).send({ roles: ['user'] }), 403, 'csrf_invalid');
    });
  });

  describe('roles take effect on the next request, without a new login', () => {
    it('promotes and demotes, for bearer and cookie clients alike', async () => {
      const user = await createUser(t);
      const phone = await tokenLogin(t, user);
      const browser = await signIn(t, user);
      expectCode(await request(t.server).get('/admin/users').set(...bearer(phone.accessToken)), 403, 'forbidden');
      // Seen once before the change: no answer made from the old user may be served after it.
      expect((await browser.agent.get('/auth/me')).body.roles).toEqual(['user']);

      const promoted = await asAdmin('patch', `/admin/users/${user.id}`).send({ roles: ['user', 'admin'] }).expect(200);
      expect(promoted.body).toMatchObject({ id: user.id, roles: ['user', 'admin'], disabled: false });
      await request(t.server).get('/admin/users').set(...bearer(phone.accessToken)).expect(200);
      await browser.agent.get('/admin/users').expect(200);
      expect((await request(t.server).get('/auth/me').set(...bearer(phone.accessToken))).body.roles).toEqual(['user', 'admin']);
      expect((await browser.agent.get('/auth/me')).body.roles).toEqual(['user', 'admin']);

      await asAdmin('patch', `/admin/users/${user.id}`).send({ roles: ['user'] }).expect(200);
      expectCode(await request(t.server).get('/admin/users').set(...bearer(phone.accessToken)), 403, 'forbidden');
      expectCode(await browser.agent.get('/admin/users'), 403, 'forbidden');
      expect((await browser.agent.get('/auth/me')).body.roles).toEqual(['user']);
    });

    it('rejects unknown roles and unknown fields with 400 validation_failed, changing nothing', async () => {
      const user = await createUser(t);
      for (const body of [{ roles: ['superuser'] }, { roles: [] }, { roles: 'admin' }, { email: 'x@example.com' }, { disabled: 'yes' }]) {
        expectCode(await asAdmin('patch', `/admin/users/${user.id}`).send(body), 400, 'validation_failed');
      }
      const res = await asAdmin('get', `/admin/users/${user.id}`).expect(200);
      expect(res.body).toMatchObject({ roles: ['user'], disabled: false, email: user.email });
    });

    it('answers 404 for an unknown user', async () => {
      for (const [method, path] of [
        ['get', '/admin/users/00000000-0000-4000-8000-000000000000'],
        ['patch', '/admin/users/00000000-0000-4000-8000-000000000000'],
        ['delete', '/admin/users/nope/sessions'],
      ] as const) {
        expectCode(await asAdmin(method, path).send({ disabled: false }), 404, 'not_found');
      }
    });
  });

  describe('disabling an account', () => {
    it('ends every session at once, and its logins then fail like a wrong password', async () => {
      const user = await createUser(t);
      const phone = await tokenLogin(t, user);
      const browser = await signIn(t, user);
      const res = await asAdmin('patch', `/admin/users/${user.id}`).send({ disabled: true }).expect(200);
      expect(res.body.disabled).toBe(true);
      expectCode(await request(t.server).get('/auth/me').set(...bearer(phone.accessToken)), 401, 'session_revoked');
      expectCode(await request(t.server).post('/auth/token/refresh').send({ refreshToken: phone.refreshToken }), 401, 'session_revoked');
      expect((await browser.agent.get('/auth/me')).status).toBe(401);
      expectCode(await request(t.server).post('/auth/token').send({ username: user.username, password: user.password }), 401, 'invalid_credentials');
      expect((await asAdmin('get', `/admin/users/${user.id}`).expect(200)).body.activeSessions).toBe(0);

      await asAdmin('patch', `/admin/users/${user.id}`).send({ disabled: false }).expect(200);
      await tokenLogin(t, user);
    });
  });

  describe('the last admin', () => {
    it('cannot be demoted or disabled (409 last_admin); with a second admin it can', async () => {
      const solo = await startTestApp();
      try {
        const only = await createAdmin(solo);
        const token = (await tokenLogin(solo, only)).accessToken;
        const patch = (body: object) => request(solo.server).patch(`/admin/users/${only.id}`).set(...bearer(token)).send(body);
        expectCode(await patch({ roles: ['user'] }), 409, 'last_admin');
        expectCode(await patch({ disabled: true }), 409, 'last_admin');
        await request(solo.server).get('/admin/users').set(...bearer(token)).expect(200); // still an admin
        await createAdmin(solo);
        await patch({ roles: ['user'] }).expect(200);
        expectCode(await request(solo.server).get('/admin/users').set(...bearer(token)), 403, 'forbidden');
      } finally {
        await solo.close();
      }
    });

    it('is judged on the rows as they are, not on copies this instance cached before another changed them', async () => {
      const solo = await startTestApp();
      try {
        const actor = await createAdmin(solo);
        const target = await createUser(solo);
        const token = (await tokenLogin(solo, actor)).accessToken;
        await request(solo.server).get(`/admin/users/${target.id}`).set(...bearer(token)).expect(200); // target cached as a plain user
        // Elsewhere (another instance, unseen here): the target becomes the only admin.
        await solo.db.getRepository(User).update({ id: target.id }, { roles: ['user', 'admin'] });
        await solo.db.getRepository(User).update({ id: actor.id }, { roles: ['user'] });
        const res = await request(solo.server).patch(`/admin/users/${target.id}`).set(...bearer(token)).send({ disabled: true });
        expectCode(res, 409, 'last_admin');
        expect((await solo.db.getRepository(User).findOneByOrFail({ id: target.id })).disabled).toBe(false);
      } finally {
        await solo.close();
      }
    });

    it('two admins demoting each other at the same moment: exactly one succeeds, one admin is left', async () => {
      const pair = await startTestApp();
      try {
        const [first, second] = [await createAdmin(pair), await createAdmin(pair)];
        const tokens = [(await tokenLogin(pair, first)).accessToken, (await tokenLogin(pair, second)).accessToken];
        for (let round = 0; round < 5; round++) {
          const results = await Promise.all([
            request(pair.server).patch(`/admin/users/${second.id}`).set(...bearer(tokens[0])).send({ disabled: true }),
            request(pair.server).patch(`/admin/users/${first.id}`).set(...bearer(tokens[1])).send({ disabled: true }),
          ]);
          // The loser is refused by the last-admin rule (409), or, when it is checked after the
          // winner committed, as the disabled admin it now is (401).
          const statuses = results.map((res) => res.status).sort();
          expect(statuses[0]).toBe(200);
          expect([401, 409]).toContain(statuses[1]);
          const admins = await pair.db.getRepository(User).findBy({ disabled: false });
          expect(admins.filter((user) => user.roles.includes('admin'))).toHaveLength(1);
          // bring both back for the next round
          await pair.db.getRepository(User).update({ disabled: true }, { disabled: false });
          await pair.db.getRepository(Session).update({ revokedReason: 'user_disabled' }, { revokedAt: null, revokedReason: null });
          const { UsersService } = await import('../src/users/users.service');
          const { SessionsService } = await import('../src/sessions/sessions.service');
          for (const user of [first, second]) await pair.app.get(UsersService).evictCached(user.id);
          for (const row of await pair.db.getRepository(Session).find()) await pair.app.get(SessionsService).evictFromCache(row.id);
        }
      } finally {
        await pair.close();
      }
    });
  });

  describe('DELETE /admin/users/:id/sessions', () => {
    it('signs the user out everywhere, both kinds', async () => {
      const user = await createUser(t);
      const phone = await tokenLogin(t, user);
      const browser = await signIn(t, user);
      await asAdmin('delete', `/admin/users/${user.id}/sessions`).expect(204);
      expectCode(await request(t.server).get('/auth/me').set(...bearer(phone.accessToken)), 401, 'session_revoked');
      expectCode(await browser.agent.get('/auth/me'), 401, 'session_revoked');
      const rows = await t.db.getRepository(Session).findBy({ userId: user.id });
      expect(rows.every((row) => row.revokedReason === 'admin')).toBe(true);
      await tokenLogin(t, user); // the account itself is fine
    });
  });

  describe('GET /admin/users', () => {
    it('pages, counts and searches by username or email, case-insensitively', async () => {
      const unique = `zq${Date.now() % 100000}`;
      for (let i = 0; i < 3; i++) await createUser(t, { username: `${unique}_${i}`, email: `${unique}.${i}@Example.com` });
      const page1 = await asAdmin('get', `/admin/users?q=${unique.toUpperCase()}&limit=2&page=1`).expect(200);
      expect(page1.body).toMatchObject({ total: 3, page: 1, limit: 2 });
      expect(page1.body.items).toHaveLength(2);
      expect(page1.body.items[0]).toEqual({
        id: expect.any(String),
        username: `${unique}_2`,
        email: `${unique}.2@example.com`,
        roles: ['user'],
        emailVerified: false,
        createdAt: expect.any(String),
        disabled: false,
        lastLoginAt: null,
      });
      const page2 = await asAdmin('get', `/admin/users?q=${unique}&limit=2&page=2`).expect(200);
      expect(page2.body.items.map((u: { username: string }) => u.username)).toEqual([`${unique}_0`]);
      const byEmail = await asAdmin('get', `/admin/users?q=${unique}.1@`).expect(200);
      expect(byEmail.body.total).toBe(1);
      const wildcard = await asAdmin('get', '/admin/users?q=%25').expect(200);
      expect(wildcard.body.total).toBe(0); // % is a character to look for, not a wildcard
    });

    it('rejects bad paging with 400 validation_failed', async () => {
      for (const query of ['page=0', 'limit=101', 'limit=abc', 'page=-1', 'unknown=1', 'page=1e18', 'page=1&page=2', 'q=a%00b']) {
        expectCode(await asAdmin('get', `/admin/users?${query}`), 400, 'validation_failed');
      }
      expectCode(await asAdmin('get', '/admin/users/%00'), 400, 'validation_failed');
    });

    it('treats blank query parameters as not given, as in API.md\'s template', async () => {
      const users = await asAdmin('get', '/admin/users?page=&limit=&q=').expect(200);
      expect(users.body.page).toBe(1);
      await asAdmin('get', '/admin/audit?userId=&type=&page=&limit=').expect(200);
    });

    it('reports lastLoginAt and the count of active sessions', async () => {
      const user = await createUser(t);
      await tokenLogin(t, user);
      await signIn(t, user);
      const res = await asAdmin('get', `/admin/users/${user.id}`).expect(200);
      expect(res.body.activeSessions).toBe(2);
      expect(Date.parse(res.body.lastLoginAt)).toBeGreaterThan(Date.now() - 60_000);
    });

    it('shows a new login of a user already in memory, who keeps being served from memory', async () => {
      const user = await createUser(t);
      const first = await tokenLogin(t, user);
      await request(t.server).get('/auth/me').set(...bearer(first.accessToken)).expect(200); // the user is now cached
      const before = Date.parse((await asAdmin('get', `/admin/users/${user.id}`).expect(200)).body.lastLoginAt);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const second = await tokenLogin(t, user);
      const userReads = jest.spyOn(t.db.getRepository(User), 'findOneBy'); // observes; the real repository answers
      try {
        await request(t.server).get('/auth/me').set(...bearer(second.accessToken)).expect(200);
        expect(userReads).not.toHaveBeenCalled();
      } finally {
        userReads.mockRestore();
      }
      const after = Date.parse((await asAdmin('get', `/admin/users/${user.id}`).expect(200)).body.lastLoginAt);
      expect(after).toBeGreaterThan(before);
      const stored = await t.db.getRepository(User).findOneByOrFail({ id: user.id });
      expect(stored.lastLoginAt!.getTime()).toBe(after);
    });
  });
});
