import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import passport from 'passport';
import { AuditService } from '../audit/audit.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { startSession } from '../sessions/cookie-session.middleware';
import { SESSION_COOKIE } from '../sessions/session-cookie';
import { ClientInfo, SessionsService } from '../sessions/sessions.service';
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
   * stays valid), stores the user id, and "remember me" turns the cookie persistent. `password`
   * is the one just checked: if it stopped signing the account in meanwhile, the new session
   * ends at once and the login is refused (see confirmLogin).
   */
  async logIn(req: Request, res: Response, user: User, rememberMe: boolean, password: string): Promise<void> {
    await startSession(req, res);
    await new Promise<void>((resolve, reject) => req.logIn(user, (error) => (error ? reject(error) : resolve())));
    const sessionId = req.cookieSession?.row.id;
    await this.confirmLogin(user, password, { sessionId, client: clientInfo(req) }, () => this.endCookieSession(req, res));
    if (rememberMe) {
      req.session.cookie.maxAge = this.config.session.rememberMeTtl * 1000;
      req.session.rememberMe = true;
    }
    this.audit.record({
      type: 'login_succeeded',
      userId: user.id,
      sessionId,
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
      await this.endCookieSession(req, res);
    } else {
      await this.sessions.revoke(auth.session.id, 'logout');
    }
    this.audit.record({ type: 'logout', userId: auth.user.id, sessionId: auth.session.id, client: clientInfo(req), detail: { method: auth.method } });
  }

  /**
   * The last step of every password login, once its session row exists. A password change, a
   * reset or disabling the account ends every session that exists at that moment; a login whose
   * password was checked just before, but whose row was written just after, would escape it. So
   * the account is read again now: if the password no longer signs it in, `endSession` ends the
   * new session, and the login is refused as if the password had been wrong (401
   * invalid_credentials: it is no longer the password). If it does, the sign-in is recorded
   * (the user's lastLoginAt), in the same statement (UsersService.confirmSignIn).
   */
  async confirmLogin(
    user: User,
    password: string,
    login: { sessionId?: string; client: ClientInfo },
    endSession: (reason: 'password_changed' | 'user_disabled') => Promise<unknown>,
  ): Promise<void> {
    const standing = await this.users.confirmSignIn(user, password);
    if (standing === 'yes') return;
    await endSession(standing);
    const reason = standing === 'user_disabled' ? 'account_disabled' : 'password_changed';
    this.audit.record({ type: 'login_failed', userId: user.id, sessionId: login.sessionId, client: login.client, detail: { login: user.username, reason } });
    throw invalidCredentials();
  }

  /** Deletes the request's cookie session (its row) and clears the cookie. */
  private async endCookieSession(req: Request, res: Response): Promise<void> {
    await new Promise<void>((resolve, reject) => req.session.destroy((error) => (error ? reject(error) : resolve())));
    res.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: this.config.cookieSecure });
  }
}
