import { DataSource, EntityMetadata, ObjectLiteral, Repository } from 'typeorm';

/**
 * One SQL statement of a hot path (a password login runs three), written once and run as is.
 * TypeORM's query builder rebuilds the SQL of a find, insert or update on every call; measured on
 * the login path under load, that building cost more event-loop time than SQLite spent running
 * the statements. Here the SQL is built once, with the driver's own placeholders (`?` on SQLite,
 * `$1` on PostgreSQL), from a text with `:name` parameters; values go in and rows come out
 * through TypeORM's column conversions, so a row reads exactly as `find` would give it.
 * Quote identifiers in the text ("usernameNormalized"): PostgreSQL folds unquoted names.
 */
export class FixedStatement {
  private readonly sql: string;
  private readonly names: string[];

  constructor(
    private readonly dataSource: DataSource,
    text: string,
  ) {
    const names = [...new Set([...text.matchAll(/:(\w+)/g)].map((match) => match[1]))];
    const [sql, order] = dataSource.driver.escapeQueryWithParameters(text, Object.fromEntries(names.map((name) => [name, name])));
    this.sql = sql;
    // The driver lists the values in placeholder order; each value being its own name, that is the order to send them in.
    this.names = order as string[];
  }

  /** Runs the statement; for a SELECT, the raw rows. */
  run(values: Record<string, unknown>): Promise<ObjectLiteral[]> {
    return this.dataSource.query(this.sql, this.names.map((name) => values[name]));
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

/** An INSERT of every column of an entity, built once from its metadata. */
export function insertStatement(repository: Repository<ObjectLiteral>): { run(entity: ObjectLiteral): Promise<unknown> } {
  const { metadata } = repository;
  const columns = metadata.columns;
  const statement = new FixedStatement(
    repository.manager.connection,
    `INSERT INTO "${metadata.tableName}" (${columns.map((c) => `"${c.databaseName}"`).join(', ')}) ` +
      `VALUES (${columns.map((c) => `:${c.propertyName}`).join(', ')})`,
  );
  return { run: (entity) => statement.run(toColumnValues(repository, entity)) };
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
