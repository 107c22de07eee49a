import { Column, Entity, PrimaryColumn } from 'typeorm';

export const ROLES = ['user', 'admin'] as const;
export type Role = (typeof ROLES)[number];

@Entity('users')
export class User {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** As the user typed it, for display. */
  @Column({ type: 'varchar', length: 32 })
  username!: string;

  /** Lower-cased username: uniqueness and look-ups are case-insensitive. */
  @Column({ type: 'varchar', length: 32, unique: true })
  usernameNormalized!: string;

  /** Stored lower-cased. */
  @Column({ type: 'varchar', length: 254, unique: true })
  email!: string;

  @Column({ type: 'varchar', length: 255 })
  passwordHash!: string;

  @Column({ type: 'simple-array' })
  roles!: Role[];

  @Column({ type: 'boolean', default: false })
  disabled!: boolean;

  @Column({ type: 'boolean', default: false })
  emailVerified!: boolean;

  @Column()
  createdAt!: Date;

  @Column()
  updatedAt!: Date;

  @Column({ type: Date, nullable: true })
  lastLoginAt!: Date | null;
}
