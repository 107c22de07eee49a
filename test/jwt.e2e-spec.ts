import { createLocalJWKSet, jwtVerify } from 'jose';
import request from 'supertest';
import { IsNull } from 'typeorm';
import { SigningKey } from '../src/auth/jwt/signing-key.entity';
import { Session } from '../src/sessions/session.entity';
import { SpentRefreshToken } from '../src/sessions/spent-refresh-token.entity';
import { bearer, createUser, sessionCookie, signIn, tokenLogin, TestUser } from './helpers/factories';
import { decodeJwt, forgeJwt } from './helpers/jwt-forgery';
import { startTestApp, TestApp } from './helpers/test-app';

describe('JWT clients', () => {
  let t: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    t = await startTestApp();
    user = await createUser(t);
  });
  afterAll(() => t.close());

  const me = (token: string) => request(t.server).get('/auth/me').set(...bearer(token));
  const refresh = (refreshToken: string) => request(t.server).post('/auth/token/refresh').send({ refreshToken });
  const activeKey = () => t.db.getRepository(SigningKey).findOneByOrFail({ algorithm: 'RS256', retiredAt: IsNull() });
  const expectCode = (res: request.Response, status: number, code: string) => {
    expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
  };

  describe('POST /auth/token', () => {
    it('refuses a wrong password like the browser login, with 401 invalid_credentials', async () => {
      const res = await request(t.server).post('/auth/token').send({ username: user.username, password: 'wrong password' });
      expectCode(res, 401, 'invalid_credentials');
      const unknown = await request(t.server).post('/auth/token').send({ username: 'nobody_at_all', password: 'wrong password' });
      expect(unknown.body).toEqual(res.body);
    });

    it('rejects bad input with 400 validation_failed', async () => {
      const res = await request(t.server).post('/auth/token').send({ username: user.username, password: user.password, roles: ['admin'] });
      expectCode(res, 400, 'validation_failed');
    });

    it('answers tokens without cookies or CSRF, and records a JWT session row', async () => {
      const res = await request(t.server)
        .post('/auth/token')
        .set('User-Agent', 'AuthkitTest/1.0')
        .send({ username: user.username, password: user.password, deviceName: "Ada's phone" })
        .expect(200);
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.body).toEqual({
        accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
        tokenType: 'Bearer',
        expiresIn: 900,
        refreshToken: expect.stringMatching(/^[\w-]{43}$/),
        refreshExpiresIn: expect.any(Number),
        sessionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
      expect(res.body.refreshExpiresIn).toBe(30 * 86400); // REFRESH_TOKEN_TTL's default, to the second
      const row = await t.db.getRepository(Session).findOneByOrFail({ id: res.body.sessionId });
      expect(row).toMatchObject({ userId: user.id, kind: 'jwt', deviceName: "Ada's phone", userAgent: 'AuthkitTest/1.0' });
      expect(row.secretHash).not.toBe(res.body.refreshToken);
    });

    it('issues an access token with exactly the header and claims of API.md', async () => {
      const tokens = await tokenLogin(t, user);
      const { header, payload } = decodeJwt(tokens.accessToken);
      const key = await activeKey();
      expect(header).toEqual({ alg: 'RS256', typ: 'JWT', kid: key.kid });
      expect(Object.keys(payload).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'roles', 'sid', 'sub']);
      expect(payload).toMatchObject({ sub: user.id, sid: tokens.sessionId, roles: ['user'], iss: 'authkit', aud: 'authkit' });
      expect((payload.exp as number) - (payload.iat as number)).toBe(900);
    });

    it('issues tokens another service can verify with jose against the JWKS endpoint', async () => {
      const tokens = await tokenLogin(t, user);
      const jwks = await request(t.server).get('/.well-known/jwks.json').expect(200);
      expect(jwks.body.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String), e: 'AQAB' });
      expect(JSON.stringify(jwks.body)).not.toMatch(/"d"|"p"|"q"|PRIVATE/);
      const { payload, protectedHeader } = await jwtVerify(tokens.accessToken, createLocalJWKSet(jwks.body), {
        issuer: 'authkit',
        audience: 'authkit',
        algorithms: ['RS256'],
      });
      expect(protectedHeader.kid).toBe(jwks.body.keys[0].kid);
      expect(payload.sub).toBe(user.id);
    });
  });

  describe('bearer authentication', () => {
    it('rejects forged, tampered and malformed tokens with 401 token_invalid', async () => {
      const tokens = await tokenLogin(t, user);
      const { header, payload } = decodeJwt(tokens.accessToken);
      const key = await activeKey();
      const [h, , s] = tokens.accessToken.split('.');
      const admin = Buffer.from(JSON.stringify({ ...payload, roles: ['admin'] })).toString('base64url');
      const cases: Record<string, string> = {
        'alg none': forgeJwt({ ...header, alg: 'none' }, payload),
        'tampered payload': `${h}.${admin}.${s}`,
        'HS256 signed with the RSA public key': forgeJwt({ ...header, alg: 'HS256' }, payload, { hs256Secret: key.publicKey! }),
        'wrong issuer': forgeJwt(header, { ...payload, iss: 'someone-else' }, { rs256PrivateKey: key.privateKey }),
        'wrong audience': forgeJwt(header, { ...payload, aud: 'another-api' }, { rs256PrivateKey: key.privateKey }),
        'unknown kid': forgeJwt({ ...header, kid: 'not-a-key' }, payload, { rs256PrivateKey: key.privateKey }),
        'no kid': forgeJwt({ alg: 'RS256', typ: 'JWT' }, payload, { rs256PrivateKey: key.privateKey }),
        garbage: 'this.is.not-a-jwt',
        'refresh token as access token': tokens.refreshToken,
      };
      for (const [name, token] of Object.entries(cases)) {
        const res = await me(token);
        expect({ name, status: res.status, code: res.body.code }).toEqual({ name, status: 401, code: 'token_invalid' });
      }
      await me(tokens.accessToken).expect(200);
    });

    it('rejects an Authorization header without the Bearer scheme', async () => {
      const tokens = await tokenLogin(t, user);
      for (const value of [tokens.accessToken, `Basic ${tokens.accessToken}`, 'Bearer', 'Bearer ']) {
        const res = await request(t.server).get('/auth/me').set('Authorization', value);
        expectCode(res, 401, 'token_invalid');
      }
    });

    it('reports the JWT login in GET /auth/me', async () => {
      const tokens = await tokenLogin(t, user);
      const res = await me(tokens.accessToken).expect(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toMatchObject({ id: user.id, username: user.username, roles: ['user'] });
      expect(res.body.auth).toEqual({ method: 'jwt', sessionId: tokens.sessionId, persistent: true, expiresAt: expect.any(String) });
      expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(JSON.stringify(res.body)));
      // The same answer again is byte for byte the same; HEAD has its headers and no body.
      expect((await me(tokens.accessToken).expect(200)).text).toBe(res.text);
      const head = await request(t.server).head('/auth/me').set(...bearer(tokens.accessToken)).expect(200);
      expect(head.headers['content-length']).toBe(res.headers['content-length']);
      expect(head.text).toBeUndefined();
    });

    it('needs no CSRF token for unsafe requests', async () => {
      const tokens = await tokenLogin(t, user);
      await request(t.server).delete('/auth/sessions').set(...bearer(tokens.accessToken)).expect(204);
    });
  });

  describe('POST /auth/token/refresh', () => {
    it('rejects an unknown token and an access token used as a refresh token', async () => {
      const tokens = await tokenLogin(t, user);
      expectCode(await refresh('not-a-real-refresh-token'), 401, 'token_invalid');
      expectCode(await refresh(tokens.accessToken), 401, 'token_invalid');
      expectCode(await request(t.server).post('/auth/token/refresh').send({}), 400, 'validation_failed');
      await refresh(tokens.refreshToken).expect(200); // none of that harmed the session
    });

    it('rotates: a new refresh token each time, the same session, and the old token spent', async () => {
      const first = await tokenLogin(t, user);
      const second = (await refresh(first.refreshToken).expect(200)).body;
      expect(second).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, sessionId: first.sessionId });
      // Never past the session's absolute limit: by default 30 days from the login, as long as a refresh token lives.
      expect(second.refreshExpiresIn).toBeLessThanOrEqual(30 * 86400);
      expect(second.refreshExpiresIn).toBeGreaterThan(30 * 86400 - 60);
      expect(second.refreshToken).not.toBe(first.refreshToken);
      expect(second.accessToken).not.toBe(first.accessToken);
      await me(second.accessToken).expect(200);
      const third = (await refresh(second.refreshToken).expect(200)).body;
      await me(third.accessToken).expect(200);
      expect(await t.db.getRepository(SpentRefreshToken).countBy({ sessionId: first.sessionId })).toBe(2);
    });

    it('treats a spent token shown again as theft: 401 refresh_token_reused, and the whole session dies', async () => {
      const stolen = await tokenLogin(t, user);
      const legit = (await refresh(stolen.refreshToken).expect(200)).body;
      expectCode(await refresh(stolen.refreshToken), 401, 'refresh_token_reused');
      expectCode(await refresh(legit.refreshToken), 401, 'session_revoked');
      expectCode(await me(legit.accessToken), 401, 'session_revoked');
      expectCode(await me(stolen.accessToken), 401, 'session_revoked');
      const row = await t.db.getRepository(Session).findOneByOrFail({ id: stolen.sessionId });
      expect(row.revokedReason).toBe('refresh_token_reused');
    });

    it('lets only one of two simultaneous refreshes with the same token succeed', async () => {
      const tokens = await tokenLogin(t, user);
      const results = await Promise.all([refresh(tokens.refreshToken), refresh(tokens.refreshToken)]);
      const statuses = results.map((res) => res.status).sort();
      expect(statuses).toEqual([200, 401]);
      expect(results.find((res) => res.status === 401)!.body.code).toBe('refresh_token_reused');
    });
  });

  describe('logout by bearer token', () => {
    it('ends the JWT session: its access and refresh tokens stop working', async () => {
      const tokens = await tokenLogin(t, user);
      await request(t.server).post('/auth/logout').set(...bearer(tokens.accessToken)).expect(204);
      expectCode(await me(tokens.accessToken), 401, 'session_revoked');
      expectCode(await refresh(tokens.refreshToken), 401, 'session_revoked');
    });
  });

  describe('one session list for both kinds', () => {
    it('shows a cookie login and a JWT login of the same user, with one current', async () => {
      const owner = await createUser(t);
      const browser = await signIn(t, owner);
      const phone = await tokenLogin(t, owner, 'Pixel');
      const fromBrowser = (await browser.agent.get('/auth/sessions').expect(200)).body;
      expect(fromBrowser).toHaveLength(2);
      expect(fromBrowser.map((s: { kind: string }) => s.kind)).toEqual(['jwt', 'cookie']); // newest first
      expect(fromBrowser.filter((s: { current: boolean }) => s.current)).toEqual([expect.objectContaining({ kind: 'cookie' })]);
      expect(fromBrowser[0]).toEqual({
        id: phone.sessionId,
        kind: 'jwt',
        createdAt: expect.any(String),
        lastSeenAt: expect.any(String),
        expiresAt: expect.any(String),
        persistent: true,
        userAgent: null, // supertest sends none
        ip: expect.any(String),
        deviceName: 'Pixel',
        current: false,
      });
      const fromPhone = (await request(t.server).get('/auth/sessions').set(...bearer(phone.accessToken)).expect(200)).body;
      expect(fromPhone.find((s: { current: boolean }) => s.current).id).toBe(phone.sessionId);
    });

    it('lets the browser end the mobile login (CSRF needed), and its token dies at once', async () => {
      const owner = await createUser(t);
      const browser = await signIn(t, owner);
      const phone = await tokenLogin(t, owner);
      const noCsrf = await browser.agent.delete(`/auth/sessions/${phone.sessionId}`);
      expectCode(noCsrf, 403, 'csrf_invalid');
      await me(phone.accessToken).expect(200);
      await browser.agent.delete(`/auth/sessions/${phone.sessionId}`).set('X-CSRF-Token', browser.csrf).expect(204);
      expectCode(await me(phone.accessToken), 401, 'session_revoked');
      expectCode(await refresh(phone.refreshToken), 401, 'session_revoked');
      const list = (await browser.agent.get('/auth/sessions').expect(200)).body;
      expect(list.map((s: { id: string }) => s.id)).not.toContain(phone.sessionId);
    });

    it('lets the mobile app end the browser login: the cookie gets 401 session_revoked', async () => {
      const owner = await createUser(t);
      const browser = await signIn(t, owner);
      const phone = await tokenLogin(t, owner);
      const cookieSessionId = (await browser.agent.get('/auth/me').expect(200)).body.auth.sessionId;
      await request(t.server).delete(`/auth/sessions/${cookieSessionId}`).set(...bearer(phone.accessToken)).expect(204);
      expectCode(await browser.agent.get('/auth/me'), 401, 'session_revoked');
    });

    it("answers 404 for another user's session, an unknown id, or one already ended", async () => {
      const owner = await createUser(t);
      const other = await createUser(t);
      const mine = await tokenLogin(t, owner);
      const theirs = await tokenLogin(t, other);
      for (const id of [theirs.sessionId, '00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
        expectCode(await request(t.server).delete(`/auth/sessions/${id}`).set(...bearer(mine.accessToken)), 404, 'not_found');
      }
      await me(theirs.accessToken).expect(200);
    });

    it('DELETE /auth/sessions ends every other session and keeps the current one', async () => {
      const owner = await createUser(t);
      const browser = await signIn(t, owner);
      const phone = await tokenLogin(t, owner);
      const tablet = await tokenLogin(t, owner);
      await request(t.server).delete('/auth/sessions').set(...bearer(phone.accessToken)).expect(204);
      await me(phone.accessToken).expect(200);
      expectCode(await me(tablet.accessToken), 401, 'session_revoked');
      expectCode(await browser.agent.get('/auth/me'), 401, 'session_revoked');
    });
  });

  describe('POST /auth/password', () => {
    it('refuses a wrong current password (401 invalid_credentials) and a common new one (400)', async () => {
      const owner = await createUser(t);
      const phone = await tokenLogin(t, owner);
      const wrong = await request(t.server)
        .post('/auth/password')
        .set(...bearer(phone.accessToken))
        .send({ currentPassword: 'not it at all', newPassword: 'a brand new secret phrase' });
      expectCode(wrong, 401, 'invalid_credentials');
      const common = await request(t.server)
        .post('/auth/password')
        .set(...bearer(phone.accessToken))
        .send({ currentPassword: owner.password, newPassword: 'password123' });
      expectCode(common, 400, 'password_too_common');
      await tokenLogin(t, owner); // the old password still works
    });

    it('changes the password and ends every other session, of both kinds', async () => {
      const owner = await createUser(t);
      const browser = await signIn(t, owner);
      const phone = await tokenLogin(t, owner);
      const laptop = await tokenLogin(t, owner);
      const newPassword = 'a brand new secret phrase';
      await browser.agent
        .post('/auth/password')
        .set('X-CSRF-Token', browser.csrf)
        .send({ currentPassword: owner.password, newPassword })
        .expect(204);
      await browser.agent.get('/auth/me').expect(200);
      expectCode(await me(phone.accessToken), 401, 'session_revoked');
      expectCode(await refresh(laptop.refreshToken), 401, 'session_revoked');
      await request(t.server).post('/auth/token').send({ username: owner.username, password: owner.password }).expect(401);
      await tokenLogin(t, { ...owner, password: newPassword });
    });
  });

  describe('signing keys', () => {
    it('rotation: new tokens use the new key, old tokens keep verifying, JWKS publishes both', async () => {
      const before = await tokenLogin(t, user);
      const { SigningKeysService } = await import('../src/auth/jwt/signing-keys.service');
      const newKid = await t.app.get(SigningKeysService).rotate();
      const after = await tokenLogin(t, user);
      expect(decodeJwt(after.accessToken).header.kid).toBe(newKid);
      expect(decodeJwt(before.accessToken).header.kid).not.toBe(newKid);
      await me(before.accessToken).expect(200);
      await me(after.accessToken).expect(200);
      const jwks = (await request(t.server).get('/.well-known/jwks.json').expect(200)).body;
      const kids = jwks.keys.map((k: { kid: string }) => k.kid);
      expect(kids).toEqual(expect.arrayContaining([newKid, decodeJwt(before.accessToken).header.kid]));
    });
  });
});

describe('JWT clients with short lifetimes', () => {
  // JWT times are whole seconds (iat, exp): a token issued at 12:00:00.990 with a 2 s lifetime expires at
  // 12:00:02.000, 1.01 s later. Starting each step just after a second begins gives every fresh token its full
  // lifetime, so a slow machine cannot expire it between two requests of the same step.
  const startOfNextSecond = () => new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('answers an expired access token with 401 token_expired, and drops a retired key after one token lifetime', async () => {
    const t = await startTestApp({ ACCESS_TOKEN_TTL: '2s' });
    try {
      const user = await createUser(t);
      const tokens = await tokenLogin(t, user);
      const oldKid = decodeJwt(tokens.accessToken).header.kid;
      const { SigningKeysService } = await import('../src/auth/jwt/signing-keys.service');
      await t.app.get(SigningKeysService).rotate();
      await sleep(3100);
      const res = await request(t.server).get('/auth/me').set(...bearer(tokens.accessToken));
      expect(res.status).toBe(401);
      expect(['token_expired', 'token_invalid']).toContain(res.body.code);
      await startOfNextSecond();
      const fresh = (await request(t.server).post('/auth/token/refresh').send({ refreshToken: tokens.refreshToken }).expect(200)).body;
      await request(t.server).get('/auth/me').set(...bearer(fresh.accessToken)).expect(200);
      const jwks = (await request(t.server).get('/.well-known/jwks.json').expect(200)).body;
      expect(jwks.keys.map((k: { kid: string }) => k.kid)).not.toContain(oldKid);
    } finally {
      await t.close();
    }
  });

  it('answers an expired access token signed by the current key with 401 token_expired, even one accepted before', async () => {
    const t = await startTestApp({ ACCESS_TOKEN_TTL: '2s' });
    try {
      const user = await createUser(t);
      await startOfNextSecond();
      const tokens = await tokenLogin(t, user);
      // Used while valid first, so its verified signature is remembered: expiry must still apply.
      await request(t.server).get('/auth/me').set(...bearer(tokens.accessToken)).expect(200);
      await sleep(3100);
      const res = await request(t.server).get('/auth/me').set(...bearer(tokens.accessToken)).expect(401);
      expect(res.body.code).toBe('token_expired');
    } finally {
      await t.close();
    }
  });
});

describe.each(['ES256', 'HS256'])('JWT_ALGORITHM=%s', (algorithm) => {
  it('signs and verifies with the chosen algorithm only', async () => {
    const t = await startTestApp({ JWT_ALGORITHM: algorithm });
    try {
      const user = await createUser(t);
      const tokens = await tokenLogin(t, user);
      expect(decodeJwt(tokens.accessToken).header.alg).toBe(algorithm);
      await request(t.server).get('/auth/me').set(...bearer(tokens.accessToken)).expect(200);
      const jwks = (await request(t.server).get('/.well-known/jwks.json').expect(200)).body;
      if (algorithm === 'HS256') expect(jwks.keys).toEqual([]);
      else expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
      // a token of another algorithm is refused, even when well signed
      const { payload, header } = decodeJwt(tokens.accessToken);
      const rs = forgeJwt({ ...header, alg: 'RS256' }, payload);
      expect((await request(t.server).get('/auth/me').set(...bearer(rs))).body.code).toBe('token_invalid');
      expect(sessionCookie(undefined)).toBeUndefined();
    } finally {
      await t.close();
    }
  });
});
