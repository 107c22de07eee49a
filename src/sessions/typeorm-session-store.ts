import type { Request } from 'express';
import { SessionData, Store } from 'express-session';
import { Session } from './session.entity';
import { hashSecret } from './secret-hash';
import { SessionState, SessionsService } from './sessions.service';

/** What the store found for the request's cookie, kept on the request for the guards. */
export interface CookieSessionLookup {
  state: SessionState;
  row: Session;
}

declare module 'express-serve-static-core' {
  interface Request {
    cookieSession?: CookieSessionLookup;
  }
}

declare module 'express-session' {
  interface SessionData {
    passport?: { user?: string };
    rememberMe?: boolean;
    lastActiveAt?: number;
  }
}


/**
 * express-session's store on the `sessions` table (kind `cookie`). Rows are keyed by the SHA-256
 * of the session id, never the id itself. Only signed-in sessions are stored: an anonymous
 * session is never written. A revoked or expired row comes back as an empty session, and the
 * request remembers why (`req.cookieSession.state`), so the guard can answer `session_expired`.
 *
 * No `touch`: activity is written by the authentication guard at most once per
 * SESSION_TOUCH_INTERVAL (a save), and without a `touch` express-session skips the check (one
 * more hash of the session) it makes on every request to decide whether to call it.
 */
export class TypeormSessionStore extends Store {
  /**
   * What `get` found, for `createSession`: express-session calls that synchronously from the
   * callback `get` answers with, so one field carries it (checked by identity, failing closed).
   */
  private handover?: { data: SessionData; lookup: CookieSessionLookup };

  constructor(private readonly sessions: SessionsService) {
    super();
  }

  /** Answers synchronously when the row is cached (most requests), from the database otherwise. */
  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    const secretHash = hashSecret(sid);
    const cached = this.sessions.cachedBySecretHash(secretHash);
    if (cached) return this.answer(cached, callback);
    this.sessions.findBySecretHash(secretHash).then((row) => this.answer(row, callback), callback);
  }

  private answer(row: Session | null, callback: (err: unknown, session?: SessionData | null) => void): void {
    if (!row || row.kind !== 'cookie' || row.data === null) return callback(null, null);
    const state = this.sessions.stateOf(row);
    const data = JSON.parse(row.data) as SessionData; // a fresh copy: express-session and passport change it
    const stored: SessionData = state === 'active' ? data : ({ cookie: data.cookie } as SessionData);
    this.handover = { data: stored, lookup: { state, row } };
    callback(null, stored);
  }

  /** express-session hands us the request here: move the looked-up row onto it. */
  override createSession(req: Request, data: SessionData): never {
    const handover = this.handover;
    this.handover = undefined;
    if (handover?.data === data) req.cookieSession = handover.lookup;
    return super.createSession(req, data) as never;
  }

  override set(sid: string, session: SessionData, callback?: (err?: unknown) => void): void {
    this.save(sid, session).then(() => callback?.(), (error: unknown) => callback?.(error));
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.sessions.deleteBySecretHash(hashSecret(sid)).then(() => callback?.(), (error: unknown) => callback?.(error));
  }

  private async save(sid: string, session: SessionData): Promise<void> {
    const secretHash = hashSecret(sid);
    const userId = session.passport?.user;
    const persistent = session.cookie.originalMaxAge != null;
    const data = JSON.stringify(session);
    const existing = await this.sessions.findBySecretHash(secretHash);

    if (!userId) {
      // Signed out (or never signed in): nothing to keep.
      if (existing) await this.sessions.delete(existing.id);
      return;
    }
    if (existing) {
      if (existing.userId !== userId) throw new Error('A session cannot change its user');
      // A revoked or expired session is never brought back by a late write, and a save that
      // changes nothing (passport's login saves the fresh session once more) writes nothing.
      if (this.sessions.stateOf(existing) !== 'active' || existing.data === data) return;
      await this.sessions.slide(existing, { data, persistent });
      return;
    }
    const req = (session as unknown as { req?: Request }).req;
    const row = await this.sessions.create({
      userId,
      kind: 'cookie',
      secretHash,
      persistent,
      data,
      client: { ip: req?.ip ?? null, userAgent: req?.get('user-agent') ?? null },
    });
    if (req) req.cookieSession = { state: 'active', row };
  }
}
