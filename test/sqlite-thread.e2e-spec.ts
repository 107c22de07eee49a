import Database from 'better-sqlite3';
import { join } from 'node:path';
import request from 'supertest';
import { User } from '../src/users/user.entity';
import { onPostgres } from './helpers/postgres';
import { startTestApp, TestApp } from './helpers/test-app';

/** SQLite's statements run in a thread of their own (src/database/sqlite-thread.ts), not on the event loop. */
(onPostgres ? describe.skip : describe)('SQLite off the event loop', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers other requests while a statement waits for the database, then completes it', async () => {
    // Another process (here, a connection of the test's own) holds SQLite's write lock, as the CLI may.
    const other = new Database(join(t.dataDir, 'authkit.sqlite'));
    other.pragma('busy_timeout = 5000');
    const logged = jest.spyOn(t.db.logger, 'logQuery');
    let registered = false;
    let registration: Promise<request.Response>;
    try {
      other.exec('BEGIN IMMEDIATE');
      const insertSent = new Promise<void>((resolve) => {
        logged.mockImplementation((sql) => {
          if (/^INSERT INTO "users"/.test(sql)) resolve();
        });
      });
      registration = request(t.server)
        .post('/auth/register')
        .send({ username: 'waiter', email: 'waiter@example.com', password: 'a long and unusual passphrase 7' })
        .then((res) => {
          registered = true;
          return res;
        });
      await insertSent; // the INSERT is now waiting for the lock (up to the 5 s busy timeout)

      // On the event loop, that wait would hold every request up, and this one would not be answered
      // until the INSERT had failed with SQLITE_BUSY.
      await request(t.server).get('/health/live').expect(200);
      expect(registered).toBe(false);
    } finally {
      logged.mockRestore();
      other.exec('COMMIT');
      other.close();
    }
    const res = await registration;
    expect(res.status).toBe(201);
    expect(await t.db.getRepository(User).existsBy({ username: 'waiter' })).toBe(true);
  });
});
