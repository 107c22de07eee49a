import { createHmac } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import cookieParser from 'cookie-parser';
import { doubleCsrf, DoubleCsrfUtilities } from 'csrf-csrf';
import { APP_CONFIG, AppConfig } from '../config/app-config';

export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_FORM_FIELD = '_csrf';

/**
 * CSRF tokens with csrf-csrf: the signed double-submit cookie pattern, maintained, and (unlike
 * the deprecated csurf, or csrf-sync's session-stored tokens) it needs no server-side session,
 * so a visitor can fetch a token and sign in with it before any session exists. The token is an
 * HMAC, under a secret derived from SESSION_SECRET, of a random value also kept in an HttpOnly
 * cookie; a request must carry both. Tokens are not bound to the session id, so one token
 * stays valid across sign-in (like Django's CSRF cookie); SameSite=Lax cookies and the
 * required custom header or form field do the rest.
 */
@Injectable()
export class CsrfService {
  private readonly csrf: DoubleCsrfUtilities;
  readonly cookieName: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const secret = createHmac('sha256', config.sessionSecret).update('authkit csrf').digest('base64url');
    this.cookieName = config.cookieSecure ? '__Host-authkit.csrf' : 'authkit.csrf';
    this.csrf = doubleCsrf({
      getSecret: () => secret,
      getSessionIdentifier: () => '',
      cookieName: this.cookieName,
      cookieOptions: { httpOnly: true, sameSite: 'lax', path: '/', secure: config.cookieSecure },
      size: 32,
      getCsrfTokenFromRequest: (req: Request) => tokenFromRequest(req),
    });
  }

  /**
   * The caller's token, reusing the one its cookie already holds when that is valid; a stale or
   * tampered cookie (a changed SESSION_SECRET, say) is replaced rather than refused, or the
   * visitor, who cannot clear an HttpOnly cookie, could never get a working token again.
   */
  token(req: Request, res: Response): string {
    parseCookies(req, res);
    try {
      return this.csrf.generateCsrfToken(req, res, { overwrite: false, validateOnReuse: true });
    } catch {
      return this.csrf.generateCsrfToken(req, res, { overwrite: true });
    }
  }

  isValid(req: Request): boolean {
    parseCookies(req);
    return this.csrf.validateRequest(req);
  }
}

const cookieParserMiddleware = cookieParser();

/**
 * Fills `req.cookies`, which only csrf-csrf reads, on the few requests that check or issue a
 * token, instead of parsing every request's cookies up front (express-session parses its own).
 */
function parseCookies(req: Request, res?: Response): void {
  if (req.cookies === undefined) cookieParserMiddleware(req, res as Response, () => undefined);
}

function tokenFromRequest(req: Request): string | undefined {
  const header = req.headers[CSRF_HEADER];
  if (typeof header === 'string') return header;
  const field = (req.body as Record<string, unknown> | undefined)?.[CSRF_FORM_FIELD];
  return typeof field === 'string' ? field : undefined;
}
