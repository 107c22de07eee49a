import { Inject, Injectable } from '@nestjs/common';
import { parse as parseCookieHeader } from 'cookie';
import { unsign } from 'cookie-signature';
import type { Request } from 'express';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { hashSecret } from '../sessions/secret-hash';
import { Session } from '../sessions/session.entity';
import { SessionsService } from '../sessions/sessions.service';
import { UsersService } from '../users/users.service';
import { VerifiedCookieCache, VerifiedSessionCookie } from './verified-cookie-cache';

/**
 * The read path of cookie sessions. A GET or HEAD request whose signed-in session and user are
 * both in memory, active, and not due a slide changes nothing in its session: express-session
 * would load it, hash it three times to find it unchanged, and neither save it nor send a cookie.
 * Such a request is answered here from the same caches the store and passport's deserializer
 * read, with the same checks (express-session's cookie signature, the row's state, the user not
 * disabled), and without that machinery, which was most of what a cookie request cost.
 *
 * Everything else goes through express-session and passport as before: unsafe methods (sign-in,
 * sign-out, anything CSRF guards), a cookie that fails its signature, a session or user not in
 * memory, a revoked or expired session (the store tells the guard which), a disabled user (passport
 * ends the session), a session due a slide (express-session saves it and re-sends the cookie).
 * So on this path `req.session` is not set: GET and HEAD handlers read the session through
 * `req.auth` (`@CurrentAuth()`), never `req.session`.
 */
@Injectable()
export class CachedCookieSession {
  /** Whether a row's stored session data names the row's user (express-session's JSON, checked once per cached row). */
  private readonly owners = new WeakMap<Session, string | undefined>();
  /** Cookie headers already parsed and checked (the signature is a pure function of the header and the secret). */
  private readonly verified = new VerifiedCookieCache();

  constructor(
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** True when the request is now authenticated (`req.user`, `req.cookieSession`); false sends it through express-session. */
  read(req: Request, cookieName: string): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const cookie = this.sessionCookie(req.headers.cookie ?? '', cookieName);
    if (cookie === undefined) return false;
    const row = this.sessions.cachedBySecretHash(cookie.secretHash);
    if (!row || row.kind !== 'cookie' || row.data === null) return false;
    const now = Date.now();
    if (this.sessions.stateOf(row, now) !== 'active' || this.sessions.isSlideDue(row, now)) return false;
    const user = this.users.cachedById(row.userId);
    if (!user || user.disabled || this.ownerOf(row) !== user.id) return false;
    req.cookieSession = { state: 'active', row };
    req.user = user;
    return true;
  }

  /** The session id in the cookie, exactly as express-session reads it: the first `sid`, `s:`-prefixed, signed with the secret. */
  private sessionCookie(header: string, cookieName: string): VerifiedSessionCookie | undefined {
    const known = this.verified.recall(header, cookieName);
    if (known !== undefined) return known;
    const raw = parseCookieHeader(header)[cookieName];
    if (raw === undefined || !raw.startsWith('s:')) return undefined;
    const sid = unsign(raw.slice(2), this.config.sessionSecret);
    if (sid === false) return undefined;
    const cookie = { cookieName, sid, secretHash: hashSecret(sid) };
    this.verified.remember(header, cookie);
    return cookie;
  }

  private ownerOf(row: Session): string | undefined {
    if (this.owners.has(row)) return this.owners.get(row);
    let owner: string | undefined;
    try {
      owner = (JSON.parse(row.data!) as { passport?: { user?: string } }).passport?.user;
    } catch {
      owner = undefined;
    }
    this.owners.set(row, owner);
    return owner;
  }
}
