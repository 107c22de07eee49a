import { DataSource, EntityManager } from 'typeorm';
import { SQLITE_DRIVER_TYPE } from './data-source-options';

/** Per data source, the end of the SQLite transactions queued so far. */
const queues = new WeakMap<DataSource, Promise<unknown>>();

/**
 * Runs `work` in one transaction, committed when it resolves and rolled back when it throws.
 * Use it instead of `DataSource.transaction`, which is not safe on SQLite here: the process has
 * one SQLite connection (in its own thread, see sqlite-thread.ts), so two requests whose steps interleave (two password checks
 * finishing together do) would both send BEGIN on it. On SQLite, transactions therefore take
 * turns, and each begins IMMEDIATE: it takes the write lock at once (waiting, with the busy
 * timeout, for another process such as the CLI), so reading and then writing inside it cannot fail
 * on a lock upgrade. Statements of other requests run meanwhile share the connection and so join
 * the transaction: let `work` only talk to the database, and decide rather than throw (return a
 * result and throw after) where a business rule says no, so that a rollback stays exceptional.
 */
export async function inTransaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  if (dataSource.options.type !== SQLITE_DRIVER_TYPE) return dataSource.transaction(work);
  const previous = queues.get(dataSource) ?? Promise.resolve();
  const mine = previous.catch(() => undefined).then(() => runImmediate(dataSource, work));
  queues.set(dataSource, mine);
  try {
    return await mine;
  } finally {
    if (queues.get(dataSource) === mine) queues.delete(dataSource);
  }
}

async function runImmediate<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.query('BEGIN IMMEDIATE');
  try {
    const result = await work(runner.manager);
    await runner.query('COMMIT');
    return result;
  } catch (error) {
    await runner.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await runner.release();
  }
}
