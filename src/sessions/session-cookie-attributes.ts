import type { NextFunction, Request, Response } from 'express';
import onHeaders from 'on-headers';

/**
 * Finishes the session cookie that express-session writes, as API.md describes it:
 *
 * - a persistent cookie gets `Max-Age` (express-session writes `Expires` only; `Max-Age` wins
 *   over it in every current browser and does not depend on the client's clock);
 * - with COOKIE_SECURE, it is `Secure` whatever the request's scheme. express-session, told the
 *   cookie is secure, sets none at all over plain HTTP unless a trusted proxy says the client
 *   used HTTPS, so behind a TLS proxy without TRUST_PROXY a sign-in answered 200 and left every
 *   client signed out. Like Django's SESSION_COOKIE_SECURE, the setting now decides the
 *   attribute. Browsers still keep a Secure cookie only when it comes over HTTPS (or from
 *   localhost) and send it back over HTTPS only: COOKIE_SECURE means serving over HTTPS.
 *
 * Registered before express-session, so that this listener runs after the one that sets the cookie.
 */
export function sessionCookieAttributes(cookieName: string, secure: boolean) {
  const prefix = `${cookieName}=`;
  return (req: Request, res: Response, next: NextFunction): void => {
    onHeaders(res, function finishSessionCookie(this: Response) {
      const header = this.getHeader('Set-Cookie');
      if (header === undefined) return;
      const cookies = Array.isArray(header) ? header : [String(header)];
      const maxAge = req.session?.cookie?.maxAge;
      this.setHeader(
        'Set-Cookie',
        cookies.map((cookie) => (cookie.startsWith(prefix) ? withSecure(withMaxAge(cookie, maxAge ?? undefined), secure) : cookie)),
      );
    });
    next();
  };
}

/** `maxAgeMs`: what the session's cookie says is left; otherwise read off `Expires`. */
function withMaxAge(cookie: string, maxAgeMs: number | undefined): string {
  if (/;\s*max-age=/i.test(cookie)) return cookie;
  const expires = /;\s*expires=([^;]+)/i.exec(cookie);
  if (!expires) return cookie; // a browser-session cookie stays one
  const remaining = maxAgeMs ?? Date.parse(expires[1]) - Date.now();
  const seconds = Math.max(0, Math.round(remaining / 1000));
  return cookie.replace(expires[0], `; Max-Age=${seconds}${expires[0]}`);
}

function withSecure(cookie: string, secure: boolean): string {
  return secure && !/;\s*secure(;|$)/i.test(cookie) ? `${cookie}; Secure` : cookie;
}
