import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { AppError } from '../common/app-error';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ClientInfo, SessionsService } from '../sessions/sessions.service';
import { UsersService } from '../users/users.service';
import { EmailLinkTokens } from './email-link-tokens.service';
import { EmailSender, humanDuration } from './email-sender';

/** "Forgot your password?": a single-use link by email, then a new password and every session ended. */
@Injectable()
export class PasswordResetService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly tokens: EmailLinkTokens,
    private readonly sender: EmailSender,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Sends a reset link when an enabled account has this address; the caller answers 202 either
   * way, at once, so neither the answer nor its timing tells whether the account exists.
   */
  requestReset(email: string, client: ClientInfo): void {
    this.sender.later('password reset', async () => {
      const user = await this.users.findByEmail(email);
      if (!user || user.disabled) return null;
      const ttl = this.config.emailLinks.passwordResetTtl;
      const token = await this.tokens.issue('password_reset', user, ttl);
      if (!token) return null;
      this.audit.record({ type: 'password_reset_requested', userId: user.id, client });
      const link = `${this.config.emailLinks.appUrl}/reset-password?token=${token}`;
      return {
        to: user.email,
        subject: 'Reset your password',
        text:
          `Someone (we hope you) asked to reset the password of your account "${user.username}".\n\n` +
          `To choose a new password, open this link within ${humanDuration(ttl)}. It works once:\n\n${link}\n\n` +
          'If you did not ask for this, ignore this email: your password stays as it is.\n',
      };
    });
  }

  /** True when `token` would be accepted now (the reset page asks before showing its form). */
  async isUsable(token: string): Promise<boolean> {
    return (await this.tokens.findUsable('password_reset', token)) !== null;
  }

  /**
   * Sets a new password with a token from a reset link: the token is spent (with any other reset
   * link of the account), the address counts as verified (the link reached it), and every session
   * of the user ends. A wrong, expired or spent token is 400 reset_token_invalid and changes nothing.
   */
  async reset(token: string, newPassword: string, client: ClientInfo): Promise<void> {
    // The token first: a wrong one costs no password hash.
    if (!(await this.tokens.findUsable('password_reset', token))) throw invalidToken();
    const passwordHash = await this.users.hashNewPassword(newPassword);
    const user = await this.tokens.redeem(
      'password_reset',
      token,
      (user, manager) => this.users.update(user.id, { passwordHash, emailVerified: true }, manager),
      (user) => !user.disabled,
    );
    if (!user) throw invalidToken();
    const ended = await this.sessions.revokeAllForUser(user.id, 'password_reset');
    this.audit.record({ type: 'password_reset', userId: user.id, client, detail: { sessionsEnded: ended.length } });
  }
}

function invalidToken(): AppError {
  return new AppError('reset_token_invalid', 'This password-reset link is wrong, expired or already used: ask for a new one');
}
