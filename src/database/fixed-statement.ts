import { DataSource, EntityMetadata, ObjectLiteral, QueryFailedError, Repository } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { SqliteThreadDatabase } from './sqlite-thread';

/**
 * One SQL statement of a hot path (a password login runs three), written once and run as is.
 * TypeORM's query builder rebuilds the SQL of a find, insert or update on every call; measured on
 * the login path under load, that building cost more event-loop time than SQLite spent running
 * the statements. Here the SQL is built once, with the driver's own placeholders (`?` on SQLite,
 * `$1` on PostgreSQL), from a text with `:name` parameters; values go in and rows come out
 * through TypeORM's column conversions, so a row reads exactly as `find` would give it.
 * Quote identifiers in the text ("usernameNormalized"): PostgreSQL folds unquoted names.
 *
 * On SQLite the statement goes straight to the SQLite thread, as TypeORM's query runner would
 * send it, but without the runner: TypeORM makes one per query (with its event broadcaster and
 * about ten awaits), which under a flood of logins was a tenth of what each one allocated. The
 * answer and the errors (QueryFailedError) are the runner's. The app registers no TypeORM
 * subscribers or query logging, the runner's only other work.
 */
export class FixedStatement {
  /** The SQL as sent, with the driver's placeholders. */
  readonly sql: string;
  private readonly names: string[];
  /** The SQLite connection, when the data source is the app's SQLite one. */
  private readonly sqlite?: SqliteThreadDatabase;

  constructor(
    private readonly dataSource: DataSource,
    text: string,
  ) {
    const names = [...new Set([...text.matchAll(/:(\w+)/g)].map((match) => match[1]))];
    const [sql, order] = dataSource.driver.escapeQueryWithParameters(text, Object.fromEntries(names.map((name) => [name, name])));
    this.sql = sql;
    // The driver lists the values in placeholder order; each value being its own name, that is the order to send them in.
    this.names = order as string[];
    const connection: unknown = (dataSource.driver as { databaseConnection?: unknown }).databaseConnection;
    if (connection instanceof SqliteThreadDatabase) this.sqlite = connection;
  }

  /** Runs the statement; for a SELECT, the raw rows (for an INSERT on SQLite, the new row id, as TypeORM answers). */
  run(values: Record<string, unknown>): Promise<ObjectLiteral[]> {
    const parameters = this.names.map((name) => values[name]);
    if (!this.sqlite) return this.dataSource.query(this.sql, parameters);
    return this.runOnSqlite(this.sqlite, parameters);
  }

  private async runOnSqlite(sqlite: SqliteThreadDatabase, parameters: unknown[]): Promise<ObjectLiteral[]> {
    try {
      const result = await sqlite.execute(this.sql, parameters);
      return this.sql.startsWith('INSERT INTO') ? (result.lastInsertRowId as never) : ((await result.getAllAsync()) as ObjectLiteral[]);
    } catch (error) {
      throw new QueryFailedError(this.sql, parameters, error as Error);
    }
  }

  /**
   * Runs an UPDATE or DELETE with a RETURNING clause: the rows it returned. Not for an INSERT:
   * TypeORM's SQLite driver answers those with the last row id instead of the rows.
   */
  async returning(values: Record<string, unknown>): Promise<ObjectLiteral[]> {
    const result: unknown[] = await this.run(values);
    // TypeORM's PostgreSQL runner answers an UPDATE or DELETE with [rows, count]; SQLite's with the rows.
    return Array.isArray(result[0]) ? (result[0] as ObjectLiteral[]) : (result as ObjectLiteral[]);
  }
}

/** An INSERT of every column of an entity, of one row or several. */
export interface InsertStatement {
  run(entity: ObjectLiteral): Promise<unknown>;
  /** One statement for all the rows: keep them few enough for the driver's limit on parameters (SQLite: 32,766). */
  runMany(entities: ObjectLiteral[]): Promise<unknown>;
}

/** An INSERT of every column of an entity, its SQL built from the metadata once for each number of rows. */
export function insertStatement(repository: Repository<ObjectLiteral>): InsertStatement {
  const { metadata } = repository;
  const columns = metadata.columns;
  const head = `INSERT INTO "${metadata.tableName}" (${columns.map((c) => `"${c.databaseName}"`).join(', ')}) VALUES `;
  const byRowCount = new Map<number, FixedStatement>();
  const statementFor = (rows: number): FixedStatement => {
    let statement = byRowCount.get(rows);
    if (!statement) {
      const name = (column: ColumnMetadata, row: number) => (rows === 1 ? column.propertyName : `${column.propertyName}_${row}`);
      const tuples = Array.from({ length: rows }, (_, row) => `(${columns.map((c) => `:${name(c, row)}`).join(', ')})`);
      statement = new FixedStatement(repository.manager.connection, head + tuples.join(', '));
      byRowCount.set(rows, statement);
    }
    return statement;
  };
  const run = (entity: ObjectLiteral): Promise<unknown> => statementFor(1).run(toColumnValues(repository, entity));
  const runMany = (entities: ObjectLiteral[]): Promise<unknown> => {
    if (entities.length === 1) return run(entities[0]);
    const values: Record<string, unknown> = {};
    entities.forEach((entity, row) => {
      for (const [name, value] of Object.entries(toColumnValues(repository, entity))) values[`${name}_${row}`] = value;
    });
    return statementFor(entities.length).run(values);
  };
  return { run, runMany };
}

/** An entity's property values as the driver stores them (dates, booleans, simple arrays). */
export function toColumnValues(repository: Repository<ObjectLiteral>, values: ObjectLiteral): Record<string, unknown> {
  const { driver } = repository.manager.connection;
  const stored: Record<string, unknown> = {};
  for (const column of repository.metadata.columns) {
    if (column.propertyName in values) stored[column.propertyName] = driver.preparePersistentValue(values[column.propertyName], column);
  }
  return stored;
}

/** The entity for a raw row of its table, converted column by column as TypeORM's `find` does. */
export function hydrate<T extends ObjectLiteral>(repository: Repository<T>, raw: ObjectLiteral): T {
  const { driver } = repository.manager.connection;
  const metadata: EntityMetadata = repository.metadata;
  const entity = repository.create();
  for (const column of metadata.columns) {
    (entity as ObjectLiteral)[column.propertyName] = driver.prepareHydratedValue(raw[column.databaseName], column);
  }
  return entity;
}
