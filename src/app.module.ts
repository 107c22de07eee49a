import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { AdminModule } from './admin/admin.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { AuthenticationGuard } from './auth/guards/authentication.guard';
import { CsrfGuard } from './auth/guards/csrf.guard';
import { RolesGuard } from './auth/guards/roles.guard';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { createValidationPipe } from './common/validation.pipe';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { loadConfig } from './config/load-config';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { RedisModule } from './redis/redis.module';
import { WebModule } from './web/web.module';

/**
 * The whole application. Global providers live here so that anything importing AppModule
 * (main.ts, the CLI, the tests) behaves like production. Guard order matters:
 * authentication first, then CSRF (which needs to know how the caller authenticated), then
 * roles (so an anonymous caller gets 401, not 403).
 */
@Module({})
export class AppModule {
  static register(config: AppConfig = loadConfig()): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(config), DatabaseModule, RedisModule, AuditModule, AuthModule, AdminModule, HealthModule, WebModule],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_GUARD, useClass: AuthenticationGuard },
        { provide: APP_GUARD, useClass: CsrfGuard },
        { provide: APP_GUARD, useClass: RolesGuard },
      ],
    };
  }
}
