import { dropTestDatabases, onPostgres } from './postgres';

export default async function globalSetup(): Promise<void> {
  if (onPostgres) await dropTestDatabases();
}
