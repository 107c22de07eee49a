import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MailModule } from '../mail/mail.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { EmailLinkToken } from './email-link-token.entity';
import { EmailLinkTokens } from './email-link-tokens.service';
import { EmailLinksController } from './email-links.controller';
import { EmailSender } from './email-sender';
import { EmailVerificationService } from './email-verification.service';
import { PasswordResetService } from './password-reset.service';

/** Links sent by email: "forgot your password?" and email verification. */
@Module({
  imports: [TypeOrmModule.forFeature([EmailLinkToken]), MailModule, UsersModule, SessionsModule],
  controllers: [EmailLinksController],
  providers: [EmailLinkTokens, EmailSender, PasswordResetService, EmailVerificationService],
  exports: [PasswordResetService, EmailVerificationService, EmailSender],
})
export class EmailLinksModule {}
