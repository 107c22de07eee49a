'use strict';
/**
 * The argon2id work of PasswordHasher, in a piscina worker thread that runs at the lowest CPU
 * priority (niceIncrement): the sync calls keep the hashing on this thread (the async ones would
 * hand it to libuv's shared pool, at normal priority). Plain JavaScript, because worker threads
 * load files as they are, in the tests (from src/) as in production (from dist/).
 */
const { hashSync, verifySync } = require('@node-rs/argon2');

module.exports = function argon2(task) {
  return task.op === 'hash' ? hashSync(task.password, task.options) : verifySync(task.hash, task.password);
};
