import request from 'supertest';
import { AuditEvent } from '../src/audit/audit-event.entity';
import { FixedStatement } from '../src/database/fixed-statement';
import { AUDIT_WRITE_DELAY_MS, AuditService } from '../src/audit/audit.service';
import { bearer, createAdmin, createUser, flushAudit, signIn, tokenLogin } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';

interface Event {
  id: string;
  type: string;
  userId: string | null;
  sessionId: string | null;
  ip: string | null;
  userAgent: string | null;
  createdAt: string;
  detail: Record<string, unknown>;
}

describe('audit log', () => {
  let t: TestApp;
  let adminToken: string;
  beforeAll(async () => {
    t = await startTestApp();
    adminToken = (await tokenLogin(t, await createAdmin(t))).accessToken;
  });
  afterAll(() => t.close());

  const eventsOf = async (userId: string, type?: string): Promise<Event[]> => {
    await flushAudit(t);
    const res = await request(t.server)
      .get(`/admin/audit?userId=${userId}${type ? `&type=${type}` : ''}&limit=100`)
      .set(...bearer(adminToken))
      .expect(200);
    return res.body.items as Event[];
  };

  it('records every kind of event with the right user, session, IP and user agent', async () => {
    const user = await createUser(t);
    const ua = 'AuditTest/2.0';

    // login_failed, then login_succeeded (cookie) and logout
    const browser = await signIn(t, user);
    await request(t.server).post('/auth/token').set('User-Agent', ua).send({ username: user.username, password: 'wrong password!' });
    const cookieSessionId = (await browser.agent.get('/auth/me').expect(200)).body.auth.sessionId;
    await browser.agent.post('/auth/logout').set('X-CSRF-Token', browser.csrf).expect(204);

    // login_succeeded (jwt), token_refreshed, refresh_token_reused
    const phone = (await request(t.server).post('/auth/token').set('User-Agent', ua).send({ username: user.username, password: user.password }).expect(200)).body;
    await request(t.server).post('/auth/token/refresh').set('User-Agent', ua).send({ refreshToken: phone.refreshToken }).expect(200);
    await request(t.server).post('/auth/token/refresh').send({ refreshToken: phone.refreshToken }).expect(401);

    // session_revoked (by the user) and password_changed
    const a = await tokenLogin(t, user);
    const b = await tokenLogin(t, user);
    await request(t.server).delete(`/auth/sessions/${b.sessionId}`).set(...bearer(a.accessToken)).expect(204);
    await request(t.server)
      .post('/auth/password')
      .set(...bearer(a.accessToken))
      .send({ currentPassword: user.password, newPassword: 'an entirely new passphrase' })
      .expect(204);

    // roles_changed and user_disabled (by an admin)
    await request(t.server).patch(`/admin/users/${user.id}`).set(...bearer(adminToken)).send({ roles: ['user', 'admin'] }).expect(200);
    await request(t.server).patch(`/admin/users/${user.id}`).set(...bearer(adminToken)).send({ roles: ['user'], disabled: true }).expect(200);

    const events = await eventsOf(user.id);
    const types = events.map((e) => e.type);
    for (const type of [
      'login_failed',
      'login_succeeded',
      'logout',
      'token_refreshed',
      'refresh_token_reused',
      'session_revoked',
      'password_changed',
      'roles_changed',
      'user_disabled',
    ]) {
      expect(types).toContain(type);
    }
    // newest first
    const times = events.map((e) => Date.parse(e.createdAt));
    expect([...times].sort((x, y) => y - x)).toEqual(times);

    const cookieLogin = events.find((e) => e.type === 'login_succeeded' && e.detail.method === 'session')!;
    expect(cookieLogin).toMatchObject({ userId: user.id, sessionId: cookieSessionId, ip: expect.stringMatching(/127\.0\.0\.1/) });
    expect(events.find((e) => e.type === 'logout')).toMatchObject({ sessionId: cookieSessionId });
    expect(events.find((e) => e.type === 'login_failed')).toMatchObject({ userId: user.id, userAgent: ua, detail: { reason: 'wrong_password' } });
    expect(events.find((e) => e.type === 'login_succeeded' && e.detail.method === 'jwt' && e.sessionId === phone.sessionId)).toMatchObject({ userAgent: ua });
    expect(events.find((e) => e.type === 'token_refreshed')).toMatchObject({ sessionId: phone.sessionId, userAgent: ua });
    expect(events.find((e) => e.type === 'refresh_token_reused')).toMatchObject({ sessionId: phone.sessionId });
    expect(events.find((e) => e.type === 'session_revoked')).toMatchObject({ sessionId: b.sessionId, detail: { by: 'user' } });
    expect(events.find((e) => e.type === 'password_changed')).toMatchObject({ sessionId: a.sessionId });
    expect(events.filter((e) => e.type === 'roles_changed').map((e) => e.detail)).toContainEqual(
      expect.objectContaining({ from: ['user'], to: ['user', 'admin'] }),
    );
    expect(JSON.stringify(events)).not.toMatch(/wrong password!|entirely new passphrase|refreshToken/);
  });

  it('filters by type, pages, and rejects an unknown type', async () => {
    const user = await createUser(t);
    for (let i = 0; i < 3; i++) await request(t.server).post('/auth/token').send({ username: user.username, password: `wrong-${i}-password` });
    await flushAudit(t);
    const page = await request(t.server)
      .get(`/admin/audit?userId=${user.id}&type=login_failed&limit=2&page=2`)
      .set(...bearer(adminToken))
      .expect(200);
    expect(page.body).toMatchObject({ total: 3, page: 2, limit: 2 });
    expect(page.body.items).toHaveLength(1);
    const bad = await request(t.server).get('/admin/audit?type=no_such_type').set(...bearer(adminToken)).expect(400);
    expect(bad.body.code).toBe('validation_failed');
  });

  it('lists events newest first, also those recorded within one millisecond', async () => {
    const user = await createUser(t);
    await flushAudit(t); // the registration's
    const audit = t.app.get(AuditService);
    // Recorded in one go, as login_failed and locked_out are: most share their createdAt.
    for (let i = 0; i < 30; i++) audit.record({ type: 'login_failed', userId: user.id, detail: { n: i } });
    const listed = (await eventsOf(user.id, 'login_failed')).map((event) => event.detail.n);
    expect(listed).toEqual(Array.from({ length: 30 }, (_, i) => 29 - i));
  });

  it('lists locked_out before the failure that caused it', async () => {
    const user = await createUser(t);
    for (let i = 0; i < t.config.loginLimits.maxFailures; i++) {
      await request(t.server).post('/auth/token').send({ username: user.username, password: `wrong-${i}-password` }).expect(401);
    }
    const [newest, next] = await eventsOf(user.id);
    expect([newest.type, next.type]).toEqual(['locked_out', 'login_failed']);
  });
});

describe('audit writes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  /** The values of each INSERT into the audit log that ran while `run` was watched, one array per statement. */
  function auditInsertValues(run: jest.SpyInstance<Promise<unknown>, [Record<string, unknown>]>): unknown[][] {
    return run.mock.calls
      .filter((_, i) => (run.mock.contexts[i] as FixedStatement).sql.startsWith('INSERT INTO "audit_events"'))
      .map(([values]) => Object.values(values));
  }
  const countOf = (userId: string) => t.db.getRepository(AuditEvent).countBy({ userId, type: 'logout' });
  async function eventually(check: () => Promise<boolean>): Promise<void> {
    for (let waited = 0; !(await check()); waited += 20) {
      if (waited > 20 * AUDIT_WRITE_DELAY_MS) throw new Error('not written in time');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it(`are batched: events recorded within ${AUDIT_WRITE_DELAY_MS} ms of each other are written in one statement, unasked`, async () => {
    const user = await createUser(t);
    await flushAudit(t); // the registration's
    const audit = t.app.get(AuditService);
    const run = jest.spyOn(FixedStatement.prototype, 'run');
    const auditInserts = () => auditInsertValues(run);
    try {
      for (let i = 0; i < 3; i++) {
        audit.record({ type: 'logout', userId: user.id }); // three requests, each in its own turn of the event loop
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(await countOf(user.id)).toBe(0); // not yet
      await eventually(async () => (await countOf(user.id)) === 3);
      expect(auditInserts()).toHaveLength(1);
      // (with whatever else was recorded meanwhile, such as the registration's email event)
      expect(auditInserts()[0].filter((value) => value === 'logout')).toHaveLength(3);
    } finally {
      run.mockRestore();
    }
  });

  it('write a large burst in statements of at most a hundred events, losing none', async () => {
    // 5,000 events of 8 columns in one INSERT would pass SQLite's limit of 32,766 parameters.
    const user = await createUser(t);
    await flushAudit(t); // the registration's
    const audit = t.app.get(AuditService);
    const run = jest.spyOn(FixedStatement.prototype, 'run');
    try {
      for (let i = 0; i < 5000; i++) audit.record({ type: 'logout', userId: user.id, detail: { i } });
      await eventually(async () => (await countOf(user.id)) === 5000);
      const inserts = auditInsertValues(run);
      expect(inserts.flat().filter((value) => value === 'logout')).toHaveLength(5000); // each written once
      expect(Math.max(...inserts.map((values) => values.length / 8))).toBe(100); // 8 columns a row
    } finally {
      run.mockRestore();
    }
  });

  it('are written on shutdown, however recent', async () => {
    const { newDataDir } = await import('./helpers/test-app');
    const dataDir = newDataDir();
    const first = await startTestApp({}, dataDir);
    const user = await createUser(first);
    first.app.get(AuditService).record({ type: 'logout', userId: user.id });
    await first.close();
    const again = await startTestApp({}, dataDir);
    try {
      expect(await again.db.getRepository(AuditEvent).countBy({ userId: user.id, type: 'logout' })).toBe(1);
    } finally {
      await again.close();
    }
  });
});

describe('audit log failures', () => {
  it('never make the request they record fail', async () => {
    const t = await startTestApp();
    try {
      const user = await createUser(t);
      await t.db.query('DROP TABLE audit_events'); // every audit write from now on fails
      await tokenLogin(t, user);
      await request(t.server).post('/auth/token').send({ username: user.username, password: 'wrong password' }).expect(401);
      await flushAudit(t); // logged, not thrown
    } finally {
      await t.close();
    }
  });
});
