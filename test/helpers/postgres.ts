import { basename } from 'node:path';
import { Client } from 'pg';

/** Set TEST_DATABASE=postgres to run the e2e specs on PostgreSQL instead of SQLite. */
export const onPostgres = process.env.TEST_DATABASE === 'postgres';

/** A server and an existing database to connect to for CREATE/DROP DATABASE. */
export const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PREFIX = 'authkit_t_';

function urlFor(database: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * The database of one test data folder: created on first use, so an app restarted on the same
 * folder finds its data again.
 */
export async function postgresUrlFor(dataDir: string): Promise<string> {
  const database = PREFIX + basename(dataDir).replace(/[^a-z0-9]/gi, '_').toLowerCase();
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
  return urlFor(database);
}

/** Drops the databases earlier runs left behind. */
export async function dropTestDatabases(): Promise<void> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    const rows = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${PREFIX}%`]);
    for (const { datname } of rows.rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
