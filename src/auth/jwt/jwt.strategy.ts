import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { decode } from 'jsonwebtoken';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppError } from '../../common/app-error';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { SessionsService } from '../../sessions/sessions.service';
import { UsersService } from '../../users/users.service';
import { AuthContext } from '../auth-context';
import { SigningKeysService } from './signing-keys.service';
import { VerifiedTokenCache } from './verified-token-cache';
import { AccessTokenClaims } from './token.service';

const bearerToken = ExtractJwt.fromAuthHeaderAsBearerToken();

/**
 * passport-jwt: the access token's signature, `exp`, `iss`, `aud` and algorithm (only the
 * configured one) are checked locally against our signing keys; then its session (`sid`) must
 * still be active, and the user is loaded fresh, so roles are never trusted from the token.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    keys: SigningKeysService,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
    private readonly verifiedTokens: VerifiedTokenCache,
  ) {
    super({
      jwtFromRequest: bearerToken,
      passReqToCallback: true,
      // jsonwebtoken takes a KeyObject too (parsed once, 50–100× faster than a PEM string per call).
      secretOrKeyProvider: (_req: Request, rawJwt: string, done: (err: unknown, key?: string) => void) => {
        const header = decode(rawJwt, { complete: true })?.header;
        const kid = header?.kid;
        if (typeof kid !== 'string') return done(new AppError('token_invalid', 'The access token names no signing key'));
        keys.verificationKey(kid).then(
          (key) => (key ? done(null, key.verifyKey as unknown as string) : done(new AppError('token_invalid', 'Unknown or expired signing key'))),
          done,
        );
      },
      algorithms: [config.jwt.algorithm],
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      ignoreExpiration: false,
    });
  }

  /** passport-jwt calls this once the token's signature and claims are verified. */
  async validate(req: Request, claims: AccessTokenClaims): Promise<AuthContext> {
    const auth = await this.authorize(claims);
    this.verifiedTokens.remember(bearerToken(req)!, claims);
    return auth;
  }

  /**
   * The request's token if its signature was verified before (and it has not expired since),
   * authorized as passport would: its session must still be active and its user enabled.
   * Undefined when the token has not been verified yet: run passport.
   */
  async authorizeVerified(req: Request): Promise<AuthContext | undefined> {
    const token = bearerToken(req);
    const claims = token ? this.verifiedTokens.recall(token) : undefined;
    return claims ? this.authorize(claims) : undefined;
  }

  private async authorize(claims: AccessTokenClaims): Promise<AuthContext> {
    if (typeof claims.sid !== 'string' || typeof claims.sub !== 'string') {
      throw new AppError('token_invalid', 'The access token lacks its subject or session');
    }
    const session = await this.sessions.findById(claims.sid);
    if (!session || session.kind !== 'jwt' || session.userId !== claims.sub) {
      throw new AppError('session_revoked', 'This session has been ended; sign in again');
    }
    const state = this.sessions.stateOf(session);
    if (state === 'revoked') throw new AppError('session_revoked', 'This session has been ended; sign in again');
    if (state === 'expired') throw new AppError('session_expired', 'This session has expired; sign in again');
    const user = await this.users.findById(claims.sub);
    if (!user || user.disabled) throw new AppError('session_revoked', 'This session has been ended; sign in again');
    return { user, session, method: 'jwt' };
  }
}
