import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Logger } from '@nestjs/common';
import Database from 'better-sqlite3';
import { sqliteThread, SqliteThreadDatabase } from './sqlite-thread';

describe('SqliteThreadDatabase', () => {
  let path: string;
  let db: SqliteThreadDatabase;
  beforeEach(async () => {
    path = join(mkdtempSync(join(tmpdir(), 'authkit-sqlite-thread-')), 'test.sqlite');
    db = await sqliteThread.openDatabaseAsync(path);
    await db.execute('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, done INTEGER NOT NULL)');
  });
  afterEach(() => db.closeAsync());

  const names = async (database: SqliteThreadDatabase) =>
    (await (await database.execute('SELECT name FROM items ORDER BY id')).getAllAsync()).map((row) => (row as { name: string }).name);

  it('runs statements in the order they are sent, with their rows, changes and row ids', async () => {
    const inserts = ['a', 'b', 'c'].map((name) => db.execute('INSERT INTO items (name, done) VALUES (?, ?)', [name, 0]));
    expect((await Promise.all(inserts)).map((result) => [result.changes, result.lastInsertRowId])).toEqual([
      [1, 1],
      [1, 2],
      [1, 3],
    ]);
    expect((await db.execute('UPDATE items SET done = 1 WHERE id > ?', [1])).changes).toBe(2);
    expect(await names(db)).toEqual(['a', 'b', 'c']);
  });

  it('in an exclusive section, runs its channel\'s statements and holds every other until it ends, then sends them in order', async () => {
    const order: string[] = [];
    const held: Array<Promise<unknown>> = [];
    const result = await db.exclusive(async (channel) => {
      const run = async (sql: string, params: unknown[]) => (await channel.prepareAsync(sql)).executeAsync(params);
      await run('INSERT INTO items (name, done) VALUES (?, ?)', ['mine', 0]);
      held.push(db.execute('INSERT INTO items (name, done) VALUES (?, ?)', ['other 1', 0]).then(() => order.push('other 1')));
      held.push(db.execute('INSERT INTO items (name, done) VALUES (?, ?)', ['other 2', 0]).then(() => order.push('other 2')));
      await run('INSERT INTO items (name, done) VALUES (?, ?)', ['mine again', 0]);
      order.push('section done');
      return 'result';
    });
    await Promise.all(held);
    expect(result).toBe('result');
    expect(order).toEqual(['section done', 'other 1', 'other 2']);
    expect(await names(db)).toEqual(['mine', 'mine again', 'other 1', 'other 2']);
  });

  it('releases the statements it held when an exclusive section throws, and refuses to nest sections', async () => {
    let other!: Promise<unknown>;
    await expect(
      db.exclusive(async () => {
        other = db.execute('INSERT INTO items (name, done) VALUES (?, ?)', ['other', 0]);
        await expect(db.exclusive(() => Promise.resolve())).rejects.toThrow('cannot nest');
        throw new Error('failed section');
      }),
    ).rejects.toThrow('failed section');
    await other;
    expect(await names(db)).toEqual(['other']);
  });

  it('logs an error when an exclusive section holds the others too long, naming the likely cause', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      let other!: Promise<unknown>;
      await db.exclusive(async () => {
        other = db.execute('SELECT 1');
        await new Promise((resolve) => setTimeout(resolve, 80));
      }, 30);
      await other;
      expect(errors).toHaveBeenCalledTimes(1);
      expect(errors.mock.calls[0][0]).toMatch(/open for 0.03 s and 1 statement\(s\) of other requests wait.*its own manager/);
      errors.mockClear();
      await db.exclusive(() => Promise.resolve(), 30); // ends in time: no error, and none later
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
    }
  });

  it('binds booleans as 1 and 0, as TypeORM stores them', async () => {
    await db.execute('INSERT INTO items (name, done) VALUES (?, ?), (?, ?)', ['yes', true, 'no', false]);
    expect(await (await db.execute('SELECT name, done FROM items ORDER BY id')).getAllAsync()).toEqual([
      { name: 'yes', done: 1 },
      { name: 'no', done: 0 },
    ]);
  });

  it("rejects a failing statement with SQLite's message and code, and goes on with the next", async () => {
    await db.execute('INSERT INTO items (name, done) VALUES (?, 0)', ['a']);
    await expect(db.execute('INSERT INTO items (name, done) VALUES (?, 0)', ['a'])).rejects.toMatchObject({
      message: 'UNIQUE constraint failed: items.name',
      code: 'SQLITE_CONSTRAINT_UNIQUE',
    });
    await expect(db.execute('SELEC nonsense')).rejects.toMatchObject({ code: 'SQLITE_ERROR' });
    expect(await names(db)).toEqual(['a']);
  });

  it('posts the statements sent in one turn of the event loop as one message, and settles each on its own', async () => {
    const post = jest.spyOn((db as unknown as { worker: Worker }).worker, 'postMessage');
    const insert = db.execute('INSERT INTO items (name, done) VALUES (?, 0)', ['a']);
    const select = db.execute('SELECT name FROM items');
    const nonsense = db.execute('SELEC nonsense');
    const duplicate = db.execute('INSERT INTO items (name, done) VALUES (?, 0)', ['a']);
    await expect(insert).resolves.toMatchObject({ changes: 1, lastInsertRowId: 1 });
    expect(await (await select).getAllAsync()).toEqual([{ name: 'a' }]);
    await expect(nonsense).rejects.toMatchObject({ code: 'SQLITE_ERROR' });
    await expect(duplicate).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_UNIQUE' });
    expect(post).toHaveBeenCalledTimes(1);
    expect(post.mock.calls[0][0]).toHaveLength(4);
  });

  it('fails only the statement whose values cannot be copied to the thread, not the others sent with it', async () => {
    const first = db.execute('INSERT INTO items (name, done) VALUES (?, 0)', ['x']);
    const uncopyable = db.execute('INSERT INTO items (name, done) VALUES (?, 0)', [() => 'a function']);
    const last = db.execute('INSERT INTO items (name, done) VALUES (?, 0)', ['y']);
    await expect(uncopyable).rejects.toThrow(/could not be cloned/);
    await expect(first).resolves.toMatchObject({ changes: 1 });
    await expect(last).resolves.toMatchObject({ changes: 1 });
    expect(await names(db)).toEqual(['x', 'y']);
  });

  it('answers a read sent together with a write before the write, which may wait for a lock', async () => {
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE'); // holds the write lock
    try {
      const read = db.execute('SELECT count(*) AS n FROM items');
      const write = db.execute('INSERT INTO items (name, done) VALUES (?, 0)', ['waits']);
      let written = false;
      void write.then(() => (written = true));
      expect(await (await read).getAllAsync()).toEqual([{ n: 0 }]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(written).toBe(false); // still waiting for the lock
      other.exec('ROLLBACK');
      await expect(write).resolves.toMatchObject({ changes: 1 });
    } finally {
      other.close();
    }
  });

  it('runs what was sent before closing, then refuses more', async () => {
    const insert = db.execute('INSERT INTO items (name, done) VALUES (?, 0)', ['last']);
    await db.closeAsync();
    await expect(insert).resolves.toMatchObject({ changes: 1 });
    await expect(db.execute('SELECT 1')).rejects.toThrow('The SQLite thread stopped');

    db = await sqliteThread.openDatabaseAsync(path);
    expect(await names(db)).toEqual(['last']);
  });

  it('keeps the process alive until the thread has closed, even when nothing else does', () => {
    // A CLI run ends by closing the database: the process must not end before the close has run.
    const script = `
      const { sqliteThread } = require('./src/database/sqlite-thread');
      sqliteThread.openDatabaseAsync(${JSON.stringify(path)}).then((db) => {
        db.execute("INSERT INTO items (name, done) VALUES ('from a child', 0)");
        db.closeAsync().then(() => console.log('closed'));
      });`;
    const output = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], { encoding: 'utf8' });
    expect(output.trim()).toBe('closed');
  });

  it('rejects a value that cannot be sent to the thread, and goes on with the next statement', async () => {
    await expect(db.execute('SELECT ?', [() => 1])).rejects.toThrow(/could not be cloned/);
    expect(await (await db.execute('SELECT ? AS x', [1])).getAllAsync()).toEqual([{ x: 1 }]);
  });

  it('reports a thread that stops without being closed, and refuses statements after it', async () => {
    const stopped = jest.fn();
    const other = await SqliteThreadDatabase.open(path, stopped);
    await other.execute('SELECT 1');
    await (other as unknown as { worker: Worker }).worker.terminate(); // as if it had crashed
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toHaveBeenCalledTimes(1);
    expect(stopped.mock.calls[0][0].message).toBe('The SQLite thread stopped');
    await expect(other.execute('SELECT 1')).rejects.toThrow('The SQLite thread stopped');
  });

  it('stops the process, by default, when the thread stops without being closed', () => {
    const script = `
      const { sqliteThread } = require('./src/database/sqlite-thread');
      sqliteThread.openDatabaseAsync(${JSON.stringify(path)}).then((db) => db.worker.terminate());
      setTimeout(() => console.log('still running'), 5000);`;
    const child = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], { encoding: 'utf8' });
    expect(child.signal).toBe('SIGTERM');
    expect(child.stdout).not.toContain('still running');
    expect(child.stdout + child.stderr).toContain('The SQLite thread stopped; stopping the process');
  });

  it('does not report a thread that was closed', async () => {
    const stopped = jest.fn();
    const other = await SqliteThreadDatabase.open(path, stopped);
    await other.closeAsync();
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).not.toHaveBeenCalled();
  });

  it('fails to open, with the reason, where the database cannot be', async () => {
    await expect(sqliteThread.openDatabaseAsync(join(path, 'no-such-folder', 'x.sqlite'))).rejects.toThrow(/directory does not exist/);
  });
});
