import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { AuditEvent } from '../audit/audit-event.entity';
import { EmailLinkToken } from '../email-links/email-link-token.entity';
import { SigningKey } from '../auth/jwt/signing-key.entity';
import { Session } from '../sessions/session.entity';
import { SpentRefreshToken } from '../sessions/spent-refresh-token.entity';
import { User } from '../users/user.entity';
import { InitialSchema1763800000000 } from './migrations/1763800000000-initial-schema';
import { JwtSessions1763900000000 } from './migrations/1763900000000-jwt-sessions';
import { AuditEvents1764000000000 } from './migrations/1764000000000-audit-events';
import { EmailLinkTokens1764100000000 } from './migrations/1764100000000-email-link-tokens';

export const ENTITIES = [User, Session, SpentRefreshToken, SigningKey, AuditEvent, EmailLinkToken];
export const MIGRATIONS = [InitialSchema1763800000000, JwtSessions1763900000000, AuditEvents1764000000000, EmailLinkTokens1764100000000];

/**
 * The one TypeORM options object, used by the app, the CLI and `ormconfig.ts`.
 * Schema changes go through migrations only (`synchronize` stays off).
 */
export function dataSourceOptions(config: Pick<AppConfig, 'database'>): DataSourceOptions {
  const common = { entities: ENTITIES, migrations: MIGRATIONS, synchronize: false, migrationsRun: false } as const;
  if (config.database.type === 'postgres') {
    return { ...common, type: 'postgres', url: config.database.url };
  }
  mkdirSync(dirname(config.database.path), { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    database: config.database.path,
    enableWAL: true,
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma('busy_timeout = 5000');
      // Checkpoints run in their own thread (WalCheckpointer), not inside a request's commit.
      db.pragma('wal_autocheckpoint = 0');
      // 64 MiB of page cache instead of 2: with a million sessions, the index pages a login
      // writes to are then mostly in memory, not read from disk on the event loop.
      db.pragma('cache_size = -65536');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
    },
  };
}
