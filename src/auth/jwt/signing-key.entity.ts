import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A key that signs access tokens. Keys live in the database so that every instance signs and
 * verifies with the same ones; rotation adds a key and retires the previous one, which keeps
 * verifying (and stays in the JWKS) for one access-token lifetime.
 */
@Entity('signing_keys')
export class SigningKey {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  kid!: string;

  @Column({ type: 'varchar', length: 8 })
  algorithm!: string;

  /** SPKI PEM; null for HS256, whose key is secret. */
  @Column({ type: 'text', nullable: true })
  publicKey!: string | null;

  /** PKCS#8 PEM, or the base64url HMAC secret for HS256. */
  @Column({ type: 'text' })
  privateKey!: string;

  @Column()
  createdAt!: Date;

  @Column({ type: Date, nullable: true })
  retiredAt!: Date | null;
}
