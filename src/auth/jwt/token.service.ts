import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { SignJWT } from 'jose';
import { AuditService } from '../../audit/audit.service';
import { AppError } from '../../common/app-error';
import { yieldToWaitingRequests } from '../../common/yield-to-waiting-requests';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { hashSecret, newSecret } from '../../sessions/secret-hash';
import { Session } from '../../sessions/session.entity';
import { ClientInfo, SessionsService } from '../../sessions/sessions.service';
import { User } from '../../users/user.entity';
import { UsersService } from '../../users/users.service';
import { LoginService } from '../login.service';
import { SigningKeysService } from './signing-keys.service';

/** What POST /auth/token and POST /auth/token/refresh answer. */
export interface TokenPair {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
  sessionId: string;
}

/** The claims of an access token, exactly as API.md lists them. */
export interface AccessTokenClaims {
  sub: string;
  sid: string;
  roles: string[];
  iat: number;
  exp: number;
  iss: string;
  aud: string;
  jti: string;
}

/**
 * Mobile and API logins: a JWT session row per login, short access tokens that carry its id
 * (`sid`), and opaque refresh tokens (256 random bits, stored only as SHA-256) rotated on every
 * use. A spent refresh token shown again ends the whole session.
 */
@Injectable()
export class TokenService {
  constructor(
    private readonly keys: SigningKeysService,
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    private readonly logins: LoginService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The session and tokens of a password login; `password` is the one just checked (see LoginService.confirmLogin). */
  async issueForLogin(user: User, password: string, client: ClientInfo): Promise<TokenPair> {
    const refreshToken = newSecret();
    const session = await this.sessions.create({
      userId: user.id,
      kind: 'jwt',
      secretHash: hashSecret(refreshToken),
      persistent: true,
      data: null,
      client,
    });
    await this.logins.confirmLogin(user, password, { sessionId: session.id, client }, (reason) => this.sessions.revoke(session.id, reason));
    await yieldToWaitingRequests();
    this.audit.record({ type: 'login_succeeded', userId: user.id, sessionId: session.id, client, detail: { method: 'jwt' } });
    return await this.pair(user, session, refreshToken);
  }

  async refresh(refreshToken: string, client: ClientInfo): Promise<TokenPair> {
    const presentedHash = hashSecret(refreshToken);
    const session = await this.sessions.findBySecretHash(presentedHash);
    if (!session || session.kind !== 'jwt') {
      const spent = await this.sessions.findSpentToken(presentedHash);
      if (spent) await this.reuseDetected(spent.sessionId, client);
      throw new AppError('token_invalid', 'Unknown refresh token');
    }
    const state = this.sessions.stateOf(session);
    if (state === 'revoked') throw new AppError('session_revoked', 'This session has been ended; sign in again');
    if (state === 'expired') throw new AppError('session_expired', 'This session has expired; sign in again');
    const user = await this.users.findById(session.userId);
    if (!user || user.disabled) throw new AppError('session_revoked', 'This session has been ended; sign in again');

    const nextToken = newSecret();
    const rotated = await this.sessions.rotateSecret(session, presentedHash, hashSecret(nextToken));
    // Another request spent this token a moment ago: one token, two users of it, so treat it as theft.
    if (!rotated) await this.reuseDetected(session.id, client);
    this.audit.record({ type: 'token_refreshed', userId: user.id, sessionId: session.id, client });
    return this.pair(user, rotated!, nextToken);
  }

  private async reuseDetected(sessionId: string, client: ClientInfo): Promise<never> {
    const session = await this.sessions.findById(sessionId);
    await this.sessions.revoke(sessionId, 'refresh_token_reused');
    this.audit.record({ type: 'refresh_token_reused', userId: session?.userId, sessionId, client });
    throw new AppError(
      'refresh_token_reused',
      'This refresh token was already used; the session has been ended for safety. Sign in again',
    );
  }

  private async pair(user: User, session: Session, refreshToken: string): Promise<TokenPair> {
    const key = await this.keys.signingKey();
    const issuedAt = Math.floor(Date.now() / 1000);
    // jose signs with RS256 and ES256 in libuv's thread pool (Node's asynchronous crypto.sign):
    // an RSA signature is the largest piece of a login's CPU time (about 1 ms here), and on the event
    // loop every request that arrived meanwhile waited for it. HS256 is one HMAC, done in place.
    const accessToken = await new SignJWT({ sid: session.id, roles: user.roles })
      .setProtectedHeader({ alg: key.algorithm, typ: 'JWT', kid: key.kid })
      .setSubject(user.id)
      .setIssuer(this.config.jwt.issuer)
      .setAudience(this.config.jwt.audience)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + this.config.jwt.accessTokenTtl)
      .setJti(randomUUID())
      .sign(key.signKey);
    return {
      accessToken,
      tokenType: 'Bearer',
      expiresIn: this.config.jwt.accessTokenTtl,
      refreshToken,
      // Rounded, not floored: the session row was written a few milliseconds ago, and a fresh
      // refresh token's lifetime is REFRESH_TOKEN_TTL (2592000 s by default), not one second less.
      refreshExpiresIn: Math.max(0, Math.round((session.expiresAt.getTime() - Date.now()) / 1000)),
      sessionId: session.id,
    };
  }
}
