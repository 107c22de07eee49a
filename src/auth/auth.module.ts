import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { CsrfService } from './csrf.service';
import { LocalStrategy } from './local.strategy';
import { SessionLoginService } from './session-login.service';
import { SessionSerializer } from './session.serializer';

@Module({
  imports: [UsersModule, SessionsModule, PassportModule.register({ session: true })],
  controllers: [AuthController],
  providers: [LocalStrategy, SessionSerializer, SessionLoginService, CsrfService],
  exports: [CsrfService, SessionsModule],
})
export class AuthModule {}
