import request from 'supertest';
type TestAgent = ReturnType<typeof request.agent>;
import { TestApp } from './test-app';

let counter = 0;

export interface TestUser {
  id: string;
  username: string;
  email: string;
  password: string;
}

/** Registers a user through the API (so every rule of registration applies). */
export async function createUser(t: TestApp, overrides: Partial<Omit<TestUser, 'id'>> = {}): Promise<TestUser> {
  counter += 1;
  const input = {
    username: overrides.username ?? `user${counter}_${process.pid}`,
    email: overrides.email ?? `user${counter}_${process.pid}@example.com`,
    password: overrides.password ?? `Tr0ub4dor&3-${counter}-staple`,
  };
  const res = await request(t.server).post('/auth/register').send(input).expect(201);
  return { id: res.body.id as string, ...input };
}

/** A browser: a cookie-keeping agent with a CSRF token. */
export interface Browser {
  agent: TestAgent;
  csrf: string;
}

export async function newBrowser(t: TestApp): Promise<Browser> {
  const agent = request.agent(t.server);
  const res = await agent.get('/auth/csrf').expect(200);
  return { agent, csrf: res.body.csrfToken as string };
}

/** Signs a user in through POST /auth/login and returns the signed-in browser and the response. */
export async function signIn(t: TestApp, user: TestUser, options: { rememberMe?: boolean } = {}) {
  const browser = await newBrowser(t);
  const res = await browser.agent
    .post('/auth/login')
    .set('X-CSRF-Token', browser.csrf)
    .send({ username: user.username, password: user.password, ...options })
    .expect(200);
  return { ...browser, res, sid: sessionCookie(res.headers['set-cookie'])! };
}

/** The `sid=...` pair of a Set-Cookie header, or undefined. */
export function sessionCookie(setCookie: string[] | string | undefined): string | undefined {
  return setCookieLine(setCookie, 'sid')?.split(';')[0];
}

export function setCookieLine(setCookie: string[] | string | undefined, name: string): string | undefined {
  const lines = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  return lines.find((line) => line.startsWith(`${name}=`));
}

export interface Tokens {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
  sessionId: string;
}

/** Signs a user in through POST /auth/token, as a mobile app would. */
export async function tokenLogin(t: TestApp, user: TestUser, deviceName?: string): Promise<Tokens> {
  const res = await request(t.server)
    .post('/auth/token')
    .send({ username: user.username, password: user.password, ...(deviceName ? { deviceName } : {}) })
    .expect(200);
  return res.body as Tokens;
}

export function bearer(token: string): [string, string] {
  return ['Authorization', `Bearer ${token}`];
}

/** A user with the admin role (promoted directly, as the CLI's create-admin would make one). */
export async function createAdmin(t: TestApp): Promise<TestUser> {
  const user = await createUser(t);
  const { UsersService } = await import('../../src/users/users.service');
  await t.app.get(UsersService).update(user.id, { roles: ['user', 'admin'] });
  return user;
}

/** Waits until queued audit events are written (they are written after the response). */
export async function flushAudit(t: TestApp): Promise<void> {
  const { AuditService } = await import('../../src/audit/audit.service');
  await t.app.get(AuditService).flush();
}
