'use strict';
/**
 * The app's SQLite connection, in a thread of its own (see sqlite-thread.ts): runs the statements
 * the event loop sends, one at a time in the order they come, and answers each. Plain JavaScript,
 * because worker threads load files as they are.
 */
const { parentPort, workerData } = require('node:worker_threads');
const Database = require('better-sqlite3');

/** Prepared statements by SQL text; the app sends a bounded set of texts, so this stays small. */
const MAX_CACHED_STATEMENTS = 1_000;

let db;
try {
  db = new Database(workerData.path);
  db.pragma('journal_mode = WAL');
  // Another process (the CLI) holding the write lock is waited for here, in this thread.
  db.pragma('busy_timeout = 5000');
  // Checkpoints run in a thread of their own (WalCheckpointer), not inside a commit.
  db.pragma('wal_autocheckpoint = 0');
  // 64 MiB of page cache instead of 2: with a million sessions, the index pages a login writes
  // to are then mostly in memory, not read from disk for every statement.
  db.pragma('cache_size = -65536');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
} catch (error) {
  parentPort.postMessage({ id: 0, error: describe(error) });
  process.exit(1);
}

const statements = new Map();

function statementFor(sql) {
  let statement = statements.get(sql);
  if (statement === undefined) {
    if (statements.size >= MAX_CACHED_STATEMENTS) statements.clear();
    statement = db.prepare(sql);
    statements.set(sql, statement);
  }
  return statement;
}

/** better-sqlite3 binds no booleans: 1 and 0, as TypeORM's own better-sqlite3 driver sends them. */
function bindable(params) {
  for (let i = 0; i < params.length; i++) if (typeof params[i] === 'boolean') params[i] = params[i] ? 1 : 0;
  return params;
}

function describe(error) {
  return { message: error instanceof Error ? error.message : String(error), code: error && error.code };
}

parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.postMessage('closed');
    parentPort.close();
    return;
  }
  if (!Array.isArray(message)) {
    parentPort.postMessage(execute(message));
    return;
  }
  // Several statements sent in one turn of the event loop come as one message, and are answered
  // in one, except that the answers so far go out before a write: a write can wait for the disk or
  // for another connection's lock, and what was already answered need not wait with it.
  let answers = [];
  for (const request of message) {
    if (answers.length > 0 && writes(request.sql)) {
      parentPort.postMessage(answers);
      answers = [];
    }
    answers.push(execute(request));
  }
  parentPort.postMessage(answers);
});

/** Whether a statement writes (one that does not prepare counts as one: it fails in execute). */
function writes(sql) {
  try {
    return !statementFor(sql).reader;
  } catch {
    return true;
  }
}

/** Runs one statement; its answer, or its error. */
function execute({ id, sql, params }) {
  try {
    const statement = statementFor(sql);
    if (statement.reader) return { id, rows: statement.all(bindable(params)), changes: 0, lastInsertRowid: 0 };
    const { changes, lastInsertRowid } = statement.run(bindable(params));
    return { id, rows: undefined, changes, lastInsertRowid };
  } catch (error) {
    return { id, error: describe(error) };
  }
}

parentPort.postMessage({ id: 0, ready: true });
