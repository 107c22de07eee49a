import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { AppError } from '../common/app-error';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ClientInfo } from '../sessions/sessions.service';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { EmailLinkTokens } from './email-link-tokens.service';
import { EmailSender, humanDuration } from './email-sender';

/** Proving that an account's email address is its owner's: a single-use link sent to it. */
@Injectable()
export class EmailVerificationService {
  constructor(
    private readonly users: UsersService,
    private readonly tokens: EmailLinkTokens,
    private readonly sender: EmailSender,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Sends a verification link to `user`'s address, in the background, unless the address is
   * verified already or EMAIL_LINK_LIMIT links went out within EMAIL_LINK_WINDOW.
   */
  sendLink(user: User, client?: ClientInfo): void {
    if (user.emailVerified) return;
    this.sender.later('email verification', async () => {
      const ttl = this.config.emailLinks.emailVerificationTtl;
      const token = await this.tokens.issue('email_verification', user, ttl);
      if (!token) return null;
      this.audit.record({ type: 'email_verification_sent', userId: user.id, client });
      const link = `${this.config.emailLinks.appUrl}/verify-email?token=${token}`;
      return {
        to: user.email,
        subject: 'Confirm your email address',
        text:
          `Hello ${user.username},\n\nplease confirm that this is your email address by opening this link ` +
          `within ${humanDuration(ttl)}:\n\n${link}\n\n` +
          'If you did not create an account, ignore this email.\n',
      };
    });
  }

  /**
   * Marks the address the link was sent to as verified and spends the token (400
   * verification_token_invalid for a wrong, expired or spent one, or when the account's address
   * has changed since).
   */
  async verify(token: string, client: ClientInfo): Promise<void> {
    const user = await this.tokens.redeem('email_verification', token, (user, manager) =>
      this.users.update(user.id, { emailVerified: true }, manager),
    );
    if (!user) throw invalidToken();
    this.audit.record({ type: 'email_verified', userId: user.id, client, detail: { email: user.email } });
  }
}

function invalidToken(): AppError {
  return new AppError('verification_token_invalid', 'This verification link is wrong, expired or already used: ask for a new one');
}
