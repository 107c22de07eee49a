import { randomUUID } from 'node:crypto';
import { QueryFailedError } from 'typeorm';
import { AuditEvent } from '../src/audit/audit-event.entity';
import { FixedStatement, insertStatement } from '../src/database/fixed-statement';
import { onPostgres } from './helpers/postgres';
import { startTestApp, TestApp } from './helpers/test-app';

/** The hot paths' fixed SQL (src/database/fixed-statement.ts) answers and fails as TypeORM's own queries do. */
describe('fixed statements', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const event = (detail: string): AuditEvent => ({
    id: randomUUID(),
    type: 'logout',
    userId: null,
    sessionId: null,
    ip: detail === 'with-ip' ? '203.0.113.7' : null,
    userAgent: null,
    detail,
    createdAt: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)),
  });
  const stored = (ids: string[]) => Promise.all(ids.map((id) => t.db.getRepository(AuditEvent).findOneBy({ id })));

  it('write one row or several, each read back as TypeORM wrote it', async () => {
    const insert = insertStatement(t.db.getRepository(AuditEvent));
    const one = event('with-ip');
    const several = [event('a'), event('b'), event('c')];
    await insert.run(one);
    await insert.runMany(several);
    expect(await stored([one, ...several].map((row) => row.id))).toEqual([one, ...several]);
  });

  it('answer a SELECT with the rows TypeORM answers', async () => {
    const row = event('select');
    await insertStatement(t.db.getRepository(AuditEvent)).run(row);
    const fixed = new FixedStatement(t.db, 'SELECT * FROM "audit_events" WHERE "id" = :id');
    const viaTypeorm: unknown = await t.db.query(fixed.sql, [row.id]);
    expect(await fixed.run({ id: row.id })).toEqual(viaTypeorm);
  });

  it('fail with QueryFailedError, and a statement of several rows writes none of them when one fails', async () => {
    const insert = insertStatement(t.db.getRepository(AuditEvent));
    const first = event('first');
    await insert.run(first);
    const fresh = event('fresh');
    const again = { ...event('again'), id: first.id }; // the same primary key
    await expect(insert.run(again)).rejects.toBeInstanceOf(QueryFailedError);
    await expect(insert.runMany([fresh, again])).rejects.toBeInstanceOf(QueryFailedError);
    expect(await stored([fresh.id])).toEqual([null]);
    expect((await stored([first.id]))[0]?.detail).toBe('first');
  });

  (onPostgres ? it.skip : it)("on SQLite, go to the SQLite thread without a TypeORM query runner (one per query, with about ten awaits)", async () => {
    const runners = jest.spyOn(t.db, 'createQueryRunner');
    try {
      const row = event('direct');
      await insertStatement(t.db.getRepository(AuditEvent)).run(row);
      expect(await new FixedStatement(t.db, 'SELECT "detail" FROM "audit_events" WHERE "id" = :id').run({ id: row.id })).toEqual([{ detail: 'direct' }]);
      expect(runners).not.toHaveBeenCalled();
    } finally {
      runners.mockRestore();
    }
  });
});
