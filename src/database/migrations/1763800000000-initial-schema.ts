import { MigrationInterface, QueryRunner, Table, TableColumnOptions } from 'typeorm';

/** Users and sessions. Written with TypeORM's schema builder so it runs on SQLite and PostgreSQL. */
export class InitialSchema1763800000000 implements MigrationInterface {
  name = 'InitialSchema1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = timestampType(queryRunner);
    const time = (name: string, nullable = false): TableColumnOptions => ({ name, type: timestamp, isNullable: nullable });
    const text = (name: string, length: number, nullable = false): TableColumnOptions => ({
      name,
      type: 'varchar',
      length: String(length),
      isNullable: nullable,
    });
    const flag = (name: string): TableColumnOptions => ({ name, type: 'boolean', default: false });

    await queryRunner.createTable(
      new Table({
        name: 'users',
        columns: [
          { ...text('id', 36), isPrimary: true },
          text('username', 32),
          { ...text('usernameNormalized', 32), isUnique: true },
          { ...text('email', 254), isUnique: true },
          text('passwordHash', 255),
          { name: 'roles', type: 'text' },
          flag('disabled'),
          flag('emailVerified'),
          time('createdAt'),
          time('updatedAt'),
          time('lastLoginAt', true),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'sessions',
        columns: [
          { ...text('id', 36), isPrimary: true },
          text('userId', 36),
          text('kind', 8),
          { ...text('secretHash', 64), isUnique: true },
          flag('persistent'),
          { name: 'data', type: 'text', isNullable: true },
          time('createdAt'),
          time('lastSeenAt'),
          time('expiresAt'),
          time('absoluteExpiresAt'),
          time('revokedAt', true),
          text('revokedReason', 32, true),
          text('userAgent', 512, true),
          text('ip', 64, true),
          text('deviceName', 100, true),
        ],
        indices: [
          { name: 'IDX_sessions_userId', columnNames: ['userId'] },
          { name: 'IDX_sessions_expiresAt', columnNames: ['expiresAt'] },
        ],
        foreignKeys: [
          { columnNames: ['userId'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('sessions');
    await queryRunner.dropTable('users');
  }
}

export function timestampType(queryRunner: QueryRunner): string {
  return queryRunner.connection.driver.options.type === 'postgres' ? 'timestamptz' : 'datetime';
}
