import { DataSource, EntityManager } from 'typeorm';
import { inTransaction } from '../src/database/transaction';
import { toColumnValues } from '../src/database/fixed-statement';
import { EmailLinkToken } from '../src/email-links/email-link-token.entity';
import { onPostgres } from './helpers/postgres';
import { startTestApp, TestApp } from './helpers/test-app';

describe('inTransaction', () => {
  let t: TestApp;
  let db: DataSource;
  beforeAll(async () => {
    t = await startTestApp();
    db = t.db;
  });
  afterAll(() => t.close());

  const row = (tokenHash: string) => ({
    tokenHash,
    purpose: 'password_reset' as const,
    userId: 'u',
    email: 'u@example.com',
    createdAt: new Date(),
    expiresAt: new Date(Date.now() + 60_000),
    spentAt: null,
  });
  /** Reads, then writes: the shape of the app's transactions. */
  const work = (tokenHash: string) => async (manager: EntityManager) => {
    await manager.count(EmailLinkToken);
    await manager.insert(EmailLinkToken, row(tokenHash));
    return tokenHash;
  };

  (onPostgres ? it.skip : it)('(why it exists) two TypeORM transactions begun together on SQLite collide on its one connection', async () => {
    const results = await Promise.allSettled([db.transaction(work('c1'.padEnd(64, '0'))), db.transaction(work('c2'.padEnd(64, '0')))]);
    expect(results.some((result) => result.status === 'rejected')).toBe(true);
  });

  it('runs transactions begun together one after the other, each committed', async () => {
    const hashes = Array.from({ length: 5 }, (_, i) => `t${i}`.padEnd(64, '0'));
    expect(await Promise.all(hashes.map((hash) => inTransaction(db, work(hash))))).toEqual(hashes);
    expect(await db.getRepository(EmailLinkToken).countBy(hashes.map((tokenHash) => ({ tokenHash })))).toBe(5);
  });

  it('rolls back what a failing transaction wrote, and the next one still runs', async () => {
    const failing = inTransaction(db, async (manager) => {
      await manager.insert(EmailLinkToken, row('r1'.padEnd(64, '0')));
      throw new Error('no');
    });
    const next = inTransaction(db, work('r2'.padEnd(64, '0')));
    await expect(failing).rejects.toThrow('no');
    await expect(next).resolves.toBe('r2'.padEnd(64, '0'));
    const repo = db.getRepository(EmailLinkToken);
    expect(await repo.existsBy({ tokenHash: 'r1'.padEnd(64, '0') })).toBe(false);
    expect(await repo.existsBy({ tokenHash: 'r2'.padEnd(64, '0') })).toBe(true);
  });

  describe('while one is open (SQLite: one connection for every request)', () => {
    const repo = () => db.getRepository(EmailLinkToken);
    /** A transaction that writes `tokenHash`, then waits for `release` before it fails or commits. */
    function heldOpen(tokenHash: string, outcome: 'rollback' | 'commit') {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let wrote!: () => void;
      const written = new Promise<void>((resolve) => (wrote = resolve));
      const done = inTransaction(db, async (manager) => {
        await manager.insert(EmailLinkToken, row(tokenHash));
        wrote();
        await released;
        if (outcome === 'rollback') throw new Error('rolled back on purpose');
      });
      return { written, release, done };
    }
    const settledWithin50ms = async (promise: Promise<unknown>) => {
      let settled = false;
      void promise.then(
        () => (settled = true),
        () => (settled = true),
      );
      await new Promise((resolve) => setTimeout(resolve, 50)); // ample for a statement to run
      return settled;
    };

    it("keeps another request's write out of it, so a rollback does not take that write with it", async () => {
      const tx = heldOpen('h1'.padEnd(64, '0'), 'rollback');
      await tx.written;
      const other = repo().insert(row('o1'.padEnd(64, '0'))); // another request, meanwhile
      const waited = await settledWithin50ms(other);
      tx.release();
      await expect(tx.done).rejects.toThrow('rolled back on purpose');
      await other;
      expect(await repo().existsBy({ tokenHash: 'h1'.padEnd(64, '0') })).toBe(false);
      expect(await repo().existsBy({ tokenHash: 'o1'.padEnd(64, '0') })).toBe(true);
      if (!onPostgres) expect(waited).toBe(false); // it waited for the transaction to end
    });

    it('lets no other request read what it has not committed', async () => {
      const tx = heldOpen('h2'.padEnd(64, '0'), 'rollback');
      await tx.written;
      const read = repo().existsBy({ tokenHash: 'h2'.padEnd(64, '0') });
      await settledWithin50ms(read);
      tx.release();
      await expect(tx.done).rejects.toThrow('rolled back on purpose');
      await expect(read).resolves.toBe(false);
    });

    (onPostgres ? it.skip : it)('sends the statements it held in the order they came, and they see what it committed', async () => {
      const tx = heldOpen('h3'.padEnd(64, '0'), 'commit');
      await tx.written;
      // Raw statements: each reaches the connection after the same steps, so in the order sent.
      const { tableName } = repo().metadata;
      const other = toColumnValues(repo(), row('o3'.padEnd(64, '0')));
      const columns = Object.keys(other);
      const insert = db.query(
        `INSERT INTO "${tableName}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
        Object.values(other),
      );
      const count = db.query(`SELECT count(*) AS n FROM "${tableName}" WHERE "tokenHash" IN (?, ?)`, ['h3'.padEnd(64, '0'), 'o3'.padEnd(64, '0')]);
      await settledWithin50ms(count);
      tx.release();
      await tx.done;
      await insert;
      await expect(count).resolves.toEqual([{ n: 2 }]);
    });

    it('holds a statement made inside an ended transaction and sent during another one like any other', async () => {
      let later!: () => Promise<unknown>;
      await inTransaction(db, async (manager) => {
        await manager.count(EmailLinkToken);
        later = () => repo().insert(row('l4'.padEnd(64, '0'))); // made here, run after the commit (a timer it set, say)
      });
      const tx = heldOpen('h4'.padEnd(64, '0'), 'rollback');
      await tx.written;
      const insert = later();
      await settledWithin50ms(insert);
      tx.release();
      await expect(tx.done).rejects.toThrow('rolled back on purpose');
      await insert;
      expect(await repo().existsBy({ tokenHash: 'l4'.padEnd(64, '0') })).toBe(true);
    });
  });
});
