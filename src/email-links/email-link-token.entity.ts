import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const EMAIL_LINK_PURPOSES = ['password_reset', 'email_verification'] as const;
export type EmailLinkPurpose = (typeof EMAIL_LINK_PURPOSES)[number];

/**
 * The token of a link sent by email. Only its SHA-256 is stored, like session secrets and
 * refresh tokens; it works once (`spentAt`) and until `expiresAt`.
 */
@Entity('email_link_tokens')
@Index(['userId', 'purpose'])
export class EmailLinkToken {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  tokenHash!: string;

  @Column({ type: 'varchar', length: 32 })
  purpose!: EmailLinkPurpose;

  @Column({ type: 'varchar', length: 36 })
  userId!: string;

  /** The address the link was sent to: a verification link confirms that address only. */
  @Column({ type: 'varchar', length: 254 })
  email!: string;

  @Column()
  createdAt!: Date;

  @Index()
  @Column()
  expiresAt!: Date;

  @Column({ type: Date, nullable: true })
  spentAt!: Date | null;
}
