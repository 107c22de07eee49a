import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The hash of a refresh token that has been used. Kept until its session goes, so that a
 * spent token presented again is recognised as theft (and ends the session), not merely unknown.
 */
@Entity('spent_refresh_tokens')
export class SpentRefreshToken {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  tokenHash!: string;

  @Index()
  @Column({ type: 'varchar', length: 36 })
  sessionId!: string;

  @Column()
  spentAt!: Date;
}
