import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { parse as parseCookieHeader } from 'cookie';
import type { Request, Response } from 'express';
import { AppError } from '../../common/app-error';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { SESSION_COOKIE } from '../../sessions/session-cookie';
import { SessionsService } from '../../sessions/sessions.service';
import { User } from '../../users/user.entity';
import { BearerAuthenticator } from '../bearer-authenticator';
import { BROWSER_PAGE } from '../decorators/browser-page.decorator';
import { IS_PUBLIC } from '../decorators/public.decorator';

/**
 * Global guard, first in line: every route needs a signed-in caller unless marked @Public().
 * Accepts `Authorization: Bearer <access token>` or the `sid` cookie session, and puts one
 * AuthContext on the request. A request with an Authorization header is judged by that header
 * alone, except one whose header is of another scheme (`Basic`, say, which a browser attaches by
 * itself behind a password-protected proxy) and that carries the session cookie: it is judged by
 * its cookie, as a cookie request (CSRF included).
 */
/** An Authorization header of the Bearer scheme (scheme names are case-insensitive, RFC 9110). */
const BEARER_SCHEME = /^bearer(\s|$)/i;

function carriesSessionCookie(req: Request): boolean {
  const cookies = req.headers.cookie;
  return cookies !== undefined && parseCookieHeader(cookies)[SESSION_COOKIE] !== undefined;
}

@Injectable()
export class AuthenticationGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionsService,
    private readonly bearer: BearerAuthenticator,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    if (this.reflector.getAllAndOverride<boolean>(BROWSER_PAGE, targets)) {
      if (this.hasActiveCookieSession(req)) this.authenticateCookie(req);
      return true;
    }
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const authorization = req.headers.authorization;
    if (authorization !== undefined && (BEARER_SCHEME.test(authorization) || !carriesSessionCookie(req))) {
      req.auth = await this.bearer.authenticate(req, http.getResponse<Response>());
    } else {
      this.authenticateCookie(req);
    }
    return true;
  }

  private hasActiveCookieSession(req: Request): boolean {
    const user = req.user as User | undefined;
    return req.cookieSession?.state === 'active' && !!user && req.cookieSession.row.userId === user.id;
  }

  private authenticateCookie(req: Request): void {
    const lookup = req.cookieSession;
    const user = req.user as User | undefined;
    if (lookup?.state === 'active' && user && lookup.row.userId === user.id) {
      req.auth = { user, session: lookup.row, method: 'session' };
      this.recordActivity(req);
      return;
    }
    if (lookup?.state === 'expired') throw new AppError('session_expired', 'Your session has expired; sign in again');
    if (lookup?.state === 'revoked') throw new AppError('session_revoked', 'This session has been ended; sign in again');
    throw new AppError('unauthenticated', 'Authentication required');
  }

  /**
   * Sliding expiry without a write per request: at most once per touch interval, mark the
   * session changed, so express-session saves it (the store slides the row) and re-sends a
   * persistent cookie with a fresh Max-Age, never past the absolute limit.
   */
  private recordActivity(req: Request): void {
    const row = req.cookieSession!.row;
    const now = Date.now();
    // No req.session: a read-only request answered from memory (CachedCookieSession), which
    // found no slide due; one that came due since then is made by the session's next request.
    if (!req.session || !this.sessions.isSlideDue(row, now)) return;
    req.session.lastActiveAt = now;
    if (row.persistent) {
      req.session.cookie.maxAge = Math.min(this.config.session.rememberMeTtl * 1000, row.absoluteExpiresAt.getTime() - now);
    }
  }
}
