import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { timestampType } from './1763800000000-initial-schema';

/** The audit log. */
export class AuditEvents1764000000000 implements MigrationInterface {
  name = 'AuditEvents1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'audit_events',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'type', type: 'varchar', length: '32' },
          { name: 'userId', type: 'varchar', length: '36', isNullable: true },
          { name: 'sessionId', type: 'varchar', length: '36', isNullable: true },
          { name: 'ip', type: 'varchar', length: '64', isNullable: true },
          { name: 'userAgent', type: 'varchar', length: '512', isNullable: true },
          { name: 'detail', type: 'text' },
          { name: 'createdAt', type: timestampType(queryRunner) },
        ],
        indices: [
          { name: 'IDX_audit_events_type', columnNames: ['type'] },
          { name: 'IDX_audit_events_createdAt', columnNames: ['createdAt'] },
          { name: 'IDX_audit_events_userId_createdAt', columnNames: ['userId', 'createdAt'] },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('audit_events');
  }
}
