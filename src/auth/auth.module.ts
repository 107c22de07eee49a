import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EmailLinksModule } from '../email-links/email-links.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { AccountService } from './account.service';
import { AuthController } from './auth.controller';
import { BearerAuthenticator } from './bearer-authenticator';
import { CachedCookieSession } from './cached-cookie-session';
import { ATTEMPT_STORE, MemoryAttemptStore } from './brute-force/attempt-store';
import { LoginThrottleService } from './brute-force/login-throttle.service';
import { RedisAttemptStore } from './brute-force/redis-attempt-store';
import { RedisConnection } from '../redis/redis-connection';
import { CsrfService } from './csrf.service';
import { JwksController } from './jwt/jwks.controller';
import { JwtStrategy } from './jwt/jwt.strategy';
import { SigningKey } from './jwt/signing-key.entity';
import { SigningKeysService } from './jwt/signing-keys.service';
import { TokenController } from './jwt/token.controller';
import { TokenService } from './jwt/token.service';
import { VerifiedTokenCache } from './jwt/verified-token-cache';
import { LocalStrategy } from './local.strategy';
import { LoginService } from './login.service';
import { MySessionsController } from './my-sessions.controller';
import { SessionSerializer } from './session.serializer';

@Module({
  imports: [
    UsersModule,
    SessionsModule,
    EmailLinksModule,
    PassportModule.register({ session: true }),
    TypeOrmModule.forFeature([SigningKey]),
  ],
  controllers: [AuthController, TokenController, MySessionsController, JwksController],
  providers: [
    LocalStrategy,
    JwtStrategy,
    SessionSerializer,
    LoginService,
    CsrfService,
    SigningKeysService,
    TokenService,
    AccountService,
    BearerAuthenticator,
    CachedCookieSession,
    LoginThrottleService,
    { provide: VerifiedTokenCache, useFactory: () => new VerifiedTokenCache() },
    {
      provide: ATTEMPT_STORE,
      inject: [RedisConnection],
      useFactory: (redis: RedisConnection) => (redis.client ? new RedisAttemptStore(redis.client) : new MemoryAttemptStore()),
    },
  ],
  exports: [CsrfService, SessionsModule, UsersModule, EmailLinksModule, SigningKeysService, AccountService, BearerAuthenticator, CachedCookieSession, LoginService],
})
export class AuthModule {}
