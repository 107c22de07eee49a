'use strict';
/**
 * The argon2id work of PasswordHasher, in a child process of its own (see hashing-process-pool.ts)
 * at the lowest CPU priority. Reads `{ id, task }` messages from the parent and answers each with
 * `{ id, result }` or `{ id, error }`, one at a time: the sync calls keep the hashing on this
 * process's main thread, and the next message waits in the pipe meanwhile. Plain JavaScript,
 * because the file runs as it is, in the tests (from src/) as in production (from dist/).
 */
const { hashSync, verifySync } = require('@node-rs/argon2');
const { readdirSync } = require('node:fs');
const { setPriority } = require('node:os');

// Linux sets the priority per thread: lower every thread Node has started so far (threads started
// later inherit it from their creator); elsewhere the call covers the whole process.
const nice = Number(process.env.AUTHKIT_HASHING_NICE ?? 19);
const threads = process.platform === 'linux' ? readdirSync('/proc/self/task').map(Number) : [0];
for (const tid of threads) {
  try {
    setPriority(tid, nice);
  } catch {
    // the thread ended meanwhile
  }
}

// A signal meant for the whole process group (Ctrl-C in a terminal, systemd stopping the service)
// must not end the hashing under logins the parent is still finishing: this process ends when
// the parent closes the channel, on shutdown or when it dies.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
process.on('disconnect', () => process.exit(0));

process.on('message', ({ id, task }) => {
  let answer;
  try {
    const result = task.op === 'hash' ? hashSync(task.password, task.options) : verifySync(task.hash, task.password);
    answer = { id, result };
  } catch (error) {
    answer = { id, error: error instanceof Error ? error.message : String(error) };
  }
  if (process.connected) process.send(answer);
});
