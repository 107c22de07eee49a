import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';

export const BENCH_PASSWORD = 'bench-Password-4-authkit!';
/** Session rows fillSessions adds per statement (see there). */
const FILL_STATEMENT_ROWS = 100_000;

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

  /**
   * Adds copies of a real cookie session (new id and secret, spread over the users) until the table
   * holds `total` rows. SQLite makes the rows itself, in statements of 100,000 rows each sorted
   * by key: a million rows take about 20 s instead of 40 s inserted one by one from JavaScript in
   * random order. The copies are still random-looking (random secret hashes; the id a UUID made
   * of the same random bytes), so the indexes end up as deep as a real table's. Each statement
   * holds the write lock for a second or two, well within the server's busy timeout (5 s), so the
   * server's own writes (audit events) wait rather than fail.
   */
  fillSessions(total: number): void {
    const template = this.db.prepare(`SELECT * FROM sessions WHERE kind = 'cookie' LIMIT 1`).get() as Record<string, unknown>;
    const copied = Object.keys(template).filter((column) => !['id', 'userId', 'secretHash'].includes(column));
    // This connection only: the server's own stays as it is. A crash mid-fill loses only bench data.
    const synchronous = this.db.pragma('synchronous', { simple: true }) as number;
    this.db.pragma('synchronous = OFF');
    this.db.pragma('cache_size = -262144');
    const insert = this.db.prepare(
      `WITH RECURSIVE
         seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < @missing),
         fresh AS (SELECT i, lower(hex(randomblob(32))) AS secret FROM seq ORDER BY secret),
         owners AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM users)
       INSERT INTO sessions ("id", "userId", "secretHash", ${copied.map((c) => `"${c}"`).join(', ')})
       SELECT substr(secret, 1, 8) || '-' || substr(secret, 9, 4) || '-4' || substr(secret, 14, 3) || '-a' || substr(secret, 18, 3) || '-' || substr(secret, 21, 12),
              owners.id, secret, ${copied.map((c) => `@${c}`).join(', ')}
       FROM fresh JOIN owners ON owners.k = fresh.i % (SELECT count(*) FROM users)`,
    );
    const values = Object.fromEntries(copied.map((column) => [column, template[column]]));
    for (let missing = total - this.sessionCount(); missing > 0; missing -= FILL_STATEMENT_ROWS) {
      insert.run({ ...values, missing: Math.min(missing, FILL_STATEMENT_ROWS) });
    }
    this.db.pragma(`synchronous = ${synchronous}`);
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  close(): void {
    this.db.close();
  }
}
