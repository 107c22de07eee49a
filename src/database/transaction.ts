import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { ExpoDriver } from 'typeorm/driver/expo/ExpoDriver';
import { ExpoQueryRunner } from 'typeorm/driver/expo/ExpoQueryRunner';
import { SQLITE_DRIVER_TYPE } from './data-source-options';
import { SqliteThreadDatabase } from './sqlite-thread';

/** Per data source, the end of the SQLite transactions queued so far. */
const queues = new WeakMap<DataSource, Promise<unknown>>();

/**
 * Runs `work` in one transaction, committed when it resolves and rolled back when it throws.
 * Use it instead of `DataSource.transaction`, which is not safe on SQLite here: the process has
 * one SQLite connection (in its own thread, see sqlite-thread.ts), so two requests whose steps
 * interleave (two password checks finishing together do) would both send BEGIN on it. On SQLite,
 * transactions therefore take turns, and each begins IMMEDIATE: it takes the write lock at once
 * (waiting, with the busy timeout, for another process such as the CLI), so reading and then
 * writing inside it cannot fail on a lock upgrade. While one is open, the statements of other
 * requests wait for its end (SqliteThreadDatabase.exclusive): they would otherwise share the
 * connection and so join it, vanish with its rollback and read what it had not committed. So let
 * `work` only talk to the database through `manager` (anything else it waited for would wait for
 * it), and decide rather than throw where a business rule says no (return a result, throw after).
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

function runImmediate<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  const driver = dataSource.driver as ExpoDriver;
  const database = driver.databaseConnection as SqliteThreadDatabase;
  return database.exclusive(async (channel) => {
    // A runner of its own (the driver hands every other caller one shared runner), whose
    // statements, this transaction's, go through the channel that is not held.
    const runner = new ExpoQueryRunner(driver);
    runner.connect = () => Promise.resolve(channel);
    Object.assign(runner, { manager: dataSource.createEntityManager(runner) }); // as DataSource.createQueryRunner does
    return runInTransaction(runner, work);
  });
}

async function runInTransaction<T>(runner: QueryRunner, work: (manager: EntityManager) => Promise<T>): Promise<T> {
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
