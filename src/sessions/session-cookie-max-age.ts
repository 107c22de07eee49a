import type { NextFunction, Request, Response } from 'express';
import onHeaders from 'on-headers';

/**
 * express-session writes a persistent cookie with `Expires` only; API.md promises `Max-Age`
 * too (which wins over `Expires` in every current browser, and does not depend on the client's
 * clock). Registered before express-session, so that this listener runs after the one that
 * sets the cookie.
 */
export function sessionCookieMaxAge(cookieName: string) {
  const prefix = `${cookieName}=`;
  return (req: Request, res: Response, next: NextFunction): void => {
    onHeaders(res, function addMaxAge(this: Response) {
      const header = this.getHeader('Set-Cookie');
      if (header === undefined) return;
      const cookies = Array.isArray(header) ? header : [String(header)];
      const maxAge = req.session?.cookie?.maxAge;
      this.setHeader(
        'Set-Cookie',
        cookies.map((cookie) => (cookie.startsWith(prefix) ? withMaxAge(cookie, maxAge ?? undefined) : cookie)),
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
