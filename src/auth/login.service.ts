import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import passport from 'passport';
import { AuditService } from '../audit/audit.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { startSession } from '../sessions/cookie-session.middleware';
import { SessionsService } from '../sessions/sessions.service';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { AuthContext } from './auth-context';
import { clientInfo } from './client-info';
import { invalidCredentials, LocalStrategy } from './local.strategy';

/** Checking a password with passport-local, and starting or ending a session. */
@Injectable()
export class LoginService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly localStrategy: LocalStrategy,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Checks the credentials in the body with passport-local (brute-force limits included). */
  authenticate(req: Request, res: Response): Promise<User> {
    return new Promise((resolve, reject) => {
      // This app's own strategy, not passport's process-wide 'local' name (another app in the
      // process, such as a test's second instance, would replace that). A fresh object per request,
      // as passport makes for named strategies, because passport attaches per-request callbacks to it.
      const strategy = Object.create(this.localStrategy) as LocalStrategy;
      const authenticator = passport.authenticate(strategy, { session: false }, (error: unknown, user: User | false) => {
        if (error) reject(error);
        else if (!user) reject(invalidCredentials());
        else resolve(user);
      }) as (req: Request, res: Response, next: (error?: unknown) => void) => void;
      authenticator(req, res, reject);
    });
  }

  /**
   * Starts the cookie session: passport regenerates the session id (no id from before the login
   * stays valid), stores the user id, and "remember me" turns the cookie persistent.
   */
  async logIn(req: Request, res: Response, user: User, rememberMe: boolean): Promise<void> {
    await startSession(req, res);
    await new Promise<void>((resolve, reject) => req.logIn(user, (error) => (error ? reject(error) : resolve())));
    if (rememberMe) {
      req.session.cookie.maxAge = this.config.session.rememberMeTtl * 1000;
      req.session.rememberMe = true;
    }
    await this.users.recordLogin(user.id);
    this.audit.record({
      type: 'login_succeeded',
      userId: user.id,
      sessionId: req.cookieSession?.row.id,
      client: clientInfo(req),
      detail: { method: 'session', rememberMe },
    });
  }

  /**
   * Ends the session the request came with. A cookie session is destroyed server-side (its row
   * deleted) and its cookie cleared; a token's session is revoked, so its refresh token and
   * every access token of it stop working.
   */
  async logOut(auth: AuthContext, req: Request, res: Response): Promise<void> {
    if (auth.method === 'session') {
      await new Promise<void>((resolve, reject) => req.session.destroy((error) => (error ? reject(error) : resolve())));
      res.clearCookie('sid', { path: '/', httpOnly: true, sameSite: 'lax', secure: this.config.cookieSecure });
    } else {
      await this.sessions.revoke(auth.session.id, 'logout');
    }
    this.audit.record({ type: 'logout', userId: auth.user.id, sessionId: auth.session.id, client: clientInfo(req), detail: { method: auth.method } });
  }
}
