import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { timestampType } from './1763800000000-initial-schema';

/** Password-reset and email-verification tokens (hashes only). */
export class EmailLinkTokens1764100000000 implements MigrationInterface {
  name = 'EmailLinkTokens1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = timestampType(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'email_link_tokens',
        columns: [
          { name: 'tokenHash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'purpose', type: 'varchar', length: '32' },
          { name: 'userId', type: 'varchar', length: '36' },
          { name: 'email', type: 'varchar', length: '254' },
          { name: 'createdAt', type: timestamp },
          { name: 'expiresAt', type: timestamp },
          { name: 'spentAt', type: timestamp, isNullable: true },
        ],
        indices: [
          { name: 'IDX_email_link_tokens_userId_purpose', columnNames: ['userId', 'purpose'] },
          { name: 'IDX_email_link_tokens_expiresAt', columnNames: ['expiresAt'] },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('email_link_tokens');
  }
}
