import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Logger } from '@nestjs/common';

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
  openDatabaseAsync: (path: string): Promise<SqliteThreadDatabase> => SqliteThreadDatabase.open(path, stopTheProcess),
};

/**
 * What happens when the thread stops without being closed (it crashed, or ran out of memory):
 * the database is then gone for good, so the process stops too, through its shutdown hooks,
 * for its supervisor to start it again, as it would have if SQLite had failed on the event loop.
 * Answering every request with an error while still looking alive would be worse.
 */
function stopTheProcess(cause: Error): void {
  new Logger('SqliteThread').error(`${cause.message}; stopping the process`);
  process.exitCode = 1;
  process.kill(process.pid, 'SIGTERM');
}

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

interface Request {
  id: number;
  sql: string;
  params: readonly unknown[];
}

/** Rejects what a thread that stopped can no longer answer. */
function stoppedError(cause?: Error): Error {
  return new Error(`The SQLite thread stopped${cause ? `: ${cause.message}` : ''}`);
}

/** What TypeORM's `expo` driver calls to run a statement: the database, or an exclusive section's own channel. */
export interface SqliteStatementChannel {
  prepareAsync(sql: string): Promise<{ executeAsync(params?: readonly unknown[]): Promise<SqliteRunResult>; finalizeAsync(): Promise<void> }>;
}

/** How long an exclusive section (a transaction) may hold the other statements before an error is logged. */
const EXCLUSIVE_WARN_AFTER_MS = 10_000;

export class SqliteThreadDatabase implements SqliteStatementChannel {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stopped?: Error;
  private opened = false;
  private closing = false;
  /** While an exclusive section runs: the statements sent another way, each a send to make when it ends. */
  private held?: Array<() => void>;
  /** Statements not yet posted to the thread: all those sent in one turn of the event loop go in one message. */
  private outbox: Request[] = [];

  private constructor(
    private readonly worker: Worker,
    onUnexpectedStop: (cause: Error) => void,
  ) {
    // The thread keeps the process alive only while a statement is on its way.
    worker.unref();
    worker.on('message', (message: Answer | Answer[] | 'closed') => {
      if (message === 'closed') return;
      for (const answer of Array.isArray(message) ? message : [message]) {
        const waiting = this.pending.get(answer.id);
        if (!waiting) continue;
        this.settle(answer.id);
        if (answer.error) waiting.reject(Object.assign(new Error(answer.error.message), { code: answer.error.code }));
        else waiting.resolve(answer);
      }
    });
    const stop = (cause?: Error) => {
      if (this.stopped) return;
      this.stopped = stoppedError(cause);
      for (const [id, waiting] of this.pending) {
        this.settle(id);
        waiting.reject(this.stopped);
      }
      if (this.opened && !this.closing) onUnexpectedStop(this.stopped); // while opening, open() rejects instead
    };
    worker.on('error', stop);
    worker.on('exit', () => stop());
  }

  /**
   * Starts the thread; resolves once the database is open and set up, rejects if it cannot be.
   * `onUnexpectedStop` is called if the thread stops later without having been closed.
   */
  static open(path: string, onUnexpectedStop: (cause: Error) => void): Promise<SqliteThreadDatabase> {
    const worker = new Worker(join(__dirname, 'sqlite-thread.worker.js'), { workerData: { path } });
    const database = new SqliteThreadDatabase(worker, onUnexpectedStop);
    return database.send(0, '', []).then(() => {
      database.opened = true;
      return database;
    });
  }

  /**
   * Runs one statement (one only, as better-sqlite3 prepares them) in the thread; while an
   * exclusive section runs, once it has ended.
   */
  execute(sql: string, params: readonly unknown[] = []): Promise<SqliteRunResult> {
    const held = this.held;
    if (!held) return this.run(sql, params);
    return new Promise((resolve, reject) => held.push(() => void this.run(sql, params).then(resolve, reject)));
  }

  /**
   * Runs `work` as the connection's only user. Its statements go through the channel it is given;
   * every statement sent any other way meanwhile is held, and sent in the order it came once
   * `work` has settled. inTransaction (transaction.ts) runs BEGIN … COMMIT in one, so that the
   * statements of other requests neither join the transaction (and vanish if it rolls back) nor
   * read what it has not committed. `work` must not wait for anything that needs the database
   * another way: that would wait for `work` itself. Sections do not nest (inTransaction queues them).
   */
  async exclusive<T>(work: (channel: SqliteStatementChannel) => Promise<T>, warnAfterMs = EXCLUSIVE_WARN_AFTER_MS): Promise<T> {
    if (this.held) throw new Error('Exclusive sections of the SQLite connection cannot nest');
    const held: Array<() => void> = (this.held = []);
    const channel: SqliteStatementChannel = { prepareAsync: (sql) => Promise.resolve(this.statement(sql, (params) => this.run(sql, params))) };
    // A section that never ends holds every other statement: say so, rather than hang in silence.
    const watchdog = setTimeout(() => {
      new Logger('SqliteThread').error(
        `A transaction has been open for ${warnAfterMs / 1000} s and ${held.length} statement(s) of other requests wait for it: ` +
          'does its work wait for something other than its own manager?',
      );
    }, warnAfterMs).unref();
    try {
      return await work(channel);
    } finally {
      clearTimeout(watchdog);
      this.held = undefined;
      for (const send of held) send(); // posted in order, before anything sent from here on
    }
  }

  /** The parts of expo-sqlite's interface that TypeORM's `expo` driver calls. */
  async runAsync(sql: string, params: readonly unknown[] = []): Promise<SqliteRunResult> {
    return this.execute(sql, params);
  }

  prepareAsync(sql: string): Promise<{ executeAsync(params?: readonly unknown[]): Promise<SqliteRunResult>; finalizeAsync(): Promise<void> }> {
    return Promise.resolve(this.statement(sql, (params) => this.execute(sql, params)));
  }

  private statement(sql: string, execute: (params: readonly unknown[]) => Promise<SqliteRunResult>) {
    return { executeAsync: (params: readonly unknown[] = []) => execute(params), finalizeAsync: () => Promise.resolve() };
  }

  private async run(sql: string, params: readonly unknown[]): Promise<SqliteRunResult> {
    const answer = await this.send(this.nextId++, sql, params);
    const rows = answer.rows ?? [];
    return { changes: answer.changes ?? 0, lastInsertRowId: answer.lastInsertRowid ?? 0, getAllAsync: () => Promise.resolve(rows) };
  }

  /** Closes the connection once the statements sent before have run, and ends the thread. */
  async closeAsync(): Promise<void> {
    if (this.stopped) return;
    this.closing = true;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.ref(); // and kept so (see settle) until the thread has ended
    this.postOutbox(); // what was sent before runs before the connection closes
    this.worker.postMessage('close');
    await exited;
  }

  private send(id: number, sql: string, params: readonly unknown[]): Promise<Answer> {
    if (this.stopped) return Promise.reject(this.stopped);
    return new Promise<Answer>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      // id 0 is the thread's "ready" (or its failure to open the database): nothing to send.
      if (id === 0) return;
      // Posted at the end of this turn of the event loop, with every other statement sent in it:
      // each message wakes the thread and its answer wakes the event loop, and on this project's
      // VM such a wake-up costs more CPU than SQLite spends on a login's statements.
      if (this.outbox.push({ id, sql, params }) === 1) setImmediate(() => this.postOutbox());
    });
  }

  /** Posts the statements sent since the last post, in the order they were sent, as one message. */
  private postOutbox(): void {
    const requests = this.outbox;
    this.outbox = [];
    if (requests.length === 0 || this.stopped) return; // a stopped thread's statements are rejected already
    try {
      this.worker.postMessage(requests.length === 1 ? requests[0] : requests);
    } catch {
      // A value that cannot be copied to the thread: post one by one, so that only its statement fails.
      for (const request of requests) {
        try {
          this.worker.postMessage(request);
        } catch (error) {
          const waiting = this.pending.get(request.id);
          this.settle(request.id);
          waiting?.reject(error instanceof Error ? error : new Error(String(error)));
        }
      }
    }
  }

  private settle(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0 && !this.closing) this.worker.unref();
  }
}
