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
import { sqliteThread } from './sqlite-thread';
import { InitialSchema1763800000000 } from './migrations/1763800000000-initial-schema';
import { JwtSessions1763900000000 } from './migrations/1763900000000-jwt-sessions';
import { AuditEvents1764000000000 } from './migrations/1764000000000-audit-events';
import { EmailLinkTokens1764100000000 } from './migrations/1764100000000-email-link-tokens';

/** The TypeORM driver type the app's SQLite connection has (see below). */
export const SQLITE_DRIVER_TYPE = 'expo';

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
  // SQLite runs in a thread of its own (see sqlite-thread.ts, which also sets the connection up);
  // `expo` is TypeORM's driver for an asynchronous SQLite client passed in as `driver`.
  return { ...common, type: SQLITE_DRIVER_TYPE, database: config.database.path, driver: sqliteThread };
}
