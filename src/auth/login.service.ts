import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import passport from 'passport';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { invalidCredentials } from './local.strategy';

/** Checking a password with passport-local, and starting or ending a browser (cookie) session. */
@Injectable()
export class LoginService {
  constructor(
    private readonly users: UsersService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Checks the credentials in the body with passport-local. */
  authenticate(req: Request, res: Response): Promise<User> {
    return new Promise((resolve, reject) => {
      const authenticator = passport.authenticate('local', { session: false }, (error: unknown, user: User | false) => {
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
  async logIn(req: Request, user: User, rememberMe: boolean): Promise<void> {
    await new Promise<void>((resolve, reject) => req.logIn(user, (error) => (error ? reject(error) : resolve())));
    if (rememberMe) {
      req.session.cookie.maxAge = this.config.session.rememberMeTtl * 1000;
      req.session.rememberMe = true;
    }
    await this.users.recordLogin(user.id);
  }

  /** Destroys the cookie session server-side (the row is deleted) and clears the cookie. */
  async logOut(req: Request, res: Response): Promise<void> {
    await new Promise<void>((resolve, reject) => req.session.destroy((error) => (error ? reject(error) : resolve())));
    res.clearCookie('sid', { path: '/', httpOnly: true, sameSite: 'lax', secure: this.config.cookieSecure });
  }
}

