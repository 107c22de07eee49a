import Database from 'better-sqlite3';
import { randomBytes, randomUUID } from 'node:crypto';

export const BENCH_PASSWORD = 'bench-Password-4-authkit!';

export interface SignedInClients {
  bearerHeaders: Array<Record<string, string>>;
  cookieHeaders: Array<Record<string, string>>;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${url} answered ${res.status}: ${await res.text()}`);
  return res;
}

/**
 * Test data written straight into the server's SQLite file (WAL mode, so the running server
 * keeps serving): users are copies of one registered through the API, so every one has a real
 * argon2id hash made with the server's own parameters; sessions are copies of a real cookie
 * session with new ids and secrets.
 */
export class Seeder {
  private readonly db: Database.Database;

  constructor(
    private readonly url: string,
    databasePath: string,
  ) {
    this.db = new Database(databasePath);
    this.db.pragma('busy_timeout = 10000');
  }

  /** Registers `bench0` through the API and copies it into bench1 … bench{count-1}. */
  async createUsers(count: number): Promise<string[]> {
    await post(`${this.url}/auth/register`, { username: 'bench0', email: 'bench0@example.com', password: BENCH_PASSWORD });
    const template = this.db.prepare('SELECT * FROM users WHERE username = ?').get('bench0') as Record<string, unknown>;
    const columns = Object.keys(template);
    const insert = this.db.prepare(
      `INSERT INTO users (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`,
    );
    const names = ['bench0'];
    this.db.transaction(() => {
      for (let i = 1; i < count; i++) {
        const username = `bench${i}`;
        insert.run({ ...template, id: randomUUID(), username, usernameNormalized: username, email: `${username}@example.com` });
        names.push(username);
      }
    })();
    return names;
  }

  /** Signs users in through the API: bearer tokens (POST /auth/token) and cookies (POST /auth/login). */
  async signIn(usernames: string[]): Promise<SignedInClients> {
    const clients: SignedInClients = { bearerHeaders: [], cookieHeaders: [] };
    for (const username of usernames) {
      const tokens = (await (await post(`${this.url}/auth/token`, { username, password: BENCH_PASSWORD })).json()) as { accessToken: string };
      clients.bearerHeaders.push({ authorization: `Bearer ${tokens.accessToken}` });

      const csrfRes = await fetch(`${this.url}/auth/csrf`);
      const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
      const csrfCookie = csrfRes.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
      const login = await post(
        `${this.url}/auth/login`,
        { username, password: BENCH_PASSWORD, rememberMe: true },
        { cookie: csrfCookie, 'x-csrf-token': csrfToken },
      );
      const sid = login.headers.getSetCookie().find((line) => line.startsWith('sid='));
      if (!sid) throw new Error('POST /auth/login set no sid cookie');
      clients.cookieHeaders.push({ cookie: sid.split(';')[0] });
    }
    return clients;
  }

  sessionCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM sessions').get() as { n: number }).n;
  }

  /** Adds copies of a real cookie session (new id and secret, spread over the users) until the table holds `total` rows. */
  fillSessions(total: number): void {
    const template = this.db.prepare(`SELECT * FROM sessions WHERE kind = 'cookie' LIMIT 1`).get() as Record<string, unknown>;
    const userIds = (this.db.prepare('SELECT id FROM users').all() as Array<{ id: string }>).map((row) => row.id);
    const columns = Object.keys(template);
    const insert = this.db.prepare(
      `INSERT INTO sessions (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`,
    );
    let missing = total - this.sessionCount();
    const batch = this.db.transaction((size: number) => {
      for (let i = 0; i < size; i++) {
        insert.run({ ...template, id: randomUUID(), userId: userIds[i % userIds.length], secretHash: randomBytes(32).toString('hex') });
      }
    });
    while (missing > 0) {
      const size = Math.min(missing, 50_000);
      batch(size);
      missing -= size;
    }
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  close(): void {
    this.db.close();
  }
}
