import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { timestampType } from './1763800000000-initial-schema';

/** Signing keys for access tokens, and the spent refresh tokens of JWT sessions. */
export class JwtSessions1763900000000 implements MigrationInterface {
  name = 'JwtSessions1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = timestampType(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'signing_keys',
        columns: [
          { name: 'kid', type: 'varchar', length: '64', isPrimary: true },
          { name: 'algorithm', type: 'varchar', length: '8' },
          { name: 'publicKey', type: 'text', isNullable: true },
          { name: 'privateKey', type: 'text' },
          { name: 'createdAt', type: timestamp },
          { name: 'retiredAt', type: timestamp, isNullable: true },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'spent_refresh_tokens',
        columns: [
          { name: 'tokenHash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'sessionId', type: 'varchar', length: '36' },
          { name: 'spentAt', type: timestamp },
        ],
        indices: [{ name: 'IDX_spent_refresh_tokens_sessionId', columnNames: ['sessionId'] }],
        foreignKeys: [
          { columnNames: ['sessionId'], referencedTableName: 'sessions', referencedColumnNames: ['id'], onDelete: 'CASCADE' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('spent_refresh_tokens');
    await queryRunner.dropTable('signing_keys');
  }
}
