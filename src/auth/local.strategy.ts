import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-local';
import { AuditService } from '../audit/audit.service';
import { AppError } from '../common/app-error';
import { yieldToWaitingRequests } from '../common/yield-to-waiting-requests';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { LoginThrottleService } from './brute-force/login-throttle.service';
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
}

export function invalidCredentials(): AppError {
  return new AppError('invalid_credentials', 'Invalid username or password');
}
