import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Agent, request as httpRequest } from 'node:http';
import { AuditEvent } from '../src/audit/audit-event.entity';
import { closeGracefully } from '../src/common/graceful-shutdown';
import { AuthkitExpressAdapter } from '../src/express-adapter';
import { Session } from '../src/sessions/session.entity';
import { createUser, TestUser } from './helpers/factories';
import { newDataDir, startTestApp, TestApp } from './helpers/test-app';

// Slow hashes (~0.1 s here), so that a login is still checking its password when the shutdown starts.
const SLOW_HASHING = { ARGON2_MEMORY_KIB: '65536', ARGON2_TIME_COST: '3' };

async function listening(t: TestApp): Promise<string> {
  await t.app.listen(0, '127.0.0.1');
  const address = t.app.getHttpServer().address() as { port: number };
  return `http://127.0.0.1:${address.port}`;
}

async function untilInFlight(t: TestApp, count: number): Promise<void> {
  const inFlight = (t.app.getHttpAdapter() as AuthkitExpressAdapter).inFlight;
  for (let i = 0; i < 5000 && inFlight.size < count; i++) await new Promise((resolve) => setTimeout(resolve, 1));
  expect(inFlight.size).toBe(count);
}

function tokenLoginBody(user: TestUser): string {
  return JSON.stringify({ username: user.username, password: user.password });
}

describe('shutting down', () => {
  it('answers a login already in flight, with the right answer, before it closes what the login needs', async () => {
    const t = await startTestApp(SLOW_HASHING);
    const url = await listening(t);
    const user = await createUser(t);

    const login = fetch(`${url}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: tokenLoginBody(user) });
    await untilInFlight(t, 1);
    const closed = closeGracefully(t.app);

    const res = await login;
    expect(res.status).toBe(200);
    expect((await res.json()) as object).toHaveProperty('accessToken');
    await expect(closed).resolves.toBe(true);
    await expect(fetch(`${url}/health/live`)).rejects.toThrow(); // no longer listening
  });

  it('lets a login whose client hung up finish its writes before the database closes', async () => {
    const dataDir = newDataDir();
    const t = await startTestApp(SLOW_HASHING, dataDir);
    const url = await listening(t);
    const user = await createUser(t);

    const req = httpRequest(`${url}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    req.on('error', () => undefined); // the hang-up below
    req.end(tokenLoginBody(user));
    await untilInFlight(t, 1);
    req.destroy();
    await expect(closeGracefully(t.app)).resolves.toBe(true);

    const after = await startTestApp({}, dataDir);
    try {
      expect(await after.db.getRepository(Session).countBy({ userId: user.id, kind: 'jwt' })).toBe(1);
      expect(await after.db.getRepository(AuditEvent).countBy({ userId: user.id, type: 'login_succeeded' })).toBe(1);
    } finally {
      await after.close();
    }
  });

  it('tells a keep-alive client to close its connection, so that it cannot keep the shutdown waiting', async () => {
    const t = await startTestApp(SLOW_HASHING);
    const url = await listening(t);
    const user = await createUser(t);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const post = (): Promise<{ status?: number; connection?: string }> =>
      new Promise((resolve, reject) => {
        const req = httpRequest(`${url}/auth/token`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode, connection: res.headers.connection }));
        });
        req.on('error', reject);
        req.end(tokenLoginBody(user));
      });
    try {
      expect(await post()).toEqual({ status: 200, connection: 'keep-alive' });
      const inFlight = post(); // on the same connection
      await untilInFlight(t, 1);
      const closed = closeGracefully(t.app);
      expect(await inFlight).toEqual({ status: 200, connection: 'close' });
      await expect(closed).resolves.toBe(true);
      await expect(post()).rejects.toThrow(); // a new connection is refused
    } finally {
      agent.destroy();
    }
  });

  it('closes anyway when a request outlasts the grace period', async () => {
    const t = await startTestApp(SLOW_HASHING);
    const url = await listening(t);
    const user = await createUser(t);

    const login = fetch(`${url}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: tokenLoginBody(user) });
    login.catch(() => undefined);
    await untilInFlight(t, 1);
    await expect(closeGracefully(t.app, 1)).resolves.toBe(false);
    await expect(login).rejects.toThrow(); // its connection was closed
  });

  it('on SIGTERM, answers the login in flight, then the process ends by that signal', async () => {
    // The production wiring (main.ts calls closeOnSignals), in a process of its own.
    const script = `
      const { startTestApp } = require('./test/helpers/test-app');
      const { closeOnSignals } = require('./src/common/graceful-shutdown');
      startTestApp(${JSON.stringify(SLOW_HASHING)}).then(async (t) => {
        await t.app.listen(0, '127.0.0.1');
        closeOnSignals(t.app);
        console.log(JSON.stringify({ port: t.app.getHttpServer().address().port }));
      });`;
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(child, 'exit');
    const [line] = (await once(child.stdout, 'data')) as [Buffer];
    const url = `http://127.0.0.1:${(JSON.parse(line.toString()) as { port: number }).port}`;
    const user = { username: `sigterm_${process.pid}`, password: 'Tr0ub4dor&3-sigterm-staple' };
    const registered = await fetch(`${url}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...user, email: `${user.username}@example.com` }),
    });
    expect(registered.status).toBe(201);

    const login = fetch(`${url}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(user) });
    await new Promise((resolve) => setTimeout(resolve, 20)); // it has arrived; its password check takes far longer
    child.kill('SIGTERM');

    const res = await login;
    expect(res.status).toBe(200);
    expect((await res.json()) as object).toHaveProperty('accessToken');
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGTERM' });
  });
});
