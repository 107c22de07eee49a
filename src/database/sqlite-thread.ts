import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * SQLite in a thread of its own, so that no statement runs on the event loop.
 *
 * better-sqlite3 is synchronous: run on the event loop, every statement's disk writes are the
 * event loop's, and a write the kernel holds up (a WAL append or header sync while a checkpoint
 * flushes the database file, traced at 97 and 133 ms during a login storm) stalls every request
 * in flight, and a lock held by another process (the CLI) stalls them for up to the busy timeout.
 * Here one worker thread owns the connection and runs the statements in the order they are sent
 * (so the app sees one connection, as before); the event loop only posts them and awaits answers.
 *
 * TypeORM talks to it through its `expo` driver, which is TypeORM's driver for an asynchronous
 * SQLite client handed to it as `driver`: this module provides the part of that client's
 * interface (expo-sqlite's) the driver uses. Nothing of Expo is installed or loaded.
 */
export const sqliteThread = {
  openDatabaseAsync: (path: string): Promise<SqliteThreadDatabase> => SqliteThreadDatabase.open(path),
};

export interface SqliteRunResult {
  changes: number;
  lastInsertRowId: number;
  getAllAsync(): Promise<unknown[]>;
}

interface Answer {
  id: number;
  rows?: unknown[];
  changes?: number;
  lastInsertRowid?: number;
  ready?: true;
  error?: { message: string; code?: string };
}

interface Pending {
  resolve(answer: Answer): void;
  reject(error: Error): void;
}

/** Rejects what a thread that stopped can no longer answer. */
function stoppedError(cause?: Error): Error {
  return new Error(`The SQLite thread stopped${cause ? `: ${cause.message}` : ''}`);
}

export class SqliteThreadDatabase {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stopped?: Error;

  private constructor(private readonly worker: Worker) {
    // The thread keeps the process alive only while a statement is on its way.
    worker.unref();
    worker.on('message', (answer: Answer | 'closed') => {
      if (answer === 'closed') return;
      const waiting = this.pending.get(answer.id);
      if (!waiting) return;
      this.settle(answer.id);
      if (answer.error) waiting.reject(Object.assign(new Error(answer.error.message), { code: answer.error.code }));
      else waiting.resolve(answer);
    });
    const stop = (cause?: Error) => {
      this.stopped ??= stoppedError(cause);
      for (const [id, waiting] of this.pending) {
        this.settle(id);
        waiting.reject(this.stopped);
      }
    };
    worker.on('error', stop);
    worker.on('exit', () => stop());
  }

  /** Starts the thread; resolves once the database is open and set up, rejects if it cannot be. */
  static open(path: string): Promise<SqliteThreadDatabase> {
    const database = new SqliteThreadDatabase(new Worker(join(__dirname, 'sqlite-thread.worker.js'), { workerData: { path } }));
    return database.send(0, '', []).then(() => database);
  }

  /** Runs one statement (one only, as better-sqlite3 prepares them) in the thread. */
  async execute(sql: string, params: readonly unknown[] = []): Promise<SqliteRunResult> {
    const answer = await this.send(this.nextId++, sql, params);
    const rows = answer.rows ?? [];
    return { changes: answer.changes ?? 0, lastInsertRowId: answer.lastInsertRowid ?? 0, getAllAsync: () => Promise.resolve(rows) };
  }

  /** The parts of expo-sqlite's interface that TypeORM's `expo` driver calls. */
  async runAsync(sql: string, params: readonly unknown[] = []): Promise<SqliteRunResult> {
    return this.execute(sql, params);
  }

  prepareAsync(sql: string): Promise<{ executeAsync(params?: readonly unknown[]): Promise<SqliteRunResult>; finalizeAsync(): Promise<void> }> {
    return Promise.resolve({ executeAsync: (params) => this.execute(sql, params), finalizeAsync: () => Promise.resolve() });
  }

  /** Closes the connection once the statements sent before have run, and ends the thread. */
  async closeAsync(): Promise<void> {
    if (this.stopped) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.ref();
    this.worker.postMessage('close');
    await exited;
  }

  private send(id: number, sql: string, params: readonly unknown[]): Promise<Answer> {
    if (this.stopped) return Promise.reject(this.stopped);
    return new Promise<Answer>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      // id 0 is the thread's "ready" (or its failure to open the database): nothing to send.
      if (id !== 0) this.worker.postMessage({ id, sql, params });
    });
  }

  private settle(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
  }
}
