import request from 'supertest';
import { User } from '../src/users/user.entity';
import { WAL_CHECKPOINT_INTERVAL_MS, WalCheckpointer } from '../src/database/wal-checkpointer';
import { createUser, newBrowser, signIn } from './helpers/factories';
import { onPostgres } from './helpers/postgres';
import { startTestApp, TestApp } from './helpers/test-app';

describe('errors, headers and operations', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(() => t.close());

  it('answers malformed JSON with 400 invalid_json and writes nothing', async () => {
    const before = await t.db.getRepository(User).count();
    const res = await request(t.server)
      .post('/auth/register')
      .set('Content-Type', 'application/json')
      .send('{"username": "x", ')
      .expect(400);
    expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.any(String), code: 'invalid_json' });
    expect(await t.db.getRepository(User).count()).toBe(before);
  });

  it('answers a body over 100 kB with 413 payload_too_large', async () => {
    const res = await request(t.server)
      .post('/auth/register')
      .send({ username: 'big', email: 'big@example.com', password: 'x'.repeat(101 * 1024) })
      .expect(413);
    expect(res.body).toEqual({ statusCode: 413, error: 'Payload Too Large', message: expect.any(String), code: 'payload_too_large' });
  });

  it('answers a form with more fields than the parser takes with 413, not 500', async () => {
    const body = Array.from({ length: 1500 }, (_, i) => `f${i}=1`).join('&');
    const res = await request(t.server).post('/login').type('form').send(body).expect(413);
    expect(res.body.code).toBe('payload_too_large');
  });

  (onPostgres ? it.skip : it)('checkpoints the SQLite WAL in its own thread, not in request commits', async () => {
    const [{ wal_autocheckpoint }] = await t.db.query('PRAGMA wal_autocheckpoint');
    expect(wal_autocheckpoint).toBe(0);
    await createUser(t);
    const checkpointer = t.app.get(WalCheckpointer);
    await new Promise((resolve) => setTimeout(resolve, WAL_CHECKPOINT_INTERVAL_MS * 2.5));
    expect(checkpointer.lastResult).toMatchObject({ busy: 0 });
    expect(checkpointer.lastResult!.checkpointed).toBe(checkpointer.lastResult!.log);
  });

  it('marks answers no-store, except the public keys and the stylesheet', async () => {
    const user = await createUser(t);
    const token = await request(t.server).post('/auth/token').send({ username: user.username, password: user.password }).expect(200);
    expect(token.headers['cache-control']).toBe('no-store');
    const me = await request(t.server).get('/auth/me').set('Authorization', `Bearer ${token.body.accessToken}`).expect(200);
    expect(me.headers['cache-control']).toBe('no-store');
    expect((await request(t.server).get('/auth/csrf').expect(200)).headers['cache-control']).toBe('no-store');
    expect((await request(t.server).get('/.well-known/jwks.json').expect(200)).headers['cache-control']).toMatch(/public, max-age=\d+/);
    expect((await request(t.server).get('/assets/authkit.css').expect(200)).headers['cache-control']).toMatch(/max-age=3600/);
  });

  it('sends no ETag on no-store answers; the public keys have one and answer 304 when unchanged', async () => {
    const user = await createUser(t);
    const token = await request(t.server).post('/auth/token').send({ username: user.username, password: user.password }).expect(200);
    const me = await request(t.server).get('/auth/me').set('Authorization', `Bearer ${token.body.accessToken}`).expect(200);
    expect(me.headers.etag).toBeUndefined();
    expect((await request(t.server).get('/health/live').expect(200)).headers.etag).toBeUndefined();

    const jwks = await request(t.server).get('/.well-known/jwks.json').expect(200);
    expect(jwks.headers.etag).toMatch(/^"[\w-]{27}"$/);
    const revalidated = await request(t.server).get('/.well-known/jwks.json').set('If-None-Match', jwks.headers.etag).expect(304);
    expect(revalidated.text).toBe('');
    await request(t.server).get('/.well-known/jwks.json').set('If-None-Match', '"something-else"').expect(200);
  });

  it('declares both ways to authenticate in the OpenAPI document', async () => {
    const doc = (await request(t.server).get('/docs-json').expect(200)).body;
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['bearer', 'cookie']);
  });

  it('answers an unknown route with the JSON error shape', async () => {
    const res = await request(t.server).get('/no/such/route').expect(404);
    expect(res.body).toEqual({ statusCode: 404, error: 'Not Found', message: expect.any(String), code: 'not_found' });
  });

  it('never reveals internals in an error (no stack, no SQL, no paths)', async () => {
    const res = await request(t.server).post('/auth/register').set('Content-Type', 'application/json').send('{').expect(400);
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(js|ts):\d+|SELECT|\/work\/|node_modules/);
  });

  it('sends helmet headers and no X-Powered-By', async () => {
    const res = await request(t.server).get('/health/live').expect(200);
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('GET /health/live answers {status: "ok"}', async () => {
    const res = await request(t.server).get('/health/live').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /health/ready reports the database', async () => {
    const res = await request(t.server).get('/health/ready').expect(200);
    expect(res.body).toEqual({ status: 'ok', database: 'up' });
  });

  it('GET /auth/csrf works without a session and sets the HttpOnly CSRF cookie', async () => {
    const res = await request(t.server).get('/auth/csrf').expect(200);
    expect(res.body).toEqual({ csrfToken: expect.stringMatching(/^\S{40,}$/) });
    const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('authkit.csrf='));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
  });

  it('GET /auth/csrf works with a session too, and the token keeps working after sign-in', async () => {
    const user = await createUser(t);
    const { agent, csrf } = await signIn(t, user);
    const again = await agent.get('/auth/csrf').expect(200);
    expect(again.body.csrfToken).toBe(csrf);
    await agent.post('/auth/logout').set('X-CSRF-Token', csrf).expect(204);
  });

  it('refuses a CSRF token without its cookie, and a cookie without its token, on login', async () => {
    const user = await createUser(t);
    const browser = await newBrowser(t);
    const noCookie = await request(t.server)
      .post('/auth/login')
      .set('X-CSRF-Token', browser.csrf)
      .send({ username: user.username, password: user.password })
      .expect(403);
    expect(noCookie.body.code).toBe('csrf_invalid');
    const noToken = await browser.agent.post('/auth/login').send({ username: user.username, password: user.password }).expect(403);
    expect(noToken.body.code).toBe('csrf_invalid');
    const other = await newBrowser(t);
    const mixed = await browser.agent
      .post('/auth/login')
      .set('X-CSRF-Token', other.csrf.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')))
      .send({ username: user.username, password: user.password })
      .expect(403);
    expect(mixed.body.code).toBe('csrf_invalid');
  });

  it('publishes the OpenAPI document at /docs-json and Swagger UI at /docs', async () => {
    const doc = await request(t.server).get('/docs-json').expect(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    for (const path of ['/auth/register', '/auth/login', '/auth/logout', '/auth/me', '/auth/csrf', '/health/live', '/health/ready']) {
      expect(doc.body.paths).toHaveProperty([path]);
    }
    await request(t.server).get('/docs').expect(200).expect('Content-Type', /html/);
  });
});

describe('password hashes', () => {
  it('re-hashes an outdated hash at login with the configured parameters', async () => {
    const { newDataDir } = await import('./helpers/test-app');
    const dataDir = newDataDir();
    const old = await startTestApp({ ARGON2_TIME_COST: '1', ARGON2_MEMORY_KIB: '8192' }, dataDir);
    const user = await createUser(old);
    const before = (await old.db.getRepository(User).findOneByOrFail({ id: user.id })).passwordHash;
    expect(before).toMatch(/\$m=8192,t=1,p=1\$/);
    await old.close();

    const current = await startTestApp({}, dataDir);
    try {
      await signIn(current, user);
      const after = (await current.db.getRepository(User).findOneByOrFail({ id: user.id })).passwordHash;
      expect(after).toMatch(/\$m=20480,t=2,p=1\$/);
      await signIn(current, user); // the new hash verifies
    } finally {
      await current.close();
    }
  });
});
