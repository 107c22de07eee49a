import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { closeOnSignals } from './common/graceful-shutdown';
import { configureApp, initApp } from './configure-app';
import { AuthkitExpressAdapter } from './express-adapter';
import { ConfigError, configWarnings, loadConfig } from './config/load-config';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      new Logger('Config').error(error.message);
      process.exit(1);
    }
    throw error;
  }
  for (const warning of configWarnings(config)) new Logger('Config').warn(warning);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), new AuthkitExpressAdapter(), {
    bodyParser: false,
    logger: logLevels(config.logLevel),
  });
  configureApp(app);
  try {
    await initApp(app);
  } catch (error) {
    new Logger('authkit').error(error instanceof Error ? error.message : String(error));
    await app.close();
    process.exit(1);
  }
  await app.listen(config.port, config.host);
  closeOnSignals(app);
  new Logger('authkit').log(`Listening on http://localhost:${config.port} (${config.env}, ${config.database.type})`);
}

function logLevels(level: string): Array<'fatal' | 'error' | 'warn' | 'log' | 'debug' | 'verbose'> {
  const order = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
  return order.slice(0, order.indexOf(level as (typeof order)[number]) + 1);
}

void bootstrap();
