import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import request from 'supertest';
import { RedisAttemptStore } from '../src/auth/brute-force/redis-attempt-store';
import { RedisConnection } from '../src/redis/redis-connection';
import { Session } from '../src/sessions/session.entity';
import { bearer, createAdmin, createUser, signIn, tokenLogin } from './helpers/factories';
import { newDataDir, startTestApp, TestApp } from './helpers/test-app';

/** Set TEST_REDIS_URL to use another server; the default is the local one. */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Whether Redis answers, asked before the specs are declared (a child process: jest cannot await here). */
function redisAnswers(url: string): boolean {
  const probe = `const r = new (require('ioredis'))(process.argv[1], { lazyConnect: true, connectTimeout: 1000, retryStrategy: () => null });
    r.connect().then(() => r.ping()).then(() => process.exit(0), () => process.exit(1));`;
  return spawnSync(process.execPath, ['-e', probe, url], { timeout: 5000 }).status === 0;
}
const available = redisAnswers(REDIS_URL);
if (!available && process.env.CI) throw new Error(`No Redis at ${REDIS_URL}: .ci/run starts the local one`);
if (!available) console.warn(`Redis tests skipped: no Redis at ${REDIS_URL} (start redis-server, or set TEST_REDIS_URL)`);
const describeWithRedis = available ? describe : describe.skip;

/**
 * Two instances of the app on one database and one Redis, as behind a load balancer with no
 * sticky sessions. Each run uses its own key prefix, so runs never see each other's counters.
 */
describeWithRedis('two instances with REDIS_URL', () => {
  const prefix = `authkit-test-${randomUUID()}:`;
  const env = { REDIS_URL, REDIS_PREFIX: prefix, LOGIN_MAX_FAILURES: '3' };
  let a: TestApp;
  let b: TestApp;
  let redis: Redis;

  beforeAll(async () => {
    const dataDir = newDataDir();
    a = await startTestApp(env, dataDir);
    b = await startTestApp(env, dataDir);
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  /**
   * Resolves once `t` has received the cache-invalidation message about `id` (its own handler, added
   * first, has acted on it by then). Both apps share this test's event loop, so without waiting
   * the next request could reach `t` before Redis's copy of the message does; across machines
   * the message is there long before the user's next request.
   */
  function invalidationOf(t: TestApp, id: string): Promise<void> {
    const subscriber = t.app.get(RedisConnection).subscriber!;
    return new Promise((resolve) => {
      const listener = (_channel: string, message: string) => {
        if ((JSON.parse(message) as { ids: string[] }).ids.includes(id)) {
          subscriber.off('message', listener);
          resolve();
        }
      };
      subscriber.on('message', listener);
    });
  }

  const login = (t: TestApp, username: string, password: string) => request(t.server).post('/auth/token').send({ username, password });

  it('failed logins on either instance count toward one limit, kept in Redis with the window as expiry', async () => {
    const user = await createUser(a);
    await login(a, user.username, 'Wrong-password-1').expect(401);
    await login(b, user.username, 'Wrong-password-2').expect(401);
    await login(a, user.username, 'Wrong-password-3').expect(401);
    // locked on both, even with the right password
    const res = await login(b, user.username, user.password).expect(429);
    expect(res.body.code).toBe('too_many_attempts');
    await login(a, user.username, user.password).expect(429);
    const ttl = await redis.pttl(`${prefix}login-failures:account:user:${user.id}`);
    expect(ttl).toBeGreaterThan(14 * 60 * 1000);
    expect(ttl).toBeLessThanOrEqual(15 * 60 * 1000);
  });

  it('parallel wrong guesses spread over both instances get no more checks than the limit', async () => {
    const user = await createUser(a);
    // Each instance lets one check of an account run at a time; without places held in Redis, the
    // two instances' checks ran side by side, and each pair passed the limit check together.
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => login(i % 2 ? b : a, user.username, `Wrong-password-${i}`)));
    const statuses = answers.map((res) => res.status).sort();
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429, 429, 429]);
    expect(Number(await redis.get(`${prefix}login-failures:account:user:${user.id}`))).toBe(3);
    expect(await redis.keys(`${prefix}login-checks:*user:${user.id}`)).toEqual([]); // every place given back
  });

  it('holds the places of checks under way in Redis, with an expiry, and locks on failures plus places', async () => {
    const client = new Redis(REDIS_URL, { keyPrefix: prefix });
    try {
      const store = new RedisAttemptStore(client);
      const key = `store-test:${randomUUID()}`;
      expect(await store.reserve([{ key, max: 2 }])).toBeUndefined();
      expect(await store.reserve([{ key, max: 2 }])).toBeUndefined();
      const busy = await store.reserve([{ key, max: 2 }]); // two checks under way: wait for them
      expect(busy).toBeGreaterThan(Date.now());
      expect(busy).toBeLessThanOrEqual(Date.now() + 1000);
      const ttl = await redis.pttl(`${prefix}login-checks:${key}`);
      expect(ttl).toBeGreaterThan(50_000); // frees itself if an instance dies during its check
      expect(ttl).toBeLessThanOrEqual(60_000);

      await store.increment(key, 600_000); // the first check failed
      await store.release([key]);
      expect(await store.reserve([{ key, max: 2 }])).toBeGreaterThan(Date.now()); // 1 failure + 1 under way
      await store.increment(key, 600_000);
      await store.release([key]);
      expect(await redis.exists(`${prefix}login-checks:${key}`)).toBe(0); // nothing under way: the counter is gone
      const locked = await store.reserve([{ key, max: 2 }]); // 2 failures: locked for the window
      expect(locked).toBeGreaterThan(Date.now() + 590_000);
      // A place on another key is not taken when one key refuses.
      const other = `store-test:${randomUUID()}`;
      expect(await store.reserve([{ key: other, max: 5 }, { key, max: 2 }])).toBeDefined();
      expect(await redis.exists(`${prefix}login-checks:${other}`)).toBe(0);
    } finally {
      await client.quit();
    }
  });

  it('a success on one instance resets the account count for both', async () => {
    const user = await createUser(a);
    await login(a, user.username, 'Wrong-password-1').expect(401);
    await login(b, user.username, 'Wrong-password-2').expect(401);
    await login(a, user.username, user.password).expect(200);
    await login(b, user.username, 'Wrong-password-3').expect(401);
    await login(a, user.username, 'Wrong-password-4').expect(401);
    await login(b, user.username, user.password).expect(200); // 2 failures since the success: not locked
  });

  it('a token session ended on one instance is refused by the other on the very next request', async () => {
    const user = await createUser(a);
    const { accessToken, sessionId } = await tokenLogin(a, user);
    await request(b.server).get('/auth/me').set(...bearer(accessToken)).expect(200); // now cached on b
    const delivered = invalidationOf(b, sessionId);
    await request(a.server).post('/auth/logout').set(...bearer(accessToken)).expect(204);
    await delivered;
    const res = await request(b.server).get('/auth/me').set(...bearer(accessToken)).expect(401);
    expect(res.body.code).toBe('session_revoked');
  });

  it('a cookie session signed out on one instance is refused by the other on the very next request', async () => {
    const user = await createUser(a);
    const browser = await signIn(a, user);
    await request(b.server).get('/auth/me').set('Cookie', browser.sid).expect(200); // cached on b
    const { sessionId } = (await request(b.server).get('/auth/me').set('Cookie', browser.sid).expect(200)).body.auth;
    const delivered = invalidationOf(b, sessionId);
    await browser.agent.post('/auth/logout').set('X-CSRF-Token', browser.csrf).expect(204);
    await delivered;
    await request(b.server).get('/auth/me').set('Cookie', browser.sid).expect(401);
  });

  it('a demotion made on one instance applies on the other at the next request', async () => {
    const admin = await createAdmin(a);
    const other = await createAdmin(a);
    const { accessToken } = await tokenLogin(a, other);
    await request(b.server).get('/admin/users').set(...bearer(accessToken)).expect(200); // user cached on b as admin
    const adminToken = (await tokenLogin(a, admin)).accessToken;
    const delivered = invalidationOf(b, other.id);
    await request(a.server).patch(`/admin/users/${other.id}`).set(...bearer(adminToken)).send({ roles: ['user'] }).expect(200);
    await delivered;
    expect((await request(b.server).get('/admin/users').set(...bearer(accessToken)).expect(403)).body.code).toBe('forbidden');
  });

  it('after its subscription drops and returns, an instance forgets every cached entry (messages may have been missed)', async () => {
    const user = await createUser(a);
    const { accessToken, sessionId } = await tokenLogin(a, user);
    await request(b.server).get('/auth/me').set(...bearer(accessToken)).expect(200);
    // Revoked behind the app's back: no message goes out, as if b had missed it.
    await a.db.getRepository(Session).update({ id: sessionId }, { revokedAt: new Date(), revokedReason: 'admin' });
    await request(b.server).get('/auth/me').set(...bearer(accessToken)).expect(200); // b's cached copy
    const subscriber = b.app.get(RedisConnection).subscriber!;
    const ready = once(subscriber, 'ready');
    subscriber.disconnect(true); // drop the connection; ioredis reconnects and subscribes again
    await ready;
    const { CacheInvalidation } = await import('../src/redis/cache-invalidation');
    await b.app.get(CacheInvalidation).resynced;
    expect((await request(b.server).get('/auth/me').set(...bearer(accessToken)).expect(401)).body.code).toBe('session_revoked');
  });

  it('GET /health/ready reports Redis; with Redis unreachable it is 503 and logins answer 503, not unlimited tries', async () => {
    expect((await request(b.server).get('/health/ready').expect(200)).body).toEqual({ status: 'ok', database: 'up', redis: 'up' });
    const user = await createUser(b);
    b.app.get(RedisConnection).client!.disconnect(); // b loses Redis for good (a manual disconnect does not reconnect)
    expect((await request(b.server).get('/health/ready').expect(503)).body).toEqual({ status: 'error', database: 'up', redis: 'down' });
    const res = await login(b, user.username, 'Wrong-password-1').expect(503);
    expect(res.body).toMatchObject({ statusCode: 503, code: 'service_unavailable' });
    await request(b.server).get('/health/live').expect(200);
  });
});

describe('REDIS_URL that cannot be reached', () => {
  it('stops start-up with a message naming REDIS_URL, without its password', async () => {
    const attempt = startTestApp({ REDIS_URL: 'redis://:hunter2-secret@127.0.0.1:1' });
    await expect(attempt).rejects.toThrow(/Cannot reach Redis at REDIS_URL/);
    await expect(attempt).rejects.not.toThrow(/hunter2-secret/);
  });
});
