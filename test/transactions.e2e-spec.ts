import { DataSource, EntityManager } from 'typeorm';
import { inTransaction } from '../src/database/transaction';
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
});
