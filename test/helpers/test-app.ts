import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { AppConfig } from '../../src/config/app-config';
import { loadConfig } from '../../src/config/load-config';
import { configureApp, initApp } from '../../src/configure-app';
import { AuthkitExpressAdapter } from '../../src/express-adapter';
import { onPostgres, postgresUrlFor } from './postgres';

const TEST_SECRET = randomBytes(32).toString('base64url');

export interface TestApp {
  app: NestExpressApplication;
  /** The running server, for supertest. */
  server: Parameters<typeof import('supertest')>[0];
  db: DataSource;
  config: AppConfig;
  dataDir: string;
  env: Record<string, string>;
  close(): Promise<void>;
}

/** A fresh data folder (SQLite file and generated secrets) for one test file. */
export function newDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'authkit-test-'));
}

/**
 * Builds the real application exactly as main.ts does (AppModule + configureApp) on a real
 * SQLite file in `dataDir` (or, with TEST_DATABASE=postgres, a PostgreSQL database of its own),
 * configured from `env` the way production reads process.env.
 */
export async function startTestApp(env: Record<string, string> = {}, dataDir = newDataDir()): Promise<TestApp> {
  const database: Record<string, string> = onPostgres ? { DATABASE_URL: await postgresUrlFor(dataDir) } : {};
  const fullEnv = { NODE_ENV: 'test', DATA_DIR: dataDir, LOG_LEVEL: 'error', SESSION_SECRET: TEST_SECRET, ...database, ...env };
  const config = loadConfig(fullEnv);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), new AuthkitExpressAdapter(), {
    bodyParser: false,
    logger: ['fatal', 'error'],
    abortOnError: false,
  });
  configureApp(app);
  try {
    await initApp(app);
  } catch (error) {
    await app.close();
    throw error;
  }
  return {
    app,
    server: app.getHttpServer(),
    db: app.get(DataSource),
    config,
    dataDir,
    env: fullEnv,
    close: () => app.close(),
  };
}
