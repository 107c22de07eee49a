import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type SessionKind = 'cookie' | 'jwt';

/**
 * One login, whichever client made it. A browser login (kind `cookie`) is reached through the
 * express-session store; a mobile login (kind `jwt`) through its refresh token. Raw secrets are
 * never stored, only their SHA-256 (`secretHash`).
 */
@Entity('sessions')
export class Session {
  /** Public id, shown to users and carried in access tokens' `sid` claim. */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Index()
  @Column({ type: 'varchar', length: 36 })
  userId!: string;

  @Column({ type: 'varchar', length: 8 })
  kind!: SessionKind;

  /** SHA-256 (hex) of the cookie's session id or of the current refresh secret. */
  @Column({ type: 'varchar', length: 64, unique: true })
  secretHash!: string;

  /** Cookie: "remember me" (a persistent cookie). */
  @Column({ type: 'boolean', default: false })
  persistent!: boolean;

  /** express-session's JSON (cookie kind only). */
  @Column({ type: 'text', nullable: true })
  data!: string | null;

  @Column()
  createdAt!: Date;

  @Column()
  lastSeenAt!: Date;

  /** Idle expiry; slides on activity (written at most once per touch interval). */
  @Index()
  @Column()
  expiresAt!: Date;

  /** Hard limit from the login, whatever the activity. */
  @Column()
  absoluteExpiresAt!: Date;

  @Column({ type: Date, nullable: true })
  revokedAt!: Date | null;

  @Column({ type: 'varchar', length: 32, nullable: true })
  revokedReason!: string | null;

  @Column({ type: 'varchar', length: 512, nullable: true })
  userAgent!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip!: string | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  deviceName!: string | null;
}
