import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';
import { loadConfig } from '../config/load-config';
import { COMMANDS, usage } from './commands';

/**
 * `npm run cli -- <command> [args]`: administration commands, run against the same database and
 * configuration as the server (an application context, no HTTP).
 */
async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    process.stderr.write(usage());
    return name ? 2 : 0;
  }
  const app = await NestFactory.createApplicationContext(AppModule.register(loadConfig()), {
    logger: ['fatal', 'error', 'warn'],
    abortOnError: false,
  });
  try {
    const output = await command.run(app, args);
    process.stdout.write(output + '\n');
    return 0;
  } catch (error) {
    new Logger('cli').error(error instanceof Error ? error.message : String(error));
    return 1;
  } finally {
    await app.close();
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
