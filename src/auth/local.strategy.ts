import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-local';
import { AuditService } from '../audit/audit.service';
import { AppError } from '../common/app-error';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { EmailVerificationService } from '../email-links/email-verification.service';
import { yieldToWaitingRequests } from '../common/yield-to-waiting-requests';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { LoginThrottleService } from './brute-force/login-throttle.service';
import { ClientInfo } from '../sessions/sessions.service';
import { clientInfo } from './client-info';

/**
 * passport-local: username (or email) and password from the request body. The one place every
 * password login goes through (browser and token), so brute-force limits and the audit of
 * failures apply to both.
 */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy, 'local') {
  constructor(
    private readonly users: UsersService,
    private readonly throttle: LoginThrottleService,
    private readonly audit: AuditService,
    private readonly verification: EmailVerificationService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super({ usernameField: 'username', passwordField: 'password', passReqToCallback: true });
  }

  async validate(req: Request, login: string, password: string): Promise<User> {
    const client = clientInfo(req);
    const ip = client.ip ?? 'unknown';
    const user = await this.users.findByLogin(login);
    // Counted per account when there is one (so username and email share a count), else per name tried.
    const accountKey = user ? `user:${user.id}` : `login:${login.trim().toLowerCase()}`;
    const release = await this.throttle.begin(accountKey, ip);
    let accountLocked: boolean;
    try {
      const valid = await this.users.checkPassword(user, password);
      // The check ran for milliseconds on a hashing thread, and during a flood of logins many end
      // together: let the requests that came in meanwhile go first, rather than queue behind the
      // rest of every finished login (session row, token signing), one after another.
      await yieldToWaitingRequests();
      if (valid) {
        await this.throttle.recordSuccess(accountKey);
        this.assertEmailVerified(user!, client);
        return user!;
      }
      ({ accountLocked } = await this.throttle.recordFailure(accountKey, ip));
    } finally {
      release();
    }
    const reason = !user ? 'unknown_user' : user.disabled ? 'account_disabled' : 'wrong_password';
    this.audit.record({ type: 'login_failed', userId: user?.id, client, detail: { login: login.slice(0, 254), reason } });
    if (accountLocked) this.audit.record({ type: 'locked_out', userId: user?.id, client, detail: { login: login.slice(0, 254) } });
    throw invalidCredentials();
  }

  /**
   * With REQUIRE_EMAIL_VERIFICATION, the right password of an unverified account is 403
   * email_not_verified (only then: a wrong one stays invalid_credentials, so the answer tells an
   * attacker nothing). Such a user cannot sign in to ask for a new link, so one is sent now.
   */
  private assertEmailVerified(user: User, client: ClientInfo): void {
    if (!this.config.emailLinks.requireEmailVerification || user.emailVerified) return;
    this.audit.record({ type: 'login_failed', userId: user.id, client, detail: { login: user.username, reason: 'email_not_verified' } });
    this.verification.sendLink(user, client);
    throw new AppError('email_not_verified', 'Confirm your email address first: we have sent a link to it');
  }
}

export function invalidCredentials(): AppError {
  return new AppError('invalid_credentials', 'Invalid username or password');
}
