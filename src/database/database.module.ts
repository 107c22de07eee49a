import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source-options';
import { WalCheckpointer } from './wal-checkpointer';

/** TypeORM on SQLite (default) or PostgreSQL; pending migrations run at start-up. */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ ...dataSourceOptions(config), migrationsRun: true, migrationsTransactionMode: 'each' }),
    }),
  ],
  providers: [WalCheckpointer],
  exports: [WalCheckpointer],
})
export class DatabaseModule {}
