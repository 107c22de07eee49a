import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const AUDIT_EVENT_TYPES = [
  'login_succeeded',
  'login_failed',
  'logout',
  'token_refreshed',
  'refresh_token_reused',
  'session_revoked',
  'password_changed',
  'password_reset_requested',
  'password_reset',
  'email_verification_sent',
  'email_verified',
  'roles_changed',
  'user_disabled',
  'user_enabled',
  'locked_out',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/** Something that happened to an account, with who, from where and when. Never a secret. */
@Entity('audit_events')
@Index(['userId', 'createdAt'])
export class AuditEvent {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Index()
  @Column({ type: 'varchar', length: 32 })
  type!: AuditEventType;

  @Column({ type: 'varchar', length: 36, nullable: true })
  userId!: string | null;

  @Column({ type: 'varchar', length: 36, nullable: true })
  sessionId!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip!: string | null;

  @Column({ type: 'varchar', length: 512, nullable: true })
  userAgent!: string | null;

  /** JSON object with event-specific facts (for example the roles before and after). */
  @Column({ type: 'text' })
  detail!: string;

  @Index()
  @Column()
  createdAt!: Date;
}
