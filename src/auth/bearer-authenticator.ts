import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import passport from 'passport';
import { AppError } from '../common/app-error';
import { AuthContext } from './auth-context';
import { JwtStrategy } from './jwt/jwt.strategy';

/**
 * Runs the passport-jwt strategy on a request and turns its verdict into an AuthContext or an
 * AppError. A token whose signature passport-jwt verified before is not verified again until it
 * expires (see VerifiedTokenCache); its session and user are checked on every request.
 */
@Injectable()
export class BearerAuthenticator {
  constructor(private readonly jwtStrategy: JwtStrategy) {}

  async authenticate(req: Request, res: Response): Promise<AuthContext> {
    return (await this.jwtStrategy.authorizeVerified(req)) ?? (await this.verify(req, res));
  }

  private verify(req: Request, res: Response): Promise<AuthContext> {
    return new Promise((resolve, reject) => {
      // This app's own strategy (see LoginService.authenticate for why not the name 'jwt').
      const authenticator = passport.authenticate(
        Object.create(this.jwtStrategy) as JwtStrategy,
        { session: false },
        (error: unknown, auth: AuthContext | false, info: unknown) => {
          if (error) reject(error instanceof AppError ? error : new AppError('token_invalid', 'Invalid access token'));
          else if (auth) resolve(auth);
          else reject(failure(info));
        },
      ) as (req: Request, res: Response, next: (error?: unknown) => void) => void;
      authenticator(req, res, reject);
    });
  }
}

function failure(info: unknown): AppError {
  if (info instanceof AppError) return info;
  if (info instanceof Error && info.name === 'TokenExpiredError') {
    return new AppError('token_expired', 'The access token has expired; refresh it');
  }
  return new AppError('token_invalid', 'Invalid access token');
}
